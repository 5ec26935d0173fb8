/*
 * sliceratio: two busy envs that own the slots of CPU 0 in a 3:1 ratio
 * (A owns slots s with s % 4 != 3, B the others) get CPU time in that
 * ratio, within 10 %, measured from the exported per-CPU cycle counters
 * (env_export.cpu_cycles[0]).
 *
 * A measures: it reads both counters at the ends of NSUB sub-windows of
 * SUB_MS each (5 s in all: under TCG the ratio of one sub-window varies
 * by +-15 %), then tells B to stop. Under TCG on a busy host the
 * emulator's thread is descheduled for many milliseconds at a time; the
 * kernel counts such stalls as the CPU's stolen time, not the running
 * env's (README, Scheduling). As a second guard against a stall it did
 * not see, sub-windows in which the time charged per timer tick is over
 * twice the median are left out, and the verdict is on the ratio of the
 * rest (at least half must be left). The whole window's ratio, and the ratio of the timer
 * ticks the two were running at (env_export.slices), are printed beside
 * it. A counter is charged when its env leaves the CPU, so a reading
 * misses at most the current run (3 ms of A's, or none of B's).
 *
 *   sliceratio [SUB_MS]
 *
 * Prints "sliceratio: ok ..." or "sliceratio: FAIL ...".
 */
#include <chitin.h>
#include <thread.h>

#define WARMUP_MS	200
#define SUB_MS		200
#define NSUB		25
#define SHARED_VA	0x10000000UL

struct shared {
	volatile uint64_t start, sub;	/* TSC: the window opens; a sub-window */
	volatile int ready;
	volatile int stop;
	volatile envid_t a, b;
};

struct sample {
	uint64_t ca, cb;		/* cycles of A and B on CPU 0 */
	uint64_t sa, sb;		/* ticks of A and B */
};

static struct shared *sh = (struct shared *)SHARED_VA;

/* The busy loop both envs run: the same instructions, so that neither
 * is favoured by how the emulator runs it (under TCG a tight rdtsc loop
 * delays the timer interrupt, for one). Returns at the TSC "when", or
 * when told to stop. */
static void
busy_until(uint64_t when)
{
	while (tsc_now() < when && !sh->stop)
		for (volatile int i = 0; i < 2000; i++)
			;
}

/* A's reading of both counters, at or after the TSC reaches when. */
static void
sample_at(uint64_t when, struct sample *s)
{
	const volatile struct env_export *ea = env_lookup(sh->a), *eb = env_lookup(sh->b);

	busy_until(when);
	s->ca = ea->cpu_cycles[0];
	s->cb = eb->cpu_cycles[0];
	s->sa = ea->slices;
	s->sb = eb->slices;
}

/* Ratio x/y in hundredths. */
static uint64_t
ratio100(uint64_t x, uint64_t y)
{
	return y ? x * 100 / y : 0;
}

static uint64_t
median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* Leaves out the sub-windows in which the emulator stalled: the time
 * charged per timer tick there is over twice the median. Returns how
 * many are kept, and their cycles in *ka, *kb. */
static int
clean_subwindows(const struct sample *s, uint64_t *ka, uint64_t *kb)
{
	uint64_t per[NSUB], sorted[NSUB], m;
	int kept = 0;

	for (int k = 0; k < NSUB; k++) {
		uint64_t ticks = s[k + 1].sa - s[k].sa + s[k + 1].sb - s[k].sb;
		uint64_t cyc = s[k + 1].ca - s[k].ca + s[k + 1].cb - s[k].cb;
		per[k] = sorted[k] = ticks ? cyc / ticks : ~0ULL;
	}
	m = median(sorted, NSUB);
	*ka = *kb = 0;
	for (int k = 0; k < NSUB; k++)
		if (per[k] != ~0ULL && per[k] <= 2 * m) {
			*ka += s[k + 1].ca - s[k].ca;
			*kb += s[k + 1].cb - s[k].cb;
			kept++;
		}
	return kept;
}

static int
measure(void)
{
	struct sample s[NSUB + 1];
	uint64_t ka, kb, rc, rs, rk, hz = clock_tsc_hz();
	int kept;

	while (!sh->ready)
		;
	for (int k = 0; k <= NSUB; k++)
		sample_at(sh->start + k * sh->sub, &s[k]);
	sh->stop = 1;
	cprintf("sliceratio: A %08x owns %u slots, B %08x owns %u slots of cpu 0\n",
		sh->a, env_lookup(sh->a)->slots_owned, sh->b, env_lookup(sh->b)->slots_owned);
	cprintf("sliceratio: sub-window ratios:");
	for (int k = 0; k < NSUB; k++) {
		uint64_t r = ratio100(s[k + 1].ca - s[k].ca, s[k + 1].cb - s[k].cb);
		cprintf(" %lu.%02lu", r / 100, r % 100);
	}
	cprintf("\n");
	kept = clean_subwindows(s, &ka, &kb);
	rk = ratio100(ka, kb);
	rc = ratio100(s[NSUB].ca - s[0].ca, s[NSUB].cb - s[0].cb);
	rs = ratio100(s[NSUB].sa - s[0].sa, s[NSUB].sb - s[0].sb);
	cprintf("sliceratio: A ran %lu ms, B %lu ms in %d of %d sub-windows without stalls: "
		"ratio %lu.%02lu (all: %lu.%02lu; ticks %lu:%lu, %lu.%02lu)\n",
		ka * 1000 / hz, kb * 1000 / hz, kept, NSUB, rk / 100, rk % 100,
		rc / 100, rc % 100, s[NSUB].sa - s[0].sa, s[NSUB].sb - s[0].sb,
		rs / 100, rs % 100);
	if (kept < NSUB / 2) {
		cprintf("sliceratio: FAIL, only %d of %d sub-windows without a stall: "
			"host too busy to measure\n", kept, NSUB);
		return 1;
	}
	if (rk < 270 || rk > 330) {
		cprintf("sliceratio: FAIL, CPU time ratio %lu.%02lu is not 3 +- 10%%\n",
			rk / 100, rk % 100);
		return 1;
	}
	cprintf("sliceratio: ok, slots 3:1 gave CPU time %lu.%02lu:1\n", rk / 100, rk % 100);
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
	uint64_t sub_ms = argc > 1 ? (uint64_t)strtol(argv[1], NULL, 10) : SUB_MS;
	uint64_t hz = clock_tsc_hz();
	int status_a, status_b, bad = 0;
	envid_t a, b;

	if (sys_page_alloc(0, SHARED_VA, PERM_P | PERM_W | PERM_SHARE | PERM_NX, PPN_ANY) < 0 ||
	    sys_env_set_affinity(0, 1) < 0)
		panic("set-up");
	if ((a = fork()) == 0)
		exit(measure());
	if ((b = fork()) == 0) {
		busy_until(~0ULL);
		exit(0);
	}
	if (a < 0 || b < 0)
		panic("fork: %s", errstr(a < 0 ? a : b));
	sh->a = a;
	sh->b = b;
	/* From here A and B own all of CPU 0: we run again when they exit. */
	sh->start = tsc_now() + WARMUP_MS * hz / 1000;
	sh->sub = sub_ms * hz / 1000;
	sh->ready = 1;
	if (own_slots()) {
		bad = 1;
		sh->stop = 1;
	}
	wait(a, &status_a);
	wait(b, &status_b);
	return bad | status_a | status_b;
}
