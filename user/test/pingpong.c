/*
 * pingpong: parent and child pass a counter back and forth by IPC, each
 * adding one, until it reaches 10; each checks the value and the sender.
 */
#include "testutil.h"

#define LAST	10

/* Plays until LAST; returns how many wrong messages arrived. */
static int
play(envid_t peer, uint64_t expect)
{
	envid_t from;
	uint64_t v;
	int bad = 0;

	for (;;) {
		v = ipc_recv(&from, NULL, NULL);
		cprintf("pingpong: %08x got %lu from %08x\n", thisenv->id, v, from);
		if (v != expect || from != peer)
			bad++;
		if (v >= LAST)
			return bad;
		ipc_send(peer, v + 1, NULL, 0);
		if (v + 1 >= LAST)
			return bad;
		expect = v + 2;
	}
}

int
main(int argc, char **argv)
{
	envid_t parent = thisenv->id, child;
	int bad, status;

	if ((child = fork()) < 0)
		panic("fork: %s", errstr(child));
	if (child == 0)
		return play(parent, 0);
	cprintf("pingpong: %08x sends 0 to %08x\n", parent, child);
	ipc_send(child, 0, NULL, 0);
	bad = play(child, 1);
	if (wait(child, &status) != child || status != 0 || bad) {
		cprintf("pingpong: FAIL, %d wrong here, child status %d\n", bad, status);
		return 1;
	}
	cprintf("pingpong: ok, counted to %d by IPC\n", LAST);
	return tu_audit("pingpong");
}
