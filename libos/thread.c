/*
 * User-level threads: creation, exit and join, the switch, preemption by
 * the epilogue upcall, sleeping, mutexes and condition variables, and the
 * thread-aware ipc_recv and getchar. The interface and its rules are in
 * include/thread.h; the machine part is threadswitch.S.
 *
 * Concurrency. All threads of an env run on the env's one CPU, so the
 * only thing that can come between two instructions of the library is
 * the epilogue upcall. thread_preempt_depth > 0 holds it off: the
 * upcall then only yields the env and resumes the interrupted code, and
 * the switch it would have made happens when the depth drops to 0
 * (preempt_pending). Everything below that touches a thread's state or a
 * queue runs at depth > 0; the depth a thread saved is restored with it.
 *
 * Nothing is set up until a program first needs a second thread of
 * control (thread_create, or a call that could switch): a program that
 * never uses threads keeps the plain single-threaded library.
 *
 * fork: the child keeps only the thread that called fork (its other
 * threads' copies are dropped at its first thread call) and sets up its
 * own epilogue stack if it ever needs one.
 */
#include "libos.h"
#include <thread.h>

#define PERM_STACK	(PERM_P | PERM_W | PERM_NX)
#define FPU_REGS_OFF	32		/* FXSAVE: ST0..7 then XMM0..15 */
#define FPU_REGS_LEN	(128 + 256)
#define EPILOGUE_STACK_PAGES	(UXSTACK_SIZE / PGSIZE)
#define THREAD_STACK_PAGES_MAX	(THREAD_STACK_MAX / PGSIZE)

_Static_assert(sizeof(struct thread) <= PGSIZE, "struct thread fits its page");
_Static_assert(THREAD_STACK_MAX + 2 * PGSIZE <= ULIB_THREAD_SPAN,
	       "a thread window holds the largest stack, its struct and a guard");

/* threadswitch.S */
int thread_save(struct user_regs *r, void *fpu) __attribute__((returns_twice));
void thread_resume(const struct user_regs *r, const void *fpu, int depth)
	__attribute__((noreturn));
void thread_epilogue_entry(void);
void thread_epilogue(struct utrapframe *utf, uint8_t *fx) __attribute__((noreturn));

/* Read by threadswitch.S (kern/abi/syscall.h numbers calls in C only) */
const uint32_t thread_sys_yield = SYS_yield;
volatile int thread_preempt_depth;
uintptr_t thread_resume_area = ULIB_EPILOGUE_STACKTOP - UXSTACK_SIZE + 256;
uintptr_t thread_overruns_seen = ULIB_EPILOGUE_STACKTOP - UXSTACK_SIZE + 64;
const volatile uint32_t *thread_overruns;	/* &thisenv->overruns */

static struct thread main_thread = { .id = 1, .state = THREAD_RUNNING, .slot = -1 };
static struct thread *cur = &main_thread;	/* the running thread */
static const struct thread_sched *sched = &thread_sched_rr;
static volatile bool preempt_pending;	/* an epilogue found the depth > 0 */
static bool ready;			/* epilogue stack and upcall set up */
static envid_t owner;			/* the env the state below belongs to */
static int nthreads = 1;		/* not yet exited */
static int next_id = 2;
static uint8_t slot_used[THREAD_MAX];	/* thread windows in use */
static struct thread_queue sleepers;	/* in no order */
static struct thread_queue ipc_waiters;	/* FIFO */
static struct thread_queue cons_waiters;	/* FIFO */
static struct thread_stats stats;
static uint8_t fpu_initial[512] __attribute__((aligned(16)));

#define barrier()	asm volatile("" : : : "memory")

/* --- queues --- */

static void
queue_push(struct thread_queue *q, struct thread *t)
{
	t->wait_next = NULL;
	if (q->tail)
		q->tail->wait_next = t;
	else
		q->head = t;
	q->tail = t;
}

