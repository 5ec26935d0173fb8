/*
 * badsegment: loading a segment register with a selector beyond the GDT
 * is a general-protection fault (SDM vol. 3A, 6.15, #GP), delivered to
 * the program; with no handler the library reports it and exits.
 */
#include "testutil.h"

/* Index 8191 of the GDT, RPL 3: no kernel has a GDT that long. */
#define LOAD_DS	"movw %%cx, %%ax\n\tmovw %%ax, %%ds"
#define BAD_SELECTOR	0xfffb

int
main(int argc, char **argv)
{
	set_exception_handler(T_GP, tu_handler);
	set_exception_handler(T_NP, tu_handler);
	TU_RAISE(LOAD_DS, BAD_SELECTOR);
	if (tu_caught == 1 && tu_vector == T_GP)
		cprintf("badsegment: ok, #GP (vector %lu, err 0x%lx) at rip 0x%lx "
			"caught and resumed\n", tu_vector, tu_err, tu_rip);
	else
		cprintf("badsegment: FAIL, handler saw %d exceptions, vector %lu\n",
			tu_caught, tu_vector);
	tu_audit("badsegment");

	set_exception_handler(T_GP, NULL);
	set_exception_handler(T_NP, NULL);
	cprintf("badsegment: loading %%ds with a bad selector, no handler\n");
	TU_RAISE(LOAD_DS, BAD_SELECTOR);
	cprintf("badsegment: FAIL, survived a bad segment load with no handler\n");
	return 1;
}
