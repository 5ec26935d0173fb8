/*
 * Kernel self-tests, chosen with test=<name> on the boot command line:
 *   exceptions   raise every exception class the CPU can raise in ring 0
 *                and check each is reported with the right vector and
 *                survived (prints "check_exceptions: ok")
 *   doublefault  a page fault on an unmapped stack: the #DF handler runs
 *                on its own IST stack, reports and panics
 *   panic        a deliberate kernel bug, so the grader can show that it
 *                reports a panic as a failure
 *   lockorder    takes two locks against their order (kern/spinlock.h):
 *                the checker panics naming both (needs LOCK_CHECK)
 *   lockdouble   takes a lock twice: the checker panics naming it
 */
#include "selftest.h"
#include "console.h"
#include "assert.h"
#include "cpu.h"
#include "trap.h"
#include "pmap.h"
#include "x86.h"
#include "string.h"
#include "spinlock.h"
#include "env.h"

extern char kern_text_start[];
static uint8_t nx_probe_code[16] = { 0xc3 };	/* `ret`, in a NX data page */

/* Probes: each raises one exception and would return normally if it did
 * not. They must not change %rsp before faulting except through push/pop
 * that the catch's restored %rsp undoes. */
static __attribute__((noinline)) void probe_de(void)
{ asm volatile("xorl %%ecx, %%ecx; movl $1, %%eax; xorl %%edx, %%edx; divl %%ecx" ::: "rax", "rcx", "rdx"); }
/* #DB: single-step (RFLAGS.TF); the trap follows the next instruction.
 * (INT1/ICEBP would be shorter but QEMU 7.2's TCG raises #UD for it.) */
static __attribute__((noinline)) void probe_db(void)
{ asm volatile("pushfq; orq $0x100, (%%rsp); popfq; nop; nop" ::: "memory", "cc"); }
static __attribute__((noinline)) void probe_nmi(void)
{ asm volatile("int $2" ::: "memory"); }
static __attribute__((noinline)) void probe_bp(void)
{ asm volatile("int3" ::: "memory"); }
static __attribute__((noinline)) void probe_of(void)
{ asm volatile("int $4" ::: "memory"); }		/* INTO is invalid in 64-bit mode */
static __attribute__((noinline)) void probe_br(void)
{ asm volatile("int $5" ::: "memory"); }		/* so is BOUND */
static __attribute__((noinline)) void probe_ud(void)
{ asm volatile("ud2" ::: "memory"); }
static __attribute__((noinline)) void probe_gp(void)
{ asm volatile("movabsq $0x8000000000000000, %%rax; movq (%%rax), %%rax" ::: "rax", "memory"); }
static __attribute__((noinline)) void probe_pf_read(void)
{ asm volatile("movq 0x1000, %%rax" ::: "rax", "memory"); }
static __attribute__((noinline)) void probe_pf_write_text(void)
{ asm volatile("movb %%al, (%0)" : : "r"(kern_text_start) : "memory"); }
static __attribute__((noinline)) void probe_pf_exec_data(void)
{ ((void (*)(void))nx_probe_code)(); }

/* #NM: an x87 instruction while CR0.TS is set. */
static __attribute__((noinline)) void
probe_nm(void)
{
	lcr0(rcr0() | CR0_TS);
	asm volatile("fninit" ::: "memory");
}

/* #NP: load %fs with a selector whose descriptor is not present. */
static __attribute__((noinline)) void
probe_np(void)
{
	this_cpu()->gdt[GD_SPARE / 8] = 0x00cf12000000ffffULL;	/* data RW, P=0 */
	asm volatile("movw %w0, %%fs" : : "r"(GD_SPARE) : "memory");
}

/* #SS: load %ss with a not-present data segment (SDM vol. 2B, MOV: "If
 * the SS register is being loaded and the segment is marked not present,
 * #SS(selector)"). The simpler non-canonical %rbp access raises #SS on
 * hardware but #GP under QEMU's TCG. */
static __attribute__((noinline)) void
probe_ss(void)
{
	this_cpu()->gdt[GD_SPARE / 8] = 0x00cf12000000ffffULL;	/* data RW, P=0 */
	asm volatile("movw %w0, %%ss" : : "r"(GD_SPARE) : "memory");
}

/* #MF: an unmasked x87 zero divide, reported at the next FWAIT (CR0.NE=1). */
static __attribute__((noinline)) void
probe_mf(void)
{
	uint16_t cw = 0x037b;	/* default 0x037f with ZM (bit 2) cleared */

	asm volatile("fninit; fldcw %0; fldz; fld1; fdivp; fwait" : : "m"(cw) : "memory");
}

struct probe {
	int vector;
	const char *what;
	void (*fn)(void);
	uint64_t err_mask, err;	/* the error code must satisfy (err & mask) == err */
};

static const struct probe probes[] = {
	{ T_DE, "divide by zero", probe_de, 0, 0 },
	{ T_DB, "single step", probe_db, 0, 0 },
	{ T_NMI, "int $2 to the NMI vector", probe_nmi, 0, 0 },
	{ T_BP, "int3", probe_bp, 0, 0 },
	{ T_OF, "int $4", probe_of, 0, 0 },
	{ T_BR, "int $5", probe_br, 0, 0 },
	{ T_UD, "ud2", probe_ud, 0, 0 },
	{ T_NM, "x87 with CR0.TS", probe_nm, 0, 0 },
	{ T_NP, "not-present segment", probe_np, ~3UL, GD_SPARE },
	{ T_SS, "not-present stack segment", probe_ss, ~3UL, GD_SPARE },
	{ T_GP, "non-canonical access", probe_gp, ~0UL, 0 },
	{ T_PF, "read of an unmapped page", probe_pf_read, 0x1f, 0x0 },
	{ T_PF, "write to kernel text (W^X)", probe_pf_write_text, 0x1f, 0x3 },
	{ T_MF, "x87 zero divide", probe_mf, 0, 0 },
};

/* Runs one probe with a catch armed; true when exactly the expected
 * vector (and error code) arrived. */
static bool
run_probe(const struct probe *p)
{
	struct trap_catch tc = { .vector = -1 };

	cprintf("selftest: raising vector %d (%s): %s\n", p->vector, trap_name(p->vector), p->what);
	if (trap_catch_arm(&tc) == 0) {
		p->fn();
		trap_catch_disarm();
		cprintf("selftest: FAILED: vector %d was not raised\n", p->vector);
		return false;
	}
	lcr0(rcr0() & ~CR0_TS);
	asm volatile("fninit");
	this_cpu()->gdt[GD_SPARE / 8] = 0;
	if (tc.caught != p->vector || (tc.err & p->err_mask) != p->err) {
		cprintf("selftest: FAILED: expected vector %d err 0x%lx, got vector %d err 0x%lx\n",
			p->vector, p->err, tc.caught, tc.err);
		return false;
	}
	return true;
}

static void
test_exceptions(void)
{
	int ok = 0, n = ARRAY_SIZE(probes);

	for (int i = 0; i < n; i++)
		ok += run_probe(&probes[i]);
	if (cpu_has_nx) {
		struct probe nxp = { T_PF, "execute from kernel data (NX)",
				     probe_pf_exec_data, 0x1f, 0x11 };
		ok += run_probe(&nxp);
		n++;
	}
	/* #BP with nobody catching it: reported, then execution continues. */
	probe_bp();
	cprintf("selftest: survived an uncaught int3\n");
	if (ok == n)
		cprintf("check_exceptions: ok, %d exceptions raised and survived\n", n);
	else
		cprintf("check_exceptions: FAILED, %d of %d\n", ok, n);
}

/* A fault with an unusable stack: delivering the #PF faults again, which
 * is a double fault, handled on the IST stack. Does not return. */
static void
test_doublefault(void)
{
	cprintf("selftest: page fault with %%rsp on an unmapped page\n");
	asm volatile("movq $0x2000, %%rsp; pushq $0" ::: "memory");
}

/* Two locks ranked like a disk queue and the page list, for the order
 * checker's tests: taking the inner one first and then the outer one is
 * the bug it exists to catch. */
static struct spinlock test_outer = SPINLOCK_INIT("selftest-outer", LOCK_RANK_DISKQ);
static struct spinlock test_inner = SPINLOCK_INIT("selftest-inner", LOCK_RANK_PAGE);

static void
test_lockorder(void)
{
	cprintf("selftest: taking selftest-inner, then selftest-outer\n");
	spin_lock(&test_inner);
	spin_lock(&test_outer);
	cprintf("selftest: lock order violation not caught\n");
	spin_unlock(&test_outer);
	spin_unlock(&test_inner);
}

/* Two env locks: in slot order they nest; the other way round is the
 * deadlock env_lock_two exists to avoid. */
static void
test_lockenvorder(void)
{
	cprintf("selftest: env locks of slots 0 then 1\n");
	env_lock(&envs[0]);
	env_lock(&envs[1]);
	env_unlock(&envs[1]);
	env_unlock(&envs[0]);
	cprintf("selftest: env locks of slots 1 then 0\n");
	env_lock(&envs[1]);
	env_lock(&envs[0]);
	cprintf("selftest: env lock order violation not caught\n");
}

static void
test_lockdouble(void)
{
	cprintf("selftest: taking selftest-outer twice\n");
	spin_lock(&test_outer);
	spin_lock(&test_outer);
	cprintf("selftest: double acquire not caught\n");
}

void
selftest_run(const char *name)
{
	if (strcmp(name, "exceptions") == 0)
		test_exceptions();
	else if (strcmp(name, "doublefault") == 0)
		test_doublefault();
	else if (strcmp(name, "panic") == 0)
		panic("deliberate panic requested by test=panic");
	else if (strcmp(name, "lockorder") == 0)
		test_lockorder();
	else if (strcmp(name, "lockdouble") == 0)
		test_lockdouble();
	else if (strcmp(name, "lockenvorder") == 0)
		test_lockenvorder();
	else
		cprintf("selftest: unknown test '%s' (known: exceptions doublefault panic "
			"lockorder lockdouble lockenvorder)\n", name);
}