static struct thread *
queue_pop(struct thread_queue *q)
{
	struct thread *t = q->head;

	if (t) {
		q->head = t->wait_next;
		if (!q->head)
			q->tail = NULL;
		t->wait_next = NULL;
	}
	return t;
}

/* --- the default scheduler: round robin --- */

static struct thread *rr_head, *rr_tail;

static void
rr_enqueue(struct thread *t)
{
	t->sched_next = NULL;
	if (rr_tail)
		rr_tail->sched_next = t;
	else
		rr_head = t;
	rr_tail = t;
}

static struct thread *
rr_pick_next(void)
{
	struct thread *t = rr_head;

	if (t) {
		rr_head = t->sched_next;
		if (!rr_head)
			rr_tail = NULL;
	}
	return t;
}

const struct thread_sched thread_sched_rr = {
	.name = "round-robin",
	.enqueue = rr_enqueue,
	.pick_next = rr_pick_next,
	.slice_end = NULL,
};

/* --- preemption --- */

/* Holds off switches between threads until the matching enable. */
void
thread_preempt_disable(void)
{
	__atomic_add_fetch(&thread_preempt_depth, 1, __ATOMIC_RELAXED);
	barrier();
}

/* Ends a thread_preempt_disable; at depth 0, makes the switch an
 * epilogue asked for meanwhile. */
void
thread_preempt_enable(void)
{
	barrier();
	if (__atomic_sub_fetch(&thread_preempt_depth, 1, __ATOMIC_RELAXED) == 0 &&
	    preempt_pending) {
		preempt_pending = false;
		thread_yield();
	}
}

/* --- set-up --- */

/* The FPU/SSE state a new thread starts with: x87 reset, every SIMD
 * exception masked, all registers zero. The caller's own is kept. */
static void
fpu_initial_init(void)
{
	static uint8_t mine[512] __attribute__((aligned(16)));
	uint32_t mxcsr = 0x1f80;

	asm volatile("fxsave64 %0\n\t"
		     "fninit\n\t"
		     "ldmxcsr %2\n\t"
		     "fxsave64 %1\n\t"
		     "fxrstor64 %0"
		     : "+m" (mine), "=m" (fpu_initial) : "m" (mxcsr));
	memset(fpu_initial + FPU_REGS_OFF, 0, FPU_REGS_LEN);
}

/* In a forked child, forgets every thread but the one running (the one
 * that called fork). */
static void
fork_check(void)
{
	if (!ready || owner == thisenv->id)
		return;
	ready = false;
	sched = &thread_sched_rr;
	rr_head = rr_tail = NULL;
	sleepers = ipc_waiters = cons_waiters = (struct thread_queue){ NULL, NULL };
	memset(slot_used, 0, sizeof(slot_used));
	if (cur->slot >= 0)
		slot_used[cur->slot] = 1;
	cur->joiner = NULL;
	nthreads = 1;
	thread_preempt_depth = 0;
	preempt_pending = false;
	ipc_recv_hook = NULL;
	getchar_hook = NULL;
}

static uint64_t thread_ipc_recv(envid_t *from, void *pg, uint64_t *perm);
static int thread_getchar(void);

/* Maps the epilogue stack (fresh pages, PERM_SHARE so that a fork leaves
 * them writable here: the kernel writes the frames) and registers the
 * upcall on it. Returns 0 or the kernel's error. */
