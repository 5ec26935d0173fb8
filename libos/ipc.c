/*
 * Synchronous IPC: a word and optionally a page. What the last receive
 * got is in my exported env entry (thisenv->ipc_*), so the kernel answers
 * with nothing but a status.
 */
#include "libos.h"

/* Waits for a message and returns its word. With pg, a page the sender
 * offers is mapped at pg (replacing what was there). *from gets the
 * sender and *perm the page's permissions (0: no page came); on an error
 * (a bad pg: -E_INVAL, -E_FAULT) both get 0 and the error is returned, as
 * a uint64_t. */
uint64_t (*ipc_recv_hook)(envid_t *from, void *pg, uint64_t *perm);

uint64_t
ipc_recv(envid_t *from, void *pg, uint64_t *perm)
{
	int64_t r;

	if (ipc_recv_hook)
		return ipc_recv_hook(from, pg, perm);
	r = sys_ipc_recv(pg != NULL ? (uintptr_t)pg : UTOP);

	if (r < 0) {
		if (from != NULL)
			*from = 0;
		if (perm != NULL)
			*perm = 0;
		return (uint64_t)r;
	}
	if (from != NULL)
		*from = thisenv->ipc_from;
	if (perm != NULL)
		*perm = thisenv->ipc_perm;
	return thisenv->ipc_value;
}

/* Sends value (and the page at pg with perm, if pg) to env to, giving it
 * my CPU until it is waiting to receive. Panics on any other error: a
 * message to a missing env is the program's bug. */
void
ipc_send(envid_t to, uint64_t value, void *pg, uint64_t perm)
{
	uintptr_t va = pg != NULL ? (uintptr_t)pg : UTOP;
	int64_t r;

	while ((r = sys_ipc_send(to, value, va, pg != NULL ? perm : 0)) ==
	       -E_IPC_NOT_RECV) {
		if (sys_yield_to(to) < 0)
			sys_yield();
	}
	if (r < 0)
		panic("ipc_send to %08x: %s", to, errstr(r));
}
