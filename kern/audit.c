/*
 * The page-accounting audit. Every physical page must be free, or owned
 * by a live env (user pages and page tables), or the kernel's, or
 * exported; a user page's map count must equal the number of PTEs that
 * map it in all address spaces; each env's page count must equal the
 * pages charged to it; the free count must equal the free pages.
 */
#include "audit.h"
#include "env.h"
#include "pmap.h"
#include "console.h"
#include "abi/error.h"

static uint16_t *seen_maps;	/* per ppn: PTEs found mapping it */

static int problems;
static bool audit_verbose;

static void
report(const char *what, size_t ppn, long a, long b)
{
	problems++;
	if (audit_verbose && problems <= 20)
		cprintf("audit: page %lx: %s (%ld vs %ld)\n", (unsigned long)ppn, what, a, b);
}

static void
count_level(const uint64_t *t, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		size_t ppn = (t[i] & PTE_ADDR_MASK) >> PGSHIFT;
		if (ppn >= npages) {
			report("PTE beyond RAM", ppn, 0, 0);
			continue;
		}
		if (level == 1) {
			seen_maps[ppn]++;
		} else {
			count_level(KADDR(t[i] & PTE_ADDR_MASK), level - 1);
		}
	}
}

static bool
owner_alive(envid_t id)
{
	const struct env *e = &envs[ENVX(id)];

	return id > 0 && e->id == id && e->status != ENV_FREE && e->status != ENV_ZOMBIE;
}

static void
check_page(size_t i, uint64_t *charged)
{
	const struct page_export *x = &page_ex[i];

	switch (x->kind) {
	case PAGEK_USER:
		if (!owner_alive(x->owner))
			report("user page owned by no live env", i, x->owner, 0);
		if (x->maps != seen_maps[i])
			report("map count differs from the page tables", i, x->maps, seen_maps[i]);
		if (x->maps == 0 && x->pins == 0)
			report("user page neither mapped nor pinned", i, 0, 0);
		charged[ENVX(x->owner)]++;
		break;
	case PAGEK_PAGETABLE:
		if (!owner_alive(x->owner))
			report("page table of no live env", i, x->owner, 0);
		charged[ENVX(x->owner)]++;
		break;
	default:
		if (seen_maps[i] && x->kind != PAGEK_USER)
			report("non-user page mapped in user space", i, x->kind, seen_maps[i]);
		break;
	}
}

/* The audit's counters, sized by RAM; at boot. */
void
audit_init(void)
{
	size_t bytes = npages * sizeof(uint16_t);

	seen_maps = page2kva(page_alloc_contig_boot(ROUNDUP(bytes, PGSIZE) / PGSIZE));
}

int
audit_pages(bool verbose)
{
	static uint64_t charged[NENV];
	size_t nfree = 0;

	problems = 0;
	audit_verbose = verbose;
	for (size_t i = 0; i < npages; i++)
		seen_maps[i] = 0;
	for (int i = 0; i < NENV; i++) {
		charged[i] = 0;
		if (envs[i].pml4)
			for (int slot = 0; slot < UEXPORTS_SLOT; slot++)
				if (envs[i].pml4[slot] & PTE_P)
					count_level(KADDR(envs[i].pml4[slot] & PTE_ADDR_MASK), 3);
	}
	for (size_t i = 0; i < npages; i++) {
		check_page(i, charged);
		nfree += page_ex[i].kind == PAGEK_FREE;
	}
	for (int i = 0; i < NENV; i++)
		if (owner_alive(envs[i].id) && envs[i].ex->pages != charged[i])
			report("env page count differs from its pages", i,
			       (long)envs[i].ex->pages, (long)charged[i]);
	if (nfree != page_free_count())
		report("free count differs from free pages", 0, (long)page_free_count(), (long)nfree);
	if (verbose)
		cprintf("audit: %s, %d problems, %zu free pages\n",
			problems ? "FAILED" : "ok", problems, nfree);
	return problems;
}
