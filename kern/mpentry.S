/*
 * The AP trampoline. smp_boot copies mpentry_start..mpentry_end to
 * MPENTRY_PA and patches the mpentry_* variables at its end; a start-up
 * IPI then starts the AP here in real mode at CS:IP = (MPENTRY_PA >> 4):0
 * (Intel SDM vol. 3A, 9.4.4).
 *
 * It goes straight from real mode to long mode (SDM vol. 3A, 10.8.5:
 * PAE on, CR3 loaded, EFER.LME set, then paging and protection enabled
 * together), on a temporary PML4 that maps the low 2 MiB 1:1 (so the
 * instruction after the CR0 write can be fetched) and shares the kernel
 * half of the kernel's page tables. EFER.NXE is set before paging when
 * the kernel's tables use the NX bit. It then jumps to mpentry_high in
 * the kernel image, which switches to the kernel's own page tables and
 * stack and calls ap_main(cpu).
 *
 * The code is linked at the kernel's addresses but runs from MPENTRY_PA,
 * so everything here is addressed through MP_ADDR.
 */
#include "smp.h"
#include "abi/memlayout.h"

#define MP_ADDR(x)	(MPENTRY_PA + ((x) - mpentry_start))

/* kern/x86.h and kern/cpu.h are C-only: the few values needed here */
#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080
#define SEL_CODE64	0x08	/* mp_gdt slot 1, same as GD_KCODE */
#define SEL_DATA	0x10	/* mp_gdt slot 2, same as GD_KDATA */

	.text
	.code16
	.globl	mpentry_start
mpentry_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss

	lgdtl	MP_ADDR(mp_gdtdesc)
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	MP_ADDR(mpentry_pml4), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	MP_ADDR(mpentry_efer), %eax	/* LME, and NXE if in use */
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PE | CR0_PG), %eax
	movl	%eax, %cr0
	/* Now in IA-32e compatibility mode; loading a CS with L=1 enters
	 * 64-bit mode (SDM vol. 3A, 10.8.5, step 5). */
	ljmpl	$SEL_CODE64, $MP_ADDR(mp_long)

	.code64
mp_long:
	movl	$SEL_DATA, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorl	%eax, %eax
	movw	%ax, %fs
	movw	%ax, %gs
	/* The same GDT through the direct map, so that it stays reachable
	 * once the 1:1 mapping is gone; cpu_init_this replaces it. */
	lgdt	MP_ADDR(mp_gdtdesc64)
	movq	MP_ADDR(mpentry_cr3), %rsi
	movq	MP_ADDR(mpentry_stack), %rsp
	movq	MP_ADDR(mpentry_cpu), %rdi
	movabsq	$mpentry_high, %rax
	jmpq	*%rax

	.p2align 3
mp_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 64-bit code: P, DPL 0, L, execute/read */
	.quad	0x00cf92000000ffff	/* data: P, DPL 0, read/write */
mp_gdt_end:

	.p2align 3
mp_gdtdesc:
	.word	mp_gdt_end - mp_gdt - 1
	.long	MP_ADDR(mp_gdt)

	.p2align 3
mp_gdtdesc64:
	.word	mp_gdt_end - mp_gdt - 1
	.quad	KDIRECT + MP_ADDR(mp_gdt)

/* Patched by smp_boot before each AP starts */
	.p2align 3
	.globl	mpentry_cr3, mpentry_stack, mpentry_cpu, mpentry_pml4, mpentry_efer
mpentry_cr3:	.quad	0	/* the kernel's PML4 */
mpentry_stack:	.quad	0	/* top of the AP's kernel stack */
mpentry_cpu:	.quad	0	/* its struct cpu, ap_main's argument */
mpentry_pml4:	.long	0	/* the temporary PML4, below 4 GiB */
mpentry_efer:	.long	0	/* EFER bits to set */
	.globl	mpentry_end
mpentry_end:

/*
 * Runs in the kernel image, at its link address: %rdi = struct cpu,
 * %rsi = the kernel's PML4, %rsp = the AP's stack (16-byte aligned).
 */
	.p2align 4
mpentry_high:
	movq	%rsi, %cr3
	xorl	%ebp, %ebp		/* ends backtraces */
	call	ap_main
1:	hlt
	jmp	1b
