/*
 * softint: `int $14` from user mode must not pose as a page fault: the
 * IDT gate of vector 14 is not open to ring 3, so the CPU raises #GP
 * (vector 13, error code 14 * 8 + 2: an IDT selector) instead.
 */
#include "testutil.h"

int
main(int argc, char **argv)
{
	set_exception_handler(T_GP, tu_handler);
	set_exception_handler(T_PF, tu_handler);
	TU_RAISE("int $14", 0);
	if (tu_caught == 1 && tu_vector == T_GP)
		cprintf("softint: ok, int $14 raised #GP (vector %lu, err 0x%lx), "
			"not a page fault\n", tu_vector, tu_err);
	else
		cprintf("softint: FAIL, handler saw %d exceptions, vector %lu err 0x%lx\n",
			tu_caught, tu_vector, tu_err);
	tu_audit("softint");

	set_exception_handler(T_GP, NULL);
	set_exception_handler(T_PF, NULL);
	cprintf("softint: int $14 with no handler\n");
	TU_RAISE("int $14", 0);
	cprintf("softint: FAIL, survived int $14 with no handler\n");
	return 1;
}
