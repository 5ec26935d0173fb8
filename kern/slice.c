/*
 * Slice vectors: who owns which time slot of which CPU, and the system
 * calls that acquire and release slots and restrict where an env runs.
 * The scheduler (kern/sched.c) consults the owner of each slot as it
 * comes round.
 */
#include "slice.h"
#include "syscall.h"
#include "env.h"
#include "export.h"
#include "cpu.h"
#include "sched.h"
#include "audit.h"
#include "abi/error.h"

bool
sched_may_run_on(const struct env *e, const struct cpu *c)
{
	return c->id < 64 && (e->ex->affinity >> c->id) & 1;
}

/* e ends: its slots go back to sharing, one CPU's vector at a time. */
void
slice_release_all(struct env *e)
{
	for (int c = 0; c < ncpu && c < NCPU_EXPORT; c++) {
		sched_lock_cpu(&cpus[c]);
		for (int s = 0; s < SLICE_SLOTS; s++)
			if (cpu_ex[c].slot_owner[s] == e->id) {
				cpu_ex[c].slot_owner[s] = 0;
				__atomic_sub_fetch(&e->ex->slots_owned, 1, __ATOMIC_RELAXED);
			}
		sched_unlock_cpu(&cpus[c]);
	}
}

static int
check_cpu_slot(uint64_t cpu, uint64_t slot)
{
	if (cpu >= (uint64_t)ncpu || cpu >= NCPU_EXPORT || !cpus[cpu].started ||
	    slot >= SLICE_SLOTS)
		return -E_RANGE;
	return 0;
}

/* Gives env a[0] (the caller or a descendant) slot a[2] of CPU a[1].
 * -E_RANGE: no such CPU or slot; -E_BUSY: another env owns it. */
int64_t
sys_slice_acquire(struct env *cur, const uint64_t *a)
{
	struct env *e;
	envid_t *owner;
	int r;

	if ((r = check_cpu_slot(a[1], a[2])) < 0)
		return r;
	if ((r = env_get((envid_t)a[0], &e, true)) < 0)
		return r;
	sched_lock_cpu(&cpus[a[1]]);
	owner = &cpu_ex[a[1]].slot_owner[a[2]];
	if (*owner == e->id) {
		r = 0;
	} else if (*owner) {
		r = -E_BUSY;
	} else {
		*owner = e->id;
		__atomic_add_fetch(&e->ex->slots_owned, 1, __ATOMIC_RELAXED);
	}
	sched_unlock_cpu(&cpus[a[1]]);
	env_unlock(e);
	return r;
}

/* Frees slot a[1] of CPU a[0]; only its owner or an ancestor of the owner
 * may. -E_RANGE, -E_NOT_FOUND (unowned), -E_PERM. */
int64_t
sys_slice_release(struct env *cur, const uint64_t *a)
{
	struct env *owner;
	envid_t *slot, id;
	int r;

	if ((r = check_cpu_slot(a[0], a[1])) < 0)
		return r;
	slot = &cpu_ex[a[0]].slot_owner[a[1]];
	envtab_lock();		/* the owner's ancestry, and it stays live */
	id = *slot;
	if (!id)
		r = -E_NOT_FOUND;
	else if (envid2env(id, &owner, true) < 0)
		r = -E_PERM;
	sched_lock_cpu(&cpus[a[0]]);
	if (r == 0 && *slot == id) {
		*slot = 0;
		__atomic_sub_fetch(&owner->ex->slots_owned, 1, __ATOMIC_RELAXED);
	}
	sched_unlock_cpu(&cpus[a[0]]);
	envtab_unlock();
	return r;
}

/* Restricts env a[0] to the CPUs in mask a[1]; the mask must name at
 * least one online CPU. Takes effect at its next scheduling decision. */
int64_t
sys_env_set_affinity(struct env *cur, const uint64_t *a)
{
	struct env *e;
	struct cpu *h;
	uint64_t mask = a[1], online = 0;
	int r;

	for (int i = 0; i < ncpu && i < 64; i++)
		if (cpus[i].started)
			online |= 1ULL << i;
	if (!(mask & online))
		return -E_INVAL;
	if ((r = env_get((envid_t)a[0], &e, true)) < 0)
		return r;
	h = sched_lock_env(e);
	e->ex->affinity = mask;
	if (e->status == ENV_RUNNABLE)
		sched_kick_idle(e);	/* an idle CPU it may now run on has no tick */
	sched_unlock_cpu(h);
	env_unlock(e);
	return 0;
}

/*
 * The slice vectors: every owned slot belongs to a live env on a started
 * CPU, and each env's slots_owned counts the slots it owns on all CPUs.
 * The vectors have no private copy: cpu_ex[].slot_owner is the state the
 * scheduler reads. (slot_now is not compared with the CPU's slot: an idle
 * CPU moves both in sched_idle_exit, outside any lock.)
 * Returns the problems found. Other CPUs parked (kern/audit.c).
 */
int
slice_audit(void)
{
	static uint32_t owned[NENV];
	int n = 0;

	for (int i = 0; i < NENV; i++)
		owned[i] = 0;
	for (int c = 0; c < NCPU_EXPORT; c++)
		for (int s = 0; s < SLICE_SLOTS; s++) {
			envid_t id = cpu_ex[c].slot_owner[s];
			const struct env *e = &envs[ENVX(id)];
			if (!id)
				continue;
			if (c >= ncpu || !cpus[c].started)
				n += audit_report("slice: cpu%d slot %d owned by %08x, CPU not up",
						  c, s, id);
			if (id < 0 || e->id != id || !audit_env_live(e))
				n += audit_report("slice: cpu%d slot %d owned by %08x, no live env",
						  c, s, id);
			else
				owned[ENVX(id)]++;
		}
	for (int i = 0; i < NENV; i++)
		if (envs[i].ex->slots_owned != owned[i])
			n += audit_report("env [%08x]: slots_owned %u, but it owns %u slots",
					  envs[i].id, envs[i].ex->slots_owned, owned[i]);
	return n;
}
