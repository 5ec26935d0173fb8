/*
 * What the grader's test programs share: a handler that records an
 * exception and resumes after the instruction that raised it, and the
 * kernel's page-accounting audit as a closing line.
 *
 * Each test prints "NAME: ok ..." when the feature works and a line with
 * "FAIL" when it does not, so the grader can tell the two apart.
 */
#ifndef CHITIN_USER_TESTUTIL_H
#define CHITIN_USER_TESTUTIL_H

#include <chitin.h>

/* What the last exception was, as tu_handler saw it. */
static volatile int tu_caught;
static volatile uint64_t tu_vector, tu_err, tu_va, tu_rip;
/* Where tu_handler resumes: set by TU_RAISE just before the instruction. */
static volatile uint64_t tu_resume;

static void __attribute__((unused))
tu_handler(struct utrapframe *utf)
{
	tu_caught++;
	tu_vector = utf->vector;
	tu_err = utf->err;
	tu_va = utf->fault_va;
	tu_rip = utf->regs.rip;
	utf->regs.rip = tu_resume;
}

/* Runs the instruction(s) insn with arg in %rcx (insn may use %rax and
 * %rdx too); if it raises an exception, tu_handler resumes after it. */
#define TU_RAISE(insn, arg) do {					\
	uint64_t tu_arg_ = (uint64_t)(arg);				\
	tu_caught = 0;							\
	asm volatile("leaq 1f(%%rip), %%rax\n\t"			\
		     "movq %%rax, %0\n\t"				\
		     insn "\n"						\
		     "1:\n"						\
		     : "=m" (tu_resume), "+c" (tu_arg_)			\
		     : : "rax", "rdx", "memory", "cc");			\
} while (0)

/* Runs the kernel's page-accounting audit and says how it went. */
static int __attribute__((unused))
tu_audit(const char *name)
{
	int64_t r = sys_kdebug(KDEBUG_AUDIT, 0);

	if (r == 0)
		cprintf("%s: kernel page audit ok\n", name);
	else
		cprintf("%s: kernel page audit FAIL (%ld)\n", name, r);
	return r == 0 ? 0 : 1;
}

#endif
