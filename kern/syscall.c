/*
 * System-call entry and dispatch, and the calls that belong to no other
 * subsystem: the console, yielding and the kernel's debug checks.
 */
#include "syscall.h"
#include "env.h"
#include "uvm.h"
#include "sched.h"
#include "cpu.h"
#include "console.h"
#include "audit.h"
#include "assert.h"
#include "x86.h"
#include "timer.h"
#include "spinlock.h"
#include "abi/error.h"

typedef int64_t (*syscall_fn_t)(struct env *cur, const uint64_t *a);

#define SYSCALL_TABLE(num, name, nargs, doc) [num] = sys_##name,
static const syscall_fn_t syscall_table[NSYSCALLS] = { SYSCALL_LIST(SYSCALL_TABLE) };
#undef SYSCALL_TABLE

extern char syscall_entry[];

/* The syscall instruction's MSRs (SDM vol. 3A, 5.8.8): kernel CS/SS from
 * STAR[47:32], user SS/CS from STAR[63:48] + 8 / + 16; FMASK clears IF
 * (the kernel runs with interrupts off), TF, DF and AC on entry. */
void
syscall_init_this_cpu(void)
{
	wrmsr(MSR_STAR, ((uint64_t)(GD_UDATA - 8) << 48) | ((uint64_t)GD_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, FL_IF | FL_TF | FL_DF | FL_AC);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

/* From kern/trapentry.S with the user's registers in *tf. */
void
syscall_trap(struct trapframe *tf)
{
	struct env *cur;
	uint64_t a[6], num;
	int64_t r;

	cur = this_cpu()->env;
	cur->tf = *tf;
	cur->ex->syscalls++;
	audit_park_point();
	if (cur->dying) {
		env_destroy(cur, cur->ex->exit_status);
		sched_yield();
	}
	num = cur->tf.rax;
	a[0] = cur->tf.rdi;
	a[1] = cur->tf.rsi;
	a[2] = cur->tf.rdx;
	a[3] = cur->tf.r10;
	a[4] = cur->tf.r8;
	a[5] = cur->tf.r9;
	/* The list has gaps between subsystems' number ranges. */
	r = num < NSYSCALLS && syscall_table[num] ? syscall_table[num](cur, a) : -E_NOSYS;
	if (r != SYSCALL_BLOCKED)
		cur->tf.rax = (uint64_t)r;
	if (this_cpu()->env == cur && cur->dying && cur->status == ENV_RUNNING) {
		/* killed by another CPU during the call (env_stop); if the
		 * call blocked it, it ends once this CPU has left it
		 * (env_leave), not before: a CPU may be waiting for that */
		env_destroy(cur, cur->ex->exit_status);
	}
	if (this_cpu()->env == cur && cur->status == ENV_RUNNING)
		env_run(cur);
	sched_yield();
}

/* Blocks the calling env; whoever wakes it sets its result in tf.rax
 * (env_wake). The dispatcher then gives the CPU to someone else. */
int64_t
syscall_block(struct env *cur, uint32_t wait)
{
	env_set_status(cur, ENV_NOT_RUNNABLE, wait);
	return SYSCALL_BLOCKED;
}

int64_t
sys_cputs(struct env *cur, const uint64_t *a)
{
	uintptr_t buf = a[0];
	size_t len = a[1], done = 0;
	char chunk[256];

	if (len > UTOP)
		return -E_INVAL;
	env_lock(cur);		/* an ancestor may change its mappings */
	if (uvm_check_user(cur, buf, len, false) < 0) {
		env_unlock(cur);
		return -E_FAULT;	/* all of it, before printing any */
	}
	cons_lock();
	while (done < len) {
		size_t n = MIN(len - done, sizeof(chunk));
		copy_from_user(cur, chunk, buf + done, n);	/* checked above */
		for (size_t i = 0; i < n; i++)
			cons_putc(chunk[i]);
		done += n;
	}
	cons_unlock();
	env_unlock(cur);
	return (int64_t)len;
}

/* With block set and no input, the env sleeps and the call restarts when
 * a character arrives (rip moved back over the 2-byte syscall). It is
 * blocked, then counted as a waiter (sched_wakeup_console), then looks
 * once more, so that a character arriving in between either is seen or
 * wakes it. */
int64_t
sys_cgetc(struct env *cur, const uint64_t *a)
{
	int c = cons_getc();

	if (c >= 0)
		return c;
	if (!a[0])
		return -E_AGAIN;
	cur->tf.rip -= 2;
	cur->tf.rax = SYS_cgetc;
	cur->tf.vector = 0;
	env_set_status(cur, ENV_NOT_RUNNABLE, WAIT_CONSOLE);
	sched_console_wait();	/* after: a wake-up that misses us sees it */
	if (cons_has_input())
		env_wake_restart(cur, WAIT_CONSOLE);
	return SYSCALL_BLOCKED;
}

int64_t
sys_getenvid(struct env *cur, const uint64_t *a)
{
	return cur->id;
}

/* Gives up the CPU; inside an epilogue upcall this ends the grace. */
int64_t
sys_yield(struct env *cur, const uint64_t *a)
{
	cur->tf.rax = 0;
	if (cur->in_epilogue)
		sched_epilogue_done(cur);
	sched_yield();
}

/* Runs env a[0] now if it is runnable (the rest of this slice goes to
 * it); otherwise an ordinary yield. -E_BAD_ENV for a bad id. */
int64_t
sys_yield_to(struct env *cur, const uint64_t *a)
{
	envid_t id = (envid_t)a[0];
	struct env *to = NULL;

	if (id < 0 || (id && !audit_env_live(&envs[ENVX(id)])) ||
	    (id && envs[ENVX(id)].id != id))
		return -E_BAD_ENV;	/* a glance: the claim checks again */
	if (id && id != cur->id)
		to = sched_claim_for_yield(id);
	cur->tf.rax = 0;
	if (cur->in_epilogue)
		sched_epilogue_done(cur);
	if (to)
		env_run(to);
	sched_yield();
}

/* Sums the system calls of every env but cur (a glance, no locks). */
static uint64_t
others_syscalls(const struct env *cur)
{
	uint64_t n = 0;

	for (int i = 0; i < NENV; i++)
		if (&envs[i] != cur)
			n += envs[i].ex->syscalls;
	return n;
}

/* KDEBUG_HOLD: this CPU stays in the kernel, interrupts off, holding the
 * caller's env lock, for ms; other CPUs go on entering the kernel and
 * completing system calls, which a big kernel lock would forbid. */
static int64_t
kdebug_hold(struct env *cur, uint64_t ms)
{
	uint64_t before, after, end;

	if (ms == 0 || ms > 1000)
		return -E_INVAL;
	env_lock(cur);
	before = others_syscalls(cur);
	end = rdtsc() + ms * (tsc_hz / 1000);
	while (rdtsc() < end)
		spin_wait_relax();
	after = others_syscalls(cur);	/* still held: a lock's holder counts */
	env_unlock(cur);
	return (int64_t)(after - before);
}

int64_t
sys_kdebug(struct env *cur, const uint64_t *a)
{
	switch (a[0]) {
	case KDEBUG_AUDIT:
		return audit_kernel(true);
	case KDEBUG_FREE:
		return (int64_t)page_free_count();
	case KDEBUG_POISON:
		return page_poison_selftest();
	case KDEBUG_AUDIT_SELFTEST:
		/* it breaks exported records for a moment, which every env
		 * reads: the administrator's call only */
		if (cur->ex->principal != 0)
			return -E_PERM;
		return audit_selftest();
	case KDEBUG_HOLD:
		/* a CPU held with interrupts off: the administrator's call */
		if (cur->ex->principal != 0)
			return -E_PERM;
		return kdebug_hold(cur, a[1]);
	default:
		return -E_INVAL;
	}
}
