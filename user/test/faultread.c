/*
 * faultread: reading an unmapped address (0) is a page fault delivered to
 * the program with the address and a read error code; with no handler
 * the library reports it and the program exits.
 */
#include "testutil.h"

#define READ	"movq (%%rcx), %%rax"

int
main(int argc, char **argv)
{
	set_pgfault_handler(tu_handler);
	TU_RAISE(READ, 0);
	if (tu_caught == 1 && tu_vector == T_PF && tu_va == 0 &&
	    !(tu_err & (PF_WRITE | PF_PRESENT)) && (tu_err & PF_USER))
		cprintf("faultread: ok, read fault at va 0x%lx (err 0x%lx) reported\n",
			tu_va, tu_err);
	else
		cprintf("faultread: FAIL, %d faults, vector %lu va 0x%lx err 0x%lx\n",
			tu_caught, tu_vector, tu_va, tu_err);
	tu_audit("faultread");

	set_pgfault_handler(NULL);
	cprintf("faultread: reading va 0x0 with no handler\n");
	TU_RAISE(READ, 0);
	cprintf("faultread: FAIL, survived reading va 0x0\n");
	return 1;
}
