/*
 * IDE/ATA disks (kern/ide.c): the legacy channels, bus-master DMA when
 * the PCI controller has it, PIO otherwise (or with ide=pio).
 */
#ifndef CHITIN_KERN_IDE_H
#define CHITIN_KERN_IDE_H
#include "kernel.h"

void ide_init(void);	/* after pci_init: find drives, register them */

#endif
