/*
 * Time slices as an exposed resource: each CPU's vector of SLICE_SLOTS
 * slots (kern/abi/env.h), owned by envs or shared, exported read-only in
 * cpu_export.slot_owner. CPU c's vector is under c's run-queue
 * lock (kern/sched.c); an env's slots_owned changes atomically.
 */
#ifndef CHITIN_KERN_SLICE_H
#define CHITIN_KERN_SLICE_H
#include "kernel.h"

struct env;
struct cpu;

void slice_release_all(struct env *e);		/* e is going away */
int slice_audit(void);				/* kern/audit.h */

#endif
