/*
 * I/O APICs. Each has an index register (IOREGSEL) and a data window
 * (IOWIN) in one uncached page, and one 64-bit redirection entry per pin
 * (Intel 82093AA I/O APIC datasheet, 3.1 and 3.2.4). A pin is named by
 * its global system interrupt number: the IOAPIC's GSI base plus the pin
 * (ACPI 6.5, 5.2.13).
 */
#include "ioapic.h"
#include "pmap.h"
#include "console.h"
#include "assert.h"
#include "spinlock.h"

#define IOREGSEL	(0x00 / 4)
#define IOWIN		(0x10 / 4)

/* Registers reached through IOREGSEL (datasheet 3.2) */
#define IOAPIC_REG_ID	0x00
#define IOAPIC_REG_VER	0x01	/* bits 23:16: highest redirection entry */
#define IOAPIC_REG_RED	0x10	/* entry n: low at 0x10+2n, high at 0x11+2n */

/* Redirection entry, low dword (datasheet 3.2.4) */
#define RED_POLARITY_LOW (1U << 13)
#define RED_LEVEL	(1U << 15)
#define RED_MASKED	(1U << 16)
#define RED_DEST_SHIFT	24	/* high dword: destination APIC id */

/* MPS INTI flags of an interrupt source override (ACPI 6.5, 5.2.12.5):
 * 00b in either field means "conforms to the bus", for ISA active high
 * and edge triggered. */
#define MPS_POLARITY_MASK	0x3
#define MPS_POLARITY_LOW	0x3
#define MPS_TRIGGER_MASK	0xc
#define MPS_TRIGGER_LEVEL	0xc

struct ioapic {
	volatile uint32_t *regs;	/* the mapped register page */
	physaddr_t pa;
	uint32_t id;			/* its I/O APIC id */
	uint32_t gsi_base;		/* GSI of pin 0 */
	uint32_t npins;
};

struct isa_route {
	bool overridden;		/* set by the MADT; else GSI = IRQ */
	uint32_t gsi;
	uint16_t mps_flags;
};

/* Filled by acpi_init on the BSP before anything is routed; then
 * read-only. */
static struct ioapic ioapics[IOAPIC_MAX];
static int nioapic;
static struct isa_route isa_routes[ISA_IRQS];

/* Serializes the IOREGSEL/IOWIN pairs. */
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic", LOCK_RANK_IOAPIC);

static uint32_t
ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL] = reg;
	return io->regs[IOWIN];
}

static void
ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL] = reg;
	io->regs[IOWIN] = v;
}

/*
 * Register the I/O APIC with id id at physical address pa, whose pin 0 is
 * gsi_base. Maps it and returns its number of pins; -1 if IOAPIC_MAX are
 * already registered. Called by acpi_init on the BSP only.
 */