static int
threads_init(void)
{
	struct mmap_op ops[EPILOGUE_STACK_PAGES];
	struct mmap_batch b = { ops, EPILOGUE_STACK_PAGES, 0, false };
	uintptr_t va;
	int r;

	fork_check();
	if (ready)
		return 0;
	for (va = ULIB_EPILOGUE_STACKTOP - UXSTACK_SIZE; va < ULIB_EPILOGUE_STACKTOP;
	     va += PGSIZE)
		batch_add(&b, MMAP_OP_ALLOC, 0, va, PERM_STACK | PERM_SHARE, 0, 0);
	if ((r = batch_flush(&b)) < 0)
		return r;
	/* before the upcall is registered: a slice may end right after,
	 * and the entry reads these at once */
	thread_overruns = &thisenv->overruns;
	*(uint32_t *)thread_overruns_seen = thisenv->overruns;
	r = (int)sys_env_set_upcall(0, UPCALL_EPILOGUE, (uintptr_t)thread_epilogue_entry,
				    ULIB_EPILOGUE_STACKTOP);
	if (r < 0)
		return r;
	fpu_initial_init();
	if (cur == &main_thread) {
		main_thread.stack_lo = USTACKTOP - USTACK_MAX;
		main_thread.stack_hi = USTACKTOP;
	}
	owner = thisenv->id;
	ipc_recv_hook = thread_ipc_recv;
	getchar_hook = thread_getchar;
	ready = true;
	return 0;
}

/* --- switching --- */

static void
make_runnable(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	t->wait = NULL;
	sched->enqueue(t);
}

/* Sleepers whose time has come become runnable. */
static void
wake_sleepers(void)
{
	struct thread_queue still = { NULL, NULL };
	struct thread *t;
	uint64_t now;

	if (!sleepers.head)
		return;
	now = tsc_now();
	while ((t = queue_pop(&sleepers)) != NULL) {
		if ((int64_t)(now - t->wake_tsc) >= 0)
			make_runnable(t);
		else
			queue_push(&still, t);
	}
	sleepers = still;
}

/* Runs t, with the preemption depth it saved; does not return. */
static void __attribute__((noreturn))
run(struct thread *t)
{
	if (t != cur)
		stats.switches++;
	cur = t;
	t->state = THREAD_RUNNING;
	t->switches++;
	preempt_pending = false;
	thread_resume(&t->regs, t->fpu, t->preempt_saved);
}

/* Delivers what the kernel got for the first thread waiting at q. */
static void
deliver(struct thread_queue *q, int64_t result)
{
	struct thread *t = queue_pop(q);

	t->result = result;
	if (q == &ipc_waiters && result >= 0) {
		t->ipc_value = thisenv->ipc_value;
		t->ipc_from = thisenv->ipc_from;
		t->ipc_perm = thisenv->ipc_perm;
	}
	make_runnable(t);
}

void (*thread_idle_hook)(uint64_t until_tsc);

#define IDLE_CONSOLE_POLL_US	10000	/* console checks while a hook waits */

/* The TSC by which idle_wait must be back: the earliest sleeper's wake
 * time, or sooner when the console needs polling; 0 for none. */
static uint64_t
idle_deadline(void)
{
	uint64_t until = 0;

	for (struct thread *t = sleepers.head; t; t = t->wait_next)
		if (until == 0 || (int64_t)(t->wake_tsc - until) < 0)
			until = t->wake_tsc;
	if (cons_waiters.head) {
		uint64_t poll = tsc_now() + tsc_from_us(IDLE_CONSOLE_POLL_US);
		if (until == 0 || (int64_t)(poll - until) < 0)
			until = poll;
	}
	return until;
}

/*
 * No thread can run: wait in the kernel for what the blocked ones wait
 * for. A layer that set thread_idle_hook (the socket layer's network
 * thread) waits there instead, unless a thread waits for IPC. One kind of event can be waited for by blocking the env (an IPC
 * message, a console character); with sleepers, or with both kinds, the
 * env polls, yielding the CPU between looks. Threads that wait only on
 * each other with nothing else pending are deadlocked: the program ends.
 */
