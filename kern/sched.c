/*
 * Round-robin scheduling of envs on every CPU, under the big kernel lock.
 *
 * Each timer tick in user mode preempts the env; the CPU then scans the
 * env table from the slot after its current env for a runnable one. A CPU
 * with nothing to run halts with interrupts on; the next tick, or an IPI
 * sent when an env becomes runnable, wakes it. When no env is left at
 * all the BSP drops into the kernel monitor.
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

static volatile uint32_t kernel_lock;	/* 0 free, else holder's id + 1 */
static volatile int console_waiters;	/* envs blocked in cgetc */

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
	while (!__sync_bool_compare_and_swap(&kernel_lock, 0, me)) {
		/* The window is the instruction after sti (its interrupt
		 * shadow): a nop, not pause, which QEMU's TCG implements by
		 * leaving the CPU loop with the shadow still set, so that an
		 * IPI would never get in and a shootdown would deadlock. */
		sti();
		asm volatile("nop");
		cli();
		cpu_relax();
	}
}

void
unlock_kernel(void)
{
	assert(kernel_lock == (uint32_t)this_cpu()->id + 1);
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
	c->sched_idle = true;
	c->idle_tsc = rdtsc();
	unlock_kernel();
	asm volatile("movq %0, %%rsp\n\t"
		     "xorl %%ebp, %%ebp\n\t"
		     "sti\n"
		     "1:\thlt\n\t"
		     "jmp 1b" : : "r"(c->kstack_top) : "memory");
	__builtin_unreachable();
}

/* Round robin for shared slots: the next runnable env after the last one
 * this CPU picked that may run here; NULL if none. */
static struct env *
rr_pick(struct cpu *c)
{
	for (int i = 0; i < NENV; i++) {
		struct env *e = &envs[(c->rr_next + i) % NENV];
		if (e->status == ENV_RUNNABLE && sched_may_run_on(e, c)) {
			c->rr_next = (int)ENVX(e->id) + 1;
			return e;
		}
	}
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

/* Sends an IPI to one idle CPU so a newly runnable env starts at once
 * rather than at that CPU's next tick. */
void
sched_kick_idle(void)
{
	struct cpu *me = this_cpu();

	for (int i = 0; i < ncpu; i++)
		if (&cpus[i] != me && cpus[i].started && cpus[i].sched_idle) {
			lapic_send_ipi(cpus[i].apic_id, T_IPI_RESCHED);
			return;
		}
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
