/*
 * Scheduling of envs on every CPU.
 *
 * Each timer tick begins a slot of the CPU's slice vector: the slot's
 * owner runs if it can, else the first env of the run queue that may run
 * here (round robin over runnable envs), else whoever runs now. A CPU
 * with nothing to run halts with interrupts on; an AP stops its timer
 * first and is woken by a reschedule IPI when an env it may run becomes
 * runnable (sched_kick_idle). When no env is left at all the BSP drops
 * into the kernel monitor.
 *
 * Locking. Each CPU has its own run queue: the runnable envs whose home
 * it is, under its rq_lock, which also guards those envs' status, claim
 * and queue links (sched_lock_env finds an env's home and locks it; a
 * CPU never holds two run-queue locks). A CPU claims the env it will run
 * under the env's home lock (sched_claim_locked: RUNNING, oncpu = this
 * CPU, off the queue) and becomes its home; the env stays claimed until
 * its CPU has switched away from it (env_release_cpu), so no other CPU
 * runs an env whose registers, FPU state or address space one CPU still
 * uses, even if it was woken in between. A CPU looks at its own queue
 * first and steals from the others' when it has nothing (which also
 * spreads runnable envs over idle CPUs: a wake-up kicks an idle CPU that
 * may run the env). Everything else on struct cpu is its own CPU's; the
 * idle and kicked flags are read by others atomically. Slice vectors:
 * CPU c's vector is under c's rq_lock.
 */
#include "sched.h"
#include "env.h"
#include "uvm.h"
#include "fpu.h"
#include "cpu.h"
#include "lapic.h"
#include "export.h"
#include "monitor.h"
#include "console.h"
#include "assert.h"
#include "x86.h"
#include "trap.h"
#include "slice.h"
#include "timer.h"
#include "upcall.h"
#include "abi/error.h"
#include "spinlock.h"
#include "audit.h"

static int console_waiters;		/* envs blocked in cgetc; atomic */

struct cpu *
sched_lock_env(struct env *e)
{
	for (;;) {
		struct cpu *c = &cpus[__atomic_load_n(&e->home, __ATOMIC_ACQUIRE)];
		spin_lock(&c->rq_lock);
		if (&cpus[e->home] == c)
			return c;
		spin_unlock(&c->rq_lock);	/* it moved meanwhile */
	}
}

void
sched_lock_cpu(struct cpu *c)
{
	spin_lock(&c->rq_lock);
}

void
sched_unlock_cpu(struct cpu *c)
{
	spin_unlock(&c->rq_lock);
}

static struct env *steal(struct cpu *c);
static struct env *claim_from(struct cpu *q, struct cpu *c);
static struct env *claim_from_locked(struct cpu *q, struct cpu *c);

/* A scan without locks: an env's status goes from free to blocked and
 * from running to zombie in one write, and env_ending covers an end. */
static bool
any_env_alive(void)
{
	if (__atomic_load_n(&env_ending, __ATOMIC_ACQUIRE))
		return true;	/* its last words are still to come */
	for (int i = 0; i < NENV; i++)
		if (envs[i].status != ENV_FREE && envs[i].status != ENV_ZOMBIE)
			return true;
	return false;
}

/*
 * This CPU has nothing to run: leave the env's address space and FPU
 * state and halt on a fresh stack until an interrupt. Holds no lock.
 */
