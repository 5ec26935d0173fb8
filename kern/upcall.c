/*
 * User exceptions go to the env, not to the kernel's judgement: the
 * kernel writes a struct utrapframe (kern/abi/env.h) on the env's
 * exception stack and resumes the env at its registered entry. The
 * library OS returns to the faulting code by itself.
 *
 * The frame goes at the top of the exception stack, or, when the fault
 * happened on that stack already (a fault in the handler), below the
 * interrupted %rsp and its 128-byte red zone (System V AMD64 ABI, 3.2.2).
 * An env with no handler, a handler stack that is not mapped writable or
 * that would overflow is destroyed with a message.
 */
#include "upcall.h"
#include "env.h"
#include "uvm.h"
#include "trap.h"
#include "cpu.h"
#include "console.h"
#include "string.h"
#include "x86.h"

#define RED_ZONE	128

void
env_kill(struct env *e, const char *fmt, ...)
{
	va_list ap;
	char why[160];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cprintf("env [%08x] %s: killed by the kernel: %s\n", e->id, e->ex->name, why);
	env_destroy(e, -1);
}

static void
kill_for_fault(struct env *e, const struct trapframe *tf, const char *why)
{
	env_kill(e, "%s: vector %lu (%s) at rip 0x%lx, va 0x%lx, err 0x%lx", why,
		 tf->vector, trap_name((int)tf->vector), tf->rip,
		 tf->vector == T_PF ? rcr2() : 0, tf->err);
}

/* Where the frame goes on the stack of upcall kind, or 0 if it does not
 * fit: at the top, or below the red zone when already on that stack. */
static uintptr_t
frame_address(const struct env *e, int kind, const struct trapframe *tf)
{
	uintptr_t top = e->upcall_stack[kind];
	uintptr_t bottom = top - UXSTACK_SIZE, sp = top;

	if (tf->rsp > bottom && tf->rsp <= top)
		sp = tf->rsp - RED_ZONE;
	if (sp < bottom + sizeof(struct utrapframe))
		return 0;
	return ROUNDDOWN(sp - sizeof(struct utrapframe), 16);
}

/* Writes the interrupted state at frame and points tf at the upcall's
 * entry; false if the frame cannot be written. */
static bool
upcall_enter(struct env *e, int kind, struct trapframe *tf, uintptr_t frame,
	     uint64_t vector, uint64_t err, uint64_t va)
{
	struct utrapframe utf;

	utf.vector = vector;
	utf.err = err;
	utf.fault_va = va;
	memcpy(&utf.regs, tf, offsetof(struct user_regs, rip));
	utf.regs.rip = tf->rip;
	utf.regs.rflags = tf->rflags;
	utf.regs.rsp = tf->rsp;
	if (copy_to_user(e, frame, &utf, sizeof(utf)) < 0)
		return false;
	tf->rip = e->upcall_entry[kind];
	tf->rsp = frame;
	tf->rdi = frame;
	tf->rflags &= ~(FL_TF | FL_DF);
	tf->vector = 0;		/* leave by iretq: every register matters */
	return true;
}

/* Why e cannot take its exception upcall, or NULL when it took it. Under
 * e's lock: an ancestor may change its registration or its stack. */
static const char *
exception_enter(struct env *e, struct trapframe *tf)
{
	uintptr_t frame;

	if (!e->upcall_entry[UPCALL_EXCEPTION])
		return "exception with no handler";
	if (!(frame = frame_address(e, UPCALL_EXCEPTION, tf)))
		return "exception stack overflow";
	if (!upcall_enter(e, UPCALL_EXCEPTION, tf, frame, tf->vector, tf->err,
			  tf->vector == T_PF ? rcr2() : 0))
		return "exception stack not mapped writable";
	return NULL;
}

void
upcall_exception(struct env *e, struct trapframe *tf)
{
	const char *why;

	e->ex->faults++;
	env_lock(e);
	why = exception_enter(e, tf);
	env_unlock(e);
	if (why)
		kill_for_fault(e, tf, why);	/* no lock held: it ends e */
}

/* sp is on e's upcall stack of that kind. */
static bool
on_upcall_stack(const struct env *e, int kind, uint64_t sp)
{
	uintptr_t top = e->upcall_stack[kind];

	return top && sp > top - UXSTACK_SIZE && sp <= top;
}

/*
 * The slice of e (running, interrupted in user mode) is over: enter its
 * epilogue upcall if it has one. Not when it is on one of its upcall
 * stacks: on the epilogue stack it is still finishing the last epilogue;
 * on the exception (or revocation) stack it may be handling a fault the
 * epilogue itself took -- a copy-on-write write to a global after fork --
 * and a new epilogue frame at the top of the epilogue stack would
 * overwrite that epilogue's live frames (threads failed so, at 1 in about
 * 20 runs under load). Then, as when its stack is unusable, it is simply
 * preempted. Returns true when the upcall was entered.
 */
static bool
epilogue_enter(struct env *e)
{
	struct trapframe *tf = &e->tf;
	uintptr_t top = e->upcall_stack[UPCALL_EPILOGUE], frame;

	if (!e->upcall_entry[UPCALL_EPILOGUE] || e->in_epilogue || e->dying)
		return false;
	if (on_upcall_stack(e, UPCALL_EPILOGUE, tf->rsp) ||
	    on_upcall_stack(e, UPCALL_EXCEPTION, tf->rsp) ||
	    on_upcall_stack(e, UPCALL_REVOKE, tf->rsp))
		return false;
	frame = ROUNDDOWN(top - sizeof(struct utrapframe), 16);
	if (!upcall_enter(e, UPCALL_EPILOGUE, tf, frame, UPCALL_VECTOR_EPILOGUE, 0, 0))
		return false;
	e->in_epilogue = true;
	e->ex->epilogues++;
	return true;
}

bool
upcall_epilogue(struct env *e)
{
	bool entered;

	env_lock(e);
	entered = epilogue_enter(e);
	env_unlock(e);
	return entered;
}

/*
 * e is about to return to user mode with a revocation request it has not
 * been told of (kern/revoke.c): enter its revoke upcall, on the stack it
 * registered for it, with the number of pages asked for and the deadline.
 * With no upcall, or no room for the frame, the request still stands in
 * the export and the deadline decides.
 */
void
upcall_revoke(struct env *e)
{
	uintptr_t frame;

	env_lock(e);
	e->revoke_notify = false;
	if (e->upcall_entry[UPCALL_REVOKE] && !e->dying &&
	    (frame = frame_address(e, UPCALL_REVOKE, &e->tf)) != 0)
		upcall_enter(e, UPCALL_REVOKE, &e->tf, frame, UPCALL_VECTOR_REVOKE,
			     e->revoke_start - e->ex->revoke_target, e->ex->revoke_deadline);
	env_unlock(e);
}
