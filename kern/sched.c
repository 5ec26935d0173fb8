/*
 * Scheduling of envs on every CPU, under the big kernel lock.
 *
 * Each timer tick begins a slot of the CPU's slice vector: the slot's
 * owner runs if it can, else the first env of the run queue that may run
 * here (round robin over runnable envs), else whoever runs now. A CPU
 * with nothing to run halts with interrupts on; an AP stops its timer
 * first and is woken by a reschedule IPI when an env it may run becomes
 * runnable (sched_kick_idle). When no env is left at all the BSP drops
 * into the kernel monitor.
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

static volatile uint32_t kernel_lock;	/* 0 free, else holder's id + 1 */
/* The big lock's name and rank for the lock-order checker. */
static const struct spinlock kernel_lock_info = SPINLOCK_INIT("kernel", LOCK_RANK_KERNEL);
static volatile int console_waiters;	/* envs blocked in cgetc */
static struct spinlock sched_lock = SPINLOCK_INIT("sched", LOCK_RANK_SCHED);

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

/*
 * Takes the big kernel lock. While it spins, interrupts are enabled so
 * that a TLB shootdown from the holder is served (the holder waits for
 * it); interrupt handlers that run meanwhile never take this lock.
 */
void
lock_kernel(void)
{
	uint32_t me = this_cpu()->id + 1;

	assert(kernel_lock != me);
	lock_check_acquire(&kernel_lock_info);
	while (!__sync_bool_compare_and_swap(&kernel_lock, 0, me)) {
		/* The window is the instruction after sti (its interrupt
		 * shadow): a nop, not pause, which QEMU's TCG implements by
		 * leaving the CPU loop with the shadow still set, so that an
		 * IPI would never get in and a shootdown would deadlock. */
		sti();
		asm volatile("nop");
		cli();
		spin_wait_relax();
	}
}

void
unlock_kernel(void)
{
	assert(kernel_lock == (uint32_t)this_cpu()->id + 1);
	lock_check_release(&kernel_lock_info);
	__atomic_store_n(&kernel_lock, 0, __ATOMIC_RELEASE);
}

bool
kernel_lock_held(void)
{
	return kernel_lock == (uint32_t)this_cpu()->id + 1;
}

static bool
any_env_alive(void)
{
	for (int i = 0; i < NENV; i++)
		if (envs[i].status != ENV_FREE && envs[i].status != ENV_ZOMBIE)
			return true;
	return false;
}

/*
 * This CPU has nothing to run: leave the env's address space and FPU
 * state, drop the lock and halt on a fresh stack until an interrupt.
 */
