/*
 * The system-call stubs, generated from the one list in kern/abi/syscall.h:
 * a stub per call, sys_<name>, by arity; syscall_name() from the same list.
 *
 * The list knows each call's arity, not its C types, so a stub takes its
 * arguments as uint64_t, and this file does not see chitin.h's typed
 * prototypes. That is sound on x86-64: the System V ABI passes every
 * integer and pointer argument in a whole register, and the kernel reads
 * each argument at the width of its own parameter type (so the undefined
 * upper half of a 32-bit int never matters).
 *
 * pct_call and pct_return carry a seventh word in %r12 and answer in the
 * argument registers; they get no generic stub (see pct.c).
 */
#include <stdint.h>
#include <stddef.h>
#include "kern/abi/syscall.h"

/* One trap: number in %rax, arguments in %rdi %rsi %rdx %r10 %r8 %r9; the
 * instruction itself clobbers %rcx and %r11, the kernel nothing else. */
static inline int64_t
syscall6(uint64_t num, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
	 uint64_t a5, uint64_t a6)
{
	register uint64_t r10 asm("r10") = a4;
	register uint64_t r8 asm("r8") = a5;
	register uint64_t r9 asm("r9") = a6;
	int64_t ret;

	asm volatile("syscall"
		     : "=a" (ret)
		     : "a" (num), "D" (a1), "S" (a2), "d" (a3),
		       "r" (r10), "r" (r8), "r" (r9)
		     : "rcx", "r11", "memory");
	return ret;
}

#define STUB_PARAMS_0	void
#define STUB_PARAMS_1	uint64_t a1
#define STUB_PARAMS_2	uint64_t a1, uint64_t a2
#define STUB_PARAMS_3	uint64_t a1, uint64_t a2, uint64_t a3
#define STUB_PARAMS_4	uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4
#define STUB_PARAMS_5	STUB_PARAMS_4, uint64_t a5
#define STUB_PARAMS_6	STUB_PARAMS_5, uint64_t a6
#define STUB_ARGS_0	0, 0, 0, 0, 0, 0
#define STUB_ARGS_1	a1, 0, 0, 0, 0, 0
#define STUB_ARGS_2	a1, a2, 0, 0, 0, 0
#define STUB_ARGS_3	a1, a2, a3, 0, 0, 0
#define STUB_ARGS_4	a1, a2, a3, a4, 0, 0
#define STUB_ARGS_5	a1, a2, a3, a4, a5, 0
#define STUB_ARGS_6	a1, a2, a3, a4, a5, a6

/* Calls with their own stub: STUB_OWN(name) is 1 for them, 0 otherwise
 * (STUB_OWN_name expands to two words only for those listed). */
#define STUB_OWN_pct_call	~, 1
#define STUB_OWN_pct_return	~, 1
#define STUB_SECOND_(a, b, ...)	b
#define STUB_SECOND(...)	STUB_SECOND_(__VA_ARGS__)
#define STUB_OWN(name)		STUB_SECOND(STUB_OWN_##name, 0, ~)
#define STUB_CAT_(a, b)		a##b
#define STUB_CAT(a, b)		STUB_CAT_(a, b)
#define STUB_IF_0(...)		__VA_ARGS__
#define STUB_IF_1(...)

#define STUB(num, name, nargs, doc)					\
	STUB_CAT(STUB_IF_, STUB_OWN(name))(				\
	int64_t sys_##name(STUB_PARAMS_##nargs);			\
	int64_t								\
	sys_##name(STUB_PARAMS_##nargs)					\
	{								\
		return syscall6(num, STUB_ARGS_##nargs);		\
	})

SYSCALL_LIST(STUB)

#define STUB_NAME(num, name, nargs, doc) [num] = #name,
static const char *const syscall_names[] = { SYSCALL_LIST(STUB_NAME) };

/* The name of system call num ("page_map"), or NULL if there is none. */
const char *
syscall_name(int num)
{
	if (num < 0 || (size_t)num >= sizeof(syscall_names) / sizeof(syscall_names[0]))
		return NULL;
	return syscall_names[num];
}
