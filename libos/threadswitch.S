/*
 * The machine half of user-level threads (thread.c): saving a thread that
 * gives up the CPU, resuming any saved thread, and the epilogue upcall's
 * entry.
 *
 * Every saved thread is a struct user_regs (kern/abi/env.h) and an FXSAVE
 * image, whether it gave up the CPU in a call (thread_save: the callee-
 * saved registers, %rsp and %rip after the call, %rax = 1) or was
 * preempted (the epilogue frame: every register). One routine,
 * thread_resume, restores both.
 *
 * Resuming, as libos/upcall.S does: %rip and %rflags are stored just
 * below the thread's red zone at T = rsp - 128 - 16, the general
 * registers popped from a copy, then %rsp = T, popfq, and `ret $128`
 * pops %rip and lands %rsp where it was.
 *
 * The copy lives in a scratch area at the bottom of the epilogue stack
 * (thread_resume_area, set by thread.c),
 * and the registers are popped with %rsp there: the kernel delivers no
 * epilogue while %rsp is on that stack, so no upcall can overwrite the
 * copy or catch a half-restored thread. Only popfq and ret run on T; an
 * epilogue arriving there finds a complete state of the resumed thread
 * (everything restored, T and T+8 above %rsp), which is safe to save.
 * Before the switch to the scratch area the caller holds preemption off
 * (thread.c) or is already on the epilogue stack.
 */
/* struct user_regs */
#define R_R15		0
#define R_R14		8
#define R_R13		16
#define R_R12		24
#define R_RBP		64
#define R_RBX		104
#define R_RAX		112
#define R_RIP		120
#define R_RFLAGS	128
#define R_RSP		136
#define NGPR		15		/* r15 .. rax */
#define FXSAVE_SIZE	512
#define MXCSR_DEFAULT	0x1f80

	.text

/*
 * int thread_save(struct user_regs *r, void *fpu): saves the caller as it
 * will be after this call returns, and returns 0; when that state is
 * resumed, the call returns again, with 1. Like setjmp.
 */
	.globl thread_save
	.type thread_save, @function
thread_save:
	movq	%r15, R_R15(%rdi)
	movq	%r14, R_R14(%rdi)
	movq	%r13, R_R13(%rdi)
	movq	%r12, R_R12(%rdi)
	movq	%rbp, R_RBP(%rdi)
	movq	%rbx, R_RBX(%rdi)
	movq	$1, R_RAX(%rdi)
	movq	(%rsp), %rax
	movq	%rax, R_RIP(%rdi)
	pushfq
	popq	%rax
	movq	%rax, R_RFLAGS(%rdi)
	leaq	8(%rsp), %rax
	movq	%rax, R_RSP(%rdi)
	fxsave64 (%rsi)
	xorl	%eax, %eax
	ret
	.size thread_save, . - thread_save

/*
 * void thread_resume(const struct user_regs *r, const void *fpu,
 *                    int preempt_depth): never returns. Sets the
 * library's preemption depth to what the resumed thread had.
 */
	.globl thread_resume
	.type thread_resume, @function
thread_resume:
	fxrstor64 (%rsi)
	movq	%rdi, %r8
	movq	thread_resume_area(%rip), %rsp
	movq	%r8, %rsi
	movq	%rsp, %rdi
	movl	$NGPR, %ecx
	cld
	rep movsq
	movq	R_RSP(%r8), %rax
	subq	$(128 + 16), %rax		/* T */
	movq	R_RIP(%r8), %rcx
	movq	%rcx, 8(%rax)
	movq	R_RFLAGS(%r8), %rcx
	movq	%rcx, (%rax)
	movq	%rax, NGPR*8(%rsp)		/* popped into %rsp last */
	cmpl	%edx, thread_preempt_depth(%rip)
	je	1f				/* no write: see the epilogue entry */
	movl	%edx, thread_preempt_depth(%rip)
1:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	popq	%rsp				/* = T */
	popfq
	ret	$128
	.size thread_resume, . - thread_resume

/*
 * The epilogue upcall: the kernel enters here at the end of the env's
 * slice with %rsp = %rdi = a struct utrapframe (the interrupted state)
 * and a short grace to yield. So yield first: the FPU/SSE registers and
 * the frame survive the call, and the rest of the work waits for the
 * env's next slice. Unless the grace is over already: if the kernel has
 * counted an overrun since we last looked (it preempted us before the
 * yield), the env runs in a fresh slice, and yielding would give that
 * away too.
 *
 * Then save the FPU/SSE state under the frame and let thread_epilogue
 * (thread.c) decide which thread resumes.
 *
 * No global data is written on this path (the overrun count seen is kept
 * on the epilogue stack): after a fork the library's data pages are
 * copy-on-write, and the interrupted code may be the copy-on-write fault
 * handler itself, which a nested copy-on-write fault would break.
 */
	.globl thread_epilogue_entry
	.type thread_epilogue_entry, @function
thread_epilogue_entry:
	movq	thread_overruns(%rip), %rax	/* &thisenv->overruns */
	movl	(%rax), %eax
	movq	thread_overruns_seen(%rip), %rcx
	cmpl	(%rcx), %eax
	jne	1f
	movl	thread_sys_yield(%rip), %eax	/* SYS_yield, from thread.c */
	syscall
	jmp	2f
1:	movl	%eax, (%rcx)
2:	movq	%rsp, %rdi
	subq	$FXSAVE_SIZE, %rsp		/* still 16-byte aligned */
	fxsave64 (%rsp)
	movq	%rsp, %rsi
	cld
	fninit
	pushq	$MXCSR_DEFAULT
	ldmxcsr	(%rsp)
	addq	$8, %rsp
	xorl	%ebp, %ebp
	call	thread_epilogue
	ud2					/* thread_epilogue does not return */
	.size thread_epilogue_entry, . - thread_epilogue_entry
