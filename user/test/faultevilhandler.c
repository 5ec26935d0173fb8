/*
 * faultevilhandler: exception upcalls set up to make the kernel work for
 * the env against itself. An entry or a stack in the kernel must be
 * refused when registered; a stack in read-only memory (the program's own
 * text) is a user address, so it is accepted, but the kernel must not
 * write the frame there: at the fault it destroys the env.
 */
#include "testutil.h"

static void
handler(struct utrapframe *utf)
{
	cprintf("faultevilhandler: FAIL, handler ran on a read-only stack\n");
	exit(1);
}

static bool
refused(const char *what, uintptr_t entry, uintptr_t stack)
{
	int64_t r = sys_env_set_upcall(0, UPCALL_EXCEPTION, entry, stack);

	if (r < 0) {
		cprintf("faultevilhandler: %s: refused (%s)\n", what, errstr(r));
		return true;
	}
	cprintf("faultevilhandler: FAIL, %s accepted\n", what);
	return false;
}

int
main(int argc, char **argv)
{
	uintptr_t text_top = ((uintptr_t)main + PGSIZE) & ~(uintptr_t)(PGSIZE - 1);
	bool ok = true;

	ok &= refused("entry in kernel text", KERNLINK, UXSTACKTOP);
	ok &= refused("stack in kernel memory", (uintptr_t)handler, KERNBASE + 0x10000);
	ok &= refused("stack in the exports", (uintptr_t)handler, UENVS + PGSIZE);
	ok &= refused("non-canonical entry", 0x8000000000000000ULL, UXSTACKTOP);
	if (!ok)
		return 1;
	if ((uvpt_pte(text_top - PGSIZE) & (PERM_P | PERM_W)) != PERM_P) {
		cprintf("faultevilhandler: FAIL, text page not read-only\n");
		return 1;
	}
	if (sys_env_set_upcall(0, UPCALL_EXCEPTION, (uintptr_t)handler, text_top) < 0) {
		cprintf("faultevilhandler: FAIL, a user stack top was refused\n");
		return 1;
	}
	cprintf("faultevilhandler: upcall stack in read-only text at 0x%lx; faulting now\n",
		text_top);
	*(volatile int *)0 = 0;
	cprintf("faultevilhandler: FAIL, survived a fault with a read-only stack\n");
	return 1;
}
