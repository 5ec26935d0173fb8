/*
 * Copy-on-write fork, in user space: an exofork'd child, then every
 * present page of mine below UTOP goes to the child in a few
 * sys_mmap_batch calls, read from my own page tables through UVPT:
 *
 *   PERM_SHARE         mapped as it is: both sides keep writing one page
 *   writable or COW    mapped PERM_COW, read-only, into the child, then
 *                      made PERM_COW here too; the first write on either
 *                      side copies (exception.c, cow_fault)
 *   read-only          mapped read-only: text and rodata stay shared
 *
 * The exception stack is the exception: the kernel writes frames there,
 * so each side needs its own, writable from the start.
 */
#include "libos.h"

struct fork_ctx {
	envid_t child;
	struct mmap_batch b;
};

/* Both ops for one page go in the same batch, so that no flush (whose
 * call writes my stack) falls between mapping a page into the child and
 * making it copy-on-write here. */
static int
fork_page(uintptr_t va, uint64_t pte, void *arg)
{
	struct fork_ctx *c = arg;
	uint64_t perm = pte & PERM_USER_OK;
	int r;

	if (va >= UXSTACKTOP - UXSTACK_SIZE && va < UXSTACKTOP)
		return 0;
	if (c->b.cap - c->b.n < 2 && (r = batch_flush(&c->b)) < 0)
		return r;
	if ((perm & PERM_SHARE) || !(perm & (PERM_W | PERM_COW)))
		return batch_add(&c->b, MMAP_OP_MAP, c->child, va, perm, 0, va);
	perm = (perm & ~PERM_W) | PERM_COW;
	if ((r = batch_add(&c->b, MMAP_OP_MAP, c->child, va, perm, 0, va)) < 0)
		return r;
	if (pte & PERM_W)
		return batch_add(&c->b, MMAP_OP_PROTECT, 0, va, perm, 0, 0);
	return 0;
}

/* Creates a child running a copy of me (copy-on-write). Returns the
 * child's id in the parent and 0 in the child; or a negative error:
 * -E_NO_FREE_ENV (env table full), -E_NO_MEM or -E_QUOTA (no pages for
 * the child's tables or exception stack). */
envid_t
fork(void)
{
	static struct mmap_op ops[MMAP_BATCH_MAX];
	struct fork_ctx c = { .b = { ops, MMAP_BATCH_MAX, 0, true } };
	envid_t id;
	int r;

	/* The child resumes right here, in this frame (see
	 * sys_env_exofork_inline): it reads only id, a register. */
	id = sys_env_exofork_inline();
	if (id == 0) {
		libmain_set_thisenv();
		return 0;
	}
	if (id < 0)
		return id;
	c.child = id;
	r = uvpt_walk(0, UTOP, fork_page, &c);
	if (r == 0)
		r = batch_flush(&c.b);
	if (r == 0)
		r = exception_init(c.child);
	if (r == 0)
		r = (int)sys_env_set_status(c.child, ENV_RUNNABLE);
	if (r < 0) {
		sys_env_destroy(c.child);
		wait(c.child, NULL);
		return r;
	}
	return c.child;
}
