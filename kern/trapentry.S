/*
 * Entry stubs for all 256 vectors. Each pushes a zero where the CPU pushes
 * no error code (SDM vol. 3A, 6.13: vectors 8, 10-14, 17, 21, 29, 30 have
 * one), then its vector number, and jumps to the common path that saves
 * the general registers as a struct trapframe (kern/trap.h).
 */
#define CPU_CATCH_OFFSET 8	/* checked against struct cpu in trap.c */

#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			(v) == 21 || (v) == 29 || (v) == 30)

	.text
	.globl trap_stubs
	.type trap_stubs, @function
	.balign 16
trap_stubs:
	vector = 0
	.rept 256
	.balign 16
	.if !HAS_ERRCODE(vector)
	pushq	$0
	.endif
	pushq	$vector
	jmp	trap_common
	vector = vector + 1
	.endr

	.type trap_common, @function
trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	/* A frame record so backtraces walk from the handler into the
	 * interrupted code: saved rbp, then the interrupted rip. */
	pushq	17*8(%rsp)
	pushq	%rbp
	movq	%rsp, %rbp
	call	trap
	addq	$16, %rsp
	.globl trap_return
trap_return:
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
	addq	$16, %rsp		/* vector and error code */
	iretq

/*
 * int trap_catch_arm(struct trap_catch *tc)
 * Saves the callee-saved registers, the stack pointer and the return
 * address like setjmp and arms tc on this CPU; returns 0. When the
 * expected trap arrives, trap() resumes here with %rax = 1.
 */
	.globl trap_catch_arm
	.type trap_catch_arm, @function
trap_catch_arm:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rax
	movq	%rax, 48(%rdi)
	movq	(%rsp), %rax
	movq	%rax, 56(%rdi)
	movl	$0, 68(%rdi)		/* tc->caught */
	movq	%rdi, %gs:CPU_CATCH_OFFSET
	xorl	%eax, %eax
	ret
