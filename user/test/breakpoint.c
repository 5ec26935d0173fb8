/*
 * breakpoint: int3 from user mode reaches the program's handler (the
 * kernel lets user code raise vector 3), which resumes after it; with no
 * handler the library reports it and the program exits.
 */
#include "testutil.h"

int
main(int argc, char **argv)
{
	set_exception_handler(T_BP, tu_handler);
	TU_RAISE("int3", 0);
	if (tu_caught == 1 && tu_vector == T_BP)
		cprintf("breakpoint: ok, #BP (vector %lu) at rip 0x%lx caught and resumed\n",
			tu_vector, tu_rip);
	else
		cprintf("breakpoint: FAIL, handler saw %d exceptions, vector %lu\n",
			tu_caught, tu_vector);
	tu_audit("breakpoint");

	set_exception_handler(T_BP, NULL);
	cprintf("breakpoint: int3 with no handler\n");
	TU_RAISE("int3", 0);
	cprintf("breakpoint: FAIL, survived int3 with no handler\n");
	return 1;
}
