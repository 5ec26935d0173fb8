/* Spin locks and the per-CPU interrupt-disable nesting they rely on. */
#include "spinlock.h"
#include "cpu.h"
#include "x86.h"
#include "assert.h"
#include "uvm.h"

void
irq_save_disable(void)
{
	uint64_t flags = read_rflags();

	cli();
	struct cpu *c = this_cpu();
	if (c->irq_depth++ == 0)
		c->irq_was_on = (flags & FL_IF) != 0;
}

void
irq_restore(void)
{
	struct cpu *c = this_cpu();

	assert(!(read_rflags() & FL_IF));
	assert(c->irq_depth > 0);
	if (--c->irq_depth == 0 && c->irq_was_on)
		sti();
}

/* One turn of any spin loop in the kernel: the CPU we wait for may be
 * waiting for us to drop a stale translation (kern/uvm.c). */
void
spin_wait_relax(void)
{
	tlb_poll();
	cpu_relax();
}

void
spin_init(struct spinlock *lk, const char *name, int rank)
{
	lk->locked = 0;
	lk->name = name;
	lk->holder = NULL;
	lk->rank = rank;
}

bool
spin_holding(struct spinlock *lk)
{
	return lk->locked && lk->holder == this_cpu();
}

/* Panics if this CPU already holds lk: that is a deadlock, not a wait. */
void
spin_lock(struct spinlock *lk)
{
	irq_save_disable();
	lock_check_acquire(lk);
	if (spin_holding(lk))
		panic("spin_lock: cpu %d already holds %s", this_cpu()->id, lk->name);
	while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE))
		spin_wait_relax();
	lk->holder = this_cpu();
}

void
spin_unlock(struct spinlock *lk)
{
	if (!spin_holding(lk))
		panic("spin_unlock: cpu %d does not hold %s", this_cpu()->id, lk->name);
	lk->holder = NULL;
	lock_check_release(lk);
	__atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
	irq_restore();
}

#if LOCK_CHECK
/*
 * The lock-order checker (the order is in spinlock.h). Called with
 * interrupts off, before spinning, so that a deadlock in the making is
 * reported rather than hung in; the lock counts as held from then on.
 * (Interrupt handlers run only where their CPU holds no lock: the kernel
 * runs with interrupts off.)
 */
void
lock_check_acquire(const struct spinlock *lk)
{
	struct cpu *c = this_cpu();

	for (int i = 0; i < c->nheld; i++) {
		const struct spinlock *h = c->held[i];
		if (h == lk)
			panic("lock order: cpu %d takes %s, which it holds already",
			      c->id, lk->name);
		if (h->rank == lk->rank && lk->rank == LOCK_RANK_ENV) {
			if (h < lk)
				continue;	/* env locks: in address order */
			panic("lock order: cpu %d takes %s %p (rank %d) while holding %s %p, "
			      "at a higher address", c->id, lk->name, lk, lk->rank, h->name, h);
		}
		if (h->rank >= lk->rank)
			panic("lock order: cpu %d takes %s (rank %d) while holding %s (rank %d)",
			      c->id, lk->name, lk->rank, h->name, h->rank);
	}
	if (c->nheld == LOCK_HELD_MAX)
		panic("lock order: cpu %d holds %d locks, taking %s", c->id,
		      c->nheld, lk->name);
	c->held[c->nheld++] = lk;
}

void
lock_check_release(const struct spinlock *lk)
{
	struct cpu *c = this_cpu();

	for (int i = c->nheld - 1; i >= 0; i--)
		if (c->held[i] == lk) {
			c->held[i] = c->held[--c->nheld];
			return;
		}
	panic("lock order: cpu %d releases %s, which it does not hold", c->id, lk->name);
}
#endif
