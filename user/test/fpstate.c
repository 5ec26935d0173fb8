/*
 * fpstate: the FPU/SSE state of an env survives everything that takes
 * the CPU from it. Four envs each load every XMM register, the eight x87
 * registers, MXCSR and the x87 control word with values of their own,
 * then, without touching them, repeatedly: yield (a system call), raise
 * int3 (an exception whose handler clobbers all of that state in C and
 * asm), and spin until the clock ticks (preempted meanwhile, other envs
 * running their own values). At the end every register must read back.
 */
#include "testutil.h"

#define NENVS	4
#define ROUNDS	30
#define MXCSR_DEFAULT	0x1f80
#define MXCSR_MINE	0x7f80	/* round toward zero, all masked */
#define FCW_MINE	0x0f7f	/* round toward zero, 64-bit precision */

struct fpregs {
	uint64_t xmm[32];	/* xmm0..15, two words each */
	int64_t st[8];		/* pushed st[0] first: st(7) .. st(0) */
	uint32_t mxcsr;
	uint16_t fcw;
	uint16_t pad;
	uint32_t mxcsr_default;	/* restored on the way out */
} __attribute__((aligned(16)));

_Static_assert(__builtin_offsetof(struct fpregs, st) == 256, "layout");
_Static_assert(__builtin_offsetof(struct fpregs, mxcsr) == 320, "layout");
_Static_assert(__builtin_offsetof(struct fpregs, mxcsr_default) == 328, "layout");

static volatile int breakpoints;

/* Leaves the FPU and SSE state as different as it can: the library must
 * put the interrupted code's back. */
static void
clobber(struct utrapframe *utf)
{
	static const uint32_t mx = 0x3f80;
	static const uint16_t cw = 0x037f;
	volatile double d = 1.0;
	int i;

	breakpoints++;
	for (i = 0; i < 10; i++)
		d = d * 3.25 + 0.5;
	asm volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
		     "movdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm2\n\t"
		     "movdqa %%xmm0, %%xmm3\n\tmovdqa %%xmm0, %%xmm4\n\t"
		     "movdqa %%xmm0, %%xmm5\n\tmovdqa %%xmm0, %%xmm6\n\t"
		     "movdqa %%xmm0, %%xmm7\n\tmovdqa %%xmm0, %%xmm8\n\t"
		     "movdqa %%xmm0, %%xmm9\n\tmovdqa %%xmm0, %%xmm10\n\t"
		     "movdqa %%xmm0, %%xmm11\n\tmovdqa %%xmm0, %%xmm12\n\t"
		     "movdqa %%xmm0, %%xmm13\n\tmovdqa %%xmm0, %%xmm14\n\t"
		     "movdqa %%xmm0, %%xmm15\n\t"
		     "fninit\n\t"
		     "fldpi\n\tfldpi\n\tfldpi\n\tfldpi\n\t"
		     "fldpi\n\tfldpi\n\tfldpi\n\tfldpi\n\t"
		     "fninit\n\t"
		     "ldmxcsr %0\n\tfldcw %1\n\t"
		     : : "m" (mx), "m" (cw)
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		       "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		       "xmm13", "xmm14", "xmm15", "memory");
}

#define XMM_LOAD(n)	"movdqa " #n "*16(%%rsi), %%xmm" #n "\n\t"
#define XMM_STORE(n)	"movdqa %%xmm" #n ", " #n "*16(%%rdi)\n\t"

/* Loads *in, survives `rounds` yields, breakpoints and ticks, stores the
 * registers to *out. */