void
sched_halt(void)
{
	struct cpu *c = this_cpu();
	struct env *prev = c->env, *next;

	sched_grace_cancel(c);
	c->env = NULL;
	cpu_ex[c->id].running = 0;
	uvm_load_kernel();
	if (prev)
		env_leave(prev);	/* still runnable, maybe elsewhere */
	fpu_release();
	audit_park_point();
	if ((next = steal(c)) != NULL)
		env_run(next);	/* work queued elsewhere while we looked */
	sched_lock_cpu(c);
	if ((next = claim_from_locked(c, c)) != NULL) {
		/* made runnable here since we looked, before we were idle
		 * to be kicked: run it */
		sched_unlock_cpu(c);
		env_run(next);
	}
	if (c == bsp && !any_env_alive()) {
		sched_unlock_cpu(c);
		cprintf("sched: no environments left; entering the kernel monitor\n");
		c->sched_idle = false;
		monitor();
	}
	/* Idle from here, under our queue's lock: an env queued here after
	 * this kicks us (sched_kick_idle); the IPI waits for the sti below. */
	__atomic_store_n(&c->kicked, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->sched_idle, true, __ATOMIC_SEQ_CST);
	c->idle_tsc = rdtsc();
	if (c != bsp) {
		/* No tick while idle: under an emulator every idle CPU's
		 * tick costs the busy ones host time. The BSP keeps
		 * ticking for the work that is timed (NIC wait deadlines)
		 * and for noticing that no env is left. */
		lapic_timer_stop();
		c->tick_due = 0;
		c->tickless = true;
	}
	sched_unlock_cpu(c);
	asm volatile("movq %0, %%rsp\n\t"
		     "xorl %%ebp, %%ebp\n\t"
		     "sti\n"
		     "1:\thlt\n\t"
		     "jmp 1b" : : "r"(c->kstack_top) : "memory");
	__builtin_unreachable();
}

/*
 * The run queues: CPU c's holds the ENV_RUNNABLE envs whose home is c,
 * in the order they became runnable, so that taking the first one a CPU
 * may run is round robin. An env leaves it when it runs (or blocks, or
 * dies) and goes to the tail when it is preempted, so a pick looks only
 * at runnable envs -- usually just the head.
 */
static void
runq_append(struct cpu *q, struct env *e)
{
	e->rq_next = NULL;
	e->rq_prev = q->rq_tail;
	if (q->rq_tail)
		q->rq_tail->rq_next = e;
	else
		q->rq_head = e;
	q->rq_tail = e;
	e->on_runq = true;
	__atomic_store_n(&q->rq_len, q->rq_len + 1, __ATOMIC_RELAXED);
	if (q->id < NCPU_EXPORT)
		cpu_ex[q->id].runq_len = (uint32_t)q->rq_len;
}

static void
runq_remove(struct cpu *q, struct env *e)
{
	if (e->rq_prev)
		e->rq_prev->rq_next = e->rq_next;
	else
		q->rq_head = e->rq_next;
	if (e->rq_next)
		e->rq_next->rq_prev = e->rq_prev;
	else
		q->rq_tail = e->rq_prev;
	e->rq_next = e->rq_prev = NULL;
	e->on_runq = false;
	__atomic_store_n(&q->rq_len, q->rq_len - 1, __ATOMIC_RELAXED);
	if (q->id < NCPU_EXPORT)
		cpu_ex[q->id].runq_len = (uint32_t)q->rq_len;
}

/* Keeps e's home queue in step with e's status, about to become status.
 * Called by env_set_status_locked, with that queue's lock held. */
void
sched_runq_update(struct env *e, uint32_t status)
{
	struct cpu *q = &cpus[e->home];

	assert(spin_holding(&q->rq_lock));
	if (status == ENV_RUNNABLE && !e->on_runq)
		runq_append(q, e);
	else if (status != ENV_RUNNABLE && e->on_runq)
		runq_remove(q, e);
}

/* c may take e now: runnable, allowed here, and no other CPU is still
 * switching away from it. e's home lock held. */
static bool
claimable(const struct env *e, const struct cpu *c)
{
	return e->status == ENV_RUNNABLE && (e->oncpu < 0 || e->oncpu == c->id) &&
	       sched_may_run_on(e, c);
}

/* c will run e (runnable or, for a direct transfer, blocked): RUNNING,
 * off its queue, claimed by c, and c its home from now on. e's home lock
 * held (c's own, or another CPU's for a steal). */
