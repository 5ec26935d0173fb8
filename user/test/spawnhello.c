/*
 * spawnhello: spawn loads hello from the boot archive into a new child
 * (ELF loading in user space) and the child runs it.
 */
#include "testutil.h"

int
main(int argc, char **argv)
{
	envid_t child;
	int status = -1;

	cprintf("spawnhello: i am %08x, spawning hello\n", thisenv->id);
	if ((child = spawnl("hello", "hello", NULL)) < 0) {
		cprintf("spawnhello: FAIL, spawn: %s\n", errstr(child));
		return 1;
	}
	if (wait(child, &status) != child || status != 0) {
		cprintf("spawnhello: FAIL, hello exited with status %d\n", status);
		return 1;
	}
	cprintf("spawnhello: ok, hello (%08x) exited with status 0\n", child);
	return tu_audit("spawnhello");
}
