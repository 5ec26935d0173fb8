/*
 * Revocation of physical pages: the exokernel's abort protocol.
 *
 * Whoever manages memory for a subtree of envs (an ancestor) may ask an
 * env to give back npages pages by a deadline (sys_mem_revoke). The
 * request is visible: it is written into the env's export (revoke_target,
 * revoke_deadline) and, if the env registered a UPCALL_REVOKE entry, the
 * env is entered there the next time it returns to user mode, so its
 * library OS chooses which pages to give up (unmapping them frees them).
 *
 * At every timer tick the kernel looks at the pending requests. One the
 * env met (it owns at most revoke_target pages) is closed and counted as
 * returned. One whose deadline passed is aborted: the kernel takes the
 * pages itself, breaking the env's mappings, and lists the user VAs it
 * took in the export (revoke_taken, revoke_taken_va[]), where the library
 * OS finds them when it touches one and faults.
 *
 * What the kernel takes: only pages the env owns, maps exactly once
 * (nobody else's view changes), and that no binding pins (a NIC ring, a
 * registered buffer-cache page); a shared or pinned page is revoked
 * through the protocol of whoever shares or pins it, not here. Among
 * those it takes first the pages the env did not touch since the request
 * (the accessed bits are cleared when the request is made), then any, in
 * address order. When fewer can be taken than were asked for, the
 * shortfall stays visible (pages > revoke_target after the abort).
 *
 * A request's state is its env's (e->lock); the pending count is atomic.
 */
#include "revoke.h"
#include "env.h"
#include "uvm.h"
#include "cpu.h"
#include "export.h"
#include "console.h"
#include "x86.h"
#include "audit.h"
#include "abi/error.h"

#define TAKE_BATCH	64	/* pages unmapped per TLB shootdown */

static int revoke_pending;	/* envs with a request pending; atomic */

static int request_open(struct env *cur, struct env *e, uint64_t npages, uint64_t us);

/* A page of e the kernel may take: e's own, mapped once, unpinned. */
static bool
revocable(const struct env *e, uint64_t pte)
{
	struct page *pg = pa2page(pte & PTE_ADDR_MASK);
	const struct page_export *x = page2ex(pg);

	return x->kind == PAGEK_USER && x->owner == e->id && x->maps == 1 &&
	       x->pins == 0 && !(pg->flags & PAGE_REGISTERED);
}

/* uvm_for_each_pte: forget that the page was touched, so that the abort
 * can tell what the env used after the request. */
static bool
clear_accessed(uintptr_t va, uint64_t *pte, void *arg)
{
	if (revocable(arg, *pte))
		__atomic_fetch_and(pte, ~PTE_A, __ATOMIC_RELAXED);
	return true;
}

/* One batch of pages being taken. */
struct take {
	struct env *e;
	bool untouched_only;		/* first pass: pages with PTE_A clear */
	size_t want;			/* pages still to take, all batches */
	size_t n;			/* in this batch */
	uintptr_t va[TAKE_BATCH];
	struct page *pg[TAKE_BATCH];
};

/* uvm_for_each_pte: unmap a page for the batch; stop when it is full. */
static bool
take_one(uintptr_t va, uint64_t *pte, void *arg)
{
	struct take *t = arg;
	uint64_t old = *pte;

	if (!revocable(t->e, old) || (t->untouched_only && (old & PTE_A)))
		return true;
	*pte = 0;
	t->va[t->n] = va;
	t->pg[t->n] = pa2page(old & PTE_ADDR_MASK);
	t->n++;
	return t->n < TAKE_BATCH && t->n < t->want;
}

/* Takes up to t->want pages in batches: the mappings go, every CPU drops
 * them, then the pages are freed and listed in the export. */
static void
take_pages(struct take *t)
{
	struct env_export *ex = t->e->ex;

	while (t->want > 0) {
		t->n = 0;
		uvm_for_each_pte(t->e, take_one, t);
		if (t->n == 0)
			return;
		tlb_flush_env(t->e);
		for (size_t i = 0; i < t->n; i++) {
			ex->revoke_taken_va[ex->revoke_taken % REVOKE_LOG] = t->va[i];
			ex->revoke_taken++;
			uvm_page_decref(t->pg[i]);
		}
		t->want -= t->n;
	}
}