static void
torture(const struct fpregs *in, struct fpregs *out, uint64_t rounds)
{
	register uint64_t r8 asm("r8") = rounds;
	register const volatile uint64_t *r9 asm("r9") = &UCLOCK_PAGE->ticks;

	asm volatile(XMM_LOAD(0) XMM_LOAD(1) XMM_LOAD(2) XMM_LOAD(3)
		     XMM_LOAD(4) XMM_LOAD(5) XMM_LOAD(6) XMM_LOAD(7)
		     XMM_LOAD(8) XMM_LOAD(9) XMM_LOAD(10) XMM_LOAD(11)
		     XMM_LOAD(12) XMM_LOAD(13) XMM_LOAD(14) XMM_LOAD(15)
		     "fninit\n\t"
		     "fildq 256(%%rsi)\n\tfildq 264(%%rsi)\n\t"
		     "fildq 272(%%rsi)\n\tfildq 280(%%rsi)\n\t"
		     "fildq 288(%%rsi)\n\tfildq 296(%%rsi)\n\t"
		     "fildq 304(%%rsi)\n\tfildq 312(%%rsi)\n\t"
		     "ldmxcsr 320(%%rsi)\n\tfldcw 324(%%rsi)\n"
		     "2:\n\t"
		     "movl %[yield], %%eax\n\tsyscall\n\t"
		     "int3\n\t"
		     "movq (%%r9), %%r10\n"
		     "3:\tpause\n\tcmpq (%%r9), %%r10\n\tje 3b\n\t"
		     "decq %%r8\n\tjnz 2b\n\t"
		     XMM_STORE(0) XMM_STORE(1) XMM_STORE(2) XMM_STORE(3)
		     XMM_STORE(4) XMM_STORE(5) XMM_STORE(6) XMM_STORE(7)
		     XMM_STORE(8) XMM_STORE(9) XMM_STORE(10) XMM_STORE(11)
		     XMM_STORE(12) XMM_STORE(13) XMM_STORE(14) XMM_STORE(15)
		     "fistpq 312(%%rdi)\n\tfistpq 304(%%rdi)\n\t"
		     "fistpq 296(%%rdi)\n\tfistpq 288(%%rdi)\n\t"
		     "fistpq 280(%%rdi)\n\tfistpq 272(%%rdi)\n\t"
		     "fistpq 264(%%rdi)\n\tfistpq 256(%%rdi)\n\t"
		     "stmxcsr 320(%%rdi)\n\tfnstcw 324(%%rdi)\n\t"
		     "fninit\n\tldmxcsr 328(%%rsi)\n\t"
		     : "+r" (r8)
		     : "S" (in), "D" (out), "r" (r9), [yield] "i" (SYS_yield)
		     : "rax", "rcx", "r10", "r11", "memory", "cc",
		       "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		       "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		       "xmm13", "xmm14", "xmm15");
}

static int
mismatches(const struct fpregs *in, const struct fpregs *out)
{
	int i, bad = 0;

	for (i = 0; i < 32; i++)
		bad += in->xmm[i] != out->xmm[i];
	for (i = 0; i < 8; i++)
		bad += in->st[i] != out->st[i];
	bad += (in->mxcsr & ~0x3fU) != (out->mxcsr & ~0x3fU);
	bad += (in->fcw & 0x1f3f) != (out->fcw & 0x1f3f);
	return bad;
}

/* One env's part: its own values, the torture, the check. */
static int
run(void)
{
	static struct fpregs in, out;
	uint64_t seed = (uint64_t)thisenv->id;
	int i, bad;

	for (i = 0; i < 32; i++)
		in.xmm[i] = (seed * 0x0101010101010101ULL) ^ ((uint64_t)i * 0x1111111111111111ULL);
	for (i = 0; i < 8; i++)
		in.st[i] = (int64_t)(seed * 1000 + (uint64_t)i) * (i & 1 ? -1 : 1);
	in.mxcsr = MXCSR_MINE;
	in.fcw = FCW_MINE;
	in.mxcsr_default = MXCSR_DEFAULT;
	torture(&in, &out, ROUNDS);
	bad = mismatches(&in, &out);
	if (bad == 0 && breakpoints == ROUNDS)
		cprintf("fpstate: %08x: ok, every register intact after %d rounds\n",
			thisenv->id, ROUNDS);
	else
		cprintf("fpstate: %08x: FAIL, %d registers changed, %d breakpoints\n",
			thisenv->id, bad, breakpoints);
	return bad;
}

int
main(int argc, char **argv)
{
	envid_t kids[NENVS - 1];
	int i, status, bad;

	set_exception_handler(T_BP, clobber);
	for (i = 0; i < NENVS - 1; i++) {
		if ((kids[i] = fork()) < 0)
			panic("fork: %s", errstr(kids[i]));
		if (kids[i] == 0)
			exit(run());
	}
	bad = run();
	for (i = 0; i < NENVS - 1; i++)
		if (wait(kids[i], &status) != kids[i] || status != 0)
			bad++;
	if (bad) {
		cprintf("fpstate: FAIL\n");
		return 1;
	}
	cprintf("fpstate: ok, %d envs kept their FPU/SSE state across yields, "
		"exceptions and preemption\n", NENVS);
	return tu_audit("fpstate");
}
