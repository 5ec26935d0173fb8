/*
 * The disk-block system calls (the contract is in kern/abi/disk.h).
 *
 * Each call checks everything first (the disk, the range, the map's
 * permission for every block, the user memory) and only then acts. A
 * call that needs the device builds an operation (struct disk_op): the
 * user pages it reads into or writes from are pinned (page_ex pins, so
 * they outlive an unmap or the env's death) and handed to the device as
 * they are when the buffer is page-aligned, else bounce pages are copied;
 * the env sleeps (WAIT_DISK) until disk_reap has seen every request of
 * the operation finish, and op_finish wakes it with the result.
 *
 * A call that meets a block being read into the registry, or finds no
 * free operation, sleeps and is restarted from scratch (its %rip moved
 * back over the syscall instruction) after the next operation finishes.
 *
 * Locking (kern/disk.h, kern/spinlock.h). ops[], waiters[] and nrestart
 * are under disk_lock, like the maps and the registry. Every call runs
 * in disk_call: disk_lock, then the caller's env lock when the call
 * touches the caller's address space, pages or registers. A completion
 * (op_req_done, from disk_reap under disk_lock) takes the lock of the
 * env it answers, once it has checked that the slot still holds that
 * env, to copy or map into its memory and wake it.
 *
 * Only these calls block an env in WAIT_DISK, and each writes the env's
 * waiters[] entry first, under disk_lock: an env in WAIT_DISK is named
 * by its entry, so a waker decides from waiters[] alone and lets
 * env_wake check, atomically, that the env still waits (it may have
 * died). A destroyed env's operation still finishes: its pages are
 * unpinned and its answer dropped.
 */
#include "syscall.h"
#include "disk.h"
#include "blockmap.h"
#include "bcache.h"
#include "env.h"
#include "uvm.h"
#include "pmap.h"
#include "string.h"
#include "assert.h"
#include "audit.h"
#include "abi/error.h"

#define NOPS		24	/* operations in flight, system-wide */
/* Requests per operation: a read of DISK_IO_MAX blocks in runs broken by
 * registered or zero blocks needs DISK_IO_MAX / 2 + 1 at most, a write
 * DISK_IO_MAX / max_pages (drivers take at least 2 pages a request). */
#define OP_REQS		(DISK_IO_MAX / 2 + 1)

enum { OP_READ = 1, OP_WRITE, OP_FLUSH, OP_FILL, OP_WRITEBACK };

struct disk_op {
	bool busy;
	uint8_t kind;			/* OP_* */
	bool bounce;			/* pg[] are kernel pages standing in for uva */
	envid_t env;			/* who waits for it */
	struct disk *disk;
	int pending;			/* requests not finished */
	int status;			/* 0, or the first error */
	int64_t result;			/* the call's answer if all went well */
	uintptr_t uva;			/* READ with bounce: where the data goes */
	uint64_t block;			/* FILL: the block */
	uint32_t cursor;		/* FLUSH: the map pages taken so far */
	bool last_round;		/* FLUSH: the device flush is queued */
	uintptr_t map_va;		/* FILL: where to map it, and how */
	uint64_t map_perm;
	uint32_t npages;		/* pages in pg[] */
	struct page *pg[DISK_IO_MAX];	/* released (unpinned or freed) at the end */
	uint32_t ppn[DISK_IO_MAX];	/* the pages the requests use */
	uint32_t nreqs;
	struct disk_req req[OP_REQS];
};

static struct disk_op ops[NOPS];	/* under disk_lock */

/* Envs sleeping in a disk call: for an operation, or (op NULL) to have
 * their call restarted. Indexed by ENVX; id tells a stale entry. Under
 * disk_lock, like nrestart. */
static struct {
	envid_t id;
	struct disk_op *op;
} waiters[NENV];
static int nrestart;

static void op_req_done(struct disk_req *r);
static void op_submit(struct disk_op *op);
static void flush_plan(struct disk_op *op);

/* ---- sleeping and waking ---- */

/* cur (locked, like disk_lock) sleeps in WAIT_DISK for op, or (op NULL)
 * to have its call restarted. */
static int64_t
sleep_on(struct env *cur, struct disk_op *op)
{
	assert(spin_holding(&disk_lock) && spin_holding(&cur->lock));
	waiters[ENVX(cur->id)].id = cur->id;
	waiters[ENVX(cur->id)].op = op;
	return syscall_block(cur, WAIT_DISK);
}

