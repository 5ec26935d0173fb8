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
 * Locking. sched_lock guards the run queue, every env's status (and its
 * export's status and wait), oncpu, the slice vectors and the idle and
 * kicked flags of CPUs. A CPU claims the env it will run under the lock
 * (sched_claim: RUNNING, oncpu = this CPU, off the queue); an env stays
 * claimed until its CPU has switched away from it (env_release_cpu), so
 * no other CPU runs an env whose registers, FPU state or address space
 * one CPU still uses, even if it was woken in between. Everything else
 * on struct cpu is its own CPU's, touched by that CPU only.
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

static struct spinlock sched_lock = SPINLOCK_INIT("sched", LOCK_RANK_SCHED);
static int console_waiters;		/* envs blocked in cgetc; sched_lock */

void
sched_lock_take(void)
{
	spin_lock(&sched_lock);
}

void
sched_lock_drop(void)
{
	spin_unlock(&sched_lock);
}

bool
sched_lock_held(void)
{
	return spin_holding(&sched_lock);
}

static struct env *pick_locked(struct cpu *c, bool yielding);

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
	sched_lock_take();
	if ((next = pick_locked(c, true)) != NULL) {
		/* made runnable since we looked, before we were idle to be
		 * kicked: run it */
		sched_claim_locked(next, c);
		sched_lock_drop();
		env_run(next);
	}
	if (c == bsp && !any_env_alive()) {
		sched_lock_drop();
		cprintf("sched: no environments left; entering the kernel monitor\n");
		c->sched_idle = false;
		monitor();
	}
	/* Idle from here, under the lock: an env made runnable after this
	 * kicks us (sched_kick_idle); the IPI waits for the sti below. */
	c->kicked = false;
	c->sched_idle = true;
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
	sched_lock_drop();
	asm volatile("movq %0, %%rsp\n\t"
		     "xorl %%ebp, %%ebp\n\t"
		     "sti\n"
		     "1:\thlt\n\t"
		     "jmp 1b" : : "r"(c->kstack_top) : "memory");
	__builtin_unreachable();
}

/*
 * The run queue: every ENV_RUNNABLE env, in the order it became runnable,
 * so that taking the first one a CPU may run is round robin. An env
 * leaves it when it runs (or blocks, or dies) and goes to the tail when
 * it is preempted, so a pick looks only at runnable envs -- usually just
 * the head -- instead of the whole env table. Under sched_lock.
 */
static struct env *runq_head, *runq_tail;

static void
runq_append(struct env *e)
{
	e->rq_next = NULL;
	e->rq_prev = runq_tail;
	if (runq_tail)
		runq_tail->rq_next = e;
	else
		runq_head = e;
	runq_tail = e;
	e->on_runq = true;
}

static void
runq_remove(struct env *e)
{
	if (e->rq_prev)
		e->rq_prev->rq_next = e->rq_next;
	else
		runq_head = e->rq_next;
	if (e->rq_next)
		e->rq_next->rq_prev = e->rq_prev;
	else
		runq_tail = e->rq_prev;
	e->rq_next = e->rq_prev = NULL;
	e->on_runq = false;
}

/* Keeps the run queue in step with e's status, about to become status.
 * Called by env_set_status_locked, with sched_lock held. */
void
sched_runq_update(struct env *e, uint32_t status)
{
	assert(sched_lock_held());
	if (status == ENV_RUNNABLE && !e->on_runq)
		runq_append(e);
	else if (status != ENV_RUNNABLE && e->on_runq)
		runq_remove(e);
}

/* c may take e now: runnable, allowed here, and no other CPU is still
 * switching away from it. */
static bool
claimable(const struct env *e, const struct cpu *c)
{
	return e->status == ENV_RUNNABLE && (e->oncpu < 0 || e->oncpu == c->id) &&
	       sched_may_run_on(e, c);
}

/* c will run e (runnable or, for a direct transfer, blocked): RUNNING,
 * off the queue, claimed by c. sched_lock held. */
void
sched_claim_locked(struct env *e, struct cpu *c)
{
	assert(e->oncpu < 0 || e->oncpu == c->id);
	if (e->status != ENV_RUNNING)
		e->ex->runs++;
	env_set_status_locked(e, ENV_RUNNING, WAIT_NONE);
	e->oncpu = c->id;
	e->ex->cpu = c->id;
}

/* Round robin for shared slots: the runnable env waiting longest that may
 * run here; NULL if none. */
static struct env *
rr_pick(struct cpu *c)
{
	for (struct env *e = runq_head; e; e = e->rq_next)
		if (claimable(e, c))
			return e;
	return NULL;
}

/* Who runs in c's slot now: its owner, else the shared round robin, else
 * the current env; with yielding, the current env only if no one else
 * can. NULL: no one. sched_lock held. */
static struct env *
pick_locked(struct cpu *c, bool yielding)
{
	struct env *cur = c->env, *e = slice_owner_here(c);
	bool cur_can = cur && cur->status == ENV_RUNNING && sched_may_run_on(cur, c);

	if (e && e == cur && !yielding)
		return cur;
	if (e && e != cur && claimable(e, c))
		return e;
	if ((e = rr_pick(c)) != NULL)
		return e;
	return cur_can ? cur : NULL;
}

