/*
 * The kernel audit (kern/audit.h).
 *
 * The page accounting is checked here: every physical page must be free,
 * or owned by a live env (user pages and page tables), or the kernel's,
 * or exported; a page's map count must equal the number of PTEs that map
 * it in all address spaces, and its pin count the number of bindings
 * that hold it (the subsystems that pin pages declare each binding with
 * audit_pin while they audit themselves); a page is marked registered
 * exactly when the buffer-cache registry holds it; each env's page count
 * must equal the pages charged to it; the free count must equal the free
 * pages. Every other invariant is checked by the subsystem that keeps it,
 * in its own file, so that its state stays private.
 *
 * audit_selftest proves that the audit can fail: it breaks one invariant
 * of each kind, reversibly, and checks that the audit counts a problem.
 */
#include "audit.h"
#include "env.h"
#include "pmap.h"
#include "sched.h"
#include "slice.h"
#include "revoke.h"
#include "nic.h"
#include "filter.h"
#include "disk.h"
#include "bcache.h"
#include "cpu.h"
#include "lapic.h"
#include "trap.h"
#include "spinlock.h"
#include "assert.h"
#include "cpu.h"
#include "export.h"
#include "console.h"
#include "abi/error.h"

/* What the audit found holding each page, indexed by ppn. */
struct seen {
	uint16_t maps;			/* PTEs mapping it */
	uint16_t pins;			/* bindings declared by audit_pin */
	uint16_t registered;		/* registry entries holding it */
};

static struct seen *seen;		/* seen[npages], at boot */
static bool audit_verbose;
static int reported;			/* problems reported in this run */

int
audit_report(const char *fmt, ...)
{
	va_list ap;

	reported++;
	if (!audit_verbose || reported > AUDIT_PRINT_MAX)
		return 1;
	va_start(ap, fmt);
	cprintf("audit: ");
	vcprintf(fmt, ap);
	cprintf("\n");
	va_end(ap);
	return 1;
}

/* The seen[] record of pg, or NULL (reported) if pg is no page. */
static struct seen *
seen_of(const struct page *pg, const char *binding)
{
	if (pg < pages || pg >= pages + npages) {
		audit_report("%s holds %p, which is no page of RAM", binding, pg);
		return NULL;
	}
	return &seen[pg - pages];
}

int
audit_pin(struct page *pg)
{
	struct seen *s = seen_of(pg, "a binding");

	if (s)
		s->pins++;
	return s == NULL;
}

int
audit_registered(struct page *pg)
{
	struct seen *s = seen_of(pg, "the registry");

	if (s)
		s->registered++;
	return s == NULL;
}

bool
audit_env_live(const struct env *e)
{
	return e && e->status != ENV_FREE && e->status != ENV_ZOMBIE;
}

/* The env that id names if it is live, else NULL. */
static const struct env *
live_env(envid_t id)
{
	const struct env *e = &envs[ENVX(id)];

	return id > 0 && e->id == id && audit_env_live(e) ? e : NULL;
}

/* Counts the leaf PTEs under table t (level 3: a PDPT) into seen[]. */
static int
count_level(const uint64_t *t, int level)
{
	int n = 0;

	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		size_t ppn = (t[i] & PTE_ADDR_MASK) >> PGSHIFT;
		if (ppn >= npages) {
			n += audit_report("page %lx: a PTE maps it beyond RAM", (unsigned long)ppn);
			continue;
		}
		if (level == 1)
			seen[ppn].maps++;
		else
			n += count_level(KADDR(t[i] & PTE_ADDR_MASK), level - 1);
	}
	return n;
}

static int
count_mappings(void)
{
	int n = 0;

	for (size_t i = 0; i < npages; i++)
		seen[i] = (struct seen){ 0 };
	for (int i = 0; i < NENV; i++)
		if (envs[i].pml4)
			for (int slot = 0; slot < UEXPORTS_SLOT; slot++)
				if (envs[i].pml4[slot] & PTE_P)
					n += count_level(KADDR(envs[i].pml4[slot] & PTE_ADDR_MASK),
							 3);
	return n;
}

/* Owner and kind of page i; charges it to its owner in charged[]. */
static int
check_owner(size_t i, uint64_t *charged)
{
	const struct page_export *x = &page_ex[i];
	int n = 0;

	switch (x->kind) {
	case PAGEK_USER:
		if (!live_env(x->owner))
			n += audit_report("page %lx: user page owned by %08x, no live env",
					  (unsigned long)i, x->owner);
		if (x->maps == 0 && x->pins == 0)
			n += audit_report("page %lx: user page neither mapped nor pinned",
					  (unsigned long)i);
		charged[ENVX(x->owner)]++;
		break;
	case PAGEK_PAGETABLE:
		if (!live_env(x->owner))
			n += audit_report("page %lx: page table of %08x, no live env",
					  (unsigned long)i, x->owner);
		charged[ENVX(x->owner)]++;
		break;
	default:
		if (seen[i].maps)
			n += audit_report("page %lx: kind %u mapped %u times in user space",
					  (unsigned long)i, x->kind, seen[i].maps);
		break;
	}
	return n;
}