/* cur (locked) sleeps until some operation finishes, then runs the
 * call num again. */
static int64_t
sleep_restart(struct env *cur, int num)
{
	cur->tf.rip -= 2;		/* the syscall instruction */
	cur->tf.rax = (uint64_t)num;
	cur->tf.vector = 0;		/* return with iret: all registers as they were */
	nrestart++;
	return sleep_on(cur, NULL);
}

/* Does the waiters[] entry say that op's env sleeps for op? */
static bool
op_has_waiter(const struct disk_op *op)
{
	int i = ENVX(op->env);

	return waiters[i].id == op->env && waiters[i].op == op;
}

/*
 * The env that sleeps for op, locked; NULL if it is gone. It died if
 * its slot holds another env now (e->id, read under the env's lock) or
 * its address space is torn down (a zombie keeps its id until its
 * parent reaps it).
 */
static struct env *
op_waiter_lock(struct disk_op *op)
{
	struct env *e = &envs[ENVX(op->env)];

	if (!op_has_waiter(op))
		return NULL;
	env_lock(e);
	if (e->id != op->env || !e->pml4) {
		env_unlock(e);
		return NULL;
	}
	return e;
}

/*
 * Wakes the envs waiting to restart their calls. waiters[i] with no op
 * names the env in slot i that sleeps in WAIT_DISK, if one does (see
 * the top of this file): an entry whose env died finds none there, and
 * env_wake_restart does nothing. Their registers were set when they
 * slept (sleep_restart).
 */
static void
wake_restarters(void)
{
	if (!nrestart)
		return;
	nrestart = 0;
	for (int i = 0; i < NENV; i++) {
		if (!waiters[i].id || waiters[i].op)
			continue;
		waiters[i].id = 0;
		env_wake_restart(&envs[i], WAIT_DISK);
	}
}

/* ---- operations ---- */

static struct disk_op *
op_get(struct env *cur, struct disk *d, int kind)
{
	for (int i = 0; i < NOPS; i++)
		if (!ops[i].busy) {
			struct disk_op *op = &ops[i];
			op->busy = true;
			op->kind = kind;
			op->bounce = false;
			op->env = cur->id;
			op->disk = d;
			op->pending = op->status = 0;
			op->result = 0;
			op->npages = op->nreqs = 0;
			return op;
		}
	return NULL;
}

/* Adds a request for n blocks from block (pages ppn[0..n)) to op. */
static void
op_add_req(struct disk_op *op, int kind, uint64_t block, uint32_t n, const uint32_t *ppn)
{
	struct disk_req *r;

	assert(op->nreqs < OP_REQS);
	r = &op->req[op->nreqs++];
	memset(r, 0, sizeof(*r));
	r->disk = op->disk;
	r->op = kind;
	r->block = block;
	r->npages = n;
	r->ppn = ppn;
	r->done = op_req_done;
	r->arg = op;
}

/* Pins pg for the operation; false when it has as many pins as it may
 * (another CPU may pin it too: a NIC ring, so this is no earlier check). */
static bool
op_pin(struct disk_op *op, struct page *pg)
{
	if (!uvm_page_pin(pg, UINT8_MAX))
		return false;
	op->pg[op->npages] = pg;
	op->ppn[op->npages++] = page2ppn(pg);
	return true;
}

/* Lets go of op's pages: bounce pages are freed, user pages unpinned
 * (and freed if that was their last use: their env may have died or
 * unmapped them meanwhile). */
static void
op_release_pages(struct disk_op *op)
{
	for (uint32_t i = 0; i < op->npages; i++) {
		if (op->bounce)
			page_free(op->pg[i]);
		else
			uvm_page_unpin(op->pg[i]);
	}
	op->npages = 0;
}

/* FILL finished: the registration becomes valid and is mapped into the
 * waiting env e (locked; NULL if it is gone); on a device error it is
 * dropped. */
