/*
 * Starting the application processors (Intel SDM vol. 3A, 9.4: the MP
 * initialization protocol) and the idle loop they run.
 *
 * Usable from assembly (kern/mpentry.S) for the constants only.
 */
#ifndef CHITIN_KERN_SMP_H
#define CHITIN_KERN_SMP_H

/* Where the AP trampoline is copied: a SIPI starts an AP in real mode at
 * vector << 12, so the page must be below 1 MiB; the page allocator hands
 * out nothing below 1 MiB, and the loader's use of it is over by then. */
#define MPENTRY_PA	0x8000

#ifndef __ASSEMBLER__
#include "kernel.h"

struct cpu;

void smp_boot(void);
void ap_main(struct cpu *c) __attribute__((noreturn));
void cpu_idle(void) __attribute__((noreturn));
extern volatile bool sched_running;
#endif

#endif
