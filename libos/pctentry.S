/*
 * The entry of protected control transfers. The kernel enters pct_entry
 * on the registered PCT stack (16-byte aligned) with %rdi = the caller and
 * the six words in %rsi %rdx %r10 %r8 %r9 %r12. We store them as a struct
 * pct_args and call pct_dispatch (pct.c), which runs the handler and
 * answers through sys_pct_return: it never comes back here, and the next
 * call enters again on a fresh stack.
 */

	.text
	.globl pct_entry
	.type pct_entry, @function
pct_entry:
	xorl	%ebp, %ebp			/* a fresh frame-pointer chain */
	cld
	subq	$48, %rsp			/* struct pct_args; stays aligned */
	movq	%rsi, 0(%rsp)
	movq	%rdx, 8(%rsp)
	movq	%r10, 16(%rsp)
	movq	%r8, 24(%rsp)
	movq	%r9, 32(%rsp)
	movq	%r12, 40(%rsp)
	movq	%rsp, %rsi
	call	pct_dispatch
1:	hlt				/* not reached */
	jmp	1b
	.size pct_entry, . - pct_entry
