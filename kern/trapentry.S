/*
 * Entry stubs for all 256 vectors. Each pushes a zero where the CPU pushes
 * no error code (SDM vol. 3A, 6.13: vectors 8, 10-14, 17, 21, 29, 30 have
 * one), then its vector number, and jumps to the common path that saves
 * the general registers as a struct trapframe (kern/trap.h).
 */
#define CPU_CATCH_OFFSET	8	/* checked against struct cpu in trap.c */
#define CPU_KSTACK_TOP_OFFSET	16
#define CPU_USER_RSP_OFFSET	24
#define GD_UDATA	0x18
#define GD_UCODE	0x20
#define T_SYSCALL	0x100
#define MSR_GS_BASE	0xc0000101

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
	/*
	 * From user mode the GS base is the user's: swap in the kernel's
	 * per-CPU pointer (undone in trap_return). NMIs, double faults and
	 * machine checks can also arrive in the few kernel instructions
	 * before syscall_entry's swapgs, so for them the GS base itself
	 * decides (a kernel pointer is negative).
	 */
	cmpq	$2, (%rsp)
	je	trap_paranoid
	cmpq	$8, (%rsp)
	je	trap_paranoid
	cmpq	$18, (%rsp)
	je	trap_paranoid
	testb	$3, 24(%rsp)
	jz	trap_save
	swapgs
	jmp	trap_save
trap_paranoid:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	movl	$MSR_GS_BASE, %ecx
	rdmsr
	testl	%edx, %edx
	js	1f
	swapgs
1:	popq	%rdx
	popq	%rcx
	popq	%rax
trap_save:
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
	testb	$3, 8(%rsp)		/* back to user mode: its GS base */
	jz	1f
	swapgs
1:	iretq

/*
 * void env_return_iret(struct trapframe *tf)
 * Returns to user mode with every register from tf (which must name a
 * user frame), through trap_return.
 */
	.globl env_return_iret
	.type env_return_iret, @function
env_return_iret:
	movq	%rdi, %rsp
	jmp	trap_return

/*
 * void env_return_sysret(struct trapframe *tf)
 * The fast way back after a system call: SYSRET takes %rip from %rcx and
 * %rflags from %r11, which the syscall instruction clobbered anyway. The
 * caller has checked that tf->rip is a canonical user address (SYSRET to
 * a non-canonical one faults in ring 0).
 */
	.globl env_return_sysret
	.type env_return_sysret, @function
env_return_sysret:
	movq	%rdi, %rsp
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
	movq	16(%rsp), %rcx		/* rip: after vector, err */
	movq	32(%rsp), %r11		/* rflags */
	movq	40(%rsp), %rsp		/* the user stack */
	swapgs
	sysretq

/*
 * The syscall instruction lands here (MSR_LSTAR) in ring 0 with the
 * user's %rsp and GS base, interrupts masked by MSR_FMASK. Build a
 * struct trapframe on this CPU's kernel stack and call syscall_trap(),
 * which never returns here.
 */
	.globl syscall_entry
	.type syscall_entry, @function
syscall_entry:
	swapgs
	movq	%rsp, %gs:CPU_USER_RSP_OFFSET
	movq	%gs:CPU_KSTACK_TOP_OFFSET, %rsp
	pushq	$(GD_UDATA | 3)		/* ss */
	pushq	%gs:CPU_USER_RSP_OFFSET	/* rsp */
	pushq	%r11			/* rflags */
	pushq	$(GD_UCODE | 3)		/* cs */
	pushq	%rcx			/* rip */
	pushq	$0			/* err */
	pushq	$T_SYSCALL		/* vector */
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
	xorl	%ebp, %ebp		/* backtraces end here */
	call	syscall_trap
	ud2

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
