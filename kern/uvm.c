/*
 * User address spaces. An env's PML4 holds:
 *   slots 0-253    its own memory, managed through the page calls
 *   slot 254       the exports (one shared, read-only subtree)
 *   slot 255       the self-map: the PML4 itself, read-only, so the
 *                  library OS reads its page tables at UVPT
 *   slots 256-511  the kernel half, shared, supervisor-only
 * Intermediate entries are P|W|U; the leaf PTE alone decides access.
 * Page-table pages are charged to the env (kind PAGEK_PAGETABLE).
 *
 * A function given an env runs under that env's lock (e->lock), which
 * guards its page tables; page_ex changes take page_meta_lock inside.
 */
#include "uvm.h"
#include "env.h"
#include "export.h"
#include "cpu.h"
#include "lapic.h"
#include "spinlock.h"
#include "assert.h"
#include "string.h"
#include "x86.h"
#include "abi/error.h"

#define PTE_TABLE	(PTE_P | PTE_W | PTE_U)	/* intermediate entries */
#define USER_PML4_SLOTS	UEXPORTS_SLOT		/* slots 0..253 are the env's */

/* Pages owned, in the owner's export. Under page_meta_lock, like every
 * page_ex update in this file. */
static void
charge(envid_t owner, int64_t delta)
{
	if (owner && envs[ENVX(owner)].id == owner)
		envs[ENVX(owner)].ex->pages += delta;
}

/* A zeroed page charged to owner, of the given kind; NULL when memory is
 * short (the kernel's reserve is not given to envs). */
static struct page *
page_alloc_owned(struct env *owner, int kind)
{
	struct page *pg = page_alloc(PAGE_ZERO | PAGE_USER);

	if (!pg)
		return NULL;
	page_meta_lock();
	page2ex(pg)->kind = kind;
	page2ex(pg)->owner = owner->id;
	charge(owner->id, 1);
	page_meta_unlock();
	return pg;
}

struct page *
uvm_page_alloc_for(struct env *owner)
{
	return page_alloc_owned(owner, PAGEK_USER);
}

/* With page_meta_lock held. */
static void
page_free_owned_locked(struct page *pg)
{
	charge(page2ex(pg)->owner, -1);
	page2ex(pg)->owner = 0;
	page_free_locked(pg);
}

static void
page_free_owned(struct page *pg)
{
	page_meta_lock();
	page_free_owned_locked(pg);
	page_meta_unlock();
}

/* One mapping of pg went away; free it when it was the last use. */
void
uvm_page_decref(struct page *pg)
{
	struct page_export *x = page2ex(pg);

	page_meta_lock();
	assert(x->kind == PAGEK_USER && x->maps > 0);
	if (--x->maps == 0 && x->pins == 0)
		page_free_owned_locked(pg);
	page_meta_unlock();
}

/* With page_meta_lock held: one pin more unless pg has max already. */
static bool
pin_locked(struct page *pg, unsigned max)
{
	if (page2ex(pg)->pins >= max)
		return false;
	page2ex(pg)->pins++;
	return true;
}

/* With page_meta_lock held: one pin fewer; freed if that was the last use. */
static void
unpin_locked(struct page *pg)
{
	struct page_export *x = page2ex(pg);

	assert(x->pins > 0);
	if (--x->pins == 0 && x->maps == 0)
		page_free_owned_locked(pg);
}

/* One binding more holds pg (DMA, a registry); false when it already
 * has max. */
bool
uvm_page_pin(struct page *pg, unsigned max)
{
	bool ok;

	page_meta_lock();
	ok = pin_locked(pg, max);
	page_meta_unlock();
	return ok;
}

/* One binding fewer; the page is freed when that was its last use. */
void
uvm_page_unpin(struct page *pg)
{
	page_meta_lock();
	unpin_locked(pg);
	page_meta_unlock();
}