void
sched_claim_locked(struct env *e, struct cpu *c)
{
	assert(e->oncpu < 0 || e->oncpu == c->id);
	if (e->status != ENV_RUNNING)
		e->ex->runs++;
	env_set_status_locked(e, ENV_RUNNING, WAIT_NONE);
	e->oncpu = c->id;
	e->ex->cpu = c->id;
	__atomic_store_n(&e->home, c->id, __ATOMIC_RELEASE);	/* last */
}

/* Claims for c the first env of q's queue that c may run; NULL if none.
 * q's lock held. */
static struct env *
claim_from_locked(struct cpu *q, struct cpu *c)
{
	for (struct env *e = q->rq_head; e; e = e->rq_next)
		if (claimable(e, c)) {
			sched_claim_locked(e, c);
			return e;
		}
	return NULL;
}

static struct env *
claim_from(struct cpu *q, struct cpu *c)
{
	struct env *e;

	if (!__atomic_load_n(&q->rq_len, __ATOMIC_RELAXED))
		return NULL;
	sched_lock_cpu(q);
	e = claim_from_locked(q, c);
	sched_unlock_cpu(q);
	return e;
}

/* c has nothing of its own: the first env it may run from the other
 * CPUs' queues, looked at in turn from the next CPU on. */
static struct env *
steal(struct cpu *c)
{
	struct env *e;

	for (int k = 1; k < ncpu; k++) {
		struct cpu *q = &cpus[(c->id + k) % ncpu];
		if (q->started && (e = claim_from(q, c)) != NULL) {
			if (c->id < NCPU_EXPORT)
				cpu_ex[c->id].steals++;
			return e;
		}
	}
	return NULL;
}

/* The env named id, if it is still that env and can run on c now:
 * claimed for c (a slot's owner; a directed yield's target). */
static struct env *
claim_id(struct cpu *c, envid_t id)
{
	struct env *e = &envs[ENVX(id)];
	struct cpu *h = sched_lock_env(e);
	bool ok = e->id == id && claimable(e, c);

	if (ok)
		sched_claim_locked(e, c);
	sched_unlock_cpu(h);
	return ok ? e : NULL;
}

/* q's queue holds an env that c may run now (left where it is). */
static bool
queue_has_for(struct cpu *q, struct cpu *c)
{
	bool any = false;

	if (!__atomic_load_n(&q->rq_len, __ATOMIC_RELAXED))
		return false;
	sched_lock_cpu(q);
	for (struct env *e = q->rq_head; e && !any; e = e->rq_next)
		any = claimable(e, c);
	sched_unlock_cpu(q);
	return any;
}

/* Someone other than c's current env could run here now: the slot's
 * owner, or an env in some queue that may run on c (a peek: the tick
 * decides whether to enter the current env's epilogue). */
static bool
others_wait(struct cpu *c, envid_t owner)
{
	struct env *cur = c->env;

	if (owner && (!cur || owner != cur->id)) {
		struct env *e = &envs[ENVX(owner)];
		struct cpu *h = sched_lock_env(e);
		bool ok = e->id == owner && claimable(e, c);
		sched_unlock_cpu(h);
		if (ok)
			return true;
	}
	for (int k = 0; k < ncpu; k++) {
		struct cpu *q = &cpus[(c->id + k) % ncpu];
		if (q->started && queue_has_for(q, c))
			return true;
	}
	return false;
}

static bool
cur_can_run(struct cpu *c)
{
	struct env *cur = c->env;

	return cur && cur->status == ENV_RUNNING && sched_may_run_on(cur, c);
}

/*
 * Picks and runs: the slot's owner (with yielding, only if it is another
 * env), else the first env this CPU may run from its queue, else one
 * stolen from another CPU's, else the current env if it still can run
 * here, else halt. No lock held.
 */
static void __attribute__((noreturn))
run_pick(bool yielding)
{
	struct cpu *c = this_cpu();
	struct env *cur = c->env, *e;
	envid_t owner = cpu_ex[c->id].slot_owner[c->slot];

	if (owner && cur && owner == cur->id && !yielding && cur_can_run(c))
		env_run(cur);
	if (owner && (!cur || owner != cur->id) && (e = claim_id(c, owner)) != NULL)
		env_run(e);
	if ((e = claim_from(c, c)) != NULL || (e = steal(c)) != NULL)
		env_run(e);
	if (cur_can_run(c))
		env_run(cur);
	sched_halt();
}