static int64_t
fill_finish(struct disk_op *op, struct env *e, int64_t result)
{
	int slot = bcache_lookup(op->disk->id, op->block);
	struct bcache_export *x;
	int r;

	assert(slot >= 0);
	x = bcache_slot(slot);
	if (result < 0) {
		bcache_remove(slot);
		return result;
	}
	x->flags = BCACHE_VALID;
	if (!e)
		return result;
	if ((r = uvm_insert(e, bcache_page(slot), op->map_va, op->map_perm)) < 0)
		return r;
	if (op->map_perm & PERM_W)
		x->flags |= BCACHE_DIRTY;
	return (int64_t)x->ppn;
}

/* READ through bounce pages: copy them out to the waiting env (locked). */
static int64_t
bounce_out(struct disk_op *op, struct env *e)
{
	for (uint32_t i = 0; i < op->npages; i++)
		if (copy_to_user(e, op->uva + (uint64_t)i * DISK_BLKSIZE,
				 page2kva(op->pg[i]), DISK_BLKSIZE) < 0)
			return -E_FAULT;
	return 0;
}

/* Every request of op has finished: answer the env, if it is still
 * there, under its lock, and free the op. */
static void
op_finish(struct disk_op *op)
{
	struct env *e = op_waiter_lock(op);
	int64_t result = op->status < 0 ? op->status : op->result;

	if (op_has_waiter(op))
		waiters[ENVX(op->env)].id = 0;
	if (op->kind == OP_FILL)
		result = fill_finish(op, e, result);
	else if (op->kind == OP_READ && op->bounce && e && result >= 0)
		result = bounce_out(op, e);
	op_release_pages(op);
	if (e) {
		env_wake(e, WAIT_DISK, (uint64_t)result);
		env_unlock(e);
	}
	op->busy = false;
	wake_restarters();
}

/* A request's callback, from disk_reap_locked: disk_lock held. */
static void
op_req_done(struct disk_req *r)
{
	struct disk_op *op = r->arg;

	if (r->status < 0 && op->status == 0)
		op->status = r->status;
	if (--op->pending > 0)
		return;
	if (op->kind == OP_FLUSH && !op->last_round && op->status == 0) {
		flush_plan(op);		/* a map too big for one round */
		op_submit(op);
		return;
	}
	op_finish(op);
}

static void
op_submit(struct disk_op *op)
{
	op->pending = op->nreqs;
	for (uint32_t i = 0; i < op->nreqs; i++)
		disk_submit(&op->req[i]);
}

/* Submits op's requests and puts cur (locked) to sleep until they are
 * done; with none (everything came from the registry or read as zeros),
 * finishes at once and returns the answer. A request may finish before
 * cur sleeps: its callback waits for disk_lock, which cur holds. */
static int64_t
op_run(struct env *cur, struct disk_op *op)
{
	if (op->nreqs == 0) {
		int64_t result = op->result;
		if (op->kind == OP_READ && op->bounce)
			result = bounce_out(op, cur);
		op_release_pages(op);
		op->busy = false;
		wake_restarters();
		return result;
	}
	op_submit(op);
	return sleep_on(cur, op);
}

/* ---- the frame of every call ---- */

/*
 * Runs fn(cur, a) under disk_lock and, with env, cur's lock: the order
 * is disk, then env (kern/spinlock.h). Finished requests are reaped
 * first, before cur's lock is taken (each callback takes the lock of
 * the env it answers, and env locks nest only in slot order), and again
 * after it is dropped: a request fn submitted may have finished at
 * once, and its env may be cur.
 */
static int64_t
disk_call(struct env *cur, const uint64_t *a, bool env,
	  int64_t (*fn)(struct env *cur, const uint64_t *a))
{
	int64_t r;

	spin_lock(&disk_lock);
	disk_reap_locked();
	if (env)
		env_lock(cur);
	r = fn(cur, a);
	if (env)
		env_unlock(cur);
	disk_reap_locked();
	spin_unlock(&disk_lock);
	return r;
}

/* ---- argument checks ---- */

/* The READY disk numbered id (-E_INVAL, -E_NOT_SUPP). The disk is an
 * int in the ABI: only the low 32 bits of its register count. */
static int
disk_arg(uint64_t reg, bool writes, struct disk **out)
{
	struct disk *d = disk_get((int)reg);

	if (!d)
		return -E_INVAL;
	if (d->ex->state != DISK_READY || (writes && (d->ex->flags & DISK_F_RDONLY)))
		return -E_NOT_SUPP;
	*out = d;
	return 0;
}

