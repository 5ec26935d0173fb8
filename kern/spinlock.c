/* Spin locks and the per-CPU interrupt-disable nesting they rely on. */
#include "spinlock.h"
#include "cpu.h"
#include "x86.h"
#include "assert.h"

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

void
spin_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->holder = NULL;
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
	if (spin_holding(lk))
		panic("spin_lock: cpu %d already holds %s", this_cpu()->id, lk->name);
	while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	lk->holder = this_cpu();
}

void
spin_unlock(struct spinlock *lk)
{
	if (!spin_holding(lk))
		panic("spin_unlock: cpu %d does not hold %s", this_cpu()->id, lk->name);
	lk->holder = NULL;
	__atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
	irq_restore();
}
