/*
 * Spin locks. Taking one disables interrupts on this CPU (nesting counted
 * per CPU) so an interrupt handler never spins on a lock its own CPU holds.
 */
#ifndef CHITIN_KERN_SPINLOCK_H
#define CHITIN_KERN_SPINLOCK_H
#include "kernel.h"

struct cpu;

struct spinlock {
	volatile uint32_t locked;	/* 0 free, 1 held */
	const char *name;		/* for diagnostics */
	struct cpu *holder;		/* the CPU holding it */
};

#define SPINLOCK_INIT(n)	{ 0, (n), NULL }

void spin_init(struct spinlock *lk, const char *name);
void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);
bool spin_holding(struct spinlock *lk);
void irq_save_disable(void);	/* nesting cli */
void irq_restore(void);		/* matching sti when the count drops to 0 */

#endif