/* blockmap_check, counting refusals. cur's principal cannot change
 * under disk_lock (sys_env_set_principal takes it). */
static int
check_blocks(struct env *cur, struct disk *d, uint64_t start, uint64_t n, int need)
{
	int r = blockmap_check(d, cur->ex->principal, start, n, need);

	if (r < 0)
		d->ex->refused++;
	return r;
}

/* Is [va, va+len) user memory of cur (locked) mapped with the PTE bits
 * need? */
static int
check_user(struct env *cur, uintptr_t va, uint64_t len, uint64_t need)
{
	if (va >= UTOP || len > UTOP - va)
		return -E_FAULT;
	for (uintptr_t p = ROUNDDOWN(va, PGSIZE); p < va + len; p += PGSIZE) {
		uint64_t pte;
		if (!uvm_lookup(cur, p, &pte) || (pte & need) != need)
			return -E_FAULT;
	}
	return 0;
}

/* Common checks of read and write: the disk, n, the blocks, memory. */
static int
check_rw(struct env *cur, const uint64_t *a, bool write, struct disk **d)
{
	uint64_t n = a[2];
	int r;

	if ((r = disk_arg(a[0], write, d)) < 0)
		return r;
	if (n == 0 || n > DISK_IO_MAX)
		return -E_INVAL;
	if ((r = check_blocks(cur, *d, a[1], n, write ? BM_WRITE : BM_READ)) < 0)
		return r;
	return check_user(cur, a[3], n * DISK_BLKSIZE,
			  PTE_P | PTE_U | (write ? 0 : PTE_W));
}

/* The pages op transfers: the user's own (pinned) when va is
 * page-aligned, else fresh bounce pages. -E_BUSY (a page pinned too
 * often) or -E_NO_MEM, having undone its pins. The range was checked
 * under cur's lock, which is still held: every page is mapped. */
static int
op_take_pages(struct env *cur, struct disk_op *op, uintptr_t va, uint64_t n)
{
	if (!(va & (PGSIZE - 1))) {
		for (uint64_t i = 0; i < n; i++)
			if (!op_pin(op, uvm_lookup(cur, va + i * PGSIZE, NULL))) {
				op_release_pages(op);
				return -E_BUSY;
			}
		return 0;
	}
	op->bounce = true;
	op->uva = va;
	for (uint64_t i = 0; i < n; i++) {
		struct page *pg = page_alloc(PAGE_USER);
		if (!pg) {
			op_release_pages(op);
			return -E_NO_MEM;
		}
		op->pg[op->npages] = pg;
		op->ppn[op->npages++] = page2ppn(pg);
	}
	return 0;
}

/* ---- read and write ---- */

/* Fills op's page i (block b) without I/O if the registry has the block
 * or it reads as zeros; true if so. */
static bool
read_without_io(struct disk_op *op, uint64_t i, uint64_t b)
{
	void *dst = page2kva(op->pg[i]);
	int slot = bcache_lookup(op->disk->id, b);

	if (slot >= 0) {
		memcpy(dst, page2kva(bcache_page(slot)), DISK_BLKSIZE);
		bcache_slot(slot)->hits++;
		op->disk->ex->cache_hits++;
		return true;
	}
	if (blockmap_is_zero(op->disk, b)) {
		memset(dst, 0, DISK_BLKSIZE);
		op->disk->ex->zero_reads++;
		return true;
	}
	return false;
}

/* Requests for the blocks of [start, start+n) that need the device, in
 * runs of consecutive blocks the driver takes in one request. */
static void
read_plan(struct disk_op *op, uint64_t start, uint64_t n)
{
	uint64_t run = 0;

	for (uint64_t i = 0; i <= n; i++) {
		bool io = i < n && !read_without_io(op, i, start + i);
		if (io && run < op->disk->max_pages) {
			run++;
			continue;
		}
		if (run)
			op_add_req(op, DREQ_READ, start + i - run, run, &op->ppn[i - run]);
		run = io ? 1 : 0;
	}
}

