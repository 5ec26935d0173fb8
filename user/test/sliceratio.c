/*
 * sliceratio: two busy envs that own the slots of CPU 0 in a 3:1 ratio
 * (A owns slots s with s % 4 != 3, B the others) get CPU time in that
 * ratio, within 10 %, measured over a window of WINDOW_MS from the
 * exported per-CPU cycle counters (env_export.cpu_cycles[0]).
 *
 * A measures: it reads both counters when it first runs after the
 * window opens and after it closes, then tells B to stop. A counter is
 * charged when its env leaves the CPU, so each reading misses at most
 * the current run (3 ms of A's, or none of B's) out of the window.
 *
 *   sliceratio [WINDOW_MS]
 *
 * Prints "sliceratio: ok ..." or "sliceratio: FAIL ...".
 */
#include <chitin.h>
#include <thread.h>

#define WARMUP_MS	200
#define WINDOW_MS	2000
#define SHARED_VA	0x10000000UL

struct shared {
	volatile uint64_t window_start, window_end;	/* TSC */
	volatile int stop;
	volatile envid_t a, b;
};

static struct shared *sh = (struct shared *)SHARED_VA;

static void
spin_until_stop(void)
{
	while (!sh->stop)
		;
}

/* The last measurement of A's, at or after the TSC reaches when. */
static void
sample_at(uint64_t when, uint64_t *ca, uint64_t *cb, uint64_t *sa, uint64_t *sb)
{
	const volatile struct env_export *ea = env_lookup(sh->a), *eb = env_lookup(sh->b);

	while (tsc_now() < when)
		for (volatile int i = 0; i < 10000; i++)
			;
	*ca = ea->cpu_cycles[0];
	*cb = eb->cpu_cycles[0];
	*sa = ea->slices;
	*sb = eb->slices;
}

/* Ratio x/y in hundredths. */
static uint64_t
ratio100(uint64_t x, uint64_t y)
{
	return y ? x * 100 / y : 0;
}

static int
measure(void)
{
	uint64_t ca0, cb0, sa0, sb0, ca1, cb1, sa1, sb1, rc, rs;
	uint64_t hz = clock_tsc_hz();

	while (!sh->window_end)
		;
	sample_at(sh->window_start, &ca0, &cb0, &sa0, &sb0);
	sample_at(sh->window_end, &ca1, &cb1, &sa1, &sb1);
	sh->stop = 1;
	cprintf("sliceratio: A %08x owns %u slots, B %08x owns %u slots of cpu 0\n",
		sh->a, env_lookup(sh->a)->slots_owned, sh->b, env_lookup(sh->b)->slots_owned);
	rc = ratio100(ca1 - ca0, cb1 - cb0);
	rs = ratio100(sa1 - sa0, sb1 - sb0);
	cprintf("sliceratio: A ran %lu ms, B %lu ms of a %d ms window: cycle ratio %lu.%02lu "
		"(ticks %lu:%lu, ratio %lu.%02lu)\n",
		(ca1 - ca0) * 1000 / hz, (cb1 - cb0) * 1000 / hz,
		(int)((sh->window_end - sh->window_start) * 1000 / hz),
		rc / 100, rc % 100, sa1 - sa0, sb1 - sb0, rs / 100, rs % 100);
	if (rc < 270 || rc > 330) {
		cprintf("sliceratio: FAIL, cycle ratio %lu.%02lu is not 3 +- 10%%\n",
			rc / 100, rc % 100);
		return 1;
	}
	cprintf("sliceratio: ok, slots 3:1 gave CPU time %lu.%02lu:1\n", rc / 100, rc % 100);
	return 0;
}

static int
own_slots(void)
{
	int64_t r;

	for (int s = 0; s < SLICE_SLOTS; s++) {
		envid_t who = s % 4 == 3 ? sh->b : sh->a;
		if ((r = sys_slice_acquire(who, 0, s)) < 0) {
			cprintf("sliceratio: FAIL, slice_acquire(%08x, 0, %d): %s\n", who, s,
				errstr(r));
			return 1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t window_ms = argc > 1 ? (uint64_t)strtol(argv[1], NULL, 10) : WINDOW_MS;
	uint64_t now, hz = clock_tsc_hz();
	int status_a, status_b, bad = 0;
	envid_t a, b;

	if (sys_page_alloc(0, SHARED_VA, PERM_P | PERM_W | PERM_SHARE | PERM_NX, PPN_ANY) < 0 ||
	    sys_env_set_affinity(0, 1) < 0)
		panic("set-up");
	sh->stop = 0;
	if ((a = fork()) == 0)
		exit(measure());
	if ((b = fork()) == 0) {
		spin_until_stop();
		exit(0);
	}
	if (a < 0 || b < 0)
		panic("fork: %s", errstr(a < 0 ? a : b));
	sh->a = a;
	sh->b = b;
	/* From here A and B own all of CPU 0: we run again when they exit. */
	now = tsc_now();
	sh->window_start = now + WARMUP_MS * hz / 1000;
	sh->window_end = sh->window_start + window_ms * hz / 1000;
	if (own_slots()) {
		bad = 1;
		sh->stop = 1;
	}
	wait(a, &status_a);
	wait(b, &status_b);
	return bad | status_a | status_b;
}
