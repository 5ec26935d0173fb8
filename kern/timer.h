/*
 * Time: the TSC and local APIC timer frequencies, measured against the
 * PIT at boot, and the per-CPU periodic LAPIC timer at TIMER_HZ.
 */
#ifndef CHITIN_KERN_TIMER_H
#define CHITIN_KERN_TIMER_H
#include "kernel.h"

#ifndef TIMER_HZ
#define TIMER_HZ	100	/* conf/defaults.mk sets it through the Makefrag */
#endif

extern uint64_t tsc_hz;		/* TSC ticks per second (0 until timer_init) */
extern uint64_t lapic_bus_hz;	/* the local APIC timer's input clock */

void timer_init(void);
void timer_start_this_cpu(void);
void timer_delay_us(uint64_t us);
void check_timer(void);
void timer_oneshot_us(uint64_t us);	/* the next tick in us µs, once */

#endif
