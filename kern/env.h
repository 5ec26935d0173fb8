/*
 * Environments: protection domains. The kernel's private state of each
 * env is struct env; what the library OS may read of it is its struct
 * env_export at UENVS (kern/abi/env.h).
 *
 * Locking (the order is in kern/spinlock.h):
 *  - the env-table lock (envtab) guards allocation and freeing of slots,
 *    the parent links, and the end of an env (exit, destruction, the
 *    zombie and its reaping). Under it a live env stays live.
 *  - e->lock guards e's address space and the fields of e that other envs
 *    may change (upcalls, name, revocation, the PCT link). Under it, too,
 *    a live env stays live: the end of an env takes its lock to make it a
 *    zombie. env_get/env_get_two look an env up by id and lock it.
 *  - the run-queue lock of e's home CPU guards e's status (and
 *    ex->status, ex->wait), its place in that queue and oncpu
 *    (kern/sched.c, sched_lock_env). A blocked env's registers belong to
 *    whoever wakes it: the holder of its wait's lock.
 * The env running on a CPU is touched without a lock by that CPU only in
 * what no one else changes while it runs (its trapframe, its accounting).
 */
#ifndef CHITIN_KERN_ENV_H
#define CHITIN_KERN_ENV_H
#include "kernel.h"
#include "trap.h"
#include "abi/env.h"
#include "spinlock.h"

struct env {
	struct spinlock lock;		/* env_lock: its address space, its fields */
	struct trapframe tf;		/* user registers while not running */
	uint8_t fpu[512] __attribute__((aligned(16)));	/* FXSAVE image */
	int fpu_cpu;			/* CPU whose registers hold the live FPU
					 * state, or -1 when fpu[] is current */
	envid_t id;
	uint32_t status;		/* ENV_*, mirrored in ex->status */
	struct env_export *ex;		/* the exported record */
	struct env *parent;		/* NULL for the first env */
	uint64_t *pml4;			/* its top-level page table (KVA) */
	physaddr_t pml4_pa;
	uintptr_t upcall_entry[UPCALL_MAX];
	uintptr_t upcall_stack[UPCALL_MAX];
	bool dying;			/* destroy when it next enters the kernel */
	int home;			/* CPU whose run-queue lock guards its status,
					 * claim and queue links (kern/sched.c) */
	int oncpu;			/* CPU whose kernel still uses it (from the
					 * claim until it switched away), or -1:
					 * no other CPU may run it meanwhile */
	bool in_epilogue;		/* entered its epilogue, not yet yielded */
	uint64_t run_tsc;		/* TSC when it last started running */
	bool revoke_notify;		/* enter its revoke upcall on the way out */
	uint64_t revoke_start;		/* pages it owned when asked */

	/* the run queue (kern/sched.c): on it exactly while ENV_RUNNABLE */
	struct env *rq_next, *rq_prev;
	bool on_runq;

	/* blocked calls (status ENV_NOT_RUNNABLE, ex->wait says which) */
	uintptr_t ipc_dstva;		/* ipc_recv: where a page may go */
	struct env *pct_caller;		/* callee: who called, while serving */
	envid_t wait_child;		/* env_wait: the child, 0 for any */
	uintptr_t wait_status_va;	/* env_wait: where to store the status */
};

extern struct env *envs;		/* envs[NENV] */
extern struct env_export *env_ex;	/* env_ex[NENV], exported */
extern struct env *initenv;
extern int env_ending;		/* envs being ended (atomic) */		/* the first env: orphans go to it */

void env_init(void);
void env_lock(struct env *e);
void env_unlock(struct env *e);
void env_lock_two(struct env *a, struct env *b);	/* in slot order; a may be b */
void env_unlock_two(struct env *a, struct env *b);
/* If e is blocked in wait (WAIT_*), its call returns rax and e becomes
 * runnable; false if it waits for something else or is gone. The caller
 * holds whatever guards that wait's records (the subsystem's lock). */
bool env_wake(struct env *e, uint32_t wait, uint64_t rax);
/* The same, leaving e's registers as the blocked call set them (a call
 * that restarts, or whose result was stored before it blocked). */
bool env_wake_restart(struct env *e, uint32_t wait);
int env_alloc(struct env **out, struct env *parent);
int envid2env(envid_t id, struct env **out, bool must_be_descendant);	/* envtab held */
int env_get(envid_t id, struct env **out, bool must_be_descendant);	/* locked */
int env_get_two(envid_t ida, envid_t idb, struct env **a, struct env **b,
		bool must_be_descendant);	/* both locked (one lock if the same) */
void envtab_lock(void);
void envtab_unlock(void);
bool envtab_locked(void);
void env_wait_off_cpu(struct env *e);	/* until no other CPU's kernel uses e */
int env_destroy_id(envid_t id);		/* the caller kills a descendant's subtree */
bool env_is_descendant(const struct env *e, const struct env *ancestor);
void env_set_status(struct env *e, uint32_t status, uint32_t wait);
void env_set_status_locked(struct env *e, uint32_t status, uint32_t wait);	/* sched lock held */
void env_destroy(struct env *e, int status);		/* exit: children go to init */
void env_destroy_tree(struct env *e, int status);	/* kill: with its descendants */
void env_free_zombie(struct env *e);
void env_run(struct env *e) __attribute__((noreturn));	/* e claimed here */
void env_release_cpu(struct env *prev);	/* this CPU switched away from prev */
void env_leave(struct env *prev);	/* the same, and end it if it was killed */
void env_set_name(struct env *e, const char *name);
int env_create_from_archive(const char *cmdline_args);
void env_account_stop(struct env *e);
const char *env_status_name(uint32_t status);
int env_audit(void);			/* kern/audit.h */
/* kern/trapentry.S: return to user mode from a saved frame */
void env_return_iret(struct trapframe *tf) __attribute__((noreturn));
void env_return_sysret(struct trapframe *tf) __attribute__((noreturn));

#endif
