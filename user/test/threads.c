/*
 * threads: the user-level thread library (libos/thread.c), one check per
 * argument (all of them with none):
 *
 *   pc        producers and consumers through a bounded buffer guarded by
 *             a mutex and two condition variables: every item arrives once
 *   counter   100 threads add to a shared counter under a mutex (with
 *             switches inside the critical section): the exact total;
 *             the same without the mutex must lose updates, or the check
 *             proves nothing
 *   preempt   a thread spins without ever calling the library; another
 *             must still make progress, switched in by the epilogue
 *             upcall; both keep their own FPU/SSE state
 *   ipc       a thread blocked in ipc_recv blocks only itself
 *   sleep     a sleeping thread wakes after its time, others run meanwhile
 *   join      join returns the exit value; misuse is refused
 *   switch    the cost of a thread switch (yield to yield)
 *
 * Each prints "threads: NAME: ok ..." or a line with FAIL.
 */
#include <chitin.h>
#include <thread.h>

#define MAX(a, b)	((a) > (b) ? (a) : (b))

static int failures;

#define CHECK(name, cond, ...) do {					\
	if (!(cond)) {							\
		cprintf("threads: %s: FAIL: ", name);			\
		cprintf(__VA_ARGS__);					\
		cprintf("\n");						\
		failures++;						\
		return;							\
	}								\
} while (0)

/* --- pc --- */

#define PC_SLOTS	8
#define PC_PRODUCERS	3
#define PC_CONSUMERS	2
#define PC_ITEMS	1000	/* per producer */

static struct {
	struct mutex m;
	struct cond not_full, not_empty;
	uint64_t buf[PC_SLOTS];
	int head, count, producers_left;
	uint64_t sum, received;
	uint8_t seen[PC_PRODUCERS * PC_ITEMS];
	int dup;
} pc;

static void *
producer(void *arg)
{
	uint64_t base = (uint64_t)arg * PC_ITEMS;

	for (uint64_t i = 0; i < PC_ITEMS; i++) {
		mutex_lock(&pc.m);
		while (pc.count == PC_SLOTS)
			cond_wait(&pc.not_full, &pc.m);
		pc.buf[(pc.head + pc.count++) % PC_SLOTS] = base + i;
		cond_signal(&pc.not_empty);
		mutex_unlock(&pc.m);
		if (i % 5 == 0)
			thread_yield();
	}
	mutex_lock(&pc.m);
	pc.producers_left--;
	cond_broadcast(&pc.not_empty);
	mutex_unlock(&pc.m);
	return NULL;
}

static void *
consumer(void *arg)
{
	uint64_t mine = 0;

	mutex_lock(&pc.m);
	for (;;) {
		while (pc.count == 0 && pc.producers_left > 0)
			cond_wait(&pc.not_empty, &pc.m);
		if (pc.count == 0)
			break;
		uint64_t v = pc.buf[pc.head];
		pc.head = (pc.head + 1) % PC_SLOTS;
		pc.count--;
		if (pc.seen[v]++)
			pc.dup++;
		pc.sum += v;
		pc.received++;
		mine++;
		cond_signal(&pc.not_full);
		if (mine % 7 == 0) {
			mutex_unlock(&pc.m);
			thread_yield();
			mutex_lock(&pc.m);
		}
	}
	mutex_unlock(&pc.m);
	return (void *)mine;
}