/* Claims pick_locked's choice and runs it, or halts. */
static void __attribute__((noreturn))
run_pick(bool yielding)
{
	struct cpu *c = this_cpu();
	struct env *e;

	sched_lock_take();
	e = pick_locked(c, yielding);
	if (e && e->status != ENV_RUNNING)
		sched_claim_locked(e, c);	/* not yet ours (or woken again) */
	sched_lock_drop();
	if (e)
		env_run(e);
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
	struct env *cur = c->env, *next;

	if (c->in_grace)
		grace_expired(c);
	c->slot = (c->slot + 1) % SLICE_SLOTS;
	cpu_ex[c->id].slot_now = (uint32_t)c->slot;
	if (cur && cur->status == ENV_RUNNING)
		cur->ex->slices++;
	sched_lock_take();
	next = pick_locked(c, false);
	sched_lock_drop();
	if (next && next == cur)
		env_run(cur);
	if (cur && cur->status == ENV_RUNNING && upcall_epilogue(cur)) {
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

/* Directed yield: run to now on this CPU if it can run here, with the
 * rest of the slice; false if it cannot (the caller yields normally). */
bool
sched_claim_for_yield(struct env *to)
{
	struct cpu *c = this_cpu();
	bool ok;

	sched_lock_take();
	ok = to != c->env && claimable(to, c);
	if (ok)
		sched_claim_locked(to, c);
	sched_lock_drop();
	return ok;
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
	trap_set_handler(T_IPI_RESCHED, resched_ipi);
}

/* Starts scheduling on this CPU; never returns. */
void
sched_start(void)
{
	sched_yield();
}

/*
 * e became runnable: send an IPI to one idle CPU it may run on, so that
 * it starts at once -- an idle AP has no tick (sched_halt) and would
 * otherwise not look. A CPU kicked and not yet awake is not kicked
 * twice: the next env goes to another. With no idle CPU in its affinity
 * the busy ones find e at their next tick. sched_lock held.
 */
void
sched_kick_idle(struct env *e)
{
	struct cpu *me = this_cpu();

	for (int i = 0; i < ncpu; i++) {
		struct cpu *c = &cpus[i];
		if (c != me && c->started && c->sched_idle && !c->kicked &&
		    sched_may_run_on(e, c)) {
			c->kicked = true;
			lapic_send_ipi(c->apic_id, T_IPI_RESCHED);
			return;
		}
	}
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

	sched_lock_take();
	c->sched_idle = false;
	c->kicked = false;
	sched_lock_drop();
	if (c->id < NCPU_EXPORT)
		cpu_ex[c->id].idle_cycles += rdtsc() - c->idle_tsc;
	if (!c->tickless)
		return;
	c->tickless = false;
	c->slot = (int)((c->slot + (rdtsc() - c->idle_tsc) / slot_tsc) % SLICE_SLOTS);
	cpu_ex[c->id].slot_now = (uint32_t)c->slot;
	timer_start_this_cpu();
}

/* The current env is about to block in cgetc (sched_lock held): counted,
 * so that input wakes it. */
void
sched_console_wait_locked(void)
{
	console_waiters++;
}

/* Input arrived: wake the envs blocked in a console read (each restarts
 * its call, sys_cgetc). */
void
sched_wakeup_console(void)
{
	if (!__atomic_load_n(&console_waiters, __ATOMIC_RELAXED))
		return;
	sched_lock_take();
	console_waiters = 0;
	for (int i = 0; i < NENV; i++)
		if (envs[i].status == ENV_NOT_RUNNABLE && envs[i].ex->wait == WAIT_CONSOLE)
			env_set_status_locked(&envs[i], ENV_RUNNABLE, WAIT_NONE);
	sched_lock_drop();
}

/* --- the audit (kern/audit.h) --- */

/* The run queue from its head: links agree both ways, no cycle (at most
 * NENV steps), every member runnable and flagged, the tail its end.
 * Returns the problems; *len gets the members walked. */
static int
audit_runq_links(int *len)
{
	struct env *prev = NULL;
	int n = 0;

	*len = 0;
	for (struct env *e = runq_head; e; prev = e, e = e->rq_next) {
		if (e < envs || e >= envs + NENV)
			return n + audit_report("sched: run queue links outside the env table");
		if (++*len > NENV)
			return n + audit_report("sched: run queue has a cycle");
		if (e->rq_prev != prev)
			n += audit_report("sched: run queue: [%08x]'s prev link is wrong", e->id);
		if (!e->on_runq || e->status != ENV_RUNNABLE)
			n += audit_report("sched: run queue holds [%08x], %s, flag %d", e->id,
					  env_status_name(e->status), e->on_runq);
	}
	if (runq_tail != prev)
		n += audit_report("sched: run queue tail is not its last member");
	return n;
}

/* Each env is on the queue exactly when it is runnable. */
static int
audit_runq_members(int len)
{
	int n = 0, flagged = 0;

	for (int i = 0; i < NENV; i++) {
		const struct env *e = &envs[i];
		flagged += e->on_runq;
		if (e->on_runq != (e->status == ENV_RUNNABLE))
			n += audit_report("env [%08x]: %s but %son the run queue", e->id,
					  env_status_name(e->status), e->on_runq ? "" : "not ");
		if (!e->on_runq && (e->rq_next || e->rq_prev))
			n += audit_report("env [%08x]: off the run queue but linked", e->id);
	}
	if (flagged != len)
		n += audit_report("sched: %d envs flagged on the run queue, %d on it",
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
 * The scheduler's state: the run queue holds exactly the runnable envs
 * with consistent links, and CPUs and running envs agree. Returns the
 * problems found. Every other CPU is parked (kern/audit.c).
 */
int
sched_audit(void)
{
	int len, n = audit_runq_links(&len);

	return n + audit_runq_members(len) + audit_cpus();
}
