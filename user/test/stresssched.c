/*
 * stresssched: many envs yielding at once, on every CPU. Each child
 * alternates yields with bursts of counting and checks its own count at
 * the end (a register or a page lost in a switch shows there); the CPUs
 * each child ran on are recorded in a shared page.
 */
#include "testutil.h"

#define SHARED	0x10000000UL	/* a PERM_SHARE page of per-child CPU masks */
#define NCHILD	20
#define ROUNDS	10
#define BURST	20000

static int
child_work(volatile uint64_t *cpus)
{
	volatile uint64_t count = 0;
	int r, j;

	for (r = 0; r < ROUNDS; r++) {
		sys_yield();
		for (j = 0; j < BURST; j++)
			count++;
		*cpus |= 1ULL << (thisenv->cpu & 63);
	}
	return count == (uint64_t)ROUNDS * BURST ? 0 : 1;
}

int
main(int argc, char **argv)
{
	volatile uint64_t *cpus = (volatile uint64_t *)SHARED;
	envid_t kids[NCHILD];
	uint64_t all = 0;
	int i, status, bad = 0, ncpu_used;
	int64_t r;

	r = sys_page_alloc(0, SHARED, PERM_P | PERM_W | PERM_SHARE | PERM_NX, PPN_ANY);
	if (r < 0)
		panic("sys_page_alloc: %s", errstr(r));
	for (i = 0; i < NCHILD; i++) {
		if ((kids[i] = fork()) < 0)
			panic("fork: %s", errstr(kids[i]));
		if (kids[i] == 0)
			exit(child_work(&cpus[i]));
	}
	for (i = 0; i < NCHILD; i++) {
		if (wait(kids[i], &status) != kids[i] || status != 0)
			bad++;
		all |= cpus[i];
	}
	ncpu_used = __builtin_popcountll(all);
	cprintf("stresssched: %d children ran on %d of %u CPUs\n", NCHILD, ncpu_used,
		UCLOCK_PAGE->ncpu);
	if (bad || (UCLOCK_PAGE->ncpu > 1 && ncpu_used < 2)) {
		cprintf("stresssched: FAIL, %d children miscounted\n", bad);
		return 1;
	}
	cprintf("stresssched: ok, %d children yielded %d times each and counted right\n",
		NCHILD, ROUNDS);
	return tu_audit("stresssched");
}