static void
idle_wait(void)
{
	int64_t r;

	stats.env_blocks++;
	if (cons_waiters.head && (r = sys_cgetc(0)) != -E_AGAIN) {
		deliver(&cons_waiters, r);
		return;
	}
	if (thread_idle_hook && !ipc_waiters.head) {
		thread_idle_hook(idle_deadline());
		return;
	}
	if (sleepers.head || (ipc_waiters.head && cons_waiters.head)) {
		sys_yield();
		return;
	}
	if (ipc_waiters.head) {
		void *pg = ipc_waiters.head->ipc_pg;
		deliver(&ipc_waiters, sys_ipc_recv(pg ? (uintptr_t)pg : UTOP));
		return;
	}
	if (cons_waiters.head) {
		deliver(&cons_waiters, sys_cgetc(1));
		return;
	}
	panic("threads: deadlock: every thread is blocked on another (thread %d: %s)",
	      cur->id, cur->wait ? cur->wait : "exited");
}

static struct thread *
next_to_run(void)
{
	struct thread *t;

	for (;;) {
		wake_sleepers();
		if ((t = sched->pick_next()) != NULL)
			return t;
		idle_wait();
	}
}

/* Gives up the CPU to the next thread; cur must already be queued where
 * it will be found again (scheduler or a wait queue), or be exiting.
 * Returns when cur is resumed. Preemption held off. */
static void
thread_switch(void)
{
	struct thread *t = cur;
	int r;

	if (!ready && (r = threads_init()) < 0)
		panic("threads: cannot set up the epilogue stack: %s", errstr(r));
	t->preempt_saved = thread_preempt_depth;
	if (thread_save(&t->regs, t->fpu))
		return;
	run(next_to_run());
}

/* cur waits (why) until someone makes it runnable. Preemption held off. */
static void
block(const char *why)
{
	cur->state = THREAD_BLOCKED;
	cur->wait = why;
	thread_switch();
}

/* Whether sp is on t's own stack. */
static bool
on_own_stack(const struct thread *t, uintptr_t sp)
{
	return sp > t->stack_lo && sp <= t->stack_hi;
}

/*
 * The epilogue upcall's C half, on the epilogue stack after the env has
 * yielded (threadswitch.S): utf is the interrupted state, fx its FXSAVE
 * image. Switches threads unless the thread was not on its own stack (an
 * exception handler, a PCT entry) or preemption is held off: then the
 * interrupted code resumes as it was. The first case writes no global
 * data (the interrupted code may be the copy-on-write fault handler; see
 * threadswitch.S).
 */
void
thread_epilogue(struct utrapframe *utf, uint8_t *fx)
{
	struct thread *t = cur;

	if (!ready || !on_own_stack(t, utf->regs.rsp))
		thread_resume(&utf->regs, fx, thread_preempt_depth);
	stats.epilogues++;
	if (thread_preempt_depth > 0) {
		stats.deferred++;
		preempt_pending = true;
		thread_resume(&utf->regs, fx, thread_preempt_depth);
	}
	thread_preempt_depth = 1;
	t->regs = utf->regs;
	memcpy(t->fpu, fx, sizeof(t->fpu));
	t->preempt_saved = 0;
	if (sched->slice_end && !sched->slice_end(t))
		run(t);
	make_runnable(t);
	t = next_to_run();
	if (t != cur)
		stats.preemptions++;
	run(t);
}

/* --- time --- */

#define CALIBRATE_TICKS	10

/* TSC ticks per second: the clock page's figure; should the kernel leave
 * it 0, measured once against the clock page's tick counter. */
uint64_t
clock_tsc_hz(void)
{
	static uint64_t measured;
	const volatile struct clock_export *ck = UCLOCK_PAGE;
	uint64_t t0, tsc0, hz = ck->timer_hz ? ck->timer_hz : 1000;

	if (ck->tsc_hz)
		return ck->tsc_hz;
	if (measured)
		return measured;
	t0 = ck->ticks;
	while (ck->ticks == t0)
		;
	tsc0 = tsc_now();
	while (ck->ticks < t0 + 1 + CALIBRATE_TICKS)
		;
	measured = (tsc_now() - tsc0) * hz / CALIBRATE_TICKS;
	return measured;
}

