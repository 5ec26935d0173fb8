/*
 * epilogue: the slice-end upcall, with two envs sharing CPU 0 (each
 * slice end then hands the CPU to the other, so each gets epilogues):
 *
 *   H handles it: its epilogue yields at once and, when H runs again,
 *     resumes the interrupted code from the frame. Meanwhile H runs a
 *     loop that keeps twelve general registers and two SSE registers in
 *     lock step; a wrong resume shows as registers that disagree.
 *   I ignores it: its epilogue spins until the kernel has preempted it
 *     (its exported overrun count reaches its epilogue count), then
 *     yields and resumes. The kernel must preempt it anyway and count
 *     every one as an overrun. (Spinning a fixed time instead is not
 *     ignoring under TCG: when the host deschedules the emulator, the
 *     TSC runs on and such a spin can end inside the grace.) A spin
 *     that reaches IGNORE_MAX_US was never preempted: it yields, and the
 *     counts then disagree.
 *
 * Prints "epilogue: handler: ok ...", "epilogue: ignorer: ok ..." or FAIL
 * lines, then "epilogue: ok" when both passed.
 */
#include <chitin.h>
#include <thread.h>

#define RUN_MS		1500
#define IGNORE_MAX_US	1000000
#define EP_STACKTOP	0x0000600000000000UL
#define LOOP_ROUNDS	200000
#define NREGS		14	/* rax rbx rcx rdx rsi rdi r8-r15, as checked */

/* H's count of the epilogues its handler ran lives on a page of its
 * own, allocated after fork: a global would be copy-on-write, and the
 * upcall may interrupt the copy-on-write handler, which a nested fault
 * there would break. */
#define EP_DATA_VA	0x0000600000100000UL
#define ep_handled	(*(volatile uint64_t *)EP_DATA_VA)

const uint32_t ep_sys_yield = SYS_yield;
uint64_t ep_regs[NREGS + 4];	/* H: registers after a loop, xmm0/1 last */

void ep_entry_handle(void);
void ep_entry_ignore(void);
void ep_ignore(struct utrapframe *utf);

/*
 * The two upcall entries. Both resume through ep_resume, on the frame at
 * %rsp: rip and rflags go below the interrupted red zone at T, T goes
 * into the frame's rflags word, the general registers are popped off the
 * frame, then %rsp = T, popfq, ret $128. The epilogue stack stays in use
 * until the last pop, and the kernel sends no epilogue while it is.
 */
asm(".text\n"
    ".globl ep_entry_handle\n"
    "ep_entry_handle:\n"
    "	movl ep_sys_yield(%rip), %eax\n"
    "	syscall\n"
    "	movabsq $0x0000600000100000, %rax\n"	/* EP_DATA_VA */
    "	incq (%rax)\n"
    "	jmp ep_resume\n"
    ".globl ep_entry_ignore\n"
    "ep_entry_ignore:\n"
    "	movq %rsp, %rbx\n"
    "	subq $512, %rsp\n"
    "	fxsave64 (%rsp)\n"
    "	movq %rbx, %rdi\n"
    "	call ep_ignore\n"
    "	fxrstor64 (%rsp)\n"
    "	movq %rbx, %rsp\n"
    "ep_resume:\n"
    "	movq 24+17*8(%rsp), %rax\n"	/* regs.rsp */
    "	subq $144, %rax\n"
    "	movq 24+15*8(%rsp), %rcx\n"	/* regs.rip */
    "	movq %rcx, 8(%rax)\n"
    "	movq 24+16*8(%rsp), %rcx\n"	/* regs.rflags */
    "	movq %rcx, (%rax)\n"
    "	movq %rax, 24+16*8(%rsp)\n"
    "	addq $24, %rsp\n"
    "	popq %r15\n	popq %r14\n	popq %r13\n	popq %r12\n"
    "	popq %r11\n	popq %r10\n	popq %r9\n	popq %r8\n"
    "	popq %rbp\n	popq %rdi\n	popq %rsi\n	popq %rdx\n"
    "	popq %rcx\n	popq %rbx\n	popq %rax\n"
    "	leaq 8(%rsp), %rsp\n"		/* skip rip */
    "	popq %rsp\n"			/* T, from the rflags word */
    "	popfq\n"
    "	ret $128\n");

/* I's epilogue: keeps the CPU until the kernel takes it, then yields. */
void
ep_ignore(struct utrapframe *utf)
{
	const volatile struct env_export *me = thisenv;
	uint32_t this_one = me->epilogues;
	uint64_t until = tsc_now() + tsc_from_us(IGNORE_MAX_US);

	while (me->overruns < this_one && tsc_now() < until)
		for (volatile int i = 0; i < 1000; i++)
			;
	sys_yield();
}

static int
set_epilogue(void (*entry)(void))
{
	for (uintptr_t va = EP_STACKTOP - UXSTACK_SIZE; va < EP_STACKTOP; va += PGSIZE)
		if (sys_page_alloc(0, va, PERM_P | PERM_W | PERM_NX, PPN_ANY) < 0)
			return -1;
	return sys_env_set_upcall(0, UPCALL_EPILOGUE, (uintptr_t)entry, EP_STACKTOP) < 0 ? -1 : 0;
}