/* Map count, pin count and registration of page i against what holds it. */
static int
check_holders(size_t i)
{
	const struct page_export *x = &page_ex[i];
	bool flagged = pages[i].flags & PAGE_REGISTERED;
	int n = 0;

	if (x->kind == PAGEK_USER && x->maps != seen[i].maps)
		n += audit_report("page %lx: map count %u, but %u PTEs map it",
				  (unsigned long)i, x->maps, seen[i].maps);
	if (x->pins != seen[i].pins)
		n += audit_report("page %lx: pin count %u, but %u bindings hold it",
				  (unsigned long)i, x->pins, seen[i].pins);
	if (seen[i].registered > 1)
		n += audit_report("page %lx: registered %u times", (unsigned long)i,
				  seen[i].registered);
	if (flagged != (seen[i].registered > 0))
		n += audit_report("page %lx: marked %sregistered, but the registry %s it",
				  (unsigned long)i, flagged ? "" : "not ",
				  seen[i].registered ? "holds" : "does not hold");
	return n;
}

/* Every page, then every env's page count, then the free count. */
static int
check_pages(void)
{
	static uint64_t charged[NENV];
	size_t nfree = 0;
	int n = 0;

	for (int i = 0; i < NENV; i++)
		charged[i] = 0;
	for (size_t i = 0; i < npages; i++) {
		n += check_owner(i, charged);
		n += check_holders(i);
		nfree += page_ex[i].kind == PAGEK_FREE;
	}
	for (int i = 0; i < NENV; i++)
		if (live_env(envs[i].id) && envs[i].ex->pages != charged[i])
			n += audit_report("env [%08x]: page count %lu, but %lu pages charged to it",
					  envs[i].id, (unsigned long)envs[i].ex->pages,
					  (unsigned long)charged[i]);
	if (nfree != page_free_count())
		n += audit_report("pages: free count %zu, but %zu pages are free",
				  page_free_count(), nfree);
	return n;
}

/* The seen[] array, sized by RAM; at boot. */
void
audit_init(void)
{
	size_t bytes = npages * sizeof(struct seen);

	seen = page2kva(page_alloc_contig_boot(ROUNDUP(bytes, PGSIZE) / PGSIZE));
}

/* --- stopping the world --- */

static int stw_owner = -1;	/* the CPU auditing, or -1 */
static uint64_t stw_gen;	/* counts the stops */

void
audit_park_point(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		int owner = __atomic_load_n(&stw_owner, __ATOMIC_ACQUIRE);
		if (owner < 0 || owner == c->id)
			return;
#if LOCK_CHECK
		if (c->nheld)
			panic("audit: cpu %d parks holding %s", c->id, c->held[0]->name);
#endif
		uint64_t gen = __atomic_load_n(&stw_gen, __ATOMIC_ACQUIRE);
		__atomic_store_n(&c->parked_gen, gen, __ATOMIC_RELEASE);
		while (__atomic_load_n(&stw_owner, __ATOMIC_ACQUIRE) == owner &&
		       __atomic_load_n(&stw_gen, __ATOMIC_ACQUIRE) == gen)
			spin_wait_relax();
	}
}

/* Parks every other CPU (an IPI brings one in user mode or idle into the
 * kernel; one in the kernel parks on its way out). Two CPUs auditing at
 * once: the second parks until the first is done. */
