/*
 * dumbfork: fork without copy-on-write, built by the program itself from
 * the raw calls: exofork, then every page of mine copied into a fresh
 * page of the child through a temporary mapping (the library only gives
 * the child its exception stack). Parent and child then take turns, each
 * with its own copy of a counter.
 */
#include "testutil.h"

#define TEMP	0x10000000UL	/* where the child's page is filled */

static int counter;		/* each side's own after the copy */

/* Gives the child its own copy of my page at va. */
static int
copy_page(uintptr_t va, uint64_t pte, void *arg)
{
	envid_t child = *(envid_t *)arg;
	int64_t r;

	if (va >= UXSTACKTOP - UXSTACK_SIZE && va < UXSTACKTOP)
		return 0;	/* the child gets a fresh exception stack */
	if ((r = sys_page_alloc(child, va, PERM_P | PERM_W, PPN_ANY)) < 0)
		return (int)r;
	if ((r = sys_page_map(child, va, 0, TEMP, PERM_P | PERM_W | PERM_NX)) < 0)
		return (int)r;
	memcpy((void *)TEMP, (const void *)va, PGSIZE);
	if ((r = sys_page_unmap(0, TEMP)) < 0)
		return (int)r;
	if (!(pte & PERM_W))
		r = sys_page_protect(child, va, pte & PERM_USER_OK);
	return (int)r;
}

static envid_t
dumbfork(void)
{
	envid_t id;
	int r;

	id = sys_env_exofork_inline();
	if (id == 0) {
		thisenv = env_lookup(sys_getenvid());
		return 0;
	}
	if (id < 0)
		return id;
	if ((r = uvpt_walk(0, UTOP, copy_page, &id)) < 0 ||
	    (r = exception_init(id)) < 0 ||
	    (r = (int)sys_env_set_status(id, ENV_RUNNABLE)) < 0) {
		sys_env_destroy(id);
		return r;
	}
	return id;
}

int
main(int argc, char **argv)
{
	envid_t child = dumbfork();
	int i, n, status;

	if (child < 0)
		panic("dumbfork: %s", errstr(child));
	n = child ? 10 : 20;
	for (i = 0; i < n; i++) {
		counter++;
		cprintf("dumbfork: %d: i am the %s\n", i, child ? "parent" : "child");
		sys_yield();
	}
	if (counter != n) {
		cprintf("dumbfork: FAIL, the %s's counter is %d, not %d\n",
			child ? "parent" : "child", counter, n);
		return 1;
	}
	cprintf("dumbfork: %s done after %d turns, its counter private\n",
		child ? "parent" : "child", n);
	if (child == 0)
		return 0;
	if (wait(child, &status) != child || status != 0) {
		cprintf("dumbfork: FAIL, child exited with status %d\n", status);
		return 1;
	}
	cprintf("dumbfork: ok, parent and child ran on private copies\n");
	return tu_audit("dumbfork");
}
