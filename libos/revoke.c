/*
 * Revocation requests as the library sees them. The kernel enters the
 * revoke upcall (UPCALL_REVOKE, registered here on the exception stack
 * with the same assembly entry as exceptions) when an ancestor asks for
 * pages back; exception_dispatch hands it to revoke_dispatch, which calls
 * the program's handler. The request itself stays readable in the env's
 * export until it is met or the deadline passes (kern/revoke.c).
 */
#include "libos.h"

static revoke_handler_t revoke_handler;

int
revoke_set_handler(revoke_handler_t h)
{
	revoke_handler = h;
	return (int)sys_env_set_upcall(0, UPCALL_REVOKE, h ? (uintptr_t)upcall_entry : 0,
				       h ? UXSTACKTOP : 0);
}

void
revoke_dispatch(struct utrapframe *utf)
{
	if (revoke_handler)
		revoke_handler(utf->err, utf->fault_va);
}

uint64_t
revoke_wanted(void)
{
	if (!thisenv->revoke_deadline || thisenv->pages <= thisenv->revoke_target)
		return 0;
	return thisenv->pages - thisenv->revoke_target;
}
