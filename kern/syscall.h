/*
 * System-call dispatch. Each call in kern/abi/syscall.h has a handler
 * int64_t sys_<name>(struct env *cur, const uint64_t *a) with the six
 * argument registers in a[0..5] (%rdi %rsi %rdx %r10 %r8 %r9). A handler
 * decodes and validates every argument before it changes anything, then
 * returns the result for %rax; one that blocks or switches env does not
 * return.
 */
#ifndef CHITIN_KERN_SYSCALL_H
#define CHITIN_KERN_SYSCALL_H
#include "kernel.h"
#include "abi/syscall.h"

struct env;
struct trapframe;

#define SYSCALL_DECLARE(num, name, nargs, doc) \
	int64_t sys_##name(struct env *cur, const uint64_t *a);
SYSCALL_LIST(SYSCALL_DECLARE)
#undef SYSCALL_DECLARE

void syscall_init_this_cpu(void);	/* STAR, LSTAR, FMASK, EFER.SCE */
void syscall_trap(struct trapframe *tf) __attribute__((noreturn));
/* A system call that blocks its caller returns syscall_block(cur, WAIT_*):
 * SYSCALL_BLOCKED, which the dispatcher does not store in rax -- the
 * waker does (env_wake). The caller drops its locks after the call. */
#define SYSCALL_BLOCKED	INT64_MIN
int64_t syscall_block(struct env *cur, uint32_t wait);

#endif
