/*
 * Collecting page-mapping changes for sys_mmap_batch: one trap for up to
 * MMAP_BATCH_MAX changes, which is what makes fork and spawn cheap.
 */
#include "libos.h"

/* Sends the waiting ops to the kernel. Returns 0 when all were applied;
 * else the error of the first that was not (the kernel stops there), the
 * batch emptied either way. */
int
batch_flush(struct mmap_batch *b)
{
	int64_t done;
	const struct mmap_op *op;

	if (b->n == 0)
		return 0;
	done = sys_mmap_batch(b->ops, b->n);
	if (done >= 0 && (size_t)done == b->n) {
		b->n = 0;
		return 0;
	}
	b->n = 0;
	if (done < 0)
		return (int)done;
	/* Redo the first failed op alone to learn why it failed. */
	op = &b->ops[done];
	switch (op->op) {
	case MMAP_OP_ALLOC:
		return (int)sys_page_alloc(op->env, op->va, op->perm, PPN_ANY);
	case MMAP_OP_MAP:
		return (int)sys_page_map(op->src_env, op->src_va, op->env,
					 op->va, op->perm);
	case MMAP_OP_UNMAP:
		return (int)sys_page_unmap(op->env, op->va);
	case MMAP_OP_PROTECT:
		return (int)sys_page_protect(op->env, op->va, op->perm);
	}
	return -E_INVAL;
}

/* Appends one op (the fields of struct mmap_op), first flushing a full
 * batch. Returns 0, or the error of that flush. */
int
batch_add(struct mmap_batch *b, uint32_t op, envid_t env, uintptr_t va,
	  uint64_t perm, envid_t src_env, uintptr_t src_va)
{
	int r;

	if (b->n == b->cap && (r = batch_flush(b)) < 0)
		return r;
	b->ops[b->n++] = (struct mmap_op){
		.op = op, .env = env, .va = va, .perm = perm,
		.src_env = src_env, .src_va = src_va,
	};
	return 0;
}