/*
 * The current env gives up the CPU (it yielded, blocked or died): run the
 * slot's owner if it is another env, else the next shared-slot env, else
 * the current env again if it still can, else halt. No lock held.
 */
void
sched_yield(void)
{
	run_pick(true);
}

/* The epilogue grace ended before the env yielded: count it, and take
 * the CPU anyway. */
static void
grace_expired(struct cpu *c)
{
	struct env *cur = c->env;

	c->in_grace = false;
	timer_start_this_cpu();
	if (cur && cur->in_epilogue) {
		cur->in_epilogue = false;
		cur->ex->overruns++;
	}
	sched_yield();
}

/*
 * The timer: a new slot begins on this CPU. If someone else is to run
 * and the current env registered an epilogue, it is entered first, with
 * SLICE_GRACE_US to save its state and yield.
 */
void
sched_tick(void)
{
	struct cpu *c = this_cpu();
	struct env *cur = c->env;
	envid_t owner;

	if (c->in_grace)
		grace_expired(c);
	c->slot = (c->slot + 1) % SLICE_SLOTS;
	cpu_ex[c->id].slot_now = (uint32_t)c->slot;
	if (cur && cur->status == ENV_RUNNING)
		cur->ex->slices++;
	owner = cpu_ex[c->id].slot_owner[c->slot];
	if (cur_can_run(c) && (owner == cur->id || !others_wait(c, owner)))
		env_run(cur);	/* its slot, or no one else wants the CPU */
	if (cur_can_run(c) && upcall_epilogue(cur)) {
		c->in_grace = true;
		timer_oneshot_us(SLICE_GRACE_US);
		env_run(cur);
	}
	run_pick(false);
}

/* The current env yields inside its epilogue: its grace is over. */
void
sched_epilogue_done(struct env *e)
{
	struct cpu *c = this_cpu();

	e->in_epilogue = false;
	if (c->in_grace) {
		c->in_grace = false;
		timer_start_this_cpu();
	}
}

/*
 * c's env leaves the CPU for another reason than its epilogue's yield or
 * overrun (it blocked or died, or an IPI rescheduled): a grace still
 * running is cancelled, so that its short tick neither cuts the next
 * env's slot nor charges it an overrun. c is this CPU.
 */
void
sched_grace_cancel(struct cpu *c)
{
	if (!c->in_grace)
		return;
	if (c->env)
		c->env->in_epilogue = false;
	c->in_grace = false;
	timer_start_this_cpu();
}

/* Directed yield: the env named id, claimed to run on this CPU now with
 * the rest of the slice; NULL if it cannot run here now (the caller
 * yields normally). No table lock: claim_id checks the id under the
 * target's run-queue lock. */
struct env *
sched_claim_for_yield(envid_t id)
{
	struct cpu *c = this_cpu();

	if (c->env && c->env->id == id)
		return NULL;
	return claim_id(c, id);
}

/* The reschedule IPI only makes its CPU enter the kernel: trap() then
 * runs the scheduler (a dying env is finished, an idle CPU looks for
 * work, an audit parks it). */
static void
resched_ipi(struct trapframe *tf)
{
	lapic_eoi();
}

void
sched_init(void)
{
	for (int i = 0; i < NCPU_MAX; i++)
		spin_init(&cpus[i].rq_lock, "runq", LOCK_RANK_SCHED);
	trap_set_handler(T_IPI_RESCHED, resched_ipi);
}

/* Starts scheduling on this CPU; never returns. */
void
sched_start(void)
{
	sched_yield();
}