/* The buffer-cache registry takes pg (kern/bcache.c): a pin and the
 * PAGE_REGISTERED mark together, so that whoever looks at both under
 * page_meta_lock never sees one without the other; false when pg
 * already has max pins. */
bool
uvm_page_register(struct page *pg, unsigned max)
{
	bool ok;

	page_meta_lock();
	ok = pin_locked(pg, max);
	if (ok)
		pg->flags |= PAGE_REGISTERED;
	page_meta_unlock();
	return ok;
}

/* The registry lets go of pg: the mark and its pin; pg is freed when
 * that was its last use. */
void
uvm_page_unregister(struct page *pg)
{
	page_meta_lock();
	assert(pg->flags & PAGE_REGISTERED);
	pg->flags &= ~PAGE_REGISTERED;
	unpin_locked(pg);
	page_meta_unlock();
}

int
uvm_create(struct env *e)
{
	struct page *pg = page_alloc_owned(e, PAGEK_PAGETABLE);

	if (!pg)
		return -E_NO_MEM;
	e->pml4 = page2kva(pg);
	e->pml4_pa = page2pa(pg);
	pmap_copy_kernel_half(e->pml4);
	e->pml4[UVPT_SLOT] = e->pml4_pa | PTE_P | PTE_U | (cpu_has_nx ? PTE_NX : 0);
	e->pml4[UEXPORTS_SLOT] = export_pdpt_pa() | PTE_P | PTE_U;
	return 0;
}

/* The next-level table under entry t[idx], created (charged to e) when
 * create is set; NULL if absent or out of memory (*err says which). */
static uint64_t *
table_next(struct env *e, uint64_t *t, int idx, bool create, int *err)
{
	if (!(t[idx] & PTE_P)) {
		if (!create) {
			*err = -E_NOT_MAPPED;
			return NULL;
		}
		struct page *pg = page_alloc_owned(e, PAGEK_PAGETABLE);
		if (!pg) {
			*err = -E_NO_MEM;
			return NULL;
		}
		t[idx] = page2pa(pg) | PTE_TABLE;
	}
	return KADDR(t[idx] & PTE_ADDR_MASK);
}

/* The PTE for user address va (< UTOP) in e, creating the tables on the
 * way when create is set. NULL with *err = -E_NOT_MAPPED or -E_NO_MEM. */
uint64_t *
uvm_walk(struct env *e, uintptr_t va, bool create, int *err)
{
	int dummy;
	uint64_t *t = e->pml4;

	if (!err)
		err = &dummy;
	assert(va < UTOP);
	for (int shift = 39; shift > 12; shift -= 9) {
		t = table_next(e, t, (va >> shift) & 511, create, err);
		if (!t)
			return NULL;
	}
	return &t[(va >> 12) & 511];
}

/* The page mapped at va in e (and its PTE), or NULL. */
struct page *
uvm_lookup(struct env *e, uintptr_t va, uint64_t *pte_out)
{
	uint64_t *pte;

	if (va >= UTOP)
		return NULL;
	pte = uvm_walk(e, va, false, NULL);
	if (!pte || !(*pte & PTE_P))
		return NULL;
	if (pte_out)
		*pte_out = *pte;
	return pa2page(*pte & PTE_ADDR_MASK);
}

int
uvm_check_va(uintptr_t va)
{
	if (va >= UTOP || (va & (PGSIZE - 1)))
		return -E_INVAL;
	return 0;
}

int
uvm_check_perm(uint64_t perm)
{
	if ((perm & ~(uint64_t)PERM_USER_OK) || !(perm & PERM_P))
		return -E_INVAL;
	return 0;
}

/* The PTE bits for a user permission: user always, NX only where the CPU
 * has it (elsewhere bit 63 is reserved and would fault). */
static uint64_t
pte_bits(uint64_t perm)
{
	uint64_t bits = perm | PTE_U | PTE_P;

	if (!cpu_has_nx)
		bits &= ~PTE_NX;
	return bits;
}

