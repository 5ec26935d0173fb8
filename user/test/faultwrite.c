/*
 * faultwrite: writing an unmapped address (0) is a page fault delivered
 * to the program with the address and a write error code; with no
 * handler the library reports it and the program exits.
 */
#include "testutil.h"

#define WRITE	"movq $0x5a, (%%rcx)"

int
main(int argc, char **argv)
{
	set_pgfault_handler(tu_handler);
	TU_RAISE(WRITE, 0);
	if (tu_caught == 1 && tu_vector == T_PF && tu_va == 0 &&
	    (tu_err & PF_WRITE) && !(tu_err & PF_PRESENT))
		cprintf("faultwrite: ok, write fault at va 0x%lx (err 0x%lx) reported\n",
			tu_va, tu_err);
	else
		cprintf("faultwrite: FAIL, %d faults, vector %lu va 0x%lx err 0x%lx\n",
			tu_caught, tu_vector, tu_va, tu_err);
	tu_audit("faultwrite");

	set_pgfault_handler(NULL);
	cprintf("faultwrite: writing va 0x0 with no handler\n");
	TU_RAISE(WRITE, 0);
	cprintf("faultwrite: FAIL, survived writing va 0x0\n");
	return 1;
}