static void
test_pc(void)
{
	struct thread *t[PC_PRODUCERS + PC_CONSUMERS];
	uint64_t n = PC_PRODUCERS * PC_ITEMS, per[PC_CONSUMERS];
	void *rv;
	int i, r;

	mutex_init(&pc.m);
	cond_init(&pc.not_full);
	cond_init(&pc.not_empty);
	pc.producers_left = PC_PRODUCERS;
	for (i = 0; i < PC_CONSUMERS; i++)
		CHECK("pc", (r = thread_create(&t[i], consumer, NULL)) == 0,
		      "create: %s", errstr(r));
	for (i = 0; i < PC_PRODUCERS; i++)
		CHECK("pc", (r = thread_create(&t[PC_CONSUMERS + i], producer,
						(void *)(uint64_t)i)) == 0,
		      "create: %s", errstr(r));
	for (i = PC_CONSUMERS + PC_PRODUCERS - 1; i >= 0; i--) {
		CHECK("pc", thread_join(t[i], &rv) == 0, "join");
		if (i < PC_CONSUMERS)
			per[i] = (uint64_t)rv;
	}
	CHECK("pc", pc.received == n && pc.dup == 0 && pc.sum == n * (n - 1) / 2,
	      "received %lu (want %lu), %d duplicates, sum %lu (want %lu)",
	      pc.received, n, pc.dup, pc.sum, n * (n - 1) / 2);
	CHECK("pc", per[0] > 0 && per[1] > 0, "one consumer got nothing (%lu, %lu)",
	      per[0], per[1]);
	cprintf("threads: pc: ok, %lu items from %d producers, consumers took %lu and %lu\n",
		n, PC_PRODUCERS, per[0], per[1]);
}

/* --- counter --- */

#define CT_THREADS	100
#define CT_ROUNDS	100

static struct mutex ct_lock = MUTEX_INITIALIZER;
static volatile uint64_t ct_counter;
static bool ct_use_lock;

static void *
counter_thread(void *arg)
{
	for (int i = 0; i < CT_ROUNDS; i++) {
		if (ct_use_lock)
			mutex_lock(&ct_lock);
		uint64_t v = ct_counter;
		if ((i + (int)(uint64_t)arg) % 3 == 0)
			thread_yield();		/* inside the critical section */
		ct_counter = v + 1;
		if (ct_use_lock)
			mutex_unlock(&ct_lock);
	}
	return NULL;
}

static int
counter_run(bool locked, uint64_t *total)
{
	struct thread *t[CT_THREADS];
	int i, r;

	ct_counter = 0;
	ct_use_lock = locked;
	for (i = 0; i < CT_THREADS; i++)
		if ((r = thread_create(&t[i], counter_thread, (void *)(uint64_t)i)) < 0)
			return r;
	for (i = 0; i < CT_THREADS; i++)
		if ((r = thread_join(t[i], NULL)) < 0)
			return r;
	*total = ct_counter;
	return 0;
}

static void
test_counter(void)
{
	uint64_t want = CT_THREADS * CT_ROUNDS, locked, unlocked;
	int r;

	CHECK("counter", (r = counter_run(false, &unlocked)) == 0, "%s", errstr(r));
	CHECK("counter", unlocked < want,
	      "without the mutex no update was lost (%lu): threads never interleaved",
	      unlocked);
	CHECK("counter", (r = counter_run(true, &locked)) == 0, "%s", errstr(r));
	CHECK("counter", locked == want, "total %lu, want %lu", locked, want);
	cprintf("threads: counter: ok, %d threads reached %lu exactly "
		"(%lu without the mutex)\n", CT_THREADS, locked, unlocked);
}

/* --- preempt --- */

#define MXCSR_RC_ZERO	0x7f80	/* masked, round toward zero */
#define MXCSR_DEFAULT	0x1f80

static volatile int pr_stop;
static volatile uint64_t pr_progress;

/* MXCSR without its sticky exception flags (bits 0-5). */
static inline uint32_t
get_mxcsr(void)
{
	uint32_t v;

	asm volatile("stmxcsr %0" : "=m" (v));
	return v & ~0x3fu;
}

static inline void
set_mxcsr(uint32_t v)
{
	asm volatile("ldmxcsr %0" : : "m" (v));
}

/* The same recurrence in the same rounding mode gives the same bits. */
static double
recurrence(double x, uint64_t n, double a, double b)
{
	for (uint64_t i = 0; i < n; i++)
		x = x * a + b;
	return x;
}

/* Spins on pr_stop computing in SSE registers, with its own rounding. */
static void *
spinner(void *arg)
{
	volatile double a = 0.999999;
	double x = 1.0;
	uint64_t n = 0;

	set_mxcsr(MXCSR_RC_ZERO);
	while (!pr_stop) {
		x = x * a + 0.25;
		n++;
	}
	if (get_mxcsr() != MXCSR_RC_ZERO)
		return (void *)1;
	if (recurrence(1.0, n, a, 0.25) != x)
		return (void *)2;
	set_mxcsr(MXCSR_DEFAULT);
	return (void *)3;
}

