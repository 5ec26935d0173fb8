/*
 * faultnostack: an exception upcall whose stack is not mapped. The kernel
 * cannot write the frame: it must destroy the env.
 */
#include "testutil.h"

#define NO_STACK_TOP	0x10000000UL	/* nothing is mapped below it */

static void
handler(struct utrapframe *utf)
{
	cprintf("faultnostack: FAIL, handler ran without a stack\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	int64_t r;

	if (uvpt_pte(NO_STACK_TOP - PGSIZE) & PERM_P) {
		cprintf("faultnostack: FAIL, 0x%lx is mapped\n", NO_STACK_TOP - PGSIZE);
		return 1;
	}
	set_pgfault_handler(handler);
	r = sys_env_set_upcall(0, UPCALL_EXCEPTION, (uintptr_t)handler,
			       NO_STACK_TOP);
	if (r < 0) {
		cprintf("faultnostack: FAIL, could not register the stack: %s\n",
			errstr(r));
		return 1;
	}
	cprintf("faultnostack: upcall stack at unmapped 0x%lx; faulting now\n",
		NO_STACK_TOP);
	*(volatile int *)0 = 0;
	cprintf("faultnostack: FAIL, survived a fault with no exception stack\n");
	return 1;
}