/*
 * Maps pg at va in e with perm (already validated), replacing whatever
 * was there. Errors: -E_NO_MEM (no page table), -E_QUOTA (the page is
 * mapped too often).
 */
int
uvm_insert(struct env *e, struct page *pg, uintptr_t va, uint64_t perm)
{
	struct page_export *x = page2ex(pg);
	int err;
	uint64_t *pte = uvm_walk(e, va, true, &err);

	if (!pte)
		return err;
	page_meta_lock();
	if (x->maps == UINT16_MAX) {
		page_meta_unlock();
		return -E_QUOTA;
	}
	x->maps++;		/* first, in case pg is what va maps now */
	page_meta_unlock();
	if (*pte & PTE_P)
		uvm_remove(e, va);
	*pte = page2pa(pg) | pte_bits(perm);
	tlb_invalidate(e, va);
	return 0;
}

void
uvm_remove(struct env *e, uintptr_t va)
{
	uint64_t *pte = uvm_walk(e, va, false, NULL);
	struct page *pg;

	if (!pte || !(*pte & PTE_P))
		return;
	pg = pa2page(*pte & PTE_ADDR_MASK);
	*pte = 0;
	tlb_invalidate(e, va);
	uvm_page_decref(pg);
}

/* uvm_for_each_pte's walk of one table at level (3 = PDPT ... 1 = PT)
 * mapping from base; false when fn asked to stop. */
static bool
walk_level(uint64_t *t, int level, uintptr_t base,
	   bool (*fn)(uintptr_t, uint64_t *, void *), void *arg)
{
	for (int i = 0; i < 512; i++) {
		uintptr_t va = base + ((uintptr_t)i << (12 + 9 * (level - 1)));
		if (!(t[i] & PTE_P))
			continue;
		if (level == 1 ? !fn(va, &t[i], arg)
			       : !walk_level(KADDR(t[i] & PTE_ADDR_MASK), level - 1, va, fn, arg))
			return false;
	}
	return true;
}

void
uvm_for_each_pte(struct env *e, bool (*fn)(uintptr_t va, uint64_t *pte, void *arg), void *arg)
{
	for (int i = 0; i < USER_PML4_SLOTS; i++)
		if (e->pml4[i] & PTE_P &&
		    !walk_level(KADDR(e->pml4[i] & PTE_ADDR_MASK), 3, (uintptr_t)i << 39, fn, arg))
			return;
}

/* Frees one level of tables under t (level 3 = PDPT ... 1 = PT) and the
 * pages its leaves map. */
static void
free_level(uint64_t *t, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		struct page *pg = pa2page(t[i] & PTE_ADDR_MASK);
		if (level == 1) {
			uvm_page_decref(pg);
		} else {
			free_level(KADDR(t[i] & PTE_ADDR_MASK), level - 1);
			page_free_owned(pg);
		}
		t[i] = 0;
	}
}

/* Unmaps everything e maps and frees its page tables. e must not be
 * running anywhere; this CPU leaves e's address space first. */
void
uvm_destroy(struct env *e)
{
	for (int cpu = 0; cpu < ncpu; cpu++)
		if (cpus[cpu].cr3_env == e && &cpus[cpu] != this_cpu())
			panic("uvm_destroy: env %x still loaded on cpu %d", e->id, cpu);
	if (this_cpu()->cr3_env == e)
		uvm_load_kernel();
	for (int i = 0; i < USER_PML4_SLOTS; i++) {
		if (!(e->pml4[i] & PTE_P))
			continue;
		free_level(KADDR(e->pml4[i] & PTE_ADDR_MASK), 3);
		page_free_owned(pa2page(e->pml4[i] & PTE_ADDR_MASK));
		e->pml4[i] = 0;
	}
	page_free_owned(pa2page(e->pml4_pa));
	e->pml4 = NULL;
	e->pml4_pa = 0;
}

