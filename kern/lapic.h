/*
 * The local APIC in xAPIC (MMIO) mode (Intel SDM vol. 3A, ch. 11 in the
 * current numbering, ch. 10 in older editions): per-CPU interrupt
 * acceptance, EOI, inter-processor interrupts and the APIC timer.
 */
#ifndef CHITIN_KERN_LAPIC_H
#define CHITIN_KERN_LAPIC_H
#include "kernel.h"

#define LAPIC_DEFAULT_PA	0xfee00000UL	/* architectural reset value */
#define LAPIC_TIMER_DIV		16		/* the timer counts bus clocks / 16 */

void lapic_set_base(physaddr_t pa);
void lapic_init(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, int vector);
void lapic_send_nmi_all_but_self(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, physaddr_t entry_pa);

/* The timer, for timer.c: counts down at the bus clock / LAPIC_TIMER_DIV. */
void lapic_timer_start(int vector, uint32_t count, bool periodic);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);

#endif
