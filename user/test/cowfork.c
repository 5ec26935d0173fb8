/*
 * cowfork: after fork, parent and child share every page until one of
 * them writes it. Checked from the page tables (UVPT) and the contents:
 * a written page gets its own physical page on the writing side only,
 * with the other side's value unchanged; read-only pages (rodata) stay
 * the same physical page on both sides.
 */
#include "testutil.h"

static int counter = 1;				/* .data */
static const char motto[] = "shared, never copied";	/* .rodata */

static ppn_t
ppn_of(const volatile void *p)
{
	return pte_ppn(uvpt_pte((uintptr_t)p));
}

static bool
check(bool ok, const char *who, const char *what)
{
	cprintf("cowfork: %s: %s%s\n", who, ok ? "" : "FAIL, ", what);
	return ok;
}

/* The child: sees the parent's pages, writes its own copy of counter. */
static int
child_side(envid_t parent, ppn_t counter_ppn, ppn_t motto_ppn)
{
	bool ok = true;

	ok &= check(ppn_of(&counter) == counter_ppn &&
		    (uvpt_pte((uintptr_t)&counter) & (PERM_COW | PERM_W)) == PERM_COW,
		    "child", "data page shared copy-on-write before the write");
	counter = 2;
	ok &= check(ppn_of(&counter) != counter_ppn &&
		    (uvpt_pte((uintptr_t)&counter) & PERM_W),
		    "child", "data page copied at the first write");
	ok &= check(ppn_of(motto) == motto_ppn, "child",
		    "read-only page still the parent's physical page");
	ipc_send(parent, 0, NULL, 0);		/* I have written */
	ipc_recv(NULL, NULL, NULL);		/* the parent has written */
	ok &= check(counter == 2, "child", "parent's write did not reach me");
	return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	ppn_t counter_ppn = ppn_of(&counter), motto_ppn = ppn_of(motto);
	envid_t me = thisenv->id, child;
	bool ok = true;
	int status;

	if ((child = fork()) < 0)
		panic("fork: %s", errstr(child));
	if (child == 0)
		return child_side(me, counter_ppn, motto_ppn);
	ok &= check((uvpt_pte((uintptr_t)&counter) & (PERM_COW | PERM_W)) == PERM_COW,
		    "parent", "my data page is copy-on-write too");
	ipc_recv(NULL, NULL, NULL);
	ok &= check(counter == 1, "parent", "child's write did not reach me");
	counter = 3;
	ok &= check(counter == 3 && (uvpt_pte((uintptr_t)&counter) & PERM_W),
		    "parent", "my write went to my own page");
	ok &= check(ppn_of(motto) == motto_ppn && strcmp(motto, "shared, never copied") == 0,
		    "parent", "read-only page unchanged");
	ipc_send(child, 0, NULL, 0);
	if (wait(child, &status) != child || status != 0)
		ok = check(false, "parent", "child reported a failure");
	if (ok)
		cprintf("cowfork: ok, writes stayed private on each side, read-only pages shared\n");
	else
		cprintf("cowfork: FAIL\n");
	return tu_audit("cowfork") | !ok;
}
