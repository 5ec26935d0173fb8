/*
 * ACPI table discovery (ACPI 6.5, ch. 5.2): the RSDP, the RSDT or XSDT,
 * and the MADT, which names the CPUs, the local APIC and the I/O APICs.
 * What the MADT says is handed to cpus[] / ncpu, lapic.c and ioapic.c.
 */
#ifndef CHITIN_KERN_ACPI_H
#define CHITIN_KERN_ACPI_H
#include "kernel.h"

void acpi_init(void);
const void *acpi_find_table(const char *sig);

#endif