static int64_t
disk_read_locked(struct env *cur, const uint64_t *a)
{
	uint64_t start = a[1], n = a[2];
	struct disk_op *op;
	struct disk *d;
	int r;

	if ((r = check_rw(cur, a, false, &d)) < 0)
		return r;
	if (bcache_range_busy(d->id, start, n) || !(op = op_get(cur, d, OP_READ)))
		return sleep_restart(cur, SYS_disk_read);
	if ((r = op_take_pages(cur, op, a[3], n)) < 0) {
		op->busy = false;
		return r;
	}
	read_plan(op, start, n);
	return op_run(cur, op);
}

int64_t
sys_disk_read(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, true, disk_read_locked);
}

/* Write requests for all of [start, start+n); registered blocks get
 * the new contents in their registry page too. */
static void
write_plan(struct disk_op *op, uint64_t start, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int slot = bcache_lookup(op->disk->id, start + i);
		if (slot >= 0)
			memcpy(page2kva(bcache_page(slot)), page2kva(op->pg[i]), DISK_BLKSIZE);
	}
	for (uint64_t i = 0; i < n; i += op->disk->max_pages)
		op_add_req(op, DREQ_WRITE, start + i, MIN(n - i, op->disk->max_pages),
			   &op->ppn[i]);
	blockmap_written(op->disk, start, n);
}

static int64_t
disk_write_locked(struct env *cur, const uint64_t *a)
{
	uint64_t start = a[1], n = a[2];
	struct disk_op *op;
	struct disk *d;
	int r;

	if ((r = check_rw(cur, a, true, &d)) < 0)
		return r;
	if (bcache_range_busy(d->id, start, n) || !(op = op_get(cur, d, OP_WRITE)))
		return sleep_restart(cur, SYS_disk_write);
	if ((r = op_take_pages(cur, op, a[3], n)) < 0) {
		op->busy = false;
		return r;
	}
	for (uint32_t i = 0; op->bounce && i < op->npages; i++)
		if (copy_from_user(cur, page2kva(op->pg[i]), a[3] + (uint64_t)i * DISK_BLKSIZE,
				   DISK_BLKSIZE) < 0) {
			op_release_pages(op);	/* checked above: cannot happen */
			op->busy = false;
			return -E_FAULT;
		}
	write_plan(op, start, n);
	return op_run(cur, op);
}

int64_t
sys_disk_write(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, true, disk_write_locked);
}

/*
 * A round of a flush: requests for the changed map blocks from
 * op->cursor on, as many as op holds; when they are all taken, the
 * device's cache flush after them. The queue keeps them in order after
 * every earlier request, so when the flush finishes everything before
 * it is on the disk. A later change marks a taken page dirty again: a
 * later flush writes it.
 */
static void
flush_plan(struct disk_op *op)
{
	const uint32_t *ppn;
	uint64_t block;
	uint32_t n;
	bool more = true;

	op->nreqs = 0;
	while (op->nreqs < OP_REQS - 1 &&
	       (more = blockmap_take_dirty(op->disk, &op->cursor, op->disk->max_pages,
					   &block, &ppn, &n)))
		op_add_req(op, DREQ_WRITE, block, n, ppn);
	op->last_round = !more;
	if (op->last_round)
		op_add_req(op, DREQ_FLUSH, 0, 0, NULL);
}

static int64_t
disk_flush_locked(struct env *cur, const uint64_t *a)
{
	struct disk_op *op;
	struct disk *d;
	int r;

	if ((r = disk_arg(a[0], true, &d)) < 0)
		return r;
	if (!(op = op_get(cur, d, OP_FLUSH)))
		return sleep_restart(cur, SYS_disk_flush);
	op->cursor = 0;
	flush_plan(op);
	return op_run(cur, op);
}

/* cur's lock too: it may sleep, which sets its registers and status. */
int64_t
sys_disk_flush(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, true, disk_flush_locked);
}

/* ---- allocation and ownership ---- */

static int64_t
disk_alloc_locked(struct env *cur, const uint64_t *a)
{
	uint64_t n = a[1], hint = a[2];
	uint32_t mode = (uint32_t)a[3];
	struct disk *d;
	int r;

	if ((r = disk_arg(a[0], true, &d)) < 0)
		return r;
	if (n == 0 || n > DISK_ALLOC_MAX || (mode & ~(uint32_t)BLK_M_ALL))
		return -E_INVAL;
	return blockmap_alloc(d, cur->ex->principal, n, hint, (uint16_t)mode);
}