/* Makes progress only when switched in; stops the spinner after a few
 * hundred steps interleaved with it. */
static void *
stepper(void *arg)
{
	volatile double a = 1.000001;
	double x = 2.0;
	uint64_t n = 0;

	while (pr_progress < 300) {
		for (int i = 0; i < 1000; i++, n++)
			x = x * a + 0.5;
		pr_progress++;
	}
	pr_stop = 1;
	if (get_mxcsr() != MXCSR_DEFAULT)
		return (void *)1;
	if (recurrence(2.0, n, a, 0.5) != x)
		return (void *)2;
	return (void *)3;
}

/*
 * An epilogue upcall comes only when another env is to run on the CPU,
 * so a competitor shares it: a forked child pinned with us to CPU 0.
 */
static void
test_preempt(void)
{
	struct thread *a, *b;
	struct thread_stats s0, s1;
	void *ra, *rb;
	envid_t rival;
	int r;

	CHECK("preempt", sys_env_set_affinity(0, 1) == 0, "affinity");
	if ((rival = fork()) == 0)
		for (;;)
			;
	CHECK("preempt", rival > 0, "fork: %s", errstr(rival));
	thread_get_stats(&s0);
	pr_stop = 0;
	CHECK("preempt", (r = thread_create(&a, spinner, NULL)) == 0, "%s", errstr(r));
	CHECK("preempt", (r = thread_create(&b, stepper, NULL)) == 0, "%s", errstr(r));
	thread_join(a, &ra);
	thread_join(b, &rb);
	thread_get_stats(&s1);
	sys_env_destroy(rival);
	wait(rival, NULL);
	sys_env_set_affinity(0, ~0ULL);
	CHECK("preempt", ra == (void *)3 && rb == (void *)3,
	      "FPU/SSE state not kept per thread (spinner %ld, stepper %ld)",
	      (long)ra, (long)rb);
	CHECK("preempt", s1.preemptions > s0.preemptions, "no preemption counted");
	cprintf("threads: preempt: ok, the spinner was preempted %lu times "
		"(%lu epilogues, %lu deferred), FPU state kept\n",
		s1.preemptions - s0.preemptions, s1.epilogues - s0.epilogues,
		s1.deferred - s0.deferred);
}

/* --- ipc --- */

static void *
receiver(void *arg)
{
	envid_t from;
	uint64_t v = ipc_recv(&from, NULL, NULL);

	*(envid_t *)arg = from;
	return (void *)v;
}

static void
test_ipc(void)
{
	struct thread *t;
	envid_t child, from = 0;
	void *rv;
	int spins = 0, r;

	if ((child = fork()) == 0) {
		/* Waits to be told, then sends the parent the word plus one. */
		envid_t parent;
		uint64_t v = ipc_recv(&parent, NULL, NULL);
		ipc_send(parent, v + 1, NULL, 0);
		exit(0);
	}
	CHECK("ipc", child > 0, "fork: %s", errstr(child));
	CHECK("ipc", (r = thread_create(&t, receiver, &from)) == 0, "%s", errstr(r));
	while (t->state != THREAD_BLOCKED && spins++ < 1000)
		thread_yield();
	CHECK("ipc", t->state == THREAD_BLOCKED, "the receiver never blocked");
	/* The main thread still runs while the receiver waits. */
	for (int i = 0; i < 10; i++)
		thread_yield();
	CHECK("ipc", t->state == THREAD_BLOCKED && thisenv->status == ENV_RUNNING,
	      "receiver state %d, env status %u", t->state, thisenv->status);
	ipc_send(child, 41, NULL, 0);
	thread_join(t, &rv);
	wait(child, NULL);
	CHECK("ipc", (uint64_t)rv == 42 && from == child, "got %lu from %08x, want 42 from %08x",
	      (uint64_t)rv, from, child);
	cprintf("threads: ipc: ok, the main thread ran while a thread waited in ipc_recv\n");
}

