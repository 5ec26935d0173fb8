/*
 * divzero: a divide error reaches the program's handler, which resumes
 * after the instruction; with no handler, the library reports it and the
 * program exits.
 */
#include "testutil.h"

#define DIVIDE	"movl $1, %%eax\n\tcqto\n\tidivq %%rcx"

int
main(int argc, char **argv)
{
	set_exception_handler(T_DE, tu_handler);
	TU_RAISE(DIVIDE, 0);
	if (tu_caught == 1 && tu_vector == T_DE)
		cprintf("divzero: ok, #DE (vector %lu) at rip 0x%lx caught and resumed\n",
			tu_vector, tu_rip);
	else
		cprintf("divzero: FAIL, handler saw %d exceptions, vector %lu\n",
			tu_caught, tu_vector);
	tu_audit("divzero");

	set_exception_handler(T_DE, NULL);
	cprintf("divzero: dividing by zero with no handler\n");
	TU_RAISE(DIVIDE, 0);
	cprintf("divzero: FAIL, survived a divide by zero with no handler\n");
	return 1;
}
