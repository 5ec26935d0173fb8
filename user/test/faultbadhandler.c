/*
 * faultbadhandler: an exception upcall whose entry is not code (an
 * unmapped address). The kernel enters it, that faults again on the
 * exception stack, and so on until the stack is full: the kernel must
 * destroy the env, not loop and not panic.
 */
#include "testutil.h"

int
main(int argc, char **argv)
{
	int64_t r;

	r = sys_env_set_upcall(0, UPCALL_EXCEPTION, 0xdeadbeef, UXSTACKTOP);
	if (r < 0) {
		cprintf("faultbadhandler: FAIL, could not register the entry: %s\n",
			errstr(r));
		return 1;
	}
	cprintf("faultbadhandler: upcall entry at 0xdeadbeef; faulting now\n");
	*(volatile int *)0 = 0;
	cprintf("faultbadhandler: FAIL, survived a fault with a bad handler\n");
	return 1;
}