void
uvm_load(struct env *e)
{
	struct cpu *c = this_cpu();

	if (c->cr3_env != e) {
		/* Published before CR3 is loaded: a CPU that changes e's
		 * tables after this either sees us and shoots us down, or
		 * made its change before our load, which then sees it. */
		__atomic_store_n(&c->cr3_env, e, __ATOMIC_SEQ_CST);
		lcr3(e->pml4_pa);
	}
}

void
uvm_load_kernel(void)
{
	struct cpu *c = this_cpu();

	if (c->cr3_env) {
		lcr3(kern_pml4_pa());
		c->cr3_env = NULL;
	}
}

/* Walks [va, va+len) of e's user memory page by page, calling fn on each
 * piece through the direct map. need lists the PTE bits required. */
static int
user_range(struct env *e, uintptr_t va, size_t len, uint64_t need,
	   void (*fn)(void *kva, size_t off, size_t n, void *arg), void *arg)
{
	size_t done = 0;

	if (va >= UTOP || len > UTOP - va)
		return -E_FAULT;
	while (done < len) {
		uintptr_t cur = va + done;
		size_t n = MIN(len - done, PGSIZE - (cur & (PGSIZE - 1)));
		uint64_t pte;
		struct page *pg = uvm_lookup(e, ROUNDDOWN(cur, PGSIZE), &pte);
		if (!pg || (pte & need) != need)
			return -E_FAULT;
		fn((uint8_t *)page2kva(pg) + (cur & (PGSIZE - 1)), done, n, arg);
		done += n;
	}
	return 0;
}

static void
piece_in(void *kva, size_t off, size_t n, void *arg)
{
	memcpy((uint8_t *)arg + off, kva, n);
}

static void
piece_out(void *kva, size_t off, size_t n, void *arg)
{
	memcpy(kva, (const uint8_t *)arg + off, n);
}

static void
piece_none(void *kva, size_t off, size_t n, void *arg)
{
}

/* 0 when all of [va, va+len) is mapped user-accessible in e (and
 * writable if write is set), else -E_FAULT. */
int
uvm_check_user(struct env *e, uintptr_t va, size_t len, bool write)
{
	return user_range(e, va, len, PTE_P | PTE_U | (write ? PTE_W : 0), piece_none, NULL);
}

int
copy_from_user(struct env *e, void *dst, uintptr_t src, size_t len)
{
	return user_range(e, src, len, PTE_P | PTE_U, piece_in, dst);
}

int
copy_to_user(struct env *e, uintptr_t dst, const void *src, size_t len)
{
	return user_range(e, dst, len, PTE_P | PTE_U | PTE_W, piece_out, (void *)src);
}

/* A NUL-terminated string of at most max-1 characters; -E_FAULT if
 * unreadable, -E_NAME_TOO_LONG if no NUL within max bytes. */
int
copy_str_from_user(struct env *e, char *dst, uintptr_t src, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (copy_from_user(e, &dst[i], src + i, 1) < 0)
			return -E_FAULT;
		if (dst[i] == '\0')
			return 0;
	}
	return -E_NAME_TOO_LONG;
}

/*
 * Makes every other CPU that has e's address space loaded reload CR3,
 * and waits until each has, so a freed page is never reachable after.
 *
 * A request is a ticket: the asker bumps the target's tlb_req (a locked
 * instruction, so the PTE change before it is visible first) and sends
 * an IPI; the target reads tlb_req, reloads CR3, then publishes what it
 * read in tlb_done. A flush that read our ticket began after our change.
 * The target serves it from the IPI or, when it spins in the kernel with
 * interrupts off (for a lock, or for its own shootdown), from tlb_poll:
 * two CPUs shooting each other, or one waiting for a lock the other
 * holds, never deadlock.
 */