int
ioapic_add(uint32_t id, physaddr_t pa, uint32_t gsi_base)
{
	struct ioapic *io;

	if (nioapic == IOAPIC_MAX)
		return -1;
	io = &ioapics[nioapic++];
	io->regs = mmio_map(pa, PGSIZE);
	io->pa = pa;
	io->id = id;
	io->gsi_base = gsi_base;
	io->npins = ((ioapic_read(io, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
	return io->npins;
}

/*
 * Record that ISA IRQ isa_irq arrives at GSI gsi with the polarity and
 * trigger mode in mps_flags (an MADT interrupt source override, ACPI 6.5,
 * 5.2.12.5). Called by acpi_init before ioapic_route.
 */
void
ioapic_set_isa_override(int isa_irq, uint32_t gsi, uint16_t mps_flags)
{
	assert(isa_irq >= 0 && isa_irq < ISA_IRQS);
	isa_routes[isa_irq].overridden = true;
	isa_routes[isa_irq].gsi = gsi;
	isa_routes[isa_irq].mps_flags = mps_flags;
}

/* How many I/O APICs acpi_init registered. */
int
ioapic_count(void)
{
	return nioapic;
}

static struct ioapic *
ioapic_of_gsi(uint32_t gsi)
{
	int i;

	for (i = 0; i < nioapic; i++)
		if (gsi >= ioapics[i].gsi_base &&
		    gsi < ioapics[i].gsi_base + ioapics[i].npins)
			return &ioapics[i];
	return NULL;
}

static void
ioapic_mask_pin(struct ioapic *io, uint32_t pin)
{
	ioapic_write(io, IOAPIC_REG_RED + 2 * pin, RED_MASKED);
	ioapic_write(io, IOAPIC_REG_RED + 2 * pin + 1, 0);
}

/*
 * Mask every pin of every I/O APIC. (The 8259 PICs are masked earlier,
 * by the BSP's lapic_init.) Called once on the BSP after acpi_init, with
 * interrupts off.
 */
void
ioapic_init(void)
{
	uint32_t pin;
	int i;

	if (nioapic == 0) {
		cprintf("ioapic: none registered, assuming one at 0x%lx\n",
		    IOAPIC_DEFAULT_PA);
		ioapic_add(0, IOAPIC_DEFAULT_PA, 0);
	}
	for (i = 0; i < nioapic; i++)
		for (pin = 0; pin < ioapics[i].npins; pin++)
			ioapic_mask_pin(&ioapics[i], pin);
}

/*
 * Deliver GSI gsi as a fixed interrupt at vector to the local APIC
 * dest_apic (physical destination mode), with IOAPIC_LEVEL and
 * IOAPIC_ACTIVE_LOW in flags, and unmask it. Returns false, changing
 * nothing, if no I/O APIC has that GSI. Safe from any CPU.
 */
bool
ioapic_route_gsi(uint32_t gsi, int vector, uint32_t dest_apic, int flags)
{
	struct ioapic *io = ioapic_of_gsi(gsi);
	uint32_t pin, lo = vector & 0xff;

	if (io == NULL)
		return false;
	if (flags & IOAPIC_LEVEL)
		lo |= RED_LEVEL;
	if (flags & IOAPIC_ACTIVE_LOW)
		lo |= RED_POLARITY_LOW;
	pin = gsi - io->gsi_base;
	spin_lock(&ioapic_lock);
	/* Masked while the destination changes, unmasked last. */
	ioapic_write(io, IOAPIC_REG_RED + 2 * pin, RED_MASKED);
	ioapic_write(io, IOAPIC_REG_RED + 2 * pin + 1, dest_apic << RED_DEST_SHIFT);
	ioapic_write(io, IOAPIC_REG_RED + 2 * pin, lo);
	spin_unlock(&ioapic_lock);
	return true;
}

/* Mask GSI gsi; a no-op if no I/O APIC has it. Safe from any CPU. */
void
ioapic_mask_gsi(uint32_t gsi)
{
	struct ioapic *io = ioapic_of_gsi(gsi);

	if (io == NULL)
		return;
	spin_lock(&ioapic_lock);
	ioapic_mask_pin(io, gsi - io->gsi_base);
	spin_unlock(&ioapic_lock);
}

/* The GSI and IOAPIC_* flags of ISA IRQ irq, after the MADT overrides. */
static uint32_t
isa_gsi(int irq, int *flags)
{
	struct isa_route *r = &isa_routes[irq];

	*flags = 0;
	if (!r->overridden)
		return irq;
	if ((r->mps_flags & MPS_TRIGGER_MASK) == MPS_TRIGGER_LEVEL)
		*flags |= IOAPIC_LEVEL;
	if ((r->mps_flags & MPS_POLARITY_MASK) == MPS_POLARITY_LOW)
		*flags |= IOAPIC_ACTIVE_LOW;
	return r->gsi;
}

/*
 * Deliver ISA IRQ isa_irq (0-15) at vector to the local APIC dest_apic
 * and unmask it, following the MADT's interrupt source overrides (the PIT
 * on IRQ 0 is usually GSI 2). A bad IRQ or an unrouted GSI is reported
 * and ignored. Safe from any CPU.
 */
void
ioapic_route(int isa_irq, int vector, uint32_t dest_apic)
{
	uint32_t gsi;
	int flags;

	if (isa_irq < 0 || isa_irq >= ISA_IRQS) {
		cprintf("ioapic: no ISA IRQ %d\n", isa_irq);
		return;
	}
	gsi = isa_gsi(isa_irq, &flags);
	if (!ioapic_route_gsi(gsi, vector, dest_apic, flags))
		cprintf("ioapic: IRQ %d -> GSI %u: no I/O APIC has it\n",
		    isa_irq, gsi);
}

/* Mask ISA IRQ isa_irq (0-15); others are ignored. Safe from any CPU. */
void
ioapic_mask(int isa_irq)
{
	int flags;

	if (isa_irq >= 0 && isa_irq < ISA_IRQS)
		ioapic_mask_gsi(isa_gsi(isa_irq, &flags));
}
