/*
 * PCI: a scan of the configuration space (mechanism #1, ports 0xcf8/0xcfc)
 * at boot, a table of the functions found, and helpers drivers use to
 * claim a device, read its BARs and enable it.
 */
#ifndef CHITIN_KERN_PCI_H
#define CHITIN_KERN_PCI_H
#include "kernel.h"

#define PCI_MAX_DEVS	64

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, progif, revision;
	uint8_t irq_line;		/* from config space (legacy INTx routing) */
	uint8_t irq_pin;		/* 1 = INTA# ... 0 = none */
	uint64_t bar[6];		/* decoded base addresses (memory or port) */
	uint64_t bar_size[6];
	bool bar_is_io[6];
	const char *driver;		/* the driver that claimed it, or NULL */
};

extern struct pci_dev pci_devs[PCI_MAX_DEVS];
extern int pci_ndevs;

void pci_init(void);		/* scan and print what was found */
uint32_t pci_read32(const struct pci_dev *d, int off);
void pci_write32(const struct pci_dev *d, int off, uint32_t v);
uint16_t pci_read16(const struct pci_dev *d, int off);
void pci_write16(const struct pci_dev *d, int off, uint16_t v);
uint8_t pci_read8(const struct pci_dev *d, int off);
/* The next unclaimed function with this vendor/device (0xffff = any), or NULL. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, const char *driver);
struct pci_dev *pci_find_class(uint8_t class, uint8_t subclass, const char *driver);
void pci_enable(struct pci_dev *d, bool bus_master);	/* memory + I/O decode */
/* Walks the capability list; returns the offset of capability id, or 0. */
int pci_find_cap(const struct pci_dev *d, uint8_t id, int start);

#define PCI_CAP_MSI	0x05
#define PCI_CAP_VENDOR	0x09	/* virtio uses vendor-specific capabilities */
#define PCI_CAP_MSIX	0x11

#endif