/* --- sleep --- */

static volatile uint64_t sl_ticks;
static volatile int sl_done;

static void *
sleeper(void *arg)
{
	uint64_t t0 = tsc_now();

	thread_sleep_us(30000);
	sl_done = 1;
	return (void *)(tsc_now() - t0);
}

static void *
ticker(void *arg)
{
	while (!sl_done) {
		sl_ticks++;
		thread_yield();
	}
	return NULL;
}

static void
test_sleep(void)
{
	struct thread *s, *k;
	void *slept;
	uint64_t us;

	sl_done = 0;
	sl_ticks = 0;
	CHECK("sleep", thread_create(&s, sleeper, NULL) == 0, "create");
	CHECK("sleep", thread_create(&k, ticker, NULL) == 0, "create");
	thread_join(s, &slept);
	thread_join(k, NULL);
	us = (uint64_t)slept * 1000000 / clock_tsc_hz();
	CHECK("sleep", us >= 30000, "woke after %lu us, asked 30000", us);
	CHECK("sleep", sl_ticks > 0, "nothing ran while it slept");
	cprintf("threads: sleep: ok, slept %lu us of 30000 while another thread ran %lu times\n",
		us, sl_ticks);
}

/* --- join --- */

static void *
returner(void *arg)
{
	return (void *)((uint64_t)arg * 2);
}

static void *
exiter(void *arg)
{
	thread_exit((void *)77);
}

static void
test_join(void)
{
	struct thread *a, *b;
	void *ra, *rb;

	CHECK("join", thread_create(&a, returner, (void *)21) == 0, "create");
	CHECK("join", thread_create(&b, exiter, NULL) == 0, "create");
	CHECK("join", thread_join(thread_self(), NULL) == -E_DEADLOCK, "joined itself");
	CHECK("join", thread_join(a, &ra) == 0 && ra == (void *)42, "return value");
	CHECK("join", thread_join(b, &rb) == 0 && rb == (void *)77, "thread_exit value");
	CHECK("join", thread_join(a, NULL) == -E_INVAL, "joined a freed thread");
	CHECK("join", thread_create(&a, NULL, NULL) == -E_INVAL, "created without a function");
	cprintf("threads: join: ok\n");
}

/* --- switch --- */

#define SW_ROUNDS	5000

static void *
yielder(void *arg)
{
	for (int i = 0; i < SW_ROUNDS; i++)
		thread_yield();
	return NULL;
}

static void
test_switch(void)
{
	struct thread *a, *b;
	struct thread_stats s0, s1;
	uint64_t t0, t1, per, ns;

	thread_get_stats(&s0);
	CHECK("switch", thread_create(&a, yielder, NULL) == 0, "create");
	CHECK("switch", thread_create(&b, yielder, NULL) == 0, "create");
	t0 = tsc_now();
	thread_join(a, NULL);
	thread_join(b, NULL);
	t1 = tsc_now();
	thread_get_stats(&s1);
	per = (t1 - t0) / MAX(s1.switches - s0.switches, 1);
	ns = per * 1000000000 / clock_tsc_hz();
	CHECK("switch", s1.switches - s0.switches >= 2 * SW_ROUNDS, "only %lu switches",
	      s1.switches - s0.switches);
	cprintf("threads: switch: ok, %lu switches, %lu cycles (%lu ns) each\n",
		s1.switches - s0.switches, per, ns);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "pc", test_pc }, { "counter", test_counter }, { "preempt", test_preempt },
	{ "ipc", test_ipc }, { "sleep", test_sleep }, { "join", test_join },
	{ "switch", test_switch },
};

int
main(int argc, char **argv)
{
	size_t ntests = sizeof(tests) / sizeof(tests[0]);

	for (size_t i = 0; i < ntests; i++) {
		bool want = argc < 2;
		for (int a = 1; a < argc; a++)
			want |= strcmp(argv[a], tests[i].name) == 0;
		if (want)
			tests[i].fn();
	}
	if (failures == 0)
		cprintf("threads: all ok\n");
	else
		cprintf("threads: %d FAIL\n", failures);
	return failures != 0;
}
