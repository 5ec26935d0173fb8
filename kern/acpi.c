/*
 * ACPI: find the RSDP in the BIOS areas, walk the RSDT or XSDT, and read
 * the MADT (ACPI 6.5, 5.2). Tables are read in place through the direct
 * map (or an MMIO window for tables outside it); every table's length and
 * checksum are checked before it is used.
 *
 * What the MADT says goes to cpus[].apic_id and ncpu (the BSP keeps its
 * own slot; the others follow in MADT order), lapic_set_base and
 * ioapic_add / ioapic_set_isa_override. Without ACPI: one CPU and the
 * default APIC addresses.
 */
#include "acpi.h"
#include "cpu.h"
#include "pmap.h"
#include "lapic.h"
#include "ioapic.h"
#include "console.h"
#include "string.h"

/* Root System Description Pointer (5.2.5.3) */
struct acpi_rsdp {
	char sig[8];			/* "RSD PTR " */
	uint8_t checksum;		/* of the first 20 bytes */
	char oem[6];
	uint8_t rev;			/* 0: ACPI 1.0; 2: 2.0 and later */
	uint32_t rsdt_pa;
	uint32_t length;		/* rev >= 2 only, from here on */
	uint64_t xsdt_pa;
	uint8_t xchecksum;		/* of all length bytes */
	uint8_t reserved[3];
} __attribute__((packed));

#define RSDP_V1_LEN	20

/* System Description Table header (5.2.6) */
struct acpi_sdt {
	char sig[4];
	uint32_t length;		/* of the whole table, header included */
	uint8_t rev;
	uint8_t checksum;		/* all length bytes sum to 0 */
	char oem[6];
	char oem_table[8];
	uint32_t oem_rev;
	uint32_t creator;
	uint32_t creator_rev;
} __attribute__((packed));

/* Multiple APIC Description Table (5.2.12) */
struct acpi_madt {
	struct acpi_sdt h;		/* "APIC" */
	uint32_t lapic_pa;
	uint32_t flags;
	uint8_t entries[];		/* interrupt controller structures */
} __attribute__((packed));

enum madt_type {
	MADT_LAPIC = 0,			/* 5.2.12.2 */
	MADT_IOAPIC = 1,		/* 5.2.12.3 */
	MADT_ISO = 2,			/* interrupt source override, 5.2.12.5 */
	MADT_LAPIC_PA = 5,		/* local APIC address override, 5.2.12.8 */
	MADT_X2APIC = 9,		/* 5.2.12.12 */
};

