/*
 * spin: a child that spins for ever, never calling the kernel, is
 * preempted (on one CPU the parent only runs again because the timer
 * takes the CPU from the child) and destroyed by its parent.
 */
#include "testutil.h"

#define SHARED	0x10000000UL	/* a PERM_SHARE page: the child's progress */
#define TURNS	10
#define MAX_WAIT	100000	/* yields before giving up on the child */

/* Yields until the child's counter moves. On one CPU the child runs only
 * in my yields, and I run again only because the timer preempts it; on
 * several it runs beside me, and a yield may come straight back. */
static bool
yield_until_change(volatile uint64_t *loops)
{
	uint64_t seen = *loops;
	int i;

	for (i = 0; i < MAX_WAIT; i++) {
		sys_yield();
		if (*loops != seen)
			return true;
	}
	return false;
}

int
main(int argc, char **argv)
{
	volatile uint64_t *loops = (volatile uint64_t *)SHARED;
	uint64_t after;
	envid_t child;
	int i, status = 0, progressed = 0;
	int64_t r;

	r = sys_page_alloc(0, SHARED, PERM_P | PERM_W | PERM_SHARE | PERM_NX, PPN_ANY);
	if (r < 0)
		panic("sys_page_alloc: %s", errstr(r));
	if ((child = fork()) < 0)
		panic("fork: %s", errstr(child));
	if (child == 0) {
		cprintf("spin: child %08x spinning\n", thisenv->id);
		for (;;)
			(*loops)++;
	}
	cprintf("spin: parent %08x yielding %d times to the spinning child\n",
		thisenv->id, TURNS);
	for (i = 0; i < TURNS; i++)
		progressed += yield_until_change(loops);
	cprintf("spin: destroying the child\n");
	if ((r = sys_env_destroy(child)) < 0 || wait(child, &status) != child) {
		cprintf("spin: FAIL, could not destroy and reap the child: %s\n", errstr(r));
		return 1;
	}
	after = *loops;
	for (i = 0; i < TURNS; i++)
		sys_yield();
	if (progressed < TURNS || status != -1 || *loops != after) {
		cprintf("spin: FAIL, child progressed on %d turns, status %d, %s after death\n",
			progressed, status, *loops != after ? "still running" : "stopped");
		return 1;
	}
	cprintf("spin: ok, child spun %lu loops, was preempted, and destroyed (status %d)\n",
		after, status);
	return tu_audit("spin");
}
