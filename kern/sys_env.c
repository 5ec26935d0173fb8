/*
 * System calls on environments. An env may act on itself and its
 * descendants only (env_get(..., true)), with the target's lock held.
 */
#include "syscall.h"
#include "env.h"
#include "uvm.h"
#include "fpu.h"
#include "sched.h"
#include "cpu.h"
#include "console.h"
#include "string.h"
#include "x86.h"
#include "abi/error.h"

/* The flags a user may own in RFLAGS: CF PF AF ZF SF TF DF OF AC ID.
 * IF is always set; IOPL, NT, RF, VM and the rest stay 0. */
#define USER_RFLAGS	0x254dd5UL

int64_t
sys_env_exofork(struct env *cur, const uint64_t *a)
{
	struct env *child;
	int r = env_alloc(&child, cur);

	if (r < 0)
		return r;
	child->tf = cur->tf;
	child->tf.rax = 0;
	child->tf.vector = 0;
	fpu_sync(cur);
	memcpy(child->fpu, cur->fpu, sizeof(child->fpu));
	return child->id;
}

int64_t
sys_env_set_status(struct env *cur, const uint64_t *a)
{
	struct env *e;
	struct cpu *h;
	uint64_t status = a[1];
	int r;

	if (status != ENV_RUNNABLE && status != ENV_NOT_RUNNABLE)
		return -E_INVAL;
	if ((r = env_get((envid_t)a[0], &e, true)) < 0)
		return r;
	r = -E_BUSY;		/* only a stopped or ready other env */
	h = sched_lock_env(e);
	if (e != cur && e->ex->wait == WAIT_NONE && e->status != ENV_RUNNING) {
		env_set_status_locked(e, (uint32_t)status, WAIT_NONE);
		r = 0;
	}
	sched_unlock_cpu(h);
	env_unlock(e);
	return r;
}

int64_t
sys_env_destroy(struct env *cur, const uint64_t *a)
{
	/* the dispatcher leaves a caller that destroyed itself */
	return env_destroy_id((envid_t)a[0]);
}

int64_t
sys_env_exit(struct env *cur, const uint64_t *a)
{
	env_destroy(cur, (int)a[0]);
	return 0;	/* the dispatcher finds no env here and moves on */
}

/* Upcall entries and stacks must be user addresses; the stack top 16-byte
 * aligned (the ABI's alignment at a call). Entry 0 unregisters. */
int64_t
sys_env_set_upcall(struct env *cur, const uint64_t *a)
{
	struct env *e;
	uint64_t kind = a[1], entry = a[2], stack = a[3];
	int r;

	if (kind >= UPCALL_MAX)
		return -E_INVAL;
	if (entry >= UTOP || stack > UTOP || (stack & 15) || (entry && stack < PGSIZE))
		return -E_INVAL;
	if ((r = env_get((envid_t)a[0], &e, true)) < 0)
		return r;
	e->upcall_entry[kind] = entry;
	e->upcall_stack[kind] = stack;
	env_unlock(e);
	return 0;
}

/* A stopped or ready env's registers are its ancestor's to set; not
 * those of one blocked in a call (whoever wakes it writes them) or
 * running. Under the scheduler's lock, so that no CPU takes it to run
 * with half of them written. */
static int
env_set_regs_locked(struct env *cur, struct env *e, const struct user_regs *rp, int copied)
{
	struct user_regs regs = *rp;

	if (e == cur || e->status == ENV_RUNNING || e->ex->wait != WAIT_NONE)
		return -E_BUSY;
	if (copied < 0)
		return copied;
	if (regs.rip >= UTOP || regs.rsp > UTOP)
		return -E_INVAL;
	memcpy(&e->tf, &regs, offsetof(struct user_regs, rip));
	e->tf.rip = regs.rip;
	e->tf.rsp = regs.rsp;
	e->tf.rflags = (regs.rflags & USER_RFLAGS) | FL_IF;
	e->tf.vector = 0;
	e->tf.cs = GD_UCODE | 3;
	e->tf.ss = GD_UDATA | 3;
	return 0;
}

/* Sets all registers of a stopped descendant (spawn uses it to start a
 * program). rip and rsp must be user addresses; rflags is sanitized. */
int64_t
sys_env_set_regs(struct env *cur, const uint64_t *a)
{
	struct env *e;
	struct user_regs regs;
	int r, copied;
	struct cpu *h;

	env_lock(cur);
	copied = copy_from_user(cur, &regs, a[1], sizeof(regs));
	env_unlock(cur);
	if ((r = env_get((envid_t)a[0], &e, true)) < 0)
		return r;
	h = sched_lock_env(e);
	r = env_set_regs_locked(cur, e, &regs, copied);
	sched_unlock_cpu(h);
	env_unlock(e);
	return r;
}

int64_t
sys_env_set_name(struct env *cur, const uint64_t *a)
{
	struct env *e, *self;
	char name[ENV_NAME_MAX];
	int r;

	if ((r = env_get_two(0, (envid_t)a[0], &self, &e, true)) < 0)
		return r;
	if ((r = copy_str_from_user(cur, name, a[1], sizeof(name))) == 0)
		env_set_name(e, name);
	env_unlock_two(cur, e);
	return r;
}

/* A child of cur that env_wait may reap now (a zombie), or NULL; *any
 * says whether cur has such a child at all. envtab held. */
static struct env *
wait_find(struct env *cur, envid_t want, bool *any)
{
	*any = false;
	for (int i = 0; i < NENV; i++) {
		struct env *c = &envs[i];
		if (c->parent != cur || c->status == ENV_FREE || (want && c->id != want))
			continue;
		*any = true;
		if (c->status == ENV_ZOMBIE)
			return c;
	}
	return NULL;
}

/* sys_env_wait with envtab and cur's lock held: a child ends (and looks
 * for a waiting parent, env_reap_by_waiting_parent) under envtab too, so
 * it either is a zombie here or finds cur blocked. *reap gets the zombie
 * to free once cur's lock is dropped. */
static int64_t
wait_locked(struct env *cur, envid_t want, uintptr_t status_va, struct env **reap)
{
	struct env *c;
	bool any;
	int32_t status;

	if (status_va && uvm_check_user(cur, status_va, sizeof(int32_t), true) < 0)
		return -E_FAULT;
	if ((c = wait_find(cur, want, &any)) != NULL) {
		status = c->ex->exit_status;
		if (status_va && copy_to_user(cur, status_va, &status, sizeof(status)) < 0)
			return -E_FAULT;
		*reap = c;
		return c->id;
	}
	if (!any)
		return -E_CHILD;
	cur->wait_child = want;
	cur->wait_status_va = status_va;
	return syscall_block(cur, WAIT_CHILD);
}

/* Reaps an exited child (a[0], or any with 0), blocking until one exits;
 * stores its status at a[1] when nonzero; returns its id. -E_CHILD when
 * the caller has no such child. */
int64_t
sys_env_wait(struct env *cur, const uint64_t *a)
{
	struct env *reap = NULL;
	int64_t r;

	envtab_lock();
	env_lock(cur);
	r = wait_locked(cur, (envid_t)a[0], a[1], &reap);
	env_unlock(cur);
	if (reap)
		env_free_zombie(reap);
	envtab_unlock();
	return r;
}
