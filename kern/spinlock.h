/*
 * Spin locks. Taking one disables interrupts on this CPU (nesting counted
 * per CPU) so an interrupt handler never spins on a lock its own CPU holds.
 *
 * Lock order. Every lock has a rank; a CPU takes locks in increasing rank
 * only (outermost first):
 *
 *   10 LOCK_RANK_KERNEL  the big kernel lock (kern/sched.c): envs, address
 *                        spaces, slice vectors, the run queue, IPC, NIC
 *                        channels and filters, the block map, syscalls
 *   20 LOCK_RANK_DISKQ   one disk's request queue (kern/disk.c, drivers)
 *   30 LOCK_RANK_DISKDONE the finished-request list (kern/disk.c)
 *   40 LOCK_RANK_IOAPIC  IOAPIC redirection entries
 *   50 LOCK_RANK_PAGE    the physical-page free list (kern/pmap.c)
 *
 * The console lock (kern/console.c) is innermost of all: it nests in
 * itself, so that a panic inside printf still prints, and takes nothing
 * else; it is not a struct spinlock and not checked.
 *
 * With LOCK_CHECK (conf/defaults.mk: on in the default build, which the
 * tests use) every CPU keeps the list of locks it holds and panics, naming
 * both locks, when it takes a lock it holds already or one whose rank is
 * not above that of every lock it holds.
 */
#ifndef CHITIN_KERN_SPINLOCK_H
#define CHITIN_KERN_SPINLOCK_H
#include "kernel.h"

struct cpu;

#define LOCK_RANK_KERNEL	10
#define LOCK_RANK_DISKQ		20
#define LOCK_RANK_DISKDONE	30
#define LOCK_RANK_IOAPIC	40
#define LOCK_RANK_PAGE		50

#define LOCK_HELD_MAX		8	/* locks one CPU may hold at once */

struct spinlock {
	volatile uint32_t locked;	/* 0 free, 1 held */
	const char *name;		/* for diagnostics */
	struct cpu *holder;		/* the CPU holding it */
	int rank;			/* LOCK_RANK_*: its place in the order */
};

#define SPINLOCK_INIT(n, r)	{ 0, (n), NULL, (r) }

void spin_init(struct spinlock *lk, const char *name, int rank);
void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);
bool spin_holding(struct spinlock *lk);
void irq_save_disable(void);	/* nesting cli */
void irq_restore(void);		/* matching sti when the count drops to 0 */

/* The order checker, also used by locks that are not a struct spinlock
 * (the big kernel lock): call lock_check_acquire before spinning for lk
 * and lock_check_release when letting it go. No-ops without LOCK_CHECK. */
#if LOCK_CHECK
void lock_check_acquire(const struct spinlock *lk);
void lock_check_release(const struct spinlock *lk);
#else
static inline void lock_check_acquire(const struct spinlock *lk) { (void)lk; }
static inline void lock_check_release(const struct spinlock *lk) { (void)lk; }
#endif

#endif
