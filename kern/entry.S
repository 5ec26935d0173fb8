/*
 * The kernel's first instructions. The loader enters here in long mode on
 * its own page tables (identity 0-4 GiB, KERNBASE -> 0) with interrupts off
 * and %rdi = the physical address of the boot info.
 */
#include "abi/memlayout.h"

	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	leaq	bootstack_top(%rip), %rsp
	xorl	%ebp, %ebp		/* backtraces stop at a zero frame */
	pushq	$0			/* a fake return address */
	call	kern_main
1:	hlt
	jmp	1b

	.bss
	.balign	4096
	.globl bootstack, bootstack_top
bootstack:
	.space	KSTACK_SIZE
bootstack_top:
