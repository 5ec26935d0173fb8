/*
 * Starting the application processors with the INIT-SIPI-SIPI sequence
 * (Intel SDM vol. 3A, 9.4.4.1), one at a time: the BSP patches the
 * trampoline (kern/mpentry.S) for one AP, starts it and waits for it to
 * set its started flag before it moves on, so the trampoline page and its
 * variables serve one AP at a time.
 */
#include "smp.h"
#include "sched.h"
#include "cpu.h"
#include "x86.h"
#include "pmap.h"
#include "lapic.h"
#include "timer.h"
#include "console.h"
#include "assert.h"
#include "string.h"

#define INIT_DELAY_US	10000	/* INIT to first SIPI (SDM 9.4.4.1) */
#define SIPI_DELAY_US	200	/* between the two SIPIs */
#define AP_START_US	1000000	/* how long an AP has to come up */

/* kern/mpentry.S: the trampoline and the variables patched into its copy */
extern uint8_t mpentry_start[], mpentry_end[];
extern uint8_t mpentry_cr3[], mpentry_stack[], mpentry_cpu[];
extern uint8_t mpentry_pml4[], mpentry_efer[];

/*
 * The trampoline's temporary page tables: the low 2 MiB 1:1 in one large
 * page, plus the kernel's half of the address space. In the kernel image,
 * which is loaded at 1 MiB, so below 4 GiB as a real-mode CR3 load needs.
 */
static uint64_t mp_pml4[512] __attribute__((aligned(PGSIZE)));
static uint64_t mp_pdpt[512] __attribute__((aligned(PGSIZE)));
static uint64_t mp_pd[512] __attribute__((aligned(PGSIZE)));

/* Where sym, a label in the trampoline, is in its copy at MPENTRY_PA. */
static void *
mpentry_var(uint8_t *sym)
{
	return (uint8_t *)KADDR(MPENTRY_PA) + (sym - mpentry_start);
}

static void
mpentry_tables(void)
{
	const uint64_t *kpml4 = KADDR(kern_pml4_pa());
	int i;

	mp_pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
	mp_pdpt[0] = PADDR(mp_pd) | PTE_P | PTE_W;
	mp_pml4[0] = PADDR(mp_pdpt) | PTE_P | PTE_W;
	for (i = 256; i < 512; i++)
		mp_pml4[i] = kpml4[i];
	assert(PADDR(mp_pml4) < 0x100000000UL);
}

/* Copy the trampoline below 1 MiB and fill in what every AP shares. */
static void
mpentry_install(void)
{
	size_t len = mpentry_end - mpentry_start;

	static_assert(MPENTRY_PA % PGSIZE == 0 && MPENTRY_PA < 0x100000,
	    "a SIPI vector names a page below 1 MiB");
	assert(len <= PGSIZE);
	mpentry_tables();
	memcpy(KADDR(MPENTRY_PA), mpentry_start, len);
	*(uint64_t *)mpentry_var(mpentry_cr3) = kern_pml4_pa();
	*(uint32_t *)mpentry_var(mpentry_pml4) = PADDR(mp_pml4);
	*(uint32_t *)mpentry_var(mpentry_efer) =
	    EFER_LME | (cpu_has_nx ? EFER_NXE : 0);
}

/* Send INIT, SIPI, SIPI and wait up to AP_START_US for c to start;
 * false if it did not. */
static bool
smp_start_ap(struct cpu *c)
{
	uint64_t t0 = rdtsc(), limit = tsc_hz / 1000000 * AP_START_US;

	*(uint64_t *)mpentry_var(mpentry_stack) =
	    (uint64_t)(c->kstack + KSTACK_SIZE);
	*(uint64_t *)mpentry_var(mpentry_cpu) = (uint64_t)c;
	lapic_send_init(c->apic_id);
	timer_delay_us(INIT_DELAY_US);
	lapic_send_sipi(c->apic_id, MPENTRY_PA);
	timer_delay_us(SIPI_DELAY_US);
	/* The second SIPI is for an AP that missed the first; one already
	 * running would ignore it anyway. */
	if (!c->started)
		lapic_send_sipi(c->apic_id, MPENTRY_PA);
	while (!c->started && rdtsc() - t0 < limit)
		cpu_relax();
	if (c->started)
		return true;
	/* Back to wait-for-SIPI, so that it cannot wake later and run on
	 * the next AP's stack. */
	lapic_send_init(c->apic_id);
	return false;
}

/*
 * Start every CPU acpi_init found. Called once on the BSP after
 * timer_init, with interrupts off; returns when each AP has come up or
 * had AP_START_US to do so. An AP that does not start is reported and
 * left out. Per-CPU stacks must be allocated.
 */
void
smp_boot(void)
{
	int i;

	cprintf("cpu%d: bsp apic %u\n", (int)(bsp - cpus), lapic_id());
	bsp->started = 1;
	if (ncpu > 1)
		mpentry_install();
	for (i = 0; i < ncpu; i++) {
		if (&cpus[i] == bsp)
			continue;
		assert(cpus[i].kstack != NULL);
		if (!smp_start_ap(&cpus[i]))
			cprintf("cpu%d: apic %u did not start\n", i,
			    cpus[i].apic_id);
	}
	cprintf("smp: %d CPUs online\n", cpus_online());
}

/*
 * An AP's first C code, on its own kernel stack with interrupts off and
 * the kernel's page tables loaded (kern/mpentry.S). Sets up the CPU, its
 * APIC and timer, tells the BSP it is up, then idles.
 */
void
ap_main(struct cpu *c)
{
	cpu_init_this(c);
	lapic_init();
	timer_start_this_cpu();
	cprintf("cpu%d: up (apic %u)\n", (int)(c - cpus), lapic_id());
	__atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
	cpu_idle();
}

volatile bool sched_running;	/* set by the BSP once init exists */

/*
 * Idle this CPU (halted, interrupts on) until the BSP starts scheduling,
 * then schedule envs here for ever.
 */
void
cpu_idle(void)
{
	for (;;) {
		if (sched_running) {
			cli();
			sched_start();
		}
		asm volatile("sti; hlt; cli" ::: "memory");
	}
}

/* How many CPUs have started, the BSP included. Safe from any CPU. */
int
cpus_online(void)
{
	int i, n = 0;

	for (i = 0; i < ncpu; i++)
		if (cpus[i].started)
			n++;
	return n;
}
