/*
 * concur: system calls run on several CPUs at once -- the kernel has no
 * big lock. The parent, pinned to CPU 0, stays in the kernel for HOLD_MS
 * (KDEBUG_HOLD: interrupts off, its own env lock held) while one worker
 * per other CPU, pinned there, makes system calls in a loop: getenvid
 * (no lock), and page_alloc + page_unmap of its own page (its env lock
 * and the page lock). The kernel counts the system calls other envs made
 * while the parent was held: under a big kernel lock none could even
 * begin, and only those already inside the kernel when the hold began
 * (at most one per worker) could be counted. Then the workers stop and
 * exit, and the
 * audit and the free pages plus the parent's own (its copy-on-write
 * faults after fork are its own) must come out exact.
 *
 * Prints "concur: ok, ..." or "concur: FAIL ...".
 */
#include <chitin.h>
#include <thread.h>
#include "testutil.h"

#define HOLD_MS		300
#define NWORK_MAX	8
#define SHARED_VA	0x10000000UL
#define WORK_VA		0x20000000UL
#define PERM_RW		(PERM_P | PERM_W | PERM_NX)
#define UP_WAIT_MS	20000

struct shared {
	volatile int stop;
	volatile int up[NWORK_MAX];
	volatile uint64_t calls[NWORK_MAX];	/* completed, counted by each */
};

static struct shared *sh = (struct shared *)SHARED_VA;

static void __attribute__((noreturn))
work(int k)
{
	while (!sh->stop) {
		sys_getenvid();
		if (sys_page_alloc(0, WORK_VA, PERM_RW, PPN_ANY) >= 0)
			sys_page_unmap(0, WORK_VA);
		sh->calls[k] += 3;
		sh->up[k] = 1;
	}
	exit(0);
}

/* Until every worker has run its loop once (on a busy emulator the forks
 * alone take a while); false after UP_WAIT_MS. */
static bool
wait_up(int n)
{
	uint64_t until = tsc_now() + tsc_from_us(UP_WAIT_MS * 1000ULL);

	for (int k = 0; k < n; k++)
		while (!sh->up[k])
			if (tsc_now() > until)
				return false;
			else
				sys_yield();
	return true;
}

int
main(int argc, char **argv)
{
	int ncpu = (int)UCLOCK_PAGE->ncpu, n, status, bad = 0;
	envid_t child[NWORK_MAX];
	int64_t held, free0, free1;
	uint64_t before[NWORK_MAX], during = 0;

	if (ncpu < 2) {
		cprintf("concur: FAIL, needs 2 CPUs, has %d\n", ncpu);
		return 1;
	}
	n = ncpu - 1 > NWORK_MAX ? NWORK_MAX : ncpu - 1;
	if (sys_page_alloc(0, SHARED_VA, PERM_RW | PERM_SHARE, PPN_ANY) < 0 ||
	    sys_env_set_affinity(0, 1) < 0)
		panic("set-up");
	free0 = sys_kdebug(KDEBUG_FREE, 0) + (int64_t)thisenv->pages;
	for (int k = 0; k < n; k++) {
		if ((child[k] = fork()) == 0)
			work(k);
		if (child[k] < 0)
			panic("fork: %s", errstr(child[k]));
		sys_env_set_affinity(child[k], 1ULL << (k + 1));
	}
	if (!wait_up(n)) {
		cprintf("concur: FAIL, the workers did not all start\n");
		bad = 1;
	}
	for (int k = 0; k < n; k++)
		before[k] = sh->calls[k];
	held = sys_kdebug(KDEBUG_HOLD, HOLD_MS);
	for (int k = 0; k < n; k++)
		during += sh->calls[k] - before[k];
	sh->stop = 1;
	for (int k = 0; k < n; k++) {
		wait(child[k], &status);
		bad |= status != 0;
	}
	free1 = sys_kdebug(KDEBUG_FREE, 0) + (int64_t)thisenv->pages;
	cprintf("concur: %d workers on CPUs 1..%d made %ld system calls while cpu 0 was held "
		"in the kernel for %d ms (they counted %lu around it)\n",
		n, n, held, HOLD_MS, during);
	if (held <= n) {
		cprintf("concur: FAIL, %ld system calls completed while a CPU held the kernel, "
			"no more than were in flight (%d)\n", held, n);
		bad = 1;
	}
	if (free1 != free0) {
		cprintf("concur: FAIL, %ld free+own pages before, %ld after\n", free0, free1);
		bad = 1;
	}
	bad |= tu_audit("concur");
	cprintf("concur: %s\n", bad ? "FAIL" : "ok");
	return bad;
}