/* --- threads --- */

/* Where every thread but main begins. */
static void __attribute__((noreturn))
thread_start(struct thread *t)
{
	thread_exit(t->fn(t->arg));
}

static int
slot_alloc(void)
{
	for (int i = 0; i < THREAD_MAX; i++)
		if (!slot_used[i]) {
			slot_used[i] = 1;
			return i;
		}
	return -E_QUOTA;
}

/* Maps what is not yet mapped of [lo, hi) (a window may keep the pages
 * of a thread that used it before). */
static int
map_range(uintptr_t lo, uintptr_t hi)
{
	struct mmap_op ops[THREAD_STACK_PAGES_MAX + 1];
	struct mmap_batch b = { ops, THREAD_STACK_PAGES_MAX + 1, 0, false };
	int r;

	for (uintptr_t va = lo; va < hi; va += PGSIZE)
		if (!(uvpt_pte(va) & PERM_P) &&
		    (r = batch_add(&b, MMAP_OP_ALLOC, 0, va, PERM_STACK, 0, 0)) < 0)
			return r;
	return batch_flush(&b);
}

/* Whether t names a thread of this env (live or a zombie). */
static bool
thread_valid(const struct thread *t)
{
	uintptr_t a = (uintptr_t)t;

	if (t == &main_thread)
		return true;
	if (a < ULIB_THREADS || a >= ULIB_THREADS + (uintptr_t)THREAD_MAX * ULIB_THREAD_SPAN ||
	    (a + PGSIZE - ULIB_THREADS) % ULIB_THREAD_SPAN != 0)
		return false;
	return slot_used[(a - ULIB_THREADS) / ULIB_THREAD_SPAN] && t->state != THREAD_FREE;
}

/* A runnable thread running fn(arg) on a stack of stack bytes (0: the
 * default), stored in *out when out is not NULL. Errors: -E_INVAL (no fn,
 * stack over THREAD_STACK_MAX), -E_QUOTA (THREAD_MAX threads), -E_NO_MEM
 * (no pages for its stack), or the kernel's from setting up the epilogue
 * upcall on first use. */
int
thread_create_stack(struct thread **out, thread_fn_t fn, void *arg, size_t stack)
{
	struct thread *t;
	uintptr_t top;
	int slot, r;

	if (!fn || stack > THREAD_STACK_MAX)
		return -E_INVAL;
	stack = stack ? ROUNDUP(stack, PGSIZE) : THREAD_STACK_DEFAULT;
	if ((r = threads_init()) < 0)
		return r;
	thread_preempt_disable();
	if ((slot = slot_alloc()) < 0) {
		thread_preempt_enable();
		return slot;
	}
	top = ULIB_THREADS + (uintptr_t)(slot + 1) * ULIB_THREAD_SPAN;
	if ((r = map_range(top - PGSIZE - stack, top)) < 0) {
		slot_used[slot] = 0;
		thread_preempt_enable();
		return r;
	}
	t = (struct thread *)(top - PGSIZE);
	memset(t, 0, sizeof(*t));
	t->id = next_id++;
	t->slot = slot;
	t->fn = fn;
	t->arg = arg;
	t->stack_lo = top - PGSIZE - stack;
	t->stack_hi = top - PGSIZE;
	memcpy(t->fpu, fpu_initial, sizeof(t->fpu));
	/* As if called: the return-address slot holds 0 and the frame is
	 * aligned as the psABI wants at a function's entry. */
	*(uint64_t *)(t->stack_hi - 8) = 0;
	t->regs.rsp = t->stack_hi - 8;
	t->regs.rip = (uintptr_t)thread_start;
	t->regs.rdi = (uintptr_t)t;
	t->regs.rflags = 0x202;
	nthreads++;
	make_runnable(t);
	if (out)
		*out = t;
	thread_preempt_enable();
	return 0;
}

