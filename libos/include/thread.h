/*
 * User-level threads (libos/thread.c): many threads of control inside one
 * env, scheduled by the library in the env's own time slices.
 *
 * A thread runs until it blocks (join, mutex, condition variable, sleep,
 * a thread-aware ipc_recv or getchar), yields, or its env's slice ends:
 * the kernel's epilogue upcall then saves the running thread and the
 * scheduler picks another for the env's next slice. The scheduler is a
 * structure of function pointers that the application may replace
 * (thread_set_sched); the default is round robin.
 *
 * Each thread has its own stack and its own registers, FPU/SSE state
 * included. All threads of an env run on one CPU at a time (the env's),
 * so the library's own critical sections only hold off preemption.
 *
 * Blocking calls block only their thread: ipc_recv and getchar wait in
 * the library while other threads can run, and the env blocks in the
 * kernel only when none can. A program that never creates a thread runs
 * exactly as without this file.
 *
 * Not thread-safe: fork, spawn and other calls that use the library's
 * fixed windows (libos.h); call them from one thread at a time.
 */
#ifndef CHITIN_LIBOS_THREAD_H
#define CHITIN_LIBOS_THREAD_H

#include <chitin.h>

/* Thread states */
#define THREAD_FREE	0	/* slot unused */
#define THREAD_RUNNABLE	1	/* waiting in the scheduler for the CPU */
#define THREAD_RUNNING	2	/* the one running now */
#define THREAD_BLOCKED	3	/* waiting for an event (wait says which) */
#define THREAD_ZOMBIE	4	/* exited; its value waits for a join */

/* Stack of a new thread (thread_create); at most THREAD_STACK_MAX. */
#define THREAD_STACK_DEFAULT	(4 * PGSIZE)
#define THREAD_STACK_MAX	(60 * PGSIZE)
#define THREAD_MAX		1024	/* threads alive at once, main included */

typedef void *(*thread_fn_t)(void *arg);

/* One thread. The library owns every field but the scheduler's. */
struct thread {
	struct user_regs regs;		/* registers while not running */
	uint8_t fpu[512] __attribute__((aligned(16)));	/* FXSAVE image, idem */
	int preempt_saved;		/* preemption depth to resume with */
	int id;				/* 1 for main, then 2, 3, ... */
	int state;			/* THREAD_* */
	const char *wait;		/* what a blocked thread waits for */
	int slot;			/* index of its stack window; -1 for main */
	thread_fn_t fn;			/* what it runs, with arg */
	void *arg;
	void *retval;			/* what it exited with */
	struct thread *joiner;		/* the thread joining it */
	struct thread *wait_next;	/* link in a wait queue */
	uint64_t wake_tsc;		/* sleeping: TSC to wake at */
	uintptr_t stack_lo, stack_hi;	/* its stack */
	uint64_t switches;		/* times it was switched in */
	/* a thread-aware blocking call: its arguments and results */
	void *ipc_pg;			/* ipc_recv: where a page may go */
	uint64_t ipc_value;		/* ipc_recv: what came */
	envid_t ipc_from;
	uint64_t ipc_perm;
	int64_t result;			/* ipc_recv error, or getchar's answer */
	/* free for the scheduler in use (the default uses sched_next) */
	struct thread *sched_next, *sched_prev;
	uint64_t sched_word;
	void *sched_data;
};

/* A queue of threads waiting for something (a mutex, a condition). */
struct thread_queue {
	struct thread *head, *tail;
};

struct mutex {
	struct thread *owner;		/* NULL when free */
	struct thread_queue waiters;	/* FIFO: unlock hands the mutex over */
};
#define MUTEX_INITIALIZER	{ NULL, { NULL, NULL } }

struct cond {
	struct thread_queue waiters;
};
#define COND_INITIALIZER	{ { NULL, NULL } }

/*
 * The scheduler: which runnable thread runs next. The library calls it
 * with preemption held off, never from two threads at once.
 *
 *   enqueue(t)      t became runnable (created, woken, yielded, preempted)
 *   pick_next()     remove and return the thread to run next; NULL if
 *                   none is runnable
 *   slice_end(t)    optional: the env's slice ended while t ran; return
 *                   true to switch away from t (t is then enqueued and
 *                   pick_next asked), false to keep running it
 */
struct thread_sched {
	const char *name;
	void (*enqueue)(struct thread *t);
	struct thread *(*pick_next)(void);
	bool (*slice_end)(struct thread *t);
};
extern const struct thread_sched thread_sched_rr;	/* the default */

/* What the thread library has done, for tools and tests. */
struct thread_stats {
	uint64_t switches;		/* thread switches */
	uint64_t preemptions;		/* ... of which at an epilogue */
	uint64_t epilogues;		/* epilogue upcalls taken */
	uint64_t deferred;		/* epilogues that found preemption held off */
	uint64_t env_blocks;		/* times the whole env blocked or polled */
};

int thread_create(struct thread **out, thread_fn_t fn, void *arg);
int thread_create_stack(struct thread **out, thread_fn_t fn, void *arg, size_t stack);
int thread_join(struct thread *t, void **retval);
void thread_exit(void *retval) __attribute__((noreturn));
void thread_yield(void);
void thread_sleep_us(uint64_t us);
/* Ends t's thread_sleep_us early, if it sleeps. */
void thread_wake(struct thread *t);
struct thread *thread_self(void);
int thread_count(void);
void thread_get_stats(struct thread_stats *out);
int thread_set_sched(const struct thread_sched *s);

int mutex_init(struct mutex *m);
int mutex_lock(struct mutex *m);
int mutex_trylock(struct mutex *m);
int mutex_unlock(struct mutex *m);

int cond_init(struct cond *c);
int cond_wait(struct cond *c, struct mutex *m);
int cond_signal(struct cond *c);
int cond_broadcast(struct cond *c);

/* When set, what the env does when no thread can run and none waits for
 * IPC: wait in the kernel for an event the hook's layer knows of (the
 * socket layer: a NIC channel), until the TSC reaches until_tsc at the
 * latest (0: no deadline), making the threads it concerns runnable
 * (thread_wake). Called with preemption held off. */
extern void (*thread_idle_hook)(uint64_t until_tsc);

/* Holding off preemption between threads (nestable): for short critical
 * sections of the application's own, and for custom schedulers. */
void thread_preempt_disable(void);
void thread_preempt_enable(void);

/* The TSC now; its rate (the clock page's tsc_hz); microseconds as TSC
 * ticks. */
static inline uint64_t
tsc_now(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t clock_tsc_hz(void);

static inline uint64_t
tsc_from_us(uint64_t us)
{
	uint64_t hz = clock_tsc_hz();

	return hz / 1000000 * us + hz % 1000000 * us / 1000000;
}

#endif
