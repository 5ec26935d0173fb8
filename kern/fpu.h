/*
 * User FPU/SSE state. The kernel itself never touches the x87 or SSE
 * registers (it is built with -mgeneral-regs-only), so an env's state may
 * stay in a CPU's registers while the kernel runs; it is saved only when
 * that CPU switches to another env or goes idle (FXSAVE, SDM vol. 1,
 * 10.5).
 */
#ifndef CHITIN_KERN_FPU_H
#define CHITIN_KERN_FPU_H
#include "kernel.h"

struct env;
struct cpu;

void fpu_init_this_cpu(void);		/* CR4.OSFXSR/OSXMMEXCPT; the initial image */
void fpu_init_env(struct env *e);	/* a fresh env's state */
void fpu_load(struct env *e);		/* make e's state live on this CPU */
void fpu_release_env(struct env *e);	/* leaving e: save it if live here */
void fpu_release(void);			/* this CPU goes idle: save what it holds */
void fpu_sync(struct env *e);		/* e->fpu up to date (e live here or nowhere) */
void fpu_forget(struct env *e);		/* e is being freed */

#endif