/* LOOP_ROUNDS rounds adding 1 to each register; ep_regs gets them. */
static void
lockstep_loop(void)
{
	asm volatile("xorl %%eax, %%eax\n\t"
		     "xorl %%ebx, %%ebx\n\t"
		     "xorl %%edx, %%edx\n\t"
		     "xorl %%esi, %%esi\n\t"
		     "xorl %%edi, %%edi\n\t"
		     "xorl %%r8d, %%r8d\n\t"
		     "xorl %%r9d, %%r9d\n\t"
		     "xorl %%r10d, %%r10d\n\t"
		     "xorl %%r11d, %%r11d\n\t"
		     "xorl %%r12d, %%r12d\n\t"
		     "xorl %%r13d, %%r13d\n\t"
		     "xorl %%r14d, %%r14d\n\t"
		     "xorl %%r15d, %%r15d\n\t"
		     "pxor %%xmm0, %%xmm0\n\t"
		     "pxor %%xmm1, %%xmm1\n\t"
		     "pcmpeqd %%xmm2, %%xmm2\n\t"	/* all ones: -1 per lane */
		     "movl %[n], %%ecx\n"
		     "1:\n\t"
		     "incq %%rax\n\tincq %%rbx\n\tincq %%rdx\n\tincq %%rsi\n\t"
		     "incq %%rdi\n\tincq %%r8\n\tincq %%r9\n\tincq %%r10\n\t"
		     "incq %%r11\n\tincq %%r12\n\tincq %%r13\n\tincq %%r14\n\t"
		     "incq %%r15\n\t"
		     "psubq %%xmm2, %%xmm0\n\t"
		     "psubq %%xmm2, %%xmm1\n\t"
		     "decl %%ecx\n\t"
		     "jnz 1b\n\t"
		     "movq %%rax, ep_regs+0(%%rip)\n\t"
		     "movq %%rbx, ep_regs+8(%%rip)\n\t"
		     "movq %%rcx, ep_regs+16(%%rip)\n\t"	/* 0 */
		     "movq %%rdx, ep_regs+24(%%rip)\n\t"
		     "movq %%rsi, ep_regs+32(%%rip)\n\t"
		     "movq %%rdi, ep_regs+40(%%rip)\n\t"
		     "movq %%r8, ep_regs+48(%%rip)\n\t"
		     "movq %%r9, ep_regs+56(%%rip)\n\t"
		     "movq %%r10, ep_regs+64(%%rip)\n\t"
		     "movq %%r11, ep_regs+72(%%rip)\n\t"
		     "movq %%r12, ep_regs+80(%%rip)\n\t"
		     "movq %%r13, ep_regs+88(%%rip)\n\t"
		     "movq %%r14, ep_regs+96(%%rip)\n\t"
		     "movq %%r15, ep_regs+104(%%rip)\n\t"
		     "movdqu %%xmm0, ep_regs+112(%%rip)\n\t"
		     "movdqu %%xmm1, ep_regs+128(%%rip)\n\t"
		     :
		     : [n] "i" (LOOP_ROUNDS)
		     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
		       "r11", "r12", "r13", "r14", "r15", "xmm0", "xmm1", "xmm2",
		       "memory", "cc");
}

static bool
lockstep_ok(void)
{
	for (int i = 0; i < NREGS + 4; i++)
		if (ep_regs[i] != (i == 2 ? 0 : LOOP_ROUNDS))
			return false;
	return true;
}

static int
run_handler(uint64_t deadline)
{
	const volatile struct env_export *me = thisenv;
	uint64_t loops = 0;

	if (sys_page_alloc(0, EP_DATA_VA, PERM_P | PERM_W | PERM_NX, PPN_ANY) < 0 ||
	    set_epilogue(ep_entry_handle) < 0)
		return 1;
	while (tsc_now() < deadline) {
		lockstep_loop();
		loops++;
		if (!lockstep_ok()) {
			cprintf("epilogue: handler: FAIL, registers disagree after loop %lu "
				"(rax %lu rbx %lu r15 %lu xmm0 %lu), %lu epilogues so far\n",
				loops, ep_regs[0], ep_regs[1], ep_regs[13], ep_regs[14], ep_handled);
			return 1;
		}
	}
	if (ep_handled < 10 || me->epilogues < ep_handled) {
		cprintf("epilogue: handler: FAIL, %lu epilogues handled, %u delivered\n",
			ep_handled, me->epilogues);
		return 1;
	}
	cprintf("epilogue: handler: ok, %lu epilogues handled, %lu register checks passed, "
		"%u overruns\n", ep_handled, loops, me->overruns);
	return 0;
}

static int
run_ignorer(uint64_t deadline)
{
	const volatile struct env_export *me = thisenv;
	volatile uint64_t n = 0;

	if (set_epilogue(ep_entry_ignore) < 0)
		return 1;
	while (tsc_now() < deadline)
		for (int i = 0; i < 10000; i++)
			n++;
	if (me->epilogues < 3 || me->overruns != me->epilogues) {
		cprintf("epilogue: ignorer: FAIL, %u epilogues, %u overruns counted\n",
			me->epilogues, me->overruns);
		return 1;
	}
	cprintf("epilogue: ignorer: ok, preempted past the grace: %u epilogues, %u overruns\n",
		me->epilogues, me->overruns);
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t deadline;
	envid_t h, i;
	int sh = 1, si = 1;

	if (sys_env_set_affinity(0, 1) < 0)
		panic("affinity");
	deadline = tsc_now() + tsc_from_us(RUN_MS * 1000);
	if ((h = fork()) == 0)
		exit(run_handler(deadline));
	if ((i = fork()) == 0)
		exit(run_ignorer(deadline));
	if (h < 0 || i < 0)
		panic("fork");
	wait(h, &sh);
	wait(i, &si);
	if (sh == 0 && si == 0)
		cprintf("epilogue: ok\n");
	return sh | si;
}