struct madt_lapic {
	uint8_t type, len;
	uint8_t uid;			/* ACPI processor UID */
	uint8_t apic_id;
	uint32_t flags;			/* MADT_CPU_ENABLED */
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, len;
	uint8_t id;
	uint8_t reserved;
	uint32_t pa;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_iso {
	uint8_t type, len;
	uint8_t bus;			/* 0: ISA */
	uint8_t source;			/* the ISA IRQ */
	uint32_t gsi;
	uint16_t flags;			/* MPS INTI flags */
} __attribute__((packed));

struct madt_lapic_pa {
	uint8_t type, len;
	uint16_t reserved;
	uint64_t pa;
} __attribute__((packed));

struct madt_x2apic {
	uint8_t type, len;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;			/* MADT_CPU_ENABLED */
	uint32_t uid;
} __attribute__((packed));

/* Processor flags (5.2.12.2): bit 1, "online capable", names CPUs that
 * may be hot-added later; only enabled ones are started. */
#define MADT_CPU_ENABLED	0x1

#define XAPIC_MAX_ID	0xfe	/* 0xff is the broadcast id in xAPIC mode */
#define ACPI_TABLE_MAX	(1U << 20)	/* sanity bound on a table's length */
#define BDA_EBDA_SEG	0x40e	/* BIOS data area: EBDA segment (5.2.5.1) */
#define ACPI_PA_LIMIT	(1UL << 52)

/* The root table, once acpi_init has validated it */
static const struct acpi_sdt *acpi_root;
static bool acpi_root_is_xsdt;

/* What the MADT walk found, before it is committed to cpus[] */
static struct {
	uint32_t apic_id[NCPU_MAX];
	int n;				/* kept in apic_id[] */
	int enabled;			/* all enabled CPUs seen */
	int unreachable;		/* x2APIC ids xAPIC mode cannot address */
	physaddr_t lapic_pa;
	int nisa;			/* ISA overrides */
	char ioapics[96];		/* "IOAPIC <pa> gsi <a>-<b>, ..." for the log */
	size_t ioapics_len;
} madt;

static uint8_t
acpi_sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

/* A pointer to the len bytes at pa: through the direct map where it
 * reaches, else through an uncached MMIO window (firmware may keep tables
 * in reserved memory above the highest RAM). NULL for an address no CPU
 * can have (MAXPHYADDR is at most 52, SDM vol. 3A, 4.1.4). */
static const void *
acpi_map(physaddr_t pa, size_t len)
{
	if (pa == 0 || pa >= ACPI_PA_LIMIT || len > ACPI_PA_LIMIT - pa)
		return NULL;
	if (pa + len <= pmap_phys_top)
		return KADDR(pa);
	return mmio_map(pa, len);
}

static const struct acpi_rsdp *
rsdp_check(physaddr_t pa)
{
	const struct acpi_rsdp *r = KADDR(pa);

	if (memcmp(r->sig, "RSD PTR ", 8) != 0 || acpi_sum(r, RSDP_V1_LEN))
		return NULL;
	if (r->rev >= 2 && (r->length < sizeof(*r) || r->length > PGSIZE ||
	    acpi_sum(r, r->length)))
		return NULL;
	return r;
}

/* The RSDP is on a 16-byte boundary in the first KiB of the EBDA or in
 * the BIOS area 0xe0000-0xfffff (5.2.5.1). */
static const struct acpi_rsdp *
rsdp_scan(physaddr_t pa, size_t len)
{
	const struct acpi_rsdp *r;
	physaddr_t p;

	for (p = pa; p + sizeof(*r) <= pa + len; p += 16)
		if ((r = rsdp_check(p)) != NULL)
			return r;
	return NULL;
}

static const struct acpi_rsdp *
rsdp_find(void)
{
	const struct acpi_rsdp *r = NULL;
	physaddr_t ebda = (physaddr_t)*(volatile uint16_t *)KADDR(BDA_EBDA_SEG) << 4;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = rsdp_scan(ebda, 1024);
	if (r == NULL)
		r = rsdp_scan(0xe0000, 0x20000);
	return r;
}

/* The table at pa if its length is sane and its checksum holds, else
 * NULL. */
static const struct acpi_sdt *
sdt_at(physaddr_t pa)
{
	const struct acpi_sdt *h = acpi_map(pa, sizeof(*h));
	uint32_t len;

	if (h == NULL)
		return NULL;
	len = h->length;
	if (len < sizeof(*h) || len > ACPI_TABLE_MAX)
		return NULL;
	h = acpi_map(pa, len);
	if (h == NULL || acpi_sum(h, len))
		return NULL;
	return h;
}

/* The XSDT when the RSDP is ACPI 2.0+ and it is valid, else the RSDT. */
static void
acpi_find_root(const struct acpi_rsdp *r)
{
	const struct acpi_sdt *h;

	if (r->rev >= 2 && r->xsdt_pa &&
	    (h = sdt_at(r->xsdt_pa)) && memcmp(h->sig, "XSDT", 4) == 0) {
		acpi_root = h;
		acpi_root_is_xsdt = true;
		return;
	}
	if ((h = sdt_at(r->rsdt_pa)) && memcmp(h->sig, "RSDT", 4) == 0)
		acpi_root = h;
}

/*
 * The first valid table with signature sig (4 characters) that the root
 * table lists, or NULL: no ACPI, no such table, or a bad checksum. The
 * result stays valid (mapped) for good.
 */
const void *
acpi_find_table(const char *sig)
{
	const uint8_t *ent;
	const struct acpi_sdt *h;
	size_t esz, n, i;
	uint64_t pa;

	if (acpi_root == NULL)
		return NULL;
	esz = acpi_root_is_xsdt ? 8 : 4;
	n = (acpi_root->length - sizeof(*acpi_root)) / esz;
	ent = (const uint8_t *)(acpi_root + 1);
	for (i = 0; i < n; i++) {
		pa = 0;
		memcpy(&pa, ent + i * esz, esz);	/* XSDT entries are unaligned */
		h = sdt_at(pa);
		if (h && memcmp(h->sig, sig, 4) == 0)
			return h;
	}
	return NULL;
}

static void
madt_cpu(uint32_t apic_id, uint32_t flags)
{
	int i;

	if (!(flags & MADT_CPU_ENABLED))
		return;
	for (i = 0; i < madt.n; i++)
		if (madt.apic_id[i] == apic_id)
			return;		/* listed as both xAPIC and x2APIC */
	if (apic_id > XAPIC_MAX_ID) {
		madt.unreachable++;
		return;
	}
	madt.enabled++;
	if (madt.n < NCPU_MAX)
		madt.apic_id[madt.n++] = apic_id;
}

static void
madt_ioapic(const struct madt_ioapic *e)
{
	int pins = ioapic_add(e->id, e->pa, e->gsi_base);
	size_t room = sizeof(madt.ioapics) - madt.ioapics_len;

	if (pins < 0) {
		cprintf("acpi: IOAPIC 0x%x ignored: more than %d\n",
		    e->pa, IOAPIC_MAX);
		return;
	}
	madt.ioapics_len += snprintf(madt.ioapics + madt.ioapics_len, room,
	    ", IOAPIC 0x%x gsi %u-%u", e->pa, e->gsi_base,
	    e->gsi_base + pins - 1);
	madt.ioapics_len = MIN(madt.ioapics_len, sizeof(madt.ioapics) - 1);
}

static void
madt_iso(const struct madt_iso *e)
{
	if (e->bus != 0 || e->source >= ISA_IRQS)
		return;
	ioapic_set_isa_override(e->source, e->gsi, e->flags);
	madt.nisa++;
}

/* One interrupt controller structure; unknown types are skipped. */
static void
madt_entry(const uint8_t *p)
{
	switch (p[0]) {
	case MADT_LAPIC:
		if (p[1] >= sizeof(struct madt_lapic))
			madt_cpu(((const struct madt_lapic *)p)->apic_id,
			    ((const struct madt_lapic *)p)->flags);
		break;
	case MADT_X2APIC:
		if (p[1] >= sizeof(struct madt_x2apic))
			madt_cpu(((const struct madt_x2apic *)p)->x2apic_id,
			    ((const struct madt_x2apic *)p)->flags);
		break;
	case MADT_IOAPIC:
		if (p[1] >= sizeof(struct madt_ioapic))
			madt_ioapic((const struct madt_ioapic *)p);
		break;
	case MADT_ISO:
		if (p[1] >= sizeof(struct madt_iso))
			madt_iso((const struct madt_iso *)p);
		break;
	case MADT_LAPIC_PA:
		if (p[1] >= sizeof(struct madt_lapic_pa))
			madt.lapic_pa = ((const struct madt_lapic_pa *)p)->pa;
		break;
	}
}

static void
madt_parse(const struct acpi_madt *m)
{
	const uint8_t *p = m->entries;
	const uint8_t *end = (const uint8_t *)m + m->h.length;

	madt.lapic_pa = m->lapic_pa;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		madt_entry(p);
		p += p[1];
	}
}

