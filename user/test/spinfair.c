/*
 * spinfair: N envs spin forever (no system call, nothing but a loop) and
 * cannot keep the CPUs from anyone: over a window of WINDOW_MS each gets
 * at least 70 % of a fair share of the timer ticks (env_export.slices,
 * against cpu_export.ticks; see keep_books); and
 * when N <= ncpu, some instant must show every spinner running on its own
 * CPU at once (cpu_export.running).
 *
 * Spinner 0 also keeps the books: it samples everyone's counters at the
 * window's ends, then exits with the verdict. The parent, blocked in wait
 * all along, must itself run again to print it: on one CPU that shows
 * that the spinners did not starve it either.
 *
 *   spinfair [N [WINDOW_MS]]     (N at most NSPIN_MAX; default 2, 1500)
 */
#include <chitin.h>
#include <thread.h>

#define NSPIN_MAX	8
#define WARMUP_MS	200
#define SHARED_VA	0x10000000UL

struct shared {
	volatile envid_t id[NSPIN_MAX];
	volatile int n;
	volatile int all_running;	/* someone saw all at once */
	volatile uint64_t start, end;	/* the window, TSC */
	volatile int go;
};

static struct shared *sh = (struct shared *)SHARED_VA;

/* Whether every spinner is on some CPU at this instant, each on its own. */
static bool
all_running_now(int ncpu)
{
	int seen = 0;

	for (int c = 0; c < ncpu && c < NCPU_EXPORT; c++) {
		envid_t r = UCPU_TABLE[c].running;
		for (int k = 0; k < sh->n; k++)
			if (r == sh->id[k])
				seen |= 1 << k;
	}
	return seen == (1 << sh->n) - 1;
}

static void __attribute__((noreturn))
spin(void)
{
	int ncpu = (int)UCLOCK_PAGE->ncpu;
	bool watch = sh->n <= ncpu;

	for (;;) {
		for (volatile int i = 0; i < 1000; i++)
			;
		if (watch && !sh->all_running && sh->go && all_running_now(ncpu))
			sh->all_running = 1;
	}
}

static void
wait_until(uint64_t when)
{
	while (tsc_now() < when)
		for (volatile int i = 0; i < 10000; i++)
			;
}

/* The timer ticks each CPU has taken, summed, and the fewest. */
static void
cpu_ticks(uint64_t *t, int ncpu)
{
	for (int c = 0; c < ncpu && c < NCPU_EXPORT; c++)
		t[c] = UCPU_TABLE[c].ticks;
}

/*
 * Spinner 0: spins like the others while measuring them. A fair share of
 * the window is the fewest ticks any CPU took (each spinner should have a
 * CPU to itself), or, with more spinners than CPUs, all CPUs' ticks over
 * N. (Under TCG with more virtual CPUs than host cores, CPUs tick at
 * different rates: hence per-CPU counts rather than the clock page's.)
 */
static int
keep_books(void)
{
	uint64_t s0[NSPIN_MAX], s1[NSPIN_MAX], c0[NCPU_EXPORT], c1[NCPU_EXPORT];
	uint64_t total = 0, fewest = ~0ULL, fair, minpct = 1000;
	int n, ncpu = (int)UCLOCK_PAGE->ncpu, bad = 0;

	while (!sh->go)
		;
	n = sh->n;
	ncpu = ncpu > NCPU_EXPORT ? NCPU_EXPORT : ncpu;
	wait_until(sh->start);
	cpu_ticks(c0, ncpu);
	for (int k = 0; k < n; k++)
		s0[k] = env_lookup(sh->id[k])->slices;
	wait_until(sh->end);
	cpu_ticks(c1, ncpu);
	for (int k = 0; k < n; k++)
		s1[k] = env_lookup(sh->id[k])->slices;
	for (int c = 0; c < ncpu; c++) {
		total += c1[c] - c0[c];
		if (c1[c] - c0[c] < fewest)
			fewest = c1[c] - c0[c];
	}
	fair = total / (uint64_t)n < fewest ? total / (uint64_t)n : fewest;
	cprintf("spinfair: %d spinners on %d CPUs, ticks per CPU:", n, ncpu);
	for (int c = 0; c < ncpu; c++)
		cprintf(" %lu", c1[c] - c0[c]);
	cprintf("; per spinner:");
	for (int k = 0; k < n; k++) {
		uint64_t pct = fair ? (s1[k] - s0[k]) * 100 / fair : 0;
		cprintf(" %lu", s1[k] - s0[k]);
		if (pct < minpct)
			minpct = pct;
	}
	cprintf(" (least %lu%% of a fair share)\n", minpct);
	if (minpct < 70) {
		cprintf("spinfair: FAIL, a spinner got %lu%% of a fair share\n", minpct);
		bad = 1;
	}
	if (n <= ncpu && !sh->all_running) {
		cprintf("spinfair: FAIL, never saw all %d spinners running at once\n", n);
		bad = 1;
	} else if (n <= ncpu) {
		cprintf("spinfair: all %d spinners were running at once, one per CPU\n", n);
	}
	return bad;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
	uint64_t window_ms = argc > 2 ? (uint64_t)strtol(argv[2], NULL, 10) : 1500;
	uint64_t hz = clock_tsc_hz();
	int status = -1, r;
	envid_t books;

	if (n < 1 || n > NSPIN_MAX)
		panic("usage: spinfair [N [WINDOW_MS]], N at most %d", NSPIN_MAX);
	if ((r = sys_page_alloc(0, SHARED_VA, PERM_P | PERM_W | PERM_SHARE | PERM_NX, PPN_ANY)) < 0)
		panic("page_alloc: %s", errstr(r));
	sh->n = n;
	if ((books = fork()) == 0)
		exit(keep_books());
	sh->id[0] = books;
	for (int k = 1; k < n; k++) {
		envid_t id = fork();
		if (id == 0)
			spin();
		if (id < 0)
			panic("fork: %s", errstr(id));
		sh->id[k] = id;
	}
	sh->start = tsc_now() + WARMUP_MS * hz / 1000;
	sh->end = sh->start + window_ms * hz / 1000;
	sh->go = 1;
	wait(books, &status);
	for (int k = 1; k < n; k++) {
		sys_env_destroy(sh->id[k]);
		wait(sh->id[k], NULL);
	}
	cprintf("spinfair: %s\n", status == 0 ? "ok" : "FAIL");
	return status;
}