/* thread_create_stack with the default stack. */
int
thread_create(struct thread **out, thread_fn_t fn, void *arg)
{
	return thread_create_stack(out, fn, arg, 0);
}

/* Ends the calling thread with retval for its joiner; the env exits (0)
 * when the last thread does. */
void
thread_exit(void *retval)
{
	struct thread *t;

	fork_check();
	thread_preempt_disable();
	t = cur;
	t->retval = retval;
	t->state = THREAD_ZOMBIE;
	if (--nthreads == 0)
		exit(0);
	if (t->joiner)
		make_runnable(t->joiner);
	thread_switch();
	panic("threads: an exited thread was resumed");
}

/* Waits for t to exit, stores its value in *retval (if retval) and frees
 * it. Errors: -E_INVAL (t is no thread of mine), -E_DEADLOCK (t is the
 * caller), -E_BUSY (another thread joins it already). */
int
thread_join(struct thread *t, void **retval)
{
	int r = 0;

	fork_check();
	thread_preempt_disable();
	if (!thread_valid(t))
		r = -E_INVAL;
	else if (t == cur)
		r = -E_DEADLOCK;
	else if (t->joiner)
		r = -E_BUSY;
	if (r < 0) {
		thread_preempt_enable();
		return r;
	}
	if (t->state != THREAD_ZOMBIE) {
		t->joiner = cur;
		block("join");
	}
	if (retval)
		*retval = t->retval;
	t->state = THREAD_FREE;
	t->joiner = NULL;
	if (t->slot >= 0)
		slot_used[t->slot] = 0;
	thread_preempt_enable();
	return 0;
}

/* Lets the other runnable threads run first. */
void
thread_yield(void)
{
	fork_check();
	if (!ready)
		return;		/* never had another thread to yield to */
	thread_preempt_disable();
	wake_sleepers();
	make_runnable(cur);
	thread_switch();
	thread_preempt_enable();
}

/* Blocks the calling thread for at least us microseconds (TSC time from
 * the clock page); the others run meanwhile. */
void
thread_sleep_us(uint64_t us)
{
	uint64_t wake = tsc_now() + tsc_from_us(us);

	fork_check();
	thread_preempt_disable();
	cur->wake_tsc = wake;
	queue_push(&sleepers, cur);
	block("sleep");
	thread_preempt_enable();
}

/* Ends t's thread_sleep_us now (it becomes runnable); does nothing if t
 * does not sleep. May be called from thread_idle_hook. */
void
thread_wake(struct thread *t)
{
	struct thread_queue still = { NULL, NULL };
	struct thread *s;

	thread_preempt_disable();
	while ((s = queue_pop(&sleepers)) != NULL) {
		if (s == t)
			make_runnable(s);
		else
			queue_push(&still, s);
	}
	sleepers = still;
	thread_preempt_enable();
}

struct thread *
thread_self(void)
{
	fork_check();
	return cur;
}

/* Threads that have not exited, main included. */
int
thread_count(void)
{
	fork_check();
	return nthreads;
}

void
thread_get_stats(struct thread_stats *out)
{
	*out = stats;
}

/* Makes s the scheduler; the runnable threads move to it in the order
 * the old one gives them. -E_INVAL if s lacks enqueue or pick_next. */
int
thread_set_sched(const struct thread_sched *s)
{
	struct thread *t;

	if (!s || !s->enqueue || !s->pick_next)
		return -E_INVAL;
	fork_check();
	thread_preempt_disable();
	while ((t = sched->pick_next()) != NULL)
		s->enqueue(t);
	sched = s;
	thread_preempt_enable();
	return 0;
}

/* --- mutexes --- */

int
mutex_init(struct mutex *m)
{
	*m = (struct mutex)MUTEX_INITIALIZER;
	return 0;
}

/* Takes m, waiting while another thread holds it. -E_DEADLOCK if the
 * caller holds it already. */