static void
world_stop(void)
{
	struct cpu *me = this_cpu();
	uint64_t gen;

	for (;;) {
		int free = -1;
		if (__atomic_compare_exchange_n(&stw_owner, &free, me->id, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
		audit_park_point();
	}
	gen = __atomic_add_fetch(&stw_gen, 1, __ATOMIC_ACQ_REL);
	for (int i = 0; i < ncpu; i++)
		if (&cpus[i] != me && cpus[i].started)
			lapic_send_ipi(cpus[i].apic_id, T_IPI_RESCHED);
	for (int i = 0; i < ncpu; i++)
		while (&cpus[i] != me && cpus[i].started &&
		       __atomic_load_n(&cpus[i].parked_gen, __ATOMIC_ACQUIRE) != gen)
			spin_wait_relax();
}

static void
world_start(void)
{
	__atomic_store_n(&stw_owner, -1, __ATOMIC_RELEASE);
}

/* Every check, without the closing line. The subsystems declare their
 * pins before check_pages compares them. */
static int
audit_run(bool verbose)
{
	int n;

	audit_verbose = verbose;
	reported = 0;
	n = count_mappings();
	n += env_audit();
	n += sched_audit();
	n += slice_audit();
	n += revoke_audit();
	n += nic_audit();
	n += filter_audit();
	n += bcache_audit();
	n += disk_audit();
	n += disk_ops_audit();
	n += check_pages();
	return n;
}

int
audit_kernel(bool verbose)
{
	int n;

	world_stop();
	n = audit_run(verbose);
	world_start();

	if (verbose && n > AUDIT_PRINT_MAX)
		cprintf("audit: ... %d more problems not shown\n", n - AUDIT_PRINT_MAX);
	if (verbose)
		cprintf("audit: %s, %d problems, %zu free pages\n",
			n ? "FAILED" : "ok", n, page_free_count());
	return n;
}

/* --- the self-test --- */

/* One deliberate breakage: an integer field of some subsystem's state
 * and the value it holds for one audit. */
struct poke {
	const char *what;
	void *field;
	size_t size;			/* 1, 2, 4 or 8 bytes */
	uint64_t value;
};

#define POKE(what, lv, val)	((struct poke){ (what), &(lv), sizeof(lv), (uint64_t)(val) })
#define POKES_MAX		16

static uint64_t
field_get(const void *p, size_t size)
{
	switch (size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

static void
field_set(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: *(uint16_t *)p = (uint16_t)v; break;
	case 4: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
}

/* A user page cur owns and maps, or NULL. */
static struct page_export *
mapped_page_of(const struct env *cur)
{
	for (size_t i = 0; i < npages; i++)
		if (page_ex[i].kind == PAGEK_USER && page_ex[i].owner == cur->id &&
		    page_ex[i].maps > 0)
			return &page_ex[i];
	return NULL;
}

/* The pokes of the pages and the envs: cur's own records. */
static int
pokes_env(struct env *cur, struct poke *p)
{
	struct page_export *pg = mapped_page_of(cur);
	struct env_export *ex = cur->ex;
	int n = 0;

	if (pg) {
		p[n++] = POKE("page map count", pg->maps, pg->maps + 1);
		p[n++] = POKE("page pin count", pg->pins, pg->pins + 1);
	}
	p[n++] = POKE("env page count", ex->pages, ex->pages + 1);
	p[n++] = POKE("env exported status", ex->status, ENV_NOT_RUNNABLE);
	p[n++] = POKE("env exported parent", ex->parent, ex->parent + 1);
	p[n++] = POKE("run queue membership", cur->on_runq, true);
	p[n++] = POKE("revocations pending", ex->revoke_deadline, 1);
	p[n++] = POKE("slots owned", ex->slots_owned, ex->slots_owned + 1);
	p[n++] = POKE("CPU running export", cpu_ex[this_cpu()->id].running, 0);
	return n;
}

/* The pokes of the devices that exist: the first NIC, the first disk
 * with an ownership map, the first registered page. */
static int
pokes_devices(struct poke *p)
{
	int n = 0;

	if (nnics > 0) {
		p[n++] = POKE("NIC channel count", nics[0].ex->nchan, nics[0].ex->nchan + 1);
		p[n++] = POKE("NIC filter count", nics[0].ex->nfilters, nics[0].ex->nfilters + 1);
	}
	for (int i = 0; i < ndisks; i++)
		if (disks[i].map) {
			struct disk_export *x = disks[i].ex;
			p[n++] = POKE("disk free-block count", x->free_blocks, x->free_blocks + 1);
			break;
		}
	for (int s = 0; s < BCACHE_SLOTS; s++)
		if (bcache_slot(s)->flags) {
			struct bcache_export *x = bcache_slot(s);
			struct page *pg = bcache_page(s);
			p[n++] = POKE("registered page flag", pg->flags,
				      pg->flags & ~PAGE_REGISTERED);
			p[n++] = POKE("registry entry flags", x->flags, x->flags | 0x80);
			break;
		}
	return n;
}

/* Breaks p, audits, restores; true if the audit saw a problem. */
static bool
try_poke(const struct poke *p)
{
	uint64_t old = field_get(p->field, p->size);
	int n;

	cprintf("audit selftest: breaking the %s\n", p->what);
	field_set(p->field, p->size, p->value);
	n = audit_run(true);
	field_set(p->field, p->size, old);
	cprintf("audit selftest: %s: %s (%d problems)\n", p->what,
		n ? "caught" : "NOT caught", n);
	return n > 0;
}

/*
 * Returns 0 when the audit caught every breakage, else a mask with bit i
 * set for the i-th breakage it missed (bit 31: the state was not clean
 * again afterwards); -E_BUSY if the audit fails before anything is
 * broken (nothing can be learned then). The world is stopped meanwhile.
 */
int64_t
audit_selftest(void)
{
	struct poke p[POKES_MAX];
	int n = 0;
	int64_t missed = 0;

	world_stop();
	if (audit_run(false) != 0) {
		world_start();
		return -E_BUSY;
	}
	n += pokes_env(this_cpu()->env, p + n);
	n += pokes_devices(p + n);
	for (int i = 0; i < n; i++)
		if (!try_poke(&p[i]))
			missed |= 1LL << i;
	if (audit_run(false) != 0)
		missed |= 1LL << 31;
	world_start();
	cprintf("audit selftest: %d breakages, %s\n", n,
		missed ? "some NOT caught" : "all caught");
	return missed;
}