/* Sends c a reschedule IPI if it is idle and not kicked yet. */
static bool
kick(struct cpu *c)
{
	if (!c->started || !__atomic_load_n(&c->sched_idle, __ATOMIC_SEQ_CST) ||
	    __atomic_exchange_n(&c->kicked, true, __ATOMIC_SEQ_CST))
		return false;
	lapic_send_ipi(c->apic_id, T_IPI_RESCHED);
	return true;
}

/*
 * e became runnable (its home lock held): wake its home CPU if that is
 * idle, else one idle CPU it may run on, which will steal it -- an idle
 * AP has no tick (sched_halt) and would otherwise not look. A CPU kicked
 * and not yet awake is not kicked twice. With no idle CPU in its
 * affinity the busy ones find e at their next tick.
 */
void
sched_kick_idle(struct env *e)
{
	struct cpu *me = this_cpu(), *home = &cpus[e->home];

	if (home != me && sched_may_run_on(e, home) && kick(home))
		return;
	for (int i = 0; i < ncpu; i++)
		if (&cpus[i] != me && &cpus[i] != home && sched_may_run_on(e, &cpus[i]) &&
		    kick(&cpus[i]))
			return;
}

/*
 * This CPU leaves the idle loop (an interrupt woke it): the time it slept
 * is added to its exported idle cycles. An AP restarts
 * its tick, stopped in sched_halt, and moves its slot on by the slots
 * that passed while it slept, so that owned slots keep their place in
 * time.
 */
void
sched_idle_exit(struct cpu *c)
{
	uint64_t slot_tsc = tsc_hz / TIMER_HZ;

	__atomic_store_n(&c->sched_idle, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->kicked, false, __ATOMIC_SEQ_CST);
	if (c->id < NCPU_EXPORT)
		cpu_ex[c->id].idle_cycles += rdtsc() - c->idle_tsc;
	if (!c->tickless)
		return;
	c->tickless = false;
	c->slot = (int)((c->slot + (rdtsc() - c->idle_tsc) / slot_tsc) % SLICE_SLOTS);
	cpu_ex[c->id].slot_now = (uint32_t)c->slot;
	timer_start_this_cpu();
}

/* The current env is about to block in cgetc: counted, so that input
 * wakes it. */
void
sched_console_wait(void)
{
	__atomic_add_fetch(&console_waiters, 1, __ATOMIC_SEQ_CST);
}

/* Input arrived (or a trap came): wake the envs blocked in a console read
 * (each restarts its call, sys_cgetc, and blocks again if it finds none). */
void
sched_wakeup_console(void)
{
	if (!__atomic_exchange_n(&console_waiters, 0, __ATOMIC_SEQ_CST))
		return;
	for (int i = 0; i < NENV; i++)
		if (envs[i].status == ENV_NOT_RUNNABLE && envs[i].ex->wait == WAIT_CONSOLE)
			env_wake_restart(&envs[i], WAIT_CONSOLE);
}

/* --- the audit (kern/audit.h) --- */

/* CPU q's run queue from its head: links agree both ways, no cycle (at
 * most NENV steps), every member runnable, flagged and at home here, the
 * tail its end, the length as counted. Returns the problems; *len gets
 * the members walked. */
static int
audit_runq_links(const struct cpu *q, int *len)
{
	struct env *prev = NULL;
	int n = 0;

	*len = 0;
	for (struct env *e = q->rq_head; e; prev = e, e = e->rq_next) {
		if (e < envs || e >= envs + NENV)
			return n + audit_report("sched: cpu%d's run queue links outside the env table",
						q->id);
		if (++*len > NENV)
			return n + audit_report("sched: cpu%d's run queue has a cycle", q->id);
		if (e->rq_prev != prev)
			n += audit_report("sched: run queue: [%08x]'s prev link is wrong", e->id);
		if (!e->on_runq || e->status != ENV_RUNNABLE || e->home != q->id)
			n += audit_report("sched: cpu%d's run queue holds [%08x], %s, flag %d, home %d",
					  q->id, e->id, env_status_name(e->status), e->on_runq,
					  e->home);
	}
	if (q->rq_tail != prev)
		n += audit_report("sched: cpu%d's run queue tail is not its last member", q->id);
	if (q->rq_len != *len)
		n += audit_report("sched: cpu%d's run queue counts %d, holds %d", q->id,
				  q->rq_len, *len);
	if (q->id < NCPU_EXPORT && cpu_ex[q->id].runq_len != (uint32_t)*len)
		n += audit_report("sched: cpu%d exported with %u queued, holds %d", q->id,
				  cpu_ex[q->id].runq_len, *len);
	return n;
}

