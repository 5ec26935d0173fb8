/*
 * The local APIC, xAPIC mode: registers are 32-bit, 16-byte aligned, in
 * one uncached page at the APIC base (Intel SDM vol. 3A, 11.4.1, table
 * 11-1). Every CPU sees its own APIC at the same physical address, so one
 * mapping serves all of them.
 */
#include "lapic.h"
#include "x86.h"
#include "trap.h"
#include "pmap.h"
#include "console.h"
#include "assert.h"
#include "spinlock.h"

/* Register offsets (SDM vol. 3A, table 11-1) */
#define LAPIC_ID	0x020
#define LAPIC_VER	0x030
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_THERM	0x330
#define LAPIC_LVT_PMC	0x340
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERR	0x370
#define LAPIC_TIMER_ICR	0x380	/* initial count */
#define LAPIC_TIMER_CCR	0x390	/* current count */
#define LAPIC_TIMER_DCR	0x3e0	/* divide configuration */

/* Spurious-interrupt vector register (SDM 11.9) */
#define SVR_ENABLE	(1U << 8)	/* APIC software enable */

/* LVT entries (SDM 11.5.1, figure 11-8) */
#define LVT_NMI		(4U << 8)	/* delivery mode NMI */
#define LVT_MASKED	(1U << 16)
#define LVT_PERIODIC	(1U << 17)	/* timer mode 01b */

/* Interrupt command register (SDM 11.6.1, figure 11-12) */
#define ICR_FIXED	(0U << 8)
#define ICR_NMI		(4U << 8)
#define ICR_INIT	(5U << 8)
#define ICR_STARTUP	(6U << 8)
#define ICR_BUSY	(1U << 12)	/* delivery status: send pending */
#define ICR_ASSERT	(1U << 14)
#define ICR_ALL_BUT_SELF (3U << 18)	/* destination shorthand 11b */
#define ICR_DEST_SHIFT	24		/* in ICR_HI */

/* Divide configuration: bits 3,1:0 = 0011b divides by 16 (SDM 11.5.4) */
#define DCR_DIV16	0x3

/* IA32_APIC_BASE (SDM 11.4.4, figure 11-5) */
#define APIC_BASE_BSP	(1UL << 8)
#define APIC_BASE_EXTD	(1UL << 10)	/* x2APIC mode */
#define APIC_BASE_EN	(1UL << 11)	/* APIC global enable */

#define ICR_SPIN_MAX	1000000		/* polls of the busy bit before giving up */

/* The legacy 8259 PICs' interrupt mask registers */
#define PIC1_DATA	0x21
#define PIC2_DATA	0xa1

static physaddr_t lapic_pa = LAPIC_DEFAULT_PA;
static volatile uint32_t *lapic;	/* the mapped register page */

static inline uint32_t
lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}

static inline void
lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

/*
 * Use the local APIC at physical address pa (from the MADT) instead of
 * the default. Called by acpi_init on the BSP before lapic_init.
 */
void
lapic_set_base(physaddr_t pa)
{
	assert(lapic == NULL);
	lapic_pa = pa;
}

/*
 * Put this CPU's APIC in xAPIC mode with the global enable set. Firmware
 * that left x2APIC on must be undone through the disabled state: the
 * x2APIC -> xAPIC transition is illegal (SDM 11.12.5, figure 11-27).
 */
static void
lapic_enable_xapic(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (base & APIC_BASE_EXTD) {
		base &= ~(APIC_BASE_EXTD | APIC_BASE_EN);
		wrmsr(MSR_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_EN))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
}

/* Map the register page, once, on the BSP. */
static void
lapic_map(void)
{
	uint32_t edx;

	cpuid(1, 0, NULL, NULL, NULL, &edx);
	if (!(edx & (1U << 9)))
		panic("lapic: this CPU has no local APIC (CPUID.1:EDX[9])");
	lapic = mmio_map(lapic_pa, PGSIZE);
}

/*
 * Mask both 8259 PICs so that they never deliver: the I/O APIC does. The
 * firmware leaves them live on the BSP's LINT0 (ExtINT), so this happens
 * while LINT0 still listens: the PIC then withdraws a request it may be
 * raising, which it could not do once LINT0 is masked (QEMU keeps such a
 * request latched and delivers a bogus vector at the first sti).
 */
