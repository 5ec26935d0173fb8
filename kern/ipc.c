/*
 * Communication between envs.
 *
 * IPC: a synchronous message of one word and optionally one page. The
 * receiver blocks in ipc_recv; a sender that finds it waiting delivers
 * at once, otherwise learns -E_IPC_NOT_RECV and decides itself whether
 * to retry (the library yields to the receiver and tries again).
 *
 * Protected control transfer: a server registers an entry point and a
 * stack (sys_env_set_upcall, UPCALL_PCT) and waits with pct_return. A
 * call switches this CPU straight into the server's entry with six words
 * in registers, in the caller's time slice, without a scheduler pass; the
 * answer switches straight back.
 */
#include "syscall.h"
#include "env.h"
#include "uvm.h"
#include "sched.h"
#include "cpu.h"
#include "x86.h"
#include "string.h"
#include "abi/error.h"

/* Checks a page offered with a message: mapped in cur, perm valid and no
 * more than cur's own mapping allows. *pg is NULL when none is offered. */
static int
ipc_check_page(struct env *cur, uintptr_t src_va, uint64_t perm, struct page **pg)
{
	uint64_t pte;
	int r;

	*pg = NULL;
	if (src_va >= UTOP)
		return 0;
	if ((r = uvm_check_va(src_va)) < 0 || (r = uvm_check_perm(perm)) < 0)
		return r;
	if (!(*pg = uvm_lookup(cur, src_va, &pte)))
		return -E_NOT_MAPPED;
	if ((perm & PERM_W) && !(pte & PTE_W))
		return -E_PERM;
	return 0;
}

/* Delivers to to, blocked in ipc_recv; both locked. */
static int
ipc_deliver(struct env *cur, struct env *to, struct page *pg, uint64_t value, uint64_t perm)
{
	int r;

	if (to->status != ENV_NOT_RUNNABLE || to->ex->wait != WAIT_IPC_RECV)
		return -E_IPC_NOT_RECV;
	to->ex->ipc_perm = 0;
	if (pg && to->ipc_dstva < UTOP) {
		if ((r = uvm_insert(to, pg, to->ipc_dstva, perm)) < 0)
			return r;
		to->ex->ipc_perm = (uint32_t)(perm & 0xfff);
	}
	to->ex->ipc_value = value;
	to->ex->ipc_from = cur->id;
	env_wake(to, WAIT_IPC_RECV, 0);
	return 0;
}

/*
 * Both ends are locked for the whole delivery: the sender's page cannot
 * be unmapped before it is mapped in the receiver, and the receiver's
 * wait, set and left under its own lock (or ended under it), cannot end
 * meanwhile.
 */
int64_t
sys_ipc_send(struct env *cur, const uint64_t *a)
{
	struct env *to, *self;
	struct page *pg;
	int r;

	if ((r = env_get_two(0, (envid_t)a[0], &self, &to, false)) < 0)
		return r;
	if ((r = ipc_check_page(cur, a[2], a[3], &pg)) == 0)
		r = ipc_deliver(cur, to, pg, a[1], a[3]);
	env_unlock_two(cur, to);
	return r;
}

/* Blocks until a message arrives; a page may be mapped at a[0] if it is
 * below UTOP (page-aligned), none is accepted otherwise. */
int64_t
sys_ipc_recv(struct env *cur, const uint64_t *a)
{
	uintptr_t dst_va = a[0];
	int64_t r;

	if (dst_va < UTOP && (dst_va & (PGSIZE - 1)))
		return -E_INVAL;
	env_lock(cur);
	cur->ipc_dstva = dst_va;
	r = syscall_block(cur, WAIT_IPC_RECV);
	env_unlock(cur);
	return r;
}

/* Takes e, blocked in a PCT wait and locked, for this CPU: it runs here
 * next. A CPU still switching away from it (it just blocked there) is
 * waited for; no one else can claim it, its lock being ours. */
static void
pct_claim(struct env *e)
{
	struct cpu *h;

	env_wait_off_cpu(e);
	h = sched_lock_env(e);
	sched_claim_locked(e, this_cpu());
	sched_unlock_cpu(h);
}

/* The checks and the handover of a call; both locked. */
static int
pct_start(struct env *cur, struct env *to)
{
	if (to == cur)
		return -E_DEADLOCK;
	if (!to->upcall_entry[UPCALL_PCT])
		return -E_NO_ENTRY;
	if (to->status != ENV_NOT_RUNNABLE || to->ex->wait != WAIT_PCT_SERVE)
		return -E_BUSY;
	env_set_status(cur, ENV_NOT_RUNNABLE, WAIT_PCT_REPLY);
	to->pct_caller = cur;
	memset(&to->tf, 0, offsetof(struct trapframe, rip));
	to->tf.rdi = (uint64_t)cur->id;
	to->tf.rsi = cur->tf.rsi;
	to->tf.rdx = cur->tf.rdx;
	to->tf.r10 = cur->tf.r10;
	to->tf.r8 = cur->tf.r8;
	to->tf.r9 = cur->tf.r9;
	to->tf.r12 = cur->tf.r12;
	to->tf.rip = to->upcall_entry[UPCALL_PCT];
	to->tf.rsp = to->upcall_stack[UPCALL_PCT];
	to->tf.rflags = FL_IF;
	to->tf.vector = T_SYSCALL;	/* fast return path: rcx, r11 are scratch */
	pct_claim(to);
	return 0;
}

/*
 * Transfers to env a[0]'s PCT entry with the six words of %rsi %rdx %r10
 * %r8 %r9 %r12 and the caller's id in %rdi. The callee must be waiting
 * for calls (-E_BUSY otherwise), must have an entry (-E_NO_ENTRY), and
 * must not be the caller (-E_DEADLOCK).
 */
int64_t
sys_pct_call(struct env *cur, const uint64_t *a)
{
	struct env *to, *self;
	int r;

	if ((r = env_get_two(0, (envid_t)a[0], &self, &to, false)) < 0)
		return r;
	r = pct_start(cur, to);
	env_unlock_two(cur, to);
	if (r < 0)
		return r;
	env_run(to);
}

/* Hands the answer to caller (both locked); false if caller no longer
 * waits for it (it was destroyed). */
static bool
pct_answer(struct env *cur, struct env *caller)
{
	if (caller->status != ENV_NOT_RUNNABLE || caller->ex->wait != WAIT_PCT_REPLY)
		return false;
	caller->tf.rax = 0;
	caller->tf.rsi = cur->tf.rsi;
	caller->tf.rdx = cur->tf.rdx;
	caller->tf.r10 = cur->tf.r10;
	caller->tf.r8 = cur->tf.r8;
	caller->tf.r9 = cur->tf.r9;
	caller->tf.r12 = cur->tf.r12;
	pct_claim(caller);
	return true;
}

/* Answers the pending call, if any, with the same six registers, and
 * waits for the next one. */
int64_t
sys_pct_return(struct env *cur, const uint64_t *a)
{
	struct env *caller;
	bool answered = false;

	env_lock(cur);
	caller = cur->pct_caller;
	env_unlock(cur);
	if (caller)
		env_lock_two(cur, caller);
	else
		env_lock(cur);
	if (caller && cur->pct_caller == caller)
		answered = pct_answer(cur, caller);
	cur->pct_caller = NULL;
	env_set_status(cur, ENV_NOT_RUNNABLE, WAIT_PCT_SERVE);
	if (caller)
		env_unlock_two(cur, caller);
	else
		env_unlock(cur);
	if (answered)
		env_run(caller);
	return SYSCALL_BLOCKED;
}
