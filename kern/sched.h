/*
 * The scheduler: run queue, claims, ticks, idle CPUs (locking: the top
 * of kern/sched.c).
 */
#ifndef CHITIN_KERN_SCHED_H
#define CHITIN_KERN_SCHED_H
#include "kernel.h"
#include "abi/env.h"

struct env;
struct cpu;

void sched_init(void);
void sched_runq_update(struct env *e, uint32_t status);	/* e's status changes */
/* The run-queue lock of e's home CPU (LOCK_RANK_SCHED; never two at once):
 * e's status, claim and queue links. Returns the CPU locked, to unlock. */
struct cpu *sched_lock_env(struct env *e);
void sched_lock_cpu(struct cpu *c);
void sched_unlock_cpu(struct cpu *c);
void sched_claim_locked(struct env *e, struct cpu *c);	/* c will run e */
struct env *sched_claim_for_yield(envid_t id);	/* directed yield: claimed */
void sched_start(void) __attribute__((noreturn));	/* each CPU, once */
void sched_yield(void) __attribute__((noreturn));
void sched_tick(void) __attribute__((noreturn));	/* the timer: a new slot */
void sched_epilogue_done(struct env *e);
void sched_grace_cancel(struct cpu *c);	/* c's env leaves during its grace */
void sched_wakeup_console(void);
void sched_console_wait(void);		/* the current env blocks in cgetc */
bool sched_may_run_on(const struct env *e, const struct cpu *c);
void sched_kick_idle(struct env *e);	/* e became runnable: wake an idle CPU */
void sched_idle_exit(struct cpu *c);	/* an interrupt woke c from idle */
void sched_halt(void) __attribute__((noreturn));
int sched_audit(void);			/* kern/audit.h */

#endif