int
mutex_lock(struct mutex *m)
{
	fork_check();
	thread_preempt_disable();
	if (m->owner == cur) {
		thread_preempt_enable();
		return -E_DEADLOCK;
	}
	if (!m->owner) {
		m->owner = cur;
	} else {
		queue_push(&m->waiters, cur);
		block("mutex");		/* the unlocker made us the owner */
	}
	thread_preempt_enable();
	return 0;
}

/* Takes m if it is free: 0, else -E_BUSY. */
int
mutex_trylock(struct mutex *m)
{
	int r = -E_BUSY;

	fork_check();
	thread_preempt_disable();
	if (!m->owner) {
		m->owner = cur;
		r = 0;
	}
	thread_preempt_enable();
	return r;
}

/* Hands m to its first waiter, or frees it. Preemption held off. */
static void
mutex_release(struct mutex *m)
{
	struct thread *t = queue_pop(&m->waiters);

	m->owner = t;
	if (t)
		make_runnable(t);
}

/* Releases m: the longest waiter, if any, gets it next. -E_PERM if the
 * caller does not hold it. */
int
mutex_unlock(struct mutex *m)
{
	fork_check();
	thread_preempt_disable();
	if (m->owner != cur) {
		thread_preempt_enable();
		return -E_PERM;
	}
	mutex_release(m);
	thread_preempt_enable();
	return 0;
}

/* --- condition variables --- */

int
cond_init(struct cond *c)
{
	*c = (struct cond)COND_INITIALIZER;
	return 0;
}

/* Releases m, waits for a signal on c, and takes m again before
 * returning. -E_PERM if the caller does not hold m. */
int
cond_wait(struct cond *c, struct mutex *m)
{
	fork_check();
	thread_preempt_disable();
	if (m->owner != cur) {
		thread_preempt_enable();
		return -E_PERM;
	}
	queue_push(&c->waiters, cur);
	mutex_release(m);
	block("cond");
	if (!m->owner) {
		m->owner = cur;
	} else {
		queue_push(&m->waiters, cur);
		block("mutex");
	}
	thread_preempt_enable();
	return 0;
}

/* Wakes the longest waiter on c, if any. */
int
cond_signal(struct cond *c)
{
	struct thread *t;

	fork_check();
	thread_preempt_disable();
	if ((t = queue_pop(&c->waiters)) != NULL)
		make_runnable(t);
	thread_preempt_enable();
	return 0;
}

/* Wakes every waiter on c. */
int
cond_broadcast(struct cond *c)
{
	struct thread *t;

	fork_check();
	thread_preempt_disable();
	while ((t = queue_pop(&c->waiters)) != NULL)
		make_runnable(t);
	thread_preempt_enable();
	return 0;
}

/* --- blocking calls that block one thread --- */

/* ipc_recv once threads exist (ipc.c calls it through ipc_recv_hook). */
static uint64_t
thread_ipc_recv(envid_t *from, void *pg, uint64_t *perm)
{
	struct thread *t;

	fork_check();
	thread_preempt_disable();
	t = cur;
	t->ipc_pg = pg;
	queue_push(&ipc_waiters, t);
	block("ipc");
	thread_preempt_enable();
	if (from)
		*from = t->result < 0 ? 0 : t->ipc_from;
	if (perm)
		*perm = t->result < 0 ? 0 : t->ipc_perm;
	return t->result < 0 ? (uint64_t)t->result : t->ipc_value;
}

/* getchar once threads exist (console.c calls it through getchar_hook). */
static int
thread_getchar(void)
{
	int64_t r = sys_cgetc(0);

	if (r == -E_AGAIN) {
		fork_check();
		thread_preempt_disable();
		queue_push(&cons_waiters, cur);
		block("console");
		thread_preempt_enable();
		r = thread_self()->result;
	}
	return r < 0 ? (int)r : (int)(r & 0xff);
}