/* e's lock held. */
static void
request_close(struct env *e)
{
	e->ex->revoke_deadline = 0;
	e->revoke_notify = false;
	__atomic_sub_fetch(&revoke_pending, 1, __ATOMIC_RELAXED);
}

/* The deadline passed with e still over its target: take the rest. */
static void
request_abort(struct env *e)
{
	struct take t = { .e = e, .untouched_only = true };
	uint64_t before = e->ex->pages;

	t.want = before - e->ex->revoke_target;
	take_pages(&t);
	t.untouched_only = false;
	take_pages(&t);
	e->ex->revoke_aborts++;
	cprintf("env [%08x] %s: missed a revocation deadline: the kernel took %lu of %lu pages\n",
		e->id, e->ex->name, before - e->ex->pages, before - e->ex->revoke_target);
	request_close(e);
}

int64_t
sys_mem_revoke(struct env *cur, const uint64_t *a)
{
	uint64_t npages = a[1], us = a[2];
	struct env *e;
	int r;

	if ((r = env_get((envid_t)a[0], &e, true)) < 0)
		return r;
	r = request_open(cur, e, npages, us);
	env_unlock(e);
	return r;
}

/* sys_mem_revoke's checks and the request, e locked. */
static int
request_open(struct env *cur, struct env *e, uint64_t npages, uint64_t us)
{
	if (e == cur || npages == 0)
		return -E_INVAL;	/* an env does not ask itself */
	if (e->status == ENV_ZOMBIE || e->dying)
		return -E_BAD_ENV;
	if (npages > e->ex->pages || us > REVOKE_DEADLINE_MAX_US)
		return -E_RANGE;
	if (e->ex->revoke_deadline)
		return -E_BUSY;		/* one request at a time */
	uvm_for_each_pte(e, clear_accessed, e);
	tlb_flush_env(e);
	e->revoke_start = e->ex->pages;
	e->ex->revoke_target = e->ex->pages - npages;
	e->ex->revoke_deadline = rdtsc() + us * clock_ex->tsc_hz / 1000000 + 1;
	e->ex->revoke_requests++;
	e->revoke_notify = true;
	__atomic_add_fetch(&revoke_pending, 1, __ATOMIC_RELAXED);
	return 0;
}

/* A pending request of e (locked): met, or past its deadline. */
static void
request_check(struct env *e, uint64_t now)
{
	if (e->ex->pages <= e->ex->revoke_target) {
		e->ex->revoke_returned += e->revoke_start - e->ex->revoke_target;
		request_close(e);
	} else if (now >= e->ex->revoke_deadline) {
		request_abort(e);
	}
}

/* On the BSP's tick only (it always ticks; idle APs do not): one scan
 * of the table a tick is enough, not one per CPU. */
void
revoke_tick(void)
{
	uint64_t now;

	if (__atomic_load_n(&revoke_pending, __ATOMIC_RELAXED) == 0 || this_cpu() != bsp)
		return;
	now = rdtsc();
	for (int i = 0; i < NENV; i++) {
		struct env *e = &envs[i];
		if (!e->ex->revoke_deadline)
			continue;	/* a glance; decided under the lock */
		env_lock(e);
		if (e->status != ENV_FREE && e->status != ENV_ZOMBIE && e->ex->revoke_deadline)
			request_check(e, now);
		env_unlock(e);
	}
}

/* e ends (env_end, no lock held): its request goes with it. */
void
revoke_forget(struct env *e)
{
	env_lock(e);
	if (e->ex->revoke_deadline)
		request_close(e);
	env_unlock(e);
}

/*
 * The revocation bookkeeping: revoke_pending counts the envs with a
 * request (revoke_deadline set), which only live envs have (revoke_forget
 * closes a request when its env ends); an env is told of a request only
 * while it is pending. Returns the problems found. Big kernel lock held.
 */
int
revoke_audit(void)
{
	int n = 0, pending = 0;

	for (int i = 0; i < NENV; i++) {
		const struct env *e = &envs[i];
		if (e->ex->revoke_deadline) {
			pending++;
			if (!audit_env_live(e))
				n += audit_report("revoke: [%08x] is %s with a request pending",
						  e->id, env_status_name(e->status));
		} else if (e->revoke_notify && audit_env_live(e)) {
			n += audit_report("revoke: [%08x] is to be told of no request", e->id);
		}
	}
	if (pending != revoke_pending)
		n += audit_report("revoke: %d requests pending, but the count says %d",
				  pending, revoke_pending);
	return n;
}
