/*
 * Time slices as an exposed resource: each CPU's vector of SLICE_SLOTS
 * slots (kern/abi/env.h), owned by envs or shared, exported read-only in
 * cpu_export.slot_owner. Under the scheduler's lock (kern/sched.c).
 */
#ifndef CHITIN_KERN_SLICE_H
#define CHITIN_KERN_SLICE_H
#include "kernel.h"

struct env;
struct cpu;

struct env *slice_owner_here(struct cpu *c);	/* the current slot's owner, if it can run here */
void slice_release_all(struct env *e);		/* e is going away */
int slice_audit(void);				/* kern/audit.h */

#endif
