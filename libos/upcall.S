/*
 * The exception upcall: the kernel enters upcall_entry on the exception
 * stack with %rsp = %rdi = a struct utrapframe (kern/abi/env.h), 16-byte
 * aligned, holding the interrupted state. We save the FPU/SSE state (the
 * kernel leaves it as the interrupted code had it), run the C dispatcher,
 * restore it, and resume the interrupted code without a system call:
 * every register, %rflags, %rsp and %rip exactly as the frame says (a
 * handler may have changed them), and the interrupted code's 128-byte red
 * zone untouched.
 *
 * Resuming: %rip and %rflags go just below the red zone on the
 * interrupted stack, at T = rsp - 128 - 16; the general registers are
 * popped from a copy, then %rsp = T, popfq, and `ret $128` pops %rip and
 * skips the red zone, landing %rsp where it was.
 *
 * The copy is needed because after a fault on the exception stack itself
 * the kernel puts the new frame right below the interrupted red zone, so
 * T may overlap the frame's own %rflags and %rsp words. The copy sits in
 * the FXSAVE area below the frame, which T never reaches.
 */
#define UTF_REGS	24		/* offsetof(struct utrapframe, regs) */
#define UTF_RIP		(UTF_REGS + 15 * 8)
#define UTF_RFLAGS	(UTF_REGS + 16 * 8)
#define UTF_RSP		(UTF_REGS + 17 * 8)
#define FXSAVE_SIZE	512
#define MXCSR_DEFAULT	0x1f80		/* all SIMD exceptions masked, round to nearest */

	.text
	.globl upcall_entry
	.type upcall_entry, @function
upcall_entry:
	movq	%rsp, %rbx			/* the frame; callee-saved */
	subq	$FXSAVE_SIZE, %rsp		/* still 16-byte aligned */
	fxsave64 (%rsp)
	/* The C handler gets the state the psABI promises at a call, not
	 * whatever the interrupted code had set. */
	cld
	fninit
	pushq	$MXCSR_DEFAULT
	ldmxcsr	(%rsp)
	addq	$8, %rsp
	movq	%rbx, %rdi
	call	exception_dispatch
	fxrstor64 (%rsp)

	/* Copy r15..rax, rip, rflags (17 words) into the FXSAVE area. */
	leaq	UTF_REGS(%rbx), %rsi
	movq	%rsp, %rdi
	movl	$17, %ecx
	rep movsq
	/* T, and rip and rflags stored there. */
	movq	UTF_RSP(%rbx), %rax
	subq	$(128 + 16), %rax
	movq	15*8(%rsp), %rcx		/* rip */
	movq	%rcx, 8(%rax)
	movq	16*8(%rsp), %rcx		/* rflags */
	movq	%rcx, (%rax)
	movq	%rax, 15*8(%rsp)		/* the word after rax: the new rsp */
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
	.size upcall_entry, . - upcall_entry
