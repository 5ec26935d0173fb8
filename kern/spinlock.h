/*
 * Spin locks. Taking one disables interrupts on this CPU (nesting counted
 * per CPU) so an interrupt handler never spins on a lock its own CPU holds.
 *
 * Lock order. Every lock has a rank; a CPU takes locks in increasing rank
 * only (outermost first):
 *
 *   10 LOCK_RANK_ENVTAB  the env table: allocation, the parent tree, exit,
 *                        destruction and reaping (kern/env.c)
 *   12 LOCK_RANK_NIC     NIC channels, filters and the devices' rings
 *   14 LOCK_RANK_DISK    the block map, the buffer-cache registry and the
 *                        disk operations of envs (kern/sys_disk.c)
 *   20 LOCK_RANK_ENV     one env: its address space and its own fields.
 *                        Several may be held, taken in increasing address
 *                        (slot) order: env_lock_two (kern/env.h)
 *   30 LOCK_RANK_SCHED   one CPU's run queue, with the status and claim of
 *                        the envs at home there, and its slice vector
 *                        (kern/sched.c); never two at once
 *   40 LOCK_RANK_DISKQ   one disk's request queue (kern/disk.c, drivers)
 *   45 LOCK_RANK_DISKDONE the finished-request list (kern/disk.c)
 *   50 LOCK_RANK_IOAPIC  IOAPIC redirection entries
 *   60 LOCK_RANK_PAGE    the physical-page free list and page_ex (kern/pmap.c)
 *
 * A subsystem's lock (NIC, disk) comes before the env locks because its
 * work reaches into envs' address spaces (page flips, completions that
 * copy to user memory); an env's lock comes before the scheduler's
 * because blocking and waking change a status under the env's lock.
 *
 * The console lock (kern/console.c) is innermost of all: it nests in
 * itself, so that a panic inside printf still prints, and takes nothing
 * else; it is not a struct spinlock and not checked.
 *
 * Every spin loop (lock waits, TLB shootdown waits) serves the TLB
 * shootdowns asked of its own CPU (tlb_poll, kern/uvm.c), so a CPU that
 * spins with interrupts off never blocks a shootdown its lock holder
 * waits for.
 *
 * With LOCK_CHECK (conf/defaults.mk: on in the default build, which the
 * tests use) every CPU keeps the list of locks it holds and panics, naming
 * both locks, when it takes a lock it holds already or one whose rank is
 * not above that of every lock it holds (for two env locks: one at a
 * lower address than one it holds).
 */
#ifndef CHITIN_KERN_SPINLOCK_H
#define CHITIN_KERN_SPINLOCK_H
#include "kernel.h"

struct cpu;

#define LOCK_RANK_ENVTAB	10
#define LOCK_RANK_NIC		12
#define LOCK_RANK_DISK		14
#define LOCK_RANK_ENV		20
#define LOCK_RANK_SCHED		30
#define LOCK_RANK_DISKQ		40
#define LOCK_RANK_DISKDONE	45
#define LOCK_RANK_IOAPIC	50
#define LOCK_RANK_PAGE		60

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
void spin_wait_relax(void);	/* one turn of a spin loop: serve shootdowns */
void irq_save_disable(void);	/* nesting cli */
void irq_restore(void);		/* matching sti when the count drops to 0 */

/* The order checker: lock_check_acquire before spinning for lk,
 * lock_check_release when letting it go. No-ops without LOCK_CHECK. */
#if LOCK_CHECK
void lock_check_acquire(const struct spinlock *lk);
void lock_check_release(const struct spinlock *lk);
#else
static inline void lock_check_acquire(const struct spinlock *lk) { (void)lk; }
static inline void lock_check_release(const struct spinlock *lk) { (void)lk; }
#endif

#endif
