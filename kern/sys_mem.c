/*
 * System calls on memory: physical pages exposed by number, mapped,
 * unmapped and protected in the caller or a descendant. The binding is
 * checked once, here; afterwards the MMU enforces it.
 */
#include "syscall.h"
#include "env.h"
#include "uvm.h"
#include "pmap.h"
#include "string.h"
#include "abi/error.h"

/* The user-visible PTE bits of a mapping. */
#define PTE_PERM_MASK	(PTE_P | PTE_W | PTE_U | PERM_COW | PERM_SHARE | PERM_AVAIL | PTE_NX)

/* A specific free page, taken off the free list; NULL if not free. */
static struct page *
page_take_specific(ppn_t ppn)
{
	return ppn < npages ? page_alloc_specific(&pages[ppn]) : NULL;
}

static int
mem_alloc_locked(struct env *e, uintptr_t va, uint64_t perm, ppn_t ppn)
{
	struct page *pg;
	int r;

	pg = ppn == PPN_ANY ? uvm_page_alloc_for(e) : page_take_specific(ppn);
	if (!pg)
		return ppn == PPN_ANY ? -E_NO_MEM : -E_BUSY;
	if (ppn != PPN_ANY)
		uvm_adopt_page(pg, e);
	if ((r = uvm_insert(e, pg, va, perm)) < 0) {
		uvm_discard_unmapped(pg);
		return r;
	}
	return (int)page2ppn(pg);
}

static int
mem_alloc(struct env *cur, envid_t id, uintptr_t va, uint64_t perm, ppn_t ppn)
{
	struct env *e;
	int r;

	if ((r = uvm_check_va(va)) < 0 || (r = uvm_check_perm(perm)) < 0)
		return r;
	if (ppn != PPN_ANY && ppn >= npages)
		return -E_RANGE;
	if ((r = env_get(id, &e, true)) < 0)
		return r;
	r = mem_alloc_locked(e, va, perm, ppn);
	env_unlock(e);
	return r;
}

static int
mem_map(struct env *cur, envid_t src_id, uintptr_t src_va, envid_t dst_id,
	uintptr_t dst_va, uint64_t perm)
{
	struct env *src, *dst;
	struct page *pg;
	uint64_t pte;
	int r;

	if ((r = uvm_check_va(src_va)) < 0 || (r = uvm_check_va(dst_va)) < 0 ||
	    (r = uvm_check_perm(perm)) < 0)
		return r;
	if ((r = env_get_two(src_id, dst_id, &src, &dst, true)) < 0)
		return r;
	if (!(pg = uvm_lookup(src, src_va, &pte)))
		r = -E_NOT_MAPPED;
	else if ((perm & PERM_W) && !(pte & PTE_W))
		r = -E_PERM;		/* no upgrading a read-only mapping */
	else
		r = uvm_insert(dst, pg, dst_va, perm);
	env_unlock_two(src, dst);
	return r;
}

static int
mem_unmap(struct env *cur, envid_t id, uintptr_t va)
{
	struct env *e;
	int r;

	if ((r = uvm_check_va(va)) < 0 || (r = env_get(id, &e, true)) < 0)
		return r;
	uvm_remove(e, va);
	env_unlock(e);
	return 0;
}

/* May the caller make the page at *ptep writable? Only if it owns it or
 * owns an ancestor of its owner. envtab held (the owner's ancestry). */
static bool
may_write_page(uint64_t pte)
{
	envid_t owner_id = page_ex[(pte & PTE_ADDR_MASK) >> PGSHIFT].owner;
	struct env *owner;

	if (envid2env(owner_id, &owner, true) < 0)
		return false;
	/* a registry page is writable only as its block's mode says */
	return !(pa2page(pte & PTE_ADDR_MASK)->flags & PAGE_REGISTERED);
}

/* envtab and e's lock held. */
static int
mem_protect_locked(struct env *e, uintptr_t va, uint64_t perm)
{
	uint64_t *ptep = uvm_walk(e, va, false, NULL);

	if (!ptep || !(*ptep & PTE_P))
		return -E_NOT_MAPPED;
	if ((perm & PERM_W) && !(*ptep & PTE_W) && !may_write_page(*ptep))
		return -E_PERM;
	uvm_set_perm(e, va, perm);
	return 0;
}

/* Changes the permissions of an existing mapping. Making it writable is
 * allowed only to the page's owner (or an ancestor of the owner), since
 * a read-only mapping may be a shared page someone else owns. */
static int
mem_protect(struct env *cur, envid_t id, uintptr_t va, uint64_t perm)
{
	struct env *e;
	int r;

	if ((r = uvm_check_va(va)) < 0 || (r = uvm_check_perm(perm)) < 0)
		return r;
	envtab_lock();		/* before e's lock: the owner check needs it */
	if ((r = envid2env(id, &e, true)) == 0) {
		env_lock(e);
		r = mem_protect_locked(e, va, perm);
		env_unlock(e);
	}
	envtab_unlock();
	return r;
}

int64_t
sys_page_alloc(struct env *cur, const uint64_t *a)
{
	return mem_alloc(cur, (envid_t)a[0], a[1], a[2], a[3]);
}

int64_t
sys_page_map(struct env *cur, const uint64_t *a)
{
	return mem_map(cur, (envid_t)a[0], a[1], (envid_t)a[2], a[3], a[4]);
}

int64_t
sys_page_unmap(struct env *cur, const uint64_t *a)
{
	return mem_unmap(cur, (envid_t)a[0], a[1]);
}

int64_t
sys_page_protect(struct env *cur, const uint64_t *a)
{
	return mem_protect(cur, (envid_t)a[0], a[1], a[2]);
}

static int
mmap_one(struct env *cur, const struct mmap_op *op)
{
	switch (op->op) {
	case MMAP_OP_ALLOC:
		return mem_alloc(cur, op->env, op->va, op->perm, PPN_ANY);
	case MMAP_OP_MAP:
		return mem_map(cur, op->src_env, op->src_va, op->env, op->va, op->perm);
	case MMAP_OP_UNMAP:
		return mem_unmap(cur, op->env, op->va);
	case MMAP_OP_PROTECT:
		return mem_protect(cur, op->env, op->va, op->perm);
	default:
		return -E_INVAL;
	}
}

/*
 * Applies up to MMAP_BATCH_MAX operations in order, in one trap, and
 * stops at the first that fails. Returns how many succeeded (n when all
 * did); the caller re-issues the failing one alone to learn why.
 * -E_INVAL for n too large, -E_FAULT if the first op is unreadable.
 */
int64_t
sys_mmap_batch(struct env *cur, const uint64_t *a)
{
	uintptr_t ops = a[0];
	size_t n = a[1], done;
	struct mmap_op op;

	if (n > MMAP_BATCH_MAX)
		return -E_INVAL;
	for (done = 0; done < n; done++) {
		int r;
		env_lock(cur);
		r = copy_from_user(cur, &op, ops + done * sizeof(op), sizeof(op));
		env_unlock(cur);
		if (r < 0)
			return done ? (int64_t)done : -E_FAULT;
		if (mmap_one(cur, &op) < 0)
			break;
	}
	return (int64_t)done;
}
