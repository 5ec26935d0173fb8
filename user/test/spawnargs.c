/*
 * spawnargs: spawn passes argv intact. The program spawns itself with
 * arguments (with a space, an empty one, a long one); the child checks
 * every one, their count, the NULL after them and where they live, and
 * answers through its exit status. Spawning a missing program fails.
 */
#include "testutil.h"

static const char *const args[] = {
	"spawnargs", "child", "two words", "", "0123456789abcdef0123456789abcdef", NULL,
};
#define NARGS	5

static int
child_side(int argc, char **argv)
{
	int i, bad = 0;

	for (i = 0; i < argc; i++)
		cprintf("spawnargs: child argv[%d] = '%s'\n", i, argv[i]);
	if (argc != NARGS || argv[argc] != NULL)
		bad++;
	for (i = 0; i < argc && i < NARGS; i++)
		bad += strcmp(argv[i], args[i]) != 0;
	/* argv and the strings are on my stack, which is 16-byte aligned */
	if ((uintptr_t)argv >= USTACKTOP || (uintptr_t)argv < USTACKTOP - USTACK_MAX ||
	    ((uintptr_t)__builtin_frame_address(0) & 15) != 0)
		bad++;
	return bad;
}

int
main(int argc, char **argv)
{
	envid_t child;
	int status = -1;

	if (argc > 1)
		return child_side(argc, argv);
	if ((child = spawn("spawnargs", (const char **)args)) < 0) {
		cprintf("spawnargs: FAIL, spawn: %s\n", errstr(child));
		return 1;
	}
	if (wait(child, &status) != child || status != 0) {
		cprintf("spawnargs: FAIL, child found %d wrong arguments\n", status);
		return 1;
	}
	child = spawnl("nosuchprogram", "nosuchprogram", NULL);
	if (child != -E_NOT_FOUND) {
		cprintf("spawnargs: FAIL, spawning a missing program gave %d\n", child);
		return 1;
	}
	cprintf("spawnargs: ok, child saw its %d arguments; a missing program: %s\n",
		NARGS, errstr(child));
	return tu_audit("spawnargs");
}
