/* Delivering user exceptions to the env's own handler (its upcall). */
#ifndef CHITIN_KERN_UPCALL_H
#define CHITIN_KERN_UPCALL_H
#include "kernel.h"

struct env;
struct trapframe;

/* e faulted with tf (e->tf): redirect it into its exception upcall, or
 * destroy it with a message when that is impossible. */
void upcall_exception(struct env *e, struct trapframe *tf);
bool upcall_epilogue(struct env *e);
void upcall_revoke(struct env *e);	/* tell e of a revocation request */
void env_kill(struct env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
