/*
 * Program entry. The kernel (for the first program) and spawn (for every
 * other) start a program here with %rdi = argc, %rsi = argv and a 16-byte
 * aligned %rsp; libmain never returns.
 */
	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl	%ebp, %ebp		/* the end of every frame-pointer chain */
	andq	$-16, %rsp		/* the psABI wants it; be lenient */
	call	libmain
1:	hlt				/* not reached: faults, and the env dies */
	jmp	1b
	.size _start, . - _start
