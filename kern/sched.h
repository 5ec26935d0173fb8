/*
 * The scheduler and the big kernel lock.
 *
 * The kernel runs with interrupts off and, whenever it touches envs,
 * address spaces or the scheduler, holds the big kernel lock: taken on
 * every entry from user mode or from the idle loop, dropped just before
 * returning to user mode or halting. (The CPU issue replaces it with
 * per-object locks.)
 */
#ifndef CHITIN_KERN_SCHED_H
#define CHITIN_KERN_SCHED_H
#include "kernel.h"

struct env;
struct cpu;

void sched_init(void);
void sched_runq_update(struct env *e, uint32_t status);	/* e's status changes */
void sched_lock_take(void);	/* the scheduler's lock (LOCK_RANK_SCHED) */
void sched_lock_drop(void);
void lock_kernel(void);
void unlock_kernel(void);
bool kernel_lock_held(void);
void sched_start(void) __attribute__((noreturn));	/* each CPU, once */
void sched_yield(void) __attribute__((noreturn));
void sched_tick(void) __attribute__((noreturn));	/* the timer: a new slot */
void sched_epilogue_done(struct env *e);
void sched_grace_cancel(struct cpu *c);	/* c's env leaves during its grace */
void sched_wakeup_console(void);
void sched_console_wait(void);	/* the current env blocks in cgetc */
bool sched_may_run_on(const struct env *e, const struct cpu *c);
void sched_kick_idle(struct env *e);	/* e became runnable: wake an idle CPU */
void sched_idle_exit(struct cpu *c);	/* an interrupt woke c from idle */
void sched_halt(void) __attribute__((noreturn));
int sched_audit(void);			/* kern/audit.h */

#endif
