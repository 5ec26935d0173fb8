/*
 * The environment table: allocation with generation-carrying ids, the
 * descendant rule, exit and destruction, and running an env.
 *
 * Destruction (decided here, documented in the README): an env that exits
 * or is killed frees everything it owned at once and becomes a zombie
 * holding its exit status until its parent reaps it with env_wait. When
 * it exits (or the kernel kills it for a fault) its live children are
 * reparented to the first env (init), like Unix orphans; when another env
 * destroys it with env_destroy, its whole subtree goes with it. Zombie
 * children are freed either way. An env without a parent is freed at once.
 * An env running on another CPU is marked dying and destroyed there (an
 * IPI makes that CPU enter the kernel).
 *
 * Locking: see kern/env.h.
 */
#include "env.h"
#include "uvm.h"
#include "export.h"
#include "sched.h"
#include "slice.h"
#include "nic.h"
#include "revoke.h"
#include "upcall.h"
#include "audit.h"
#include "fpu.h"
#include "cpu.h"
#include "lapic.h"
#include "console.h"
#include "assert.h"
#include "string.h"
#include "x86.h"
#include "assert.h"
#include "abi/error.h"

struct env *envs;
struct env_export *env_ex;
struct env *initenv;

static struct env env_table[NENV];
static struct env *env_free_list[NENV];
static void env_end(struct env *e, int status, bool kill_subtree);	/* a stack of free slots */
static int env_nfree;
/* Envs between env_stop and their end's last line: not alive, not yet
 * gone (sched's "no environments left" waits for them). */
int env_ending;
static uint32_t env_generation[NENV];

static const char *const status_names[] = {
	[ENV_FREE] = "free", [ENV_RUNNABLE] = "runnable", [ENV_RUNNING] = "running",
	[ENV_NOT_RUNNABLE] = "blocked", [ENV_ZOMBIE] = "zombie",
};

const char *
env_status_name(uint32_t status)
{
	return status < ARRAY_SIZE(status_names) ? status_names[status] : "?";
}

/* Sets up the table and its export; runs once on the BSP. */
void
env_init(void)
{
	envs = env_table;
	env_ex = export_alloc(sizeof(struct env_export) * NENV, UENVS);
	for (int i = NENV - 1; i >= 0; i--) {
		envs[i].ex = &env_ex[i];
		envs[i].fpu_cpu = -1;
		envs[i].oncpu = -1;
		spin_init(&envs[i].lock, "env", LOCK_RANK_ENV);
		env_free_list[env_nfree++] = &envs[i];
	}
}

void
env_lock(struct env *e)
{
	spin_lock(&e->lock);
}

void
env_unlock(struct env *e)
{
	spin_unlock(&e->lock);
}

