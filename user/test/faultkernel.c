/*
 * faultkernel: user code cannot read, write or run kernel memory (the
 * kernel image, the direct map of physical memory) nor write the
 * read-only exports: each access faults back to the program, which
 * counts them. Then an unhandled read of the kernel ends the program.
 */
#include "testutil.h"

#define READ	"movq (%%rcx), %%rax"
#define WRITE	"movq $0x5a, (%%rcx)"
#define JUMP	"jmpq *%%rcx"

struct probe {
	const char *what;
	uint64_t va;
	int kind;		/* 0 read, 1 write, 2 jump */
	uint64_t vector;	/* the exception it must raise */
};

static const struct probe probes[] = {
	{ "read kernel text", KERNLINK, 0, T_PF },
	{ "write kernel text", KERNLINK, 1, T_PF },
	{ "jump into kernel text", KERNLINK, 2, T_PF },
	{ "read physical memory (direct map)", KDIRECT + 0x100000, 0, T_PF },
	{ "write physical memory (direct map)", KDIRECT + 0x100000, 1, T_PF },
	{ "write the env table export", UENVS, 1, T_PF },
	{ "write my own page table (UVPT)", UVPT_PML4, 1, T_PF },
	{ "read a non-canonical address", 0x8000000000000000ULL, 0, T_GP },
};

static bool
probe_run(const struct probe *p)
{
	switch (p->kind) {
	case 0: TU_RAISE(READ, p->va); break;
	case 1: TU_RAISE(WRITE, p->va); break;
	default: TU_RAISE(JUMP, p->va); break;
	}
	if (tu_caught == 1 && tu_vector == p->vector) {
		cprintf("faultkernel: %s at 0x%lx: refused (vector %lu #%s, err 0x%lx)\n",
			p->what, p->va, tu_vector,
			exception_mnemonic((int)tu_vector), tu_err);
		return true;
	}
	cprintf("faultkernel: FAIL, %s at 0x%lx: %d exceptions, vector %lu\n",
		p->what, p->va, tu_caught, tu_vector);
	return false;
}

int
main(int argc, char **argv)
{
	size_t i, ok = 0, n = sizeof(probes) / sizeof(probes[0]);

	set_pgfault_handler(tu_handler);
	set_exception_handler(T_GP, tu_handler);
	for (i = 0; i < n; i++)
		ok += probe_run(&probes[i]);
	if (ok == n)
		cprintf("faultkernel: ok, all %zu accesses refused\n", n);
	else
		cprintf("faultkernel: FAIL, %zu of %zu accesses refused\n", ok, n);
	tu_audit("faultkernel");

	set_pgfault_handler(NULL);
	cprintf("faultkernel: reading kernel text with no handler\n");
	TU_RAISE(READ, KERNLINK);
	cprintf("faultkernel: FAIL, survived reading kernel memory\n");
	return 1;
}
