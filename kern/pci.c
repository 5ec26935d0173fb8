/*
 * PCI configuration space through mechanism #1 (PCI Local Bus spec 3.0,
 * 3.2.2.3.2): write the address to 0xcf8, read or write data at 0xcfc.
 * The scan walks every bus, device and function once at boot.
 */
#include "pci.h"
#include "console.h"
#include "x86.h"

#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc
#define PCI_CMD_IO	0x1
#define PCI_CMD_MEM	0x2
#define PCI_CMD_MASTER	0x4

struct pci_dev pci_devs[PCI_MAX_DEVS];
int pci_ndevs;

static uint32_t
cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, int off)
{
	return 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (off & 0xfc);
}

static uint32_t
cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, int off)
{
	outl(PCI_ADDR, cfg_addr(bus, dev, fn, off));
	return inl(PCI_DATA);
}

static void
cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, int off, uint32_t v)
{
	outl(PCI_ADDR, cfg_addr(bus, dev, fn, off));
	outl(PCI_DATA, v);
}

uint32_t
pci_read32(const struct pci_dev *d, int off)
{
	return cfg_read(d->bus, d->dev, d->fn, off);
}

void
pci_write32(const struct pci_dev *d, int off, uint32_t v)
{
	cfg_write(d->bus, d->dev, d->fn, off, v);
}

uint16_t
pci_read16(const struct pci_dev *d, int off)
{
	return (uint16_t)(pci_read32(d, off & ~3) >> ((off & 2) * 8));
}

uint8_t
pci_read8(const struct pci_dev *d, int off)
{
	return (uint8_t)(pci_read32(d, off & ~3) >> ((off & 3) * 8));
}

void
pci_write16(const struct pci_dev *d, int off, uint16_t v)
{
	uint32_t old = pci_read32(d, off & ~3);
	int shift = (off & 2) * 8;

	pci_write32(d, off & ~3, (old & ~(0xffffu << shift)) | ((uint32_t)v << shift));
}

/* Sizes BAR i by writing all ones and reading back (PCI spec 6.2.5.1),
 * restoring it after. Returns how many BAR slots it used (2 for 64-bit). */
static int
bar_decode(struct pci_dev *d, int i)
{
	int off = 0x10 + 4 * i;
	uint32_t orig = pci_read32(d, off), mask;

	pci_write32(d, off, 0xffffffff);
	mask = pci_read32(d, off);
	pci_write32(d, off, orig);
	if (orig & 1) {
		d->bar_is_io[i] = true;
		d->bar[i] = orig & ~3u;
		d->bar_size[i] = mask ? (~(mask & ~3u) + 1) & 0xffff : 0;
		return 1;
	}
	d->bar[i] = orig & ~0xfu;
	d->bar_size[i] = mask ? ~(mask & ~0xfu) + 1 : 0;
	if (((orig >> 1) & 3) == 2 && i < 5) {	/* 64-bit memory BAR */
		uint32_t hi = pci_read32(d, off + 4), hmask;
		pci_write32(d, off + 4, 0xffffffff);
		hmask = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
		d->bar[i] |= (uint64_t)hi << 32;
		uint64_t m = ((uint64_t)hmask << 32) | (mask & ~0xfu);
		d->bar_size[i] = mask ? ~m + 1 : 0;
		return 2;
	}
	return 1;
}

static const char *
class_name(uint8_t class, uint8_t sub)
{
	switch (class) {
	case 0x01: return sub == 0x01 ? "IDE controller" : "storage";
	case 0x02: return "network";
	case 0x03: return "display";
	case 0x06: return sub == 0x00 ? "host bridge" : sub == 0x01 ? "ISA bridge" : "bridge";
	default: return "other";
	}
}

static void
pci_add(uint8_t bus, uint8_t dev, uint8_t fn, uint32_t id)
{
	struct pci_dev *d;
	uint32_t cls;

	if (pci_ndevs == PCI_MAX_DEVS)
		return;
	d = &pci_devs[pci_ndevs++];
	d->bus = bus, d->dev = dev, d->fn = fn;
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	cls = cfg_read(bus, dev, fn, 0x08);
	d->class = cls >> 24, d->subclass = cls >> 16, d->progif = cls >> 8, d->revision = cls;
	d->irq_line = pci_read8(d, 0x3c);
	d->irq_pin = pci_read8(d, 0x3d);
	if ((cfg_read(bus, dev, fn, 0x0c) >> 16 & 0x7f) == 0)	/* header type 0 */
		for (int i = 0; i < 6; i += bar_decode(d, i))
			;
	cprintf("pci: %02x:%02x.%x %04x:%04x %s (class %02x.%02x)", bus, dev, fn,
		d->vendor, d->device, class_name(d->class, d->subclass), d->class, d->subclass);
	if (d->irq_pin)
		cprintf(" irq %u", d->irq_line);
	cprintf("\n");
}

/* Scans all buses; prints one line per function. */
void
pci_init(void)
{
	for (int bus = 0; bus < 256; bus++)
		for (int dev = 0; dev < 32; dev++)
			for (int fn = 0; fn < 8; fn++) {
				uint32_t id = cfg_read(bus, dev, fn, 0);
				if ((id & 0xffff) == 0xffff) {
					if (fn == 0)
						break;	/* no device here */
					continue;
				}
				pci_add(bus, dev, fn, id);
				/* single-function device: skip fns 1-7 */
				if (fn == 0 && !(cfg_read(bus, dev, 0, 0x0c) & 0x800000))
					break;
			}
}

struct pci_dev *
pci_find(uint16_t vendor, uint16_t device, const char *driver)
{
	for (int i = 0; i < pci_ndevs; i++) {
		struct pci_dev *d = &pci_devs[i];
		if (!d->driver && d->vendor == vendor && (device == 0xffff || d->device == device)) {
			d->driver = driver;
			return d;
		}
	}
	return NULL;
}

struct pci_dev *
pci_find_class(uint8_t class, uint8_t subclass, const char *driver)
{
	for (int i = 0; i < pci_ndevs; i++) {
		struct pci_dev *d = &pci_devs[i];
		if (!d->driver && d->class == class && d->subclass == subclass) {
			d->driver = driver;
			return d;
		}
	}
	return NULL;
}

void
pci_enable(struct pci_dev *d, bool bus_master)
{
	uint16_t cmd = pci_read16(d, 0x04) | PCI_CMD_IO | PCI_CMD_MEM;

	if (bus_master)
		cmd |= PCI_CMD_MASTER;
	pci_write16(d, 0x04, cmd);
}

int
pci_find_cap(const struct pci_dev *d, uint8_t id, int start)
{
	int off, guard = 48;

	if (!(pci_read16(d, 0x06) & 0x10))	/* status: capability list */
		return 0;
	off = start ? pci_read8(d, start + 1) : pci_read8(d, 0x34);
	for (; off >= 0x40 && guard--; off = pci_read8(d, off + 1)) {
		off &= 0xfc;
		if (pci_read8(d, off) == id)
			return off;
	}
	return 0;
}
