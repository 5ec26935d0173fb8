/* Revocation of pages by the abort protocol (kern/revoke.c). */
#ifndef CHITIN_KERN_REVOKE_H
#define CHITIN_KERN_REVOKE_H
#include "kernel.h"

struct env;

void revoke_tick(void);			/* close met requests, abort late ones */
void revoke_forget(struct env *e);	/* e ends: drop its pending request */
int revoke_audit(void);			/* kern/audit.h */

#endif