/* Each env is on a queue (its home's, by the walk above) exactly when it
 * is runnable. */
static int
audit_runq_members(int len)
{
	int n = 0, flagged = 0;

	for (int i = 0; i < NENV; i++) {
		const struct env *e = &envs[i];
		flagged += e->on_runq;
		if (e->on_runq != (e->status == ENV_RUNNABLE))
			n += audit_report("env [%08x]: %s but %son a run queue", e->id,
					  env_status_name(e->status), e->on_runq ? "" : "not ");
		if (!e->on_runq && (e->rq_next || e->rq_prev))
			n += audit_report("env [%08x]: off the run queues but linked", e->id);
		if (e->home < 0 || e->home >= ncpu)
			n += audit_report("env [%08x]: home cpu %d", e->id, e->home);
	}
	if (flagged != len)
		n += audit_report("sched: %d envs flagged on run queues, %d on them",
				  flagged, len);
	return n;
}

/* CPUs and running envs: a running env is the env of exactly one CPU,
 * and its export names that CPU; every other env's names none; each
 * CPU's export names the env it runs, which alone it claims. Other CPUs
 * are parked where they hold no lock and claim only their env. */
static int
audit_cpus(void)
{
	static uint8_t on_cpus[NENV];
	int n = 0;

	for (int i = 0; i < NENV; i++)
		on_cpus[i] = 0;
	for (int i = 0; i < NCPU_MAX; i++) {
		const struct env *e = cpus[i].env;
		envid_t want = e ? e->id : 0;
		if (e && (!cpus[i].started || e < envs || e >= envs + NENV)) {
			n += audit_report("cpu%d: not started, or runs no env of the table", i);
			continue;
		}
		if (e)
			on_cpus[e - envs]++;
		if (e && (e->status != ENV_RUNNING || e->ex->cpu != i))
			n += audit_report("cpu%d: runs [%08x], which is %s on cpu %d", i, e->id,
					  env_status_name(e->status), e->ex->cpu);
		if (i < NCPU_EXPORT && cpu_ex[i].running != want)
			n += audit_report("cpu%d: exported as running %08x, but runs %08x", i,
					  cpu_ex[i].running, want);
	}
	for (int i = 0; i < NENV; i++) {
		const struct env *e = &envs[i];
		if (e->status == ENV_RUNNING && on_cpus[i] != 1)
			n += audit_report("env [%08x]: running on %u CPUs", e->id, on_cpus[i]);
		if (e->status != ENV_RUNNING && e->status != ENV_FREE && e->ex->cpu != -1)
			n += audit_report("env [%08x]: %s but exported on cpu %d", e->id,
					  env_status_name(e->status), e->ex->cpu);
		if (e->status == ENV_RUNNING ? e->oncpu != e->ex->cpu : e->oncpu != -1)
			n += audit_report("env [%08x]: %s but claimed by cpu %d", e->id,
					  env_status_name(e->status), e->oncpu);
	}
	return n;
}

/*
 * The scheduler's state: the run queues hold exactly the runnable envs,
 * each at its home, with consistent links, and CPUs and running envs
 * agree. Returns the
 * problems found. Every other CPU is parked (kern/audit.c).
 */
int
sched_audit(void)
{
	int len, total = 0, n = 0;

	for (int i = 0; i < ncpu; i++) {
		n += audit_runq_links(&cpus[i], &len);
		total += len;
	}
	return n + audit_runq_members(total) + audit_cpus();
}