/* Neither this nor chown and chmod touch cur: no env lock. */
int64_t
sys_disk_alloc(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, false, disk_alloc_locked);
}

/* The checks free, chown and chmod share: n, the range, ownership. */
static int
check_own(struct env *cur, const uint64_t *a, struct disk **d)
{
	int r;

	if ((r = disk_arg(a[0], true, d)) < 0)
		return r;
	if (a[2] == 0 || a[2] > DISK_ALLOC_MAX)
		return -E_INVAL;
	return check_blocks(cur, *d, a[1], a[2], BM_OWN);
}

/* Frees the caller's blocks and drops their registrations. */
static int64_t
disk_free_locked(struct env *cur, const uint64_t *a)
{
	struct disk *d;
	int r;

	if ((r = check_own(cur, a, &d)) < 0)
		return r;
	if (bcache_range_busy(d->id, a[1], a[2]))
		return sleep_restart(cur, SYS_disk_free);
	bcache_drop_range(d->id, a[1], a[2]);
	blockmap_free(d, a[1], a[2]);
	return 0;
}

/* cur's lock too: it may sleep to restart. */
int64_t
sys_disk_free(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, true, disk_free_locked);
}

static int64_t
disk_chown_locked(struct env *cur, const uint64_t *a)
{
	struct disk *d;
	int r;

	if ((r = check_own(cur, a, &d)) < 0)
		return r;
	blockmap_chown(d, a[1], a[2], (uint32_t)a[3]);
	return 0;
}

int64_t
sys_disk_chown(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, false, disk_chown_locked);
}

static int64_t
disk_chmod_locked(struct env *cur, const uint64_t *a)
{
	struct disk *d;
	int r;

	if ((uint32_t)a[3] & ~(uint32_t)BLK_M_ALL)
		return -E_INVAL;
	if ((r = check_own(cur, a, &d)) < 0)
		return r;
	blockmap_chmod(d, a[1], a[2], (uint16_t)a[3]);
	return 0;
}

int64_t
sys_disk_chmod(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, false, disk_chmod_locked);
}

/* ---- the buffer-cache registry ---- */

/* Maps the registered page in slot at va for cur (locked). */
static int64_t
map_registered(struct env *cur, struct disk *d, int slot, uintptr_t va, uint64_t perm)
{
	struct bcache_export *x = bcache_slot(slot);
	int r;

	if ((r = uvm_insert(cur, bcache_page(slot), va, perm)) < 0)
		return r;
	if (perm & PERM_W)
		x->flags |= BCACHE_DIRTY;
	x->hits++;
	d->ex->cache_hits++;
	return (int64_t)x->ppn;
}

/* A fresh page for the registry, charged to cur; an idle registration
 * is dropped to make room if memory is short (another CPU may take the
 * page it frees first: then this fails with -E_NO_MEM, as it would
 * have a moment later). */
static struct page *
cache_page_alloc(struct env *cur)
{
	struct page *pg = uvm_page_alloc_for(cur);

	if (!pg && bcache_make_room())
		pg = uvm_page_alloc_for(cur);
	return pg;
}

/* Registers block b in a new page: at once when it reads as zeros,
 * else by an OP_FILL that maps it when the read is done. */
static int64_t
register_block(struct env *cur, struct disk *d, uint64_t b, uintptr_t va, uint64_t perm)
{
	bool zero = blockmap_is_zero(d, b);
	struct disk_op *op = NULL;
	struct page *pg;
	int slot;

	if (!zero && !(op = op_get(cur, d, OP_FILL)))
		return sleep_restart(cur, SYS_bcache_map);
	if (!(pg = cache_page_alloc(cur)) ||
	    (slot = bcache_insert(d->id, b, pg, zero ? BCACHE_VALID : BCACHE_BUSY)) < 0) {
		if (pg)
			uvm_discard_unmapped(pg);
		if (op)
			op->busy = false;
		return -E_NO_MEM;
	}
	if (zero) {
		int64_t r = map_registered(cur, d, slot, va, perm);
		if (r < 0)
			bcache_remove(slot);
		return r;
	}
	op->block = b;
	op->map_va = va;
	op->map_perm = perm;
	op->ppn[0] = page2ppn(pg);
	op_add_req(op, DREQ_READ, b, 1, &op->ppn[0]);
	return op_run(cur, op);
}

