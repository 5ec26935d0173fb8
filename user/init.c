/*
 * init: the first program. Runs the program its arguments name (hello
 * when there are none), reports how it ended, then reaps whatever
 * children it still has, or is given, for ever.
 *
 *   init [PROGRAM [ARGS...]]
 */
#include <chitin.h>

static void
reap_forever(void)
{
	int status;
	int r;

	for (;;) {
		r = wait(0, &status);
		if (r == -E_CHILD)
			sys_yield();	/* nothing to reap yet */
		else if (r < 0)
			panic("wait: %s", errstr(r));
	}
}

int
main(int argc, char **argv)
{
	const char *dflt[] = { "hello", NULL };
	const char **args = argc > 1 ? (const char **)argv + 1 : dflt;
	envid_t child;
	int status, r;

	cprintf("init: running %s\n", args[0]);
	child = spawn(args[0], args);
	if (child < 0) {
		cprintf("init: spawn %s: %s\n", args[0], errstr(child));
	} else if ((r = wait(child, &status)) < 0) {
		cprintf("init: wait for %s: %s\n", args[0], errstr(r));
	} else {
		cprintf("init: %s exited with status %d\n", args[0], status);
	}
	reap_forever();
	return 0;
}
