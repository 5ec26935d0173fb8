/*
 * The kernel audit: checks the kernel's bookkeeping against what exists.
 * audit.c checks the physical pages (owner, kind, map and pin counts
 * against the page tables and the bindings that exist) and asks every
 * subsystem to check its own state: env_audit, sched_audit, slice_audit,
 * revoke_audit, nic_audit, filter_audit, bcache_audit, disk_audit,
 * disk_ops_audit. Each of those returns how many problems it found and
 * reports each one through audit_report; the bindings it holds on pages
 * it declares through audit_pin and audit_registered.
 *
 * The audit stops the world: every other CPU is parked at a point where
 * it holds no lock and has no half-done change (audit_park_point: on
 * entry from user mode or idle, and on the way back to user mode or to
 * idle), so the audit sees the state as it is between two system calls
 * without taking the locks. It only reports; it never repairs and never
 * panics.
 */
#ifndef CHITIN_KERN_AUDIT_H
#define CHITIN_KERN_AUDIT_H
#include "kernel.h"

struct env;
struct page;

/* Every check. Returns 0 when consistent, else the number of problems;
 * verbose prints each problem (the first AUDIT_PRINT_MAX of them) and a
 * closing "audit: ok, ..." or "audit: FAILED, ..." line. */
int audit_kernel(bool verbose);
/* KDEBUG_AUDIT_SELFTEST: breaks one invariant of each kind in turn,
 * reversibly, and checks the audit notices (kern/audit.c). */
int64_t audit_selftest(void);
void audit_init(void);		/* at boot, after pmap_init */
/* Called where this CPU holds no lock: parks while another CPU audits. */
void audit_park_point(void);

/* For the subsystems' audits. */
#define AUDIT_PRINT_MAX	30
/* One problem: printed (prefixed "audit: ") when the audit is verbose.
 * Returns 1, so that a check can count with `n += audit_report(...)`. */
int audit_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A binding holds one pin on pg; the registry holds pg. Each returns 1
 * (and reports) if pg is no page of RAM, else 0. */
int audit_pin(struct page *pg);
int audit_registered(struct page *pg);
bool audit_env_live(const struct env *e);	/* not free, not a zombie */

#endif