void
sched_halt(void)
{
	struct cpu *c = this_cpu();

	sched_grace_cancel(c);
	if (c->env) {
		/* Still runnable, just not here (its affinity may exclude
		 * this CPU now): another CPU may take it. */
		env_account_stop(c->env);
		if (c->env->status == ENV_RUNNING)
			env_set_status(c->env, ENV_RUNNABLE, WAIT_NONE);
		c->env->ex->cpu = -1;
		c->env = NULL;
	}
	cpu_ex[c->id].running = 0;
	uvm_load_kernel();
	fpu_release();
	if (c == bsp && !any_env_alive()) {
		cprintf("sched: no environments left; entering the kernel monitor\n");
		unlock_kernel();
		c->sched_idle = false;
		monitor();
	}
	c->kicked = false;	/* a kick that raced with a wake-up is stale */
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
	unlock_kernel();
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
 * the head -- instead of the whole env table. Under the big lock.
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
 * Called by env_set_status, with the big lock held. */
void
sched_runq_update(struct env *e, uint32_t status)
{
	if (status == ENV_RUNNABLE && !e->on_runq)
		runq_append(e);
	else if (status != ENV_RUNNABLE && e->on_runq)
		runq_remove(e);
}

/* Round robin for shared slots: the runnable env waiting longest that may
 * run here; NULL if none. */
static struct env *
rr_pick(struct cpu *c)
{
	for (struct env *e = runq_head; e; e = e->rq_next)
		if (sched_may_run_on(e, c))
			return e;
	return NULL;
}

/*
 * The current env gives up the CPU (it yielded, blocked or died): run the
 * slot's owner if it is another env, else the next shared-slot env, else
 * the current env again if it still can, else halt.
 */
void
sched_yield(void)
{
	struct cpu *c = this_cpu();
	struct env *cur = c->env, *e;

	assert(kernel_lock_held());
	e = slice_owner_here(c);
	if (e && e != cur)
		env_run(e);
	if ((e = rr_pick(c)) != NULL)
		env_run(e);
	if (cur && cur->status == ENV_RUNNING && sched_may_run_on(cur, c))
		env_run(cur);
	sched_halt();
}

/* Who runs in the slot that just began: its owner, else the shared
 * round robin, else whoever runs now. */
static struct env *
slot_choice(struct cpu *c)
{
	struct env *e = slice_owner_here(c), *cur = c->env;

	if (e)
		return e;
	if ((e = rr_pick(c)) != NULL)
		return e;
	if (cur && cur->status == ENV_RUNNING && sched_may_run_on(cur, c))
		return cur;
	return NULL;
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
	next = slot_choice(c);
	if (next && next == cur)
		env_run(cur);
	if (cur && cur->status == ENV_RUNNING && upcall_epilogue(cur)) {
		c->in_grace = true;
		timer_oneshot_us(SLICE_GRACE_US);
		env_run(cur);
	}
	if (next)
		env_run(next);
	sched_halt();
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
 * env's slot nor charges it an overrun. Called with the big lock held.
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

/* The reschedule IPI only makes its CPU enter the kernel: trap() then
 * runs the scheduler (a dying env is finished, an idle CPU looks for
 * work). */
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
	lock_kernel();
	sched_yield();
}

/*
 * e became runnable: send an IPI to one idle CPU it may run on, so that
 * it starts at once -- an idle AP has no tick (sched_halt) and would
 * otherwise not look. A CPU kicked and not yet awake is not kicked
 * twice: the next env goes to another. With no idle CPU in its affinity
 * the busy ones find e at their next tick.
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
 * time. Runs before the big lock; touches only this CPU's state.
 */
void
sched_idle_exit(struct cpu *c)
{
	uint64_t slot_tsc = tsc_hz / TIMER_HZ;

	c->sched_idle = false;
	c->kicked = false;
	if (c->id < NCPU_EXPORT)
		cpu_ex[c->id].idle_cycles += rdtsc() - c->idle_tsc;
	if (!c->tickless)
		return;
	c->tickless = false;
	c->slot = (int)((c->slot + (rdtsc() - c->idle_tsc) / slot_tsc) % SLICE_SLOTS);
	cpu_ex[c->id].slot_now = (uint32_t)c->slot;
	timer_start_this_cpu();
}

void
sched_console_wait(void)
{
	console_waiters++;
}

/* Input arrived: wake the envs blocked in a console read. */
void
sched_wakeup_console(void)
{
	if (!console_waiters)
		return;
	console_waiters = 0;
	for (int i = 0; i < NENV; i++)
		if (envs[i].status == ENV_NOT_RUNNABLE && envs[i].ex->wait == WAIT_CONSOLE) {
			/* tf.rax stays SYS_cgetc: the call restarts (sys_cgetc) */
			env_set_status(&envs[i], ENV_RUNNABLE, WAIT_NONE);
		}
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
 * CPU's export names the env it runs. Other CPUs are in user mode,
 * halted or waiting for the big lock, so their env is settled. */
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
	}
	return n;
}

/*
 * The scheduler's state: the run queue holds exactly the runnable envs
 * with consistent links, and CPUs and running envs agree. Returns the
 * problems found. Big kernel lock held.
 */
int
sched_audit(void)
{
	int len, n = audit_runq_links(&len);

	return n + audit_runq_members(len) + audit_cpus();
}