static int64_t
bcache_map_locked(struct env *cur, const uint64_t *a)
{
	uint64_t b = a[1], perm = a[3];
	uintptr_t va = a[2];
	struct disk *d;
	int r, slot;

	if ((r = disk_arg(a[0], false, &d)) < 0)
		return r;
	if ((r = uvm_check_va(va)) < 0 || (r = uvm_check_perm(perm)) < 0)
		return r;
	if ((r = check_blocks(cur, d, b, 1, BM_MAP)) < 0 ||
	    ((perm & PERM_W) && (r = check_blocks(cur, d, b, 1, BM_WRITE)) < 0))
		return r;
	slot = bcache_lookup(d->id, b);
	if (slot >= 0 && (bcache_slot(slot)->flags & BCACHE_BUSY))
		return sleep_restart(cur, SYS_bcache_map);
	if (slot >= 0)
		return map_registered(cur, d, slot, va, perm);
	return register_block(cur, d, b, va, perm);
}

int64_t
sys_bcache_map(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, true, bcache_map_locked);
}

/* Checks the registered blocks of the range: each writable by cur; how
 * many there are in *count. */
static int
check_writeback(struct env *cur, struct disk *d, uint64_t start, uint64_t n, uint32_t *count)
{
	*count = 0;
	for (uint64_t b = start; b < start + n; b++) {
		int r, slot = bcache_lookup(d->id, b);
		if (slot < 0)
			continue;
		if ((r = check_blocks(cur, d, b, 1, BM_WRITE)) < 0)
			return r;
		(*count)++;
	}
	return 0;
}

/* Pins for op the registered pages of [start, start+n), in block order;
 * -E_BUSY, having undone its pins, if one is pinned as often as it may. */
static int
writeback_pin(struct disk_op *op, struct disk *d, uint64_t start, uint64_t n)
{
	for (uint64_t b = start; b < start + n; b++) {
		int slot = bcache_lookup(d->id, b);
		if (slot >= 0 && !op_pin(op, bcache_page(slot))) {
			op_release_pages(op);
			return -E_BUSY;
		}
	}
	return 0;
}

/* Write requests for the pages writeback_pin took, in runs of
 * consecutive blocks the driver takes at once. Their blocks are clean
 * from now on and no longer read as zeros. */
static void
writeback_plan(struct disk_op *op, struct disk *d, uint64_t start, uint64_t n)
{
	uint32_t k = 0, run = 0;

	for (uint64_t b = start; b <= start + n; b++) {
		int slot = b < start + n ? bcache_lookup(d->id, b) : -1;
		if (slot >= 0 && run < d->max_pages) {
			bcache_slot(slot)->flags &= ~BCACHE_DIRTY;
			blockmap_written(d, b, 1);
			k++;
			run++;
			continue;
		}
		if (run)
			op_add_req(op, DREQ_WRITE, b - run, run, &op->ppn[k - run]);
		run = 0;
		if (slot >= 0)
			b--;		/* the run was full: this block starts the next */
	}
}

/* Writes the registered pages of [start, start+n) to the disk, in runs
 * of consecutive blocks; returns how many. */
static int64_t
bcache_writeback_locked(struct env *cur, const uint64_t *a)
{
	uint64_t start = a[1], n = a[2];
	struct disk_op *op;
	struct disk *d;
	uint32_t count;
	int r;

	if ((r = disk_arg(a[0], true, &d)) < 0)
		return r;
	if (n == 0 || n > DISK_IO_MAX)
		return -E_INVAL;
	if ((r = check_blocks(cur, d, start, n, BM_RANGE)) < 0 ||
	    (r = check_writeback(cur, d, start, n, &count)) < 0)
		return r;
	if (count == 0)
		return 0;
	if (bcache_range_busy(d->id, start, n) || !(op = op_get(cur, d, OP_WRITEBACK)))
		return sleep_restart(cur, SYS_bcache_writeback);
	if ((r = writeback_pin(op, d, start, n)) < 0) {
		op->busy = false;
		return r;
	}
	writeback_plan(op, d, start, n);
	op->result = count;
	return op_run(cur, op);
}

/* cur's lock too: it may sleep. */
int64_t
sys_bcache_writeback(struct env *cur, const uint64_t *a)
{
	return disk_call(cur, a, true, bcache_writeback_locked);
}

