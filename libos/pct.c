/*
 * Protected control transfer: a call that switches the CPU straight into
 * another env's registered entry with six words, and the answer that
 * switches back. The caller's side is one system call with the words in
 * registers (pct_call); the server's side is the entry in pctentry.S,
 * which runs the handler pct_serve registered.
 */
#include "libos.h"

pct_handler_t pct_handler;

/* sys_pct_return with the six answers in their registers: resumes the
 * caller, and comes back only with an error. */
static int64_t
pct_answer(const struct pct_args *args)
{
	register uint64_t rsi asm("rsi") = args->a[0];
	register uint64_t rdx asm("rdx") = args->a[1];
	register uint64_t r10 asm("r10") = args->a[2];
	register uint64_t r8 asm("r8") = args->a[3];
	register uint64_t r9 asm("r9") = args->a[4];
	register uint64_t r12 asm("r12") = args->a[5];
	int64_t r = SYS_pct_return;

	asm volatile("syscall"
		     : "+a" (r), "+r" (rsi), "+r" (rdx), "+r" (r10), "+r" (r8),
		       "+r" (r9), "+r" (r12)
		     : : "rcx", "r11", "memory");
	return r;
}

/* From pct_entry, for each call: runs the handler, then answers with the
 * six words it left in *args. */
void
pct_dispatch(envid_t caller, struct pct_args *args)
{
	pct_handler(caller, args);
	panic("pct_return: %s", errstr(pct_answer(args)));
}

/* Maps the PCT stack once. */
static int
pct_stack_init(void)
{
	uintptr_t va;
	int64_t r;

	for (va = ULIB_PCT_STACKTOP - ULIB_PCT_STACK_PAGES * PGSIZE;
	     va < ULIB_PCT_STACKTOP; va += PGSIZE) {
		if (uvpt_pte(va) & PERM_P)
			continue;
		r = sys_page_alloc(0, va, PERM_P | PERM_W | PERM_NX, PPN_ANY);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

/* The first sys_pct_return, with no caller pending: it only starts the
 * wait for calls, and returns only with an error. */
static int64_t
pct_wait(void)
{
	register uint64_t r10 asm("r10") = 0;
	register uint64_t r8 asm("r8") = 0;
	register uint64_t r9 asm("r9") = 0;
	register uint64_t r12 asm("r12") = 0;
	int64_t r = SYS_pct_return;

	asm volatile("syscall"
		     : "+a" (r), "+r" (r10), "+r" (r8), "+r" (r9), "+r" (r12)
		     : "S" (0UL), "d" (0UL)
		     : "rcx", "r11", "memory");
	return r;
}

/* Makes h this env's PCT handler and waits for calls: from here on the
 * env only runs calls (a handler may still exit). Returns only on an
 * error: the kernel's, from mapping the PCT stack, registering the entry
 * or starting the wait. */
int
pct_serve(pct_handler_t h)
{
	int64_t r;

	if ((r = pct_stack_init()) < 0)
		return (int)r;
	pct_handler = h;
	r = sys_env_set_upcall(0, UPCALL_PCT, (uintptr_t)pct_entry,
			       ULIB_PCT_STACKTOP);
	if (r < 0)
		return (int)r;
	return (int)pct_wait();
}

/* Calls env to with the six words in *args, which its six answers
 * replace. Returns 0, or the kernel's error (then *args is unchanged):
 * e.g. -E_BAD_ENV for no such env, -E_NO_ENTRY when it registered no
 * entry or is not waiting for calls. */
int64_t
pct_call(envid_t to, struct pct_args *args)
{
	register uint64_t rsi asm("rsi") = args->a[0];
	register uint64_t rdx asm("rdx") = args->a[1];
	register uint64_t r10 asm("r10") = args->a[2];
	register uint64_t r8 asm("r8") = args->a[3];
	register uint64_t r9 asm("r9") = args->a[4];
	register uint64_t r12 asm("r12") = args->a[5];
	int64_t r = SYS_pct_call;

	asm volatile("syscall"
		     : "+a" (r), "+r" (rsi), "+r" (rdx), "+r" (r10),
		       "+r" (r8), "+r" (r9), "+r" (r12)
		     : "D" ((int64_t)to)
		     : "rcx", "r11", "memory");
	if (r < 0)
		return r;
	args->a[0] = rsi;
	args->a[1] = rdx;
	args->a[2] = r10;
	args->a[3] = r8;
	args->a[4] = r9;
	args->a[5] = r12;
	return r;
}