void
env_lock_two(struct env *a, struct env *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

void
env_unlock_two(struct env *a, struct env *b)
{
	spin_unlock(&a->lock);
	if (b != a)
		spin_unlock(&b->lock);
}

/* Status changes go through here: the run queue follows (kern/sched.c). */
void
env_set_status(struct env *e, uint32_t status, uint32_t wait)
{
	struct cpu *h = sched_lock_env(e);

	env_set_status_locked(e, status, wait);
	sched_unlock_cpu(h);
}

void
env_set_status_locked(struct env *e, uint32_t status, uint32_t wait)
{
	sched_runq_update(e, status);
	e->status = status;
	e->ex->status = status;
	e->ex->wait = wait;
	if (status == ENV_RUNNABLE)
		sched_kick_idle(e);
}

static bool
env_wake_with(struct env *e, uint32_t wait, bool set_rax, uint64_t rax)
{
	bool woke = false;
	struct cpu *h = sched_lock_env(e);

	if (e->status == ENV_NOT_RUNNABLE && e->ex->wait == wait && wait != WAIT_NONE) {
		if (set_rax)
			e->tf.rax = rax;
		env_set_status_locked(e, ENV_RUNNABLE, WAIT_NONE);
		woke = true;
	}
	sched_unlock_cpu(h);
	return woke;
}

bool
env_wake(struct env *e, uint32_t wait, uint64_t rax)
{
	return env_wake_with(e, wait, true, rax);
}

bool
env_wake_restart(struct env *e, uint32_t wait)
{
	return env_wake_with(e, wait, false, 0);
}

void
env_set_name(struct env *e, const char *name)
{
	strlcpy(e->ex->name, name, sizeof(e->ex->name));
}

static struct spinlock envtab = SPINLOCK_INIT("envtab", LOCK_RANK_ENVTAB);

void
envtab_lock(void)
{
	spin_lock(&envtab);
}

void
envtab_unlock(void)
{
	spin_unlock(&envtab);
}

bool
envtab_locked(void)
{
	return spin_holding(&envtab);
}

/* Parent links change only under envtab, so the walk is exact there;
 * bounded anyway, a chain never being longer than the table. */
bool
env_is_descendant(const struct env *e, const struct env *ancestor)
{
	for (int n = 0; e && n <= NENV; e = e->parent, n++)
		if (e == ancestor)
			return true;
	return false;
}

/*
 * The env named by id (0: the caller), with envtab held. With
 * must_be_descendant, only the caller or one of its descendants. Zombies
 * and free slots are not envs. Returns 0 or -E_BAD_ENV.
 */
int
envid2env(envid_t id, struct env **out, bool must_be_descendant)
{
	struct env *cur = this_cpu()->env, *e;

	if (id == 0 || (cur && id == cur->id)) {
		*out = cur;
		return cur ? 0 : -E_BAD_ENV;
	}
	assert(envtab_locked());
	if (id < 0)
		return -E_BAD_ENV;
	e = &envs[ENVX(id)];
	if (e->id != id || e->status == ENV_FREE || e->status == ENV_ZOMBIE)
		return -E_BAD_ENV;
	if (must_be_descendant && !env_is_descendant(e, cur))
		return -E_BAD_ENV;
	*out = e;
	return 0;
}

/* The caller itself needs no table lock: it cannot end while it runs a
 * system call (another CPU that destroys it only marks it dying). */
static bool
is_self(envid_t id)
{
	struct env *cur = this_cpu()->env;

	return id == 0 || (cur && id == cur->id);
}

/* envid2env, then e's lock: a lookup that stays true until env_unlock. */
int
env_get(envid_t id, struct env **out, bool must_be_descendant)
{
	int r;

	if (is_self(id)) {
		if (!this_cpu()->env)
			return -E_BAD_ENV;
		*out = this_cpu()->env;
		env_lock(*out);
		return 0;
	}
	envtab_lock();
	if ((r = envid2env(id, out, must_be_descendant)) == 0)
		env_lock(*out);
	envtab_unlock();
	return r;
}

int
env_get_two(envid_t ida, envid_t idb, struct env **a, struct env **b, bool must_be_descendant)
{
	bool table = !is_self(ida) || !is_self(idb);
	int r;

	if (table)
		envtab_lock();
	if ((r = envid2env(ida, a, must_be_descendant)) == 0 &&
	    (r = envid2env(idb, b, must_be_descendant)) == 0)
		env_lock_two(*a, *b);
	if (table)
		envtab_unlock();
	return r;
}

/* Until no CPU but this one is still switching away from e: its address
 * space, FPU state and accounting are then e's own again. */
void
env_wait_off_cpu(struct env *e)
{
	int me = this_cpu()->id;

	for (;;) {
		int on = __atomic_load_n(&e->oncpu, __ATOMIC_ACQUIRE);
		if (on < 0 || on == me)
			return;
		spin_wait_relax();
	}
}

/* The id slot idx has in its current generation. */
static envid_t
env_slot_id(int idx)
{
	return (envid_t)((env_generation[idx] << 10) | idx);
}

static envid_t
env_next_id(int idx)
{
	/* Generation in the bits above ENVX, never 0 so ids stay positive
	 * and nonzero; wraps after 2^21 uses of one slot. */
	env_generation[idx] = env_generation[idx] % ((1u << 21) - 1) + 1;
	return env_slot_id(idx);
}

/* A fresh env's fields, under its lock: a lookup of its id waits. */
static int
env_setup(struct env *e, struct env *parent)
{
	int r;

	memset(&e->tf, 0, sizeof(e->tf));
	e->id = env_next_id(e - envs);
	memset(e->ex, 0, sizeof(*e->ex));
	e->ex->id = e->id;
	if ((r = uvm_create(e)) < 0) {
		memset(e->ex, 0, sizeof(*e->ex));
		e->id = 0;
		return r;
	}
	e->parent = parent;
	e->ex->parent = parent ? parent->id : 0;
	e->ex->principal = parent ? parent->ex->principal : 0;
	e->ex->cpu = -1;
	e->oncpu = -1;
	e->home = this_cpu()->id;	/* before its first status: under that lock */
	if (parent)
		memcpy(e->ex->name, parent->ex->name, sizeof(e->ex->name));
	memset(e->upcall_entry, 0, sizeof(e->upcall_entry));
	memset(e->upcall_stack, 0, sizeof(e->upcall_stack));
	e->dying = false;
	e->in_epilogue = false;
	e->revoke_notify = false;
	e->pct_caller = NULL;
	e->run_tsc = 0;
	e->ex->affinity = parent ? parent->ex->affinity : ~0ULL;
	e->tf.cs = GD_UCODE | 3;
	e->tf.ss = GD_UDATA | 3;
	e->tf.rflags = FL_IF;
	fpu_init_env(e);
	return 0;
}

/*
 * A new env with an empty user address space, not runnable, child of
 * parent (NULL for the first). Errors: -E_NO_FREE_ENV, -E_NO_MEM.
 */
int
env_alloc(struct env **out, struct env *parent)
{
	struct env *e;
	int r;

	envtab_lock();
	if (env_nfree == 0) {
		envtab_unlock();
		return -E_NO_FREE_ENV;
	}
	e = env_free_list[env_nfree - 1];
	env_lock(e);
	r = env_setup(e, parent);
	if (r == 0) {
		env_nfree--;
		env_set_status(e, ENV_NOT_RUNNABLE, WAIT_NONE);
	}
	env_unlock(e);
	envtab_unlock();
	if (r == 0)
		*out = e;
	return r;
}

/* Returns the slot to the free list. With envtab held. */
void
env_free_zombie(struct env *e)
{
	assert(envtab_locked());
	assert(e->status == ENV_ZOMBIE);
	env_lock(e);
	env_set_status(e, ENV_FREE, WAIT_NONE);
	memset(e->ex, 0, sizeof(*e->ex));
	e->id = 0;
	e->parent = NULL;
	env_unlock(e);
	env_free_list[env_nfree++] = e;
}

/* Pages e still owns after its address space is gone are mapped by
 * others (shared or given away): charge them to heir. */
static void
env_transfer_pages(struct env *e, struct env *heir)
{
	page_meta_lock();
	if (e->ex->pages != 0) {
		for (size_t i = 0; i < npages; i++)
			if (page_ex[i].owner == e->id) {
				page_ex[i].owner = heir ? heir->id : 0;
				if (heir)
					heir->ex->pages++;
			}
		e->ex->pages = 0;
	}
	page_meta_unlock();
}

/* If parent waits for e (or any child), hand it e's status and free e.
 * With envtab held: the parent cannot end meanwhile, and it blocked in
 * env_wait under envtab, so it is either waiting now or will see e. */
static bool
env_reap_by_waiting_parent(struct env *e)
{
	struct env *p = e->parent;
	int32_t status = e->ex->exit_status;
	envid_t id = e->id;
	bool reaped = false;

	if (!p)
		return false;
	env_lock(p);
	if (p->status == ENV_NOT_RUNNABLE && p->ex->wait == WAIT_CHILD &&
	    (!p->wait_child || p->wait_child == id)) {
		/* The status word was checked when the parent began to wait;
		 * if it has been unmapped since, the zombie stays for
		 * another wait. */
		if (p->wait_status_va && copy_to_user(p, p->wait_status_va, &status, sizeof(status)) < 0) {
			env_wake(p, WAIT_CHILD, (uint64_t)-E_FAULT);
		} else {
			env_wake(p, WAIT_CHILD, (uint64_t)id);
			reaped = true;
		}
	}
	env_unlock(p);
	if (reaped)
		env_free_zombie(e);
	return reaped;
}

/*
 * Destroys every descendant of e. Iterative, not recursive: a chain of
 * NENV nested envs must not overflow the kernel stack. All of them lose
 * their parent first, so each is freed as it ends (one running elsewhere
 * is marked dying and freed when its CPU finishes it). With envtab held
 * (which also guards the static array).
 */
static void
env_destroy_descendants(struct env *e)
{
	static struct env *doomed[NENV];
	int n = 0;

	for (int i = 0; i < NENV; i++) {
		struct env *c = &envs[i];
		if (c != e && c->status != ENV_FREE && env_is_descendant(c, e))
			doomed[n++] = c;
	}
	for (int i = 0; i < n; i++) {
		doomed[i]->parent = NULL;
		doomed[i]->ex->parent = 0;
	}
	for (int i = 0; i < n; i++) {
		if (doomed[i]->status == ENV_ZOMBIE)
			env_free_zombie(doomed[i]);
		else
			env_end(doomed[i], -1, false);
	}
}

/* Children of e: zombies are freed, the living go to init. */
static void
env_orphan_children(struct env *e)
{
	struct env *heir = (initenv && initenv != e && initenv->status != ENV_ZOMBIE &&
			    initenv->status != ENV_FREE) ? initenv : NULL;

	for (int i = 0; i < NENV; i++) {
		struct env *c = &envs[i];
		if (c->parent != e || c->status == ENV_FREE)
			continue;
		if (c->status == ENV_ZOMBIE) {
			env_free_zombie(c);
			continue;
		}
		c->parent = heir;
		c->ex->parent = heir ? heir->id : 0;
	}
}

/* Undo e's part in protected control transfers: a caller waiting for e
 * learns -E_BAD_ENV; a callee serving e forgets it. e is a zombie now,
 * so no new transfer involves it; each other env is locked in turn. */
static void
env_drop_pct(struct env *e, uint32_t old_wait)
{
	struct env *caller = e->pct_caller;

	if (caller) {
		e->pct_caller = NULL;
		env_lock(caller);
		env_wake(caller, WAIT_PCT_REPLY, (uint64_t)-E_BAD_ENV);
		env_unlock(caller);
	}
	if (old_wait != WAIT_PCT_REPLY)
		return;
	for (int i = 0; i < NENV; i++)
		if (envs[i].pct_caller == e) {
			env_lock(&envs[i]);
			if (envs[i].pct_caller == e)
				envs[i].pct_caller = NULL;
			env_unlock(&envs[i]);
		}
}

/*
 * Stops e for good: a zombie from now on, so no CPU picks it, no call
 * finds it and no wake-up reaches it. If it runs on another CPU it is
 * only marked dying (and that CPU told); false then.
 */
static bool
env_stop(struct env *e, int status, uint32_t *old_wait)
{
	struct cpu *me = this_cpu(), *h;
	bool stopped = true;

	env_lock(e);
	h = sched_lock_env(e);
	if (e->status == ENV_RUNNING && e != me->env) {
		e->dying = true;
		e->ex->exit_status = status;
		lapic_send_ipi(cpus[e->oncpu].apic_id, T_IPI_RESCHED);
		stopped = false;
	} else {
		*old_wait = e->ex->wait;
		e->ex->exit_status = status;
		env_set_status_locked(e, ENV_ZOMBIE, WAIT_NONE);
	}
	sched_unlock_cpu(h);
	env_unlock(e);
	return stopped;
}

/*
 * Ends e with status: frees its memory, orphans its children (or with
 * kill_subtree destroys them) and leaves a zombie for its parent (see the
 * top of this file). If e runs on another CPU it is only marked; that
 * CPU finishes the job. With envtab held.
 */
static void env_end_stopped(struct env *e, int status, uint32_t old_wait);

static void
env_end(struct env *e, int status, bool kill_subtree)
{
	uint32_t old_wait = WAIT_NONE;

	assert(envtab_locked());
	if (e->status == ENV_ZOMBIE || e->status == ENV_FREE)
		return;
	if (kill_subtree)
		env_destroy_descendants(e);
	__atomic_add_fetch(&env_ending, 1, __ATOMIC_ACQ_REL);
	if (!env_stop(e, status, &old_wait)) {
		__atomic_sub_fetch(&env_ending, 1, __ATOMIC_ACQ_REL);
		return;
	}
	env_end_stopped(e, status, old_wait);
	__atomic_sub_fetch(&env_ending, 1, __ATOMIC_ACQ_REL);
}

/* env_end of e, a zombie now (env_stop). */
static void
env_end_stopped(struct env *e, int status, uint32_t old_wait)
{
	struct cpu *me = this_cpu();

	if (e == me->env) {
		env_account_stop(e);
		me->env = NULL;
		e->ex->cpu = -1;
		__atomic_store_n(&e->oncpu, -1, __ATOMIC_RELEASE);
	}
	env_wait_off_cpu(e);	/* a CPU still switching away from it */
	cprintf("env [%08x] %s: exited with status %d\n", e->id, e->ex->name, status);
	env_drop_pct(e, old_wait);
	slice_release_all(e);
	revoke_forget(e);
	nic_env_gone(e);
	env_lock(e);
	uvm_destroy(e);
	fpu_forget(e);
	env_unlock(e);
	env_orphan_children(e);
	env_transfer_pages(e, e->parent ? e->parent : initenv);
	e->ex->cpu = -1;
	if (!e->parent || e->parent->status == ENV_ZOMBIE)
		env_free_zombie(e);
	else
		env_reap_by_waiting_parent(e);
	if (e == initenv)
		initenv = NULL;
}

/* e exits, or the kernel kills it: its children live on under init.
 * The caller holds no lock. */
void
env_destroy(struct env *e, int status)
{
	envtab_lock();
	env_end(e, status, false);
	envtab_unlock();
}

/* Another env destroys e: e and all its descendants end. */
void
env_destroy_tree(struct env *e, int status)
{
	envtab_lock();
	env_end(e, status, true);
	envtab_unlock();
}

/* sys_env_destroy: the lookup and the end under one hold of envtab, so
 * the id cannot come to name another env in between. */
int
env_destroy_id(envid_t id)
{
	struct env *e;
	int r;

	envtab_lock();
	if ((r = envid2env(id, &e, true)) == 0)
		env_end(e, -1, true);
	envtab_unlock();
	return r;
}

/* Charge the time e has run since env_run to e. */
void
env_account_stop(struct env *e)
{
	if (e->run_tsc) {
		uint64_t ran = rdtsc() - e->run_tsc;
		int cpu = this_cpu()->id;
		e->ex->cycles += ran;
		if (cpu < NCPU_EXPORT)
			e->ex->cpu_cycles[cpu] += ran;
		e->run_tsc = 0;
	}
}

/*
 * This CPU is done with prev (it switched to another address space and
 * saved prev's FPU state): a preempted prev goes back to the run queue,
 * and from now on another CPU may run it.
 */
void
env_release_cpu(struct env *prev)
{
	struct cpu *h;

	env_account_stop(prev);
	fpu_release_env(prev);
	h = sched_lock_env(prev);
	if (prev->status == ENV_RUNNING)
		env_set_status_locked(prev, ENV_RUNNABLE, WAIT_NONE);
	prev->ex->cpu = -1;
	__atomic_store_n(&prev->oncpu, -1, __ATOMIC_RELEASE);
	if (prev->status == ENV_RUNNABLE)
		sched_kick_idle(prev);	/* it waited for us; maybe not for others */
	sched_unlock_cpu(h);
}

/* env_release_cpu, then the end of prev if another CPU killed it while it
 * blocked here (sys_* return path). */
void
env_leave(struct env *prev)
{
	env_release_cpu(prev);
	if (prev->dying)
		env_destroy(prev, prev->ex->exit_status);
}

/*
 * Switches this CPU to e, which it claimed (kern/sched.c: e is RUNNING
 * with oncpu here), and returns to user mode: its address space, its FPU
 * state, its registers. The caller holds no lock.
 */
void
env_run(struct env *e)
{
	struct cpu *c = this_cpu();
	struct env *prev = c->env;

	assert(e->oncpu == c->id && e->status == ENV_RUNNING);
	if (prev != e)
		sched_grace_cancel(c);
	c->env = e;
	e->ex->cpu = c->id;
	cpu_ex[c->id].running = e->id;
	if (prev && prev != e) {
		uvm_load(e);	/* off prev's address space first */
		env_leave(prev);
	}
	if (e->dying) {
		env_destroy(e, e->ex->exit_status);
		sched_yield();
	}
	if (e->tf.rip >= USERTOP || e->tf.rsp >= USERTOP) {
		/* iretq/sysretq to a non-canonical address would fault in
		 * the kernel: the env's registers are its own bug. */
		cprintf("env [%08x] %s: killed by the kernel: bad rip %lx or rsp %lx\n",
			e->id, e->ex->name, e->tf.rip, e->tf.rsp);
		env_destroy(e, -1);
		sched_yield();
	}
	if (e->revoke_notify)
		upcall_revoke(e);
	uvm_load(e);
	fpu_load(e);
	if (!e->run_tsc)	/* else it keeps running: keep counting */
		e->run_tsc = rdtsc();
	audit_park_point();
	if (e->tf.vector == T_SYSCALL)
		env_return_sysret(&e->tf);
	env_return_iret(&e->tf);
}

/* --- the audit (kern/audit.h) --- */

/* A free slot: id 0, no parent, no address space. */
static int
audit_free_slot(const struct env *e)
{
	int n = 0;

	if (e->id != 0)
		n += audit_report("env slot %ld: free but has id %08x", (long)(e - envs), e->id);
	if (e->parent || e->pml4)
		n += audit_report("env slot %ld: free but has a parent or an address space",
				  (long)(e - envs));
	return n;
}

/* The parent of e (not free): a live env, as env_orphan_children and
 * env_end keep it; a zombie always has one (else it was freed at once). */
static int
audit_parent(const struct env *e)
{
	const struct env *p = e->parent;
	int n = 0;

	if (p && (p < envs || p >= envs + NENV || !audit_env_live(p)))
		n += audit_report("env [%08x]: parent is not a live env", e->id);
	else if (e->ex->parent != (p ? p->id : 0))
		n += audit_report("env [%08x]: exported parent %08x, but it is %08x",
				  e->id, e->ex->parent, p ? p->id : 0);
	if (e->status == ENV_ZOMBIE && !p)
		n += audit_report("env [%08x]: zombie with no parent to reap it", e->id);
	return n;
}

/* A slot in use: its id, address space, parent, wait state. */
static int
audit_used_slot(const struct env *e)
{
	int i = e - envs, n = 0;
	bool live = e->status != ENV_ZOMBIE;

	if (e->id != env_slot_id(i))
		n += audit_report("env slot %d: id %08x, but its generation says %08x",
				  i, e->id, env_slot_id(i));
	if (live != (e->pml4 != NULL))
		n += audit_report("env [%08x]: %s %s an address space", e->id,
				  env_status_name(e->status), live ? "without" : "with");
	if (!live && e->ex->pages)
		n += audit_report("env [%08x]: zombie still charged %lu pages", e->id,
				  (unsigned long)e->ex->pages);
	if (live && e->dying && e->status != ENV_RUNNING)
		n += audit_report("env [%08x]: dying but %s, not running elsewhere", e->id,
				  env_status_name(e->status));
	if (e->status != ENV_NOT_RUNNABLE && e->ex->wait != WAIT_NONE)
		n += audit_report("env [%08x]: %s but waits (%u)", e->id,
				  env_status_name(e->status), e->ex->wait);
	return n + audit_parent(e);
}

/* Protected control transfers: a callee's caller waits for its answer,
 * and every env waiting for an answer is the caller of exactly one. */
static int
audit_pct(void)
{
	static uint16_t callees[NENV];
	int n = 0;

	for (int i = 0; i < NENV; i++)
		callees[i] = 0;
	for (int i = 0; i < NENV; i++) {
		const struct env *c = envs[i].pct_caller;
		if (!c)
			continue;
		if (c < envs || c >= envs + NENV || c->status != ENV_NOT_RUNNABLE ||
		    c->ex->wait != WAIT_PCT_REPLY)
			n += audit_report("env [%08x]: its caller is not waiting for its answer",
					  envs[i].id);
		else
			callees[c - envs]++;
	}
	for (int i = 0; i < NENV; i++)
		if (envs[i].status == ENV_NOT_RUNNABLE && envs[i].ex->wait == WAIT_PCT_REPLY &&
		    callees[i] != 1)
			n += audit_report("env [%08x]: waits for an answer from %u callees",
					  envs[i].id, callees[i]);
	return n;
}

/* The free-slot stack holds each free slot once and nothing else. */
static int
audit_free_stack(void)
{
	static bool stacked[NENV];
	int n = 0, nfree = 0;

	if (env_nfree < 0 || env_nfree > NENV)
		return audit_report("env: free-slot stack holds %d", env_nfree);
	for (int i = 0; i < NENV; i++) {
		stacked[i] = false;
		nfree += envs[i].status == ENV_FREE;
	}
	for (int k = 0; k < env_nfree; k++) {
		struct env *e = env_free_list[k];
		if (e < envs || e >= envs + NENV) {
			n += audit_report("env: free-slot stack entry %d outside the table", k);
			continue;
		}
		if (stacked[e - envs])
			n += audit_report("env slot %ld: on the free-slot stack twice",
					  (long)(e - envs));
		stacked[e - envs] = true;
		if (e->status != ENV_FREE)
			n += audit_report("env [%08x]: %s but on the free-slot stack", e->id,
					  env_status_name(e->status));
	}
	if (nfree != env_nfree)
		n += audit_report("env: %d free slots, but %d on the free-slot stack",
				  nfree, env_nfree);
	return n;
}

/*
 * The env table: every slot's status is valid and its export mirrors it
 * (status, id); free and used slots look as env_free_zombie and
 * env_alloc leave them; parents, control transfers and the free-slot
 * stack are consistent. Returns the problems found. Big kernel lock.
 */
int
env_audit(void)
{
	int n = 0;

	for (int i = 0; i < NENV; i++) {
		const struct env *e = &envs[i];
		if (e->ex != &env_ex[i]) {
			n += audit_report("env slot %d: its export is not env_ex[%d]", i, i);
			continue;
		}
		if (e->status > ENV_ZOMBIE) {
			n += audit_report("env slot %d: status %u is no status", i, e->status);
			continue;
		}
		if (e->ex->status != e->status || e->ex->id != e->id)
			n += audit_report("env slot %d: exported status %u id %08x, but %u %08x",
					  i, e->ex->status, e->ex->id, e->status, e->id);
		n += e->status == ENV_FREE ? audit_free_slot(e) : audit_used_slot(e);
	}
	if (initenv && !audit_env_live(initenv))
		n += audit_report("env: the first env is %s", env_status_name(initenv->status));
	return n + audit_pct() + audit_free_stack();
}
