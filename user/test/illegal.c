/*
 * illegal: an invalid opcode (ud2) reaches the program's handler, which
 * resumes after it; with no handler the library reports it and exits.
 */
#include "testutil.h"

int
main(int argc, char **argv)
{
	set_exception_handler(T_UD, tu_handler);
	TU_RAISE("ud2", 0);
	if (tu_caught == 1 && tu_vector == T_UD)
		cprintf("illegal: ok, #UD (vector %lu) at rip 0x%lx caught and resumed\n",
			tu_vector, tu_rip);
	else
		cprintf("illegal: FAIL, handler saw %d exceptions, vector %lu\n",
			tu_caught, tu_vector);
	tu_audit("illegal");

	set_exception_handler(T_UD, NULL);
	cprintf("illegal: ud2 with no handler\n");
	TU_RAISE("ud2", 0);
	cprintf("illegal: FAIL, survived ud2 with no handler\n");
	return 1;
}