/*
 * Fill cpus[].apic_id: the BSP keeps the slot the lead gave it (bsp), the
 * others take the remaining slots in MADT order. The BSP is always in,
 * even if the MADT left it out or listed it past NCPU_MAX.
 */
static void
madt_commit_cpus(void)
{
	uint32_t self = lapic_id();
	int i, slot = 0, bsp_slot = bsp - cpus;

	cpus[bsp_slot].apic_id = self;
	for (i = 0; i < madt.n && slot < NCPU_MAX; i++) {
		if (madt.apic_id[i] == self)
			continue;
		if (slot == bsp_slot)
			slot++;
		if (slot >= NCPU_MAX)
			break;
		cpus[slot++].apic_id = madt.apic_id[i];
	}
	ncpu = MAX(slot, bsp_slot + 1);
}

static void
acpi_defaults(const char *why)
{
	cprintf("acpi: %s; assuming 1 CPU, LAPIC 0x%lx, IOAPIC 0x%lx\n", why,
	    LAPIC_DEFAULT_PA, IOAPIC_DEFAULT_PA);
	cpus[bsp - cpus].apic_id = lapic_id();
	ncpu = bsp - cpus + 1;
	lapic_set_base(LAPIC_DEFAULT_PA);
	ioapic_add(0, IOAPIC_DEFAULT_PA, 0);
}

static void
acpi_report(const struct acpi_rsdp *r)
{
	cprintf("acpi: RSDP 0x%lx rev %u (%s), MADT: %d CPUs, LAPIC 0x%lx%s, "
	    "%d ISA overrides\n", PADDR(r), r->rev,
	    acpi_root_is_xsdt ? "XSDT" : "RSDT", ncpu, madt.lapic_pa,
	    madt.ioapics, madt.nisa);
	if (madt.enabled > ncpu)
		cprintf("acpi: %d CPUs enabled, using %d (NCPU_MAX)\n",
		    madt.enabled, ncpu);
	if (madt.unreachable)
		cprintf("acpi: %d CPUs with x2APIC ids > %d left out (xAPIC mode)\n",
		    madt.unreachable, XAPIC_MAX_ID);
}

/*
 * Find the CPUs, the local APIC and the I/O APICs (see the top of this
 * file). Called once on the BSP after pmap_init and cpu_init_this(bsp),
 * before lapic_init and ioapic_init. Never fails: without a usable RSDP
 * or MADT it falls back to one CPU and the default addresses.
 */
void
acpi_init(void)
{
	const struct acpi_rsdp *r = rsdp_find();
	const struct acpi_madt *m = NULL;

	if (r != NULL) {
		acpi_find_root(r);
		m = acpi_find_table("APIC");
	}
	if (m == NULL || m->h.length < sizeof(*m)) {
		acpi_defaults(r == NULL ? "no RSDP" :
		    acpi_root == NULL ? "no valid RSDT/XSDT" : "no valid MADT");
		return;
	}
	madt_parse(m);
	if (madt.lapic_pa == 0)
		madt.lapic_pa = LAPIC_DEFAULT_PA;
	lapic_set_base(madt.lapic_pa);
	madt_commit_cpus();
	acpi_report(r);
}
