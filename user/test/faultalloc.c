/*
 * faultalloc: a page-fault handler that maps the missing page, writes a
 * string there and resumes. The second string starts two bytes before a
 * page boundary, so the handler's own write faults on the next page: a
 * fault inside the handler, on the exception stack, handled the same way.
 */
#include "testutil.h"

#define ADDR1	0xdeadbeefUL
#define ADDR2	0xcafebffeUL

static volatile int faults, depth, max_depth;

static void
handler(struct utrapframe *utf)
{
	uintptr_t va = utf->fault_va;
	int64_t r;

	faults++;
	if (++depth > max_depth)
		max_depth = depth;
	cprintf("faultalloc: fault at va 0x%lx (depth %d)\n", va, depth);
	r = sys_page_alloc(0, va & ~(uintptr_t)(PGSIZE - 1),
			   PERM_P | PERM_W | PERM_NX, PPN_ANY);
	if (r < 0)
		panic("faultalloc: sys_page_alloc(0x%lx): %s", va, errstr(r));
	snprintf((char *)va, 100, "this string was faulted in at 0x%lx", va);
	depth--;
}

int
main(int argc, char **argv)
{
	const char *s1 = (const char *)ADDR1, *s2 = (const char *)ADDR2;
	char want[100];
	bool ok = true;

	set_pgfault_handler(handler);
	cprintf("faultalloc: %s\n", s1);
	cprintf("faultalloc: %s\n", s2);
	snprintf(want, sizeof(want), "this string was faulted in at 0x%lx", ADDR1);
	ok &= strcmp(s1, want) == 0;
	snprintf(want, sizeof(want), "this string was faulted in at 0x%lx", ADDR2);
	ok &= strcmp(s2, want) == 0;
	if (ok && faults == 3 && max_depth == 2)
		cprintf("faultalloc: ok, %d faults handled, one of them inside the handler\n",
			faults);
	else
		cprintf("faultalloc: FAIL, strings %s, %d faults, max depth %d\n",
			ok ? "right" : "wrong", faults, max_depth);
	return tu_audit("faultalloc");
}