static void
tlb_shootdown(struct env *e)
{
	struct cpu *me = this_cpu();
	uint64_t want[NCPU_MAX];

	__sync_synchronize();	/* our PTE writes before reading cr3_env */
	for (int i = 0; i < ncpu; i++) {
		want[i] = 0;
		if (&cpus[i] != me && cpus[i].cr3_env == e && cpus[i].started) {
			want[i] = __atomic_add_fetch(&cpus[i].tlb_req, 1, __ATOMIC_SEQ_CST);
			lapic_send_ipi(cpus[i].apic_id, T_IPI_TLB);
		}
	}
	for (int i = 0; i < ncpu; i++)
		while (want[i] && __atomic_load_n(&cpus[i].tlb_done, __ATOMIC_ACQUIRE) < want[i])
			spin_wait_relax();
}

/* Serves the flushes asked of this CPU since its last one. */
void
tlb_poll(void)
{
	struct cpu *c = this_cpu();
	uint64_t req = __atomic_load_n(&c->tlb_req, __ATOMIC_ACQUIRE);

	if (req == c->tlb_done)
		return;
	lcr3(rcr3());
	__atomic_store_n(&c->tlb_done, req, __ATOMIC_RELEASE);
}

/* Drops stale translations of va in e: here with invlpg, elsewhere by
 * the shootdown. */
void
tlb_invalidate(struct env *e, uintptr_t va)
{
	if (this_cpu()->cr3_env == e)
		invlpg(va);
	tlb_shootdown(e);
}

/* Drops all of e's translations (after many PTEs changed at once). */
void
tlb_flush_env(struct env *e)
{
	if (this_cpu()->cr3_env == e)
		lcr3(rcr3());
	tlb_shootdown(e);
}

/* The shootdown IPI: reload CR3 (drops every non-global entry). Runs
 * with no lock: the sender may hold any. */
static void
tlb_ipi(struct trapframe *tf)
{
	tlb_poll();
	lapic_eoi();
}

void
tlb_shootdown_init(void)
{
	trap_set_handler(T_IPI_TLB, tlb_ipi);
}

/* A page from page_alloc_specific becomes e's user page. */
void
uvm_adopt_page(struct page *pg, struct env *e)
{
	page_meta_lock();
	page2ex(pg)->kind = PAGEK_USER;
	page2ex(pg)->owner = e->id;
	charge(e->id, 1);
	page_meta_unlock();
}

/* A user page neither mapped nor pinned becomes the kernel's without
 * being freed (a receive page given to a NIC by a page flip). */
static void
page_disown_locked(struct page *pg)
{
	assert(page2ex(pg)->maps == 0 && page2ex(pg)->pins == 0);
	charge(page2ex(pg)->owner, -1);
	page2ex(pg)->owner = 0;
	page2ex(pg)->kind = PAGEK_KERNEL;
}

void
uvm_page_disown(struct page *pg)
{
	page_meta_lock();
	page_disown_locked(pg);
	page_meta_unlock();
}

/* Drops the one pin of a page mapped nowhere and makes it the kernel's
 * (a NIC's page flip takes the filled receive page). */
void
uvm_page_unpin_disown(struct page *pg)
{
	page_meta_lock();
	assert(page2ex(pg)->pins > 0);
	page2ex(pg)->pins--;
	page_disown_locked(pg);
	page_meta_unlock();
}

/* A user page that never got mapped goes back to the free list. */
void
uvm_discard_unmapped(struct page *pg)
{
	page_meta_lock();
	assert(page2ex(pg)->maps == 0 && page2ex(pg)->pins == 0);
	page_free_owned_locked(pg);
	page_meta_unlock();
}

/* New permissions (validated) for the page mapped at va in e. */
void
uvm_set_perm(struct env *e, uintptr_t va, uint64_t perm)
{
	uint64_t *pte = uvm_walk(e, va, false, NULL);

	assert(pte && (*pte & PTE_P));
	*pte = (*pte & PTE_ADDR_MASK) | pte_bits(perm);
	tlb_invalidate(e, va);
}