/* ---- principals ---- */

/*
 * Sets the principal of env (the caller or a descendant). Only the
 * administrator, principal 0, may. -E_PERM, -E_BAD_ENV. Under disk_lock
 * (a disk call sees one principal from its checks to its acts) and the
 * env's lock (NIC calls read it so).
 */
int64_t
sys_env_set_principal(struct env *cur, const uint64_t *a)
{
	struct env *e;
	int64_t r;

	if (cur->ex->principal != 0)
		return -E_PERM;
	envtab_lock();		/* the descendant rule; before disk_lock */
	if ((r = envid2env((envid_t)a[0], &e, true)) == 0) {
		spin_lock(&disk_lock);
		env_lock(e);
		e->ex->principal = (uint32_t)a[1];
		env_unlock(e);
		spin_unlock(&disk_lock);
	}
	envtab_unlock();
	return r;
}

/* ---- the audit (kern/audit.h) ---- */

/* A busy operation: the user pages it holds are pinned once each
 * (declared to the page audit), bounce pages are the kernel's; a FILL
 * has its block registered and busy. */
static int
audit_op(struct disk_op *op)
{
	int i = op - ops, n = 0;

	if (op->npages > DISK_IO_MAX || op->nreqs > OP_REQS || op->pending < 0)
		return audit_report("disk op %d: %u pages, %u requests, %d pending", i,
				    op->npages, op->nreqs, op->pending);
	for (uint32_t k = 0; k < op->npages; k++) {
		struct page *pg = op->pg[k];
		if (!op->bounce)
			n += audit_pin(pg);
		else if (pg < pages || pg >= pages + npages || page2ex(pg)->kind != PAGEK_KERNEL)
			n += audit_report("disk op %d: bounce page %u is no kernel page", i, k);
	}
	if (op->kind == OP_FILL) {
		int slot = bcache_lookup(op->disk->id, op->block);
		if (slot < 0 || !(bcache_slot(slot)->flags & BCACHE_BUSY))
			n += audit_report("disk op %d: fills disk %d block %lu, not busy",
					  i, op->disk->id, (unsigned long)op->block);
	}
	return n;
}

/* An env blocked in a disk call is woken by something: the operation it
 * waits for is in flight, or (to restart its call) some operation is
 * and wake_restarters will run. */
static int
audit_disk_waiter(const struct env *e, int busy)
{
	struct disk_op *op = waiters[e - envs].op;

	if (waiters[e - envs].id != e->id)
		return audit_report("env [%08x]: blocked in a disk call, not listed", e->id);
	if (op && (op < ops || op >= ops + NOPS || !op->busy || op->env != e->id))
		return audit_report("env [%08x]: waits for no disk operation of its own",
				    e->id);
	if (!op && (nrestart == 0 || busy == 0))
		return audit_report("env [%08x]: waits to restart, nothing will wake it",
				    e->id);
	return 0;
}

/*
 * The disk calls' state: busy operations hold their pages as they say,
 * idle ones hold none; each busy registry entry is being filled by an
 * operation; every env blocked in a disk call will be woken. Returns the
 * problems found. Reads without locks: the audit runs with every other
 * CPU parked outside any lock (kern/audit.h).
 */
int
disk_ops_audit(void)
{
	int n = 0, busy = 0, fills = 0, busy_entries = 0;

	for (int i = 0; i < NOPS; i++) {
		if (!ops[i].busy) {
			if (ops[i].npages)
				n += audit_report("disk op %d: idle but holds %u pages", i,
						  ops[i].npages);
			continue;
		}
		busy++;
		fills += ops[i].kind == OP_FILL;
		n += audit_op(&ops[i]);
	}
	for (int s = 0; s < BCACHE_SLOTS; s++)
		busy_entries += (bcache_slot(s)->flags & BCACHE_BUSY) != 0;
	if (busy_entries != fills)
		n += audit_report("disk: %d registry entries being read, %d fill operations",
				  busy_entries, fills);
	for (int i = 0; i < NENV; i++)
		if (envs[i].status == ENV_NOT_RUNNABLE && envs[i].ex->wait == WAIT_DISK)
			n += audit_disk_waiter(&envs[i], busy);
	return n;
}
