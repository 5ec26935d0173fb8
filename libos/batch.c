/*
 * Collecting page-mapping changes for sys_mmap_batch: one trap for up to
 * MMAP_BATCH_MAX changes, which is what makes fork and spawn cheap.
 */
#include "libos.h"

/* One op alone, through its own system call. */
static int
batch_one(const struct mmap_op *op)
{
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

/*
 * Sends the waiting ops to the kernel. Returns 0 when all were applied;
 * else the error of the first that could not be, the batch emptied
 * either way. The kernel stops at a failed op; that op is redone alone
 * to learn why, and when the redo succeeds (another env changed the
 * address space between the two calls) the ops after it are sent too,
 * never silently dropped. With b->skip_gone, a map whose source page is
 * gone (-E_NOT_MAPPED: unmapped meanwhile by an env allowed to) is
 * skipped, as if it had been unmapped before the batch was built.
 */
int
batch_flush(struct mmap_batch *b)
{
	size_t at = 0;
	int64_t done;
	int r;

	while (at < b->n) {
		done = sys_mmap_batch(b->ops + at, b->n - at);
		if (done < 0) {
			b->n = 0;
			return (int)done;
		}
		at += (size_t)done;
		if (at == b->n)
			break;
		r = batch_one(&b->ops[at]);
		if (r < 0 && !(r == -E_NOT_MAPPED && b->skip_gone &&
			       b->ops[at].op == MMAP_OP_MAP)) {
			b->n = 0;
			return r;
		}
		at++;
	}
	b->n = 0;
	return 0;
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
