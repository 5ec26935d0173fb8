/*
 * I/O APICs (Intel 82093AA datasheet; ACPI 6.5, 5.2.12.3 and 5.2.12.5):
 * route legacy ISA IRQs and global system interrupts (GSIs) to a local
 * APIC. (The legacy 8259 PICs are masked by lapic_init.)
 */
#ifndef CHITIN_KERN_IOAPIC_H
#define CHITIN_KERN_IOAPIC_H
#include "kernel.h"

#define IOAPIC_DEFAULT_PA	0xfec00000UL
#define IOAPIC_MAX		8
#define ISA_IRQS		16

/* Flags for ioapic_route_gsi; 0 is ISA style: edge triggered, active high */
#define IOAPIC_LEVEL		0x1	/* level triggered */
#define IOAPIC_ACTIVE_LOW	0x2	/* asserted when the line is low */

int ioapic_add(uint32_t id, physaddr_t pa, uint32_t gsi_base);
void ioapic_set_isa_override(int isa_irq, uint32_t gsi, uint16_t mps_flags);
void ioapic_init(void);
int ioapic_count(void);
void ioapic_route(int isa_irq, int vector, uint32_t dest_apic);
void ioapic_mask(int isa_irq);
bool ioapic_route_gsi(uint32_t gsi, int vector, uint32_t dest_apic, int flags);
void ioapic_mask_gsi(uint32_t gsi);

#endif