static void
pic_disable(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

/*
 * Set up this CPU's local APIC: software-enable it with T_SPURIOUS as the
 * spurious vector, accept every priority (TPR 0), mask every local
 * interrupt source except LINT1 on the BSP, wired to NMI on PC systems
 * (MP spec 1.4, 5.1), and clear stale errors. On the BSP it first masks
 * the 8259 PICs (see pic_disable). The timer stays masked
 * until timer.c starts it. Called once per CPU with interrupts off; the
 * BSP's call must come first (it maps the registers).
 */
void
lapic_init(void)
{
	uint32_t maxlvt;
	bool is_bsp = rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP;

	if (lapic == NULL)
		lapic_map();
	if (is_bsp)
		pic_disable();
	lapic_enable_xapic();

	lapic_write(LAPIC_SVR, SVR_ENABLE | T_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	/* LINT0 is ExtINT from the 8259s, which stay masked: the IOAPIC
	 * delivers instead. */
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, is_bsp ? LVT_NMI : LVT_MASKED);
	lapic_write(LAPIC_LVT_ERR, LVT_MASKED);
	/* Max LVT entry (SDM 11.4.8): PMC exists from 4, thermal from 5 */
	maxlvt = (lapic_read(LAPIC_VER) >> 16) & 0xff;
	if (maxlvt >= 4)
		lapic_write(LAPIC_LVT_PMC, LVT_MASKED);
	if (maxlvt >= 5)
		lapic_write(LAPIC_LVT_THERM, LVT_MASKED);

	/* The ESR is written before it is read (SDM 11.5.3); twice clears
	 * errors latched before this point. */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_eoi();
}

/*
 * This CPU's local APIC id. Before the APIC is mapped, the initial APIC
 * id from CPUID.1:EBX[31:24], which is the same in xAPIC mode.
 */
uint32_t
lapic_id(void)
{
	uint32_t ebx;

	if (lapic == NULL) {
		cpuid(1, 0, NULL, &ebx, NULL, NULL);
		return ebx >> 24;
	}
	return lapic_read(LAPIC_ID) >> 24;
}

/*
 * Signal the end of the interrupt being serviced (SDM 11.8.5). Every
 * handler of a LAPIC- or IOAPIC-delivered vector calls it, except for the
 * spurious vector.
 */
void
lapic_eoi(void)
{
	if (lapic)
		lapic_write(LAPIC_EOI, 0);
}

/* Wait for the previous IPI to leave; false if it never does. */
static bool
lapic_icr_wait(void)
{
	int i;

	for (i = 0; i < ICR_SPIN_MAX; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_BUSY))
			return true;
		cpu_relax();
	}
	return false;
}

/* Issue one IPI: the high half first, since writing the low half sends. */
static void
lapic_icr_send(uint32_t apic_id, uint32_t lo)
{
	irq_save_disable();
	if (!lapic_icr_wait())
		cprintf("lapic: ICR stuck busy on apic %u\n", lapic_id());
	lapic_write(LAPIC_ICR_HI, apic_id << ICR_DEST_SHIFT);
	lapic_write(LAPIC_ICR_LO, lo);
	lapic_icr_wait();
	irq_restore();
}

/*
 * Send a fixed, edge-triggered interrupt at vector to the CPU whose local
 * APIC id is apic_id (physical destination mode). Safe from any CPU.
 */
void
lapic_send_ipi(uint32_t apic_id, int vector)
{
	lapic_icr_send(apic_id, ICR_FIXED | ICR_ASSERT | (vector & 0xff));
}

/*
 * Send an NMI to every CPU but this one (shorthand "all excluding self",
 * SDM 11.6.1): panic uses it to stop the others. Touches no lock and
 * waits a bounded time, so it is safe from any context; a no-op before
 * the BSP's lapic_init.
 */
void
lapic_send_nmi_all_but_self(void)
{
	int i;

	if (lapic == NULL)
		return;
	for (i = 0; i < ICR_SPIN_MAX && (lapic_read(LAPIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

/*
 * Send an INIT IPI to apic_id: the target resets and waits for a SIPI
 * (SDM 9.4.4.1). Edge-triggered assert only; the level de-assert IPI is
 * for the 82489DX and ignored by later processors (SDM 11.6.1).
 */
void
lapic_send_init(uint32_t apic_id)
{
	lapic_icr_send(apic_id, ICR_INIT | ICR_ASSERT);
}

/*
 * Send a start-up IPI to apic_id: it begins in real mode at entry_pa,
 * which must be page-aligned and below 1 MiB (SDM 9.4.4.1, 11.6.1).
 */
void
lapic_send_sipi(uint32_t apic_id, physaddr_t entry_pa)
{
	assert(entry_pa < 0x100000 && entry_pa % PGSIZE == 0);
	lapic_icr_send(apic_id, ICR_STARTUP | ICR_ASSERT | (entry_pa >> PGSHIFT));
}

/*
 * Start this CPU's APIC timer: raise vector after count ticks of the bus
 * clock / LAPIC_TIMER_DIV, once or every count ticks (SDM 11.5.4). A
 * negative vector leaves the timer masked (for calibration by reading
 * the current count).
 */
void
lapic_timer_start(int vector, uint32_t count, bool periodic)
{
	uint32_t lvt = vector < 0 ? LVT_MASKED : (uint32_t)vector;

	if (periodic)
		lvt |= LVT_PERIODIC;
	lapic_write(LAPIC_TIMER_DCR, DCR_DIV16);
	lapic_write(LAPIC_LVT_TIMER, lvt);
	lapic_write(LAPIC_TIMER_ICR, count);
}

/* Stop this CPU's APIC timer: an initial count of 0 stops it (SDM 11.5.4). */
void
lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0);
}

/* The current count of this CPU's APIC timer. */
uint32_t
lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CCR);
}
