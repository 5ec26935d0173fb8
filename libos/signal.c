/*
 * What Chitin has of signals. The kernel has none: an env ends another
 * by destroying it (itself or a descendant only), so kill() is that.
 * Two events are delivered in the library, synchronously, to the env
 * they concern: the console's ^C (SIGINT) to a program whose stdin is
 * the console, when it reads it or writes or sleeps, and a write to a
 * pipe nobody reads (SIGPIPE). By default both end the program as Unix
 * would (status 128 + the signal).
 *
 * The kernel counts the ^C keys it receives in the clock page
 * (cons_intr); a program that never reads the console (a runaway `yes`)
 * learns of one there. A background job of the shell has another stdin,
 * so only the foreground pipeline's commands that kept the console as
 * stdin stop, as a terminal's foreground process group would.
 */
#include "libos.h"
#include <errno.h>
#include <signal.h>
#include <unistd.h>

static sighandler_t handlers[NSIG];
static uint64_t intr_seen;	/* the ^C count last acted on */

/* C's signal: only SIGINT and SIGPIPE are ever raised by the library;
 * the others are accepted and never happen. */
sighandler_t
signal(int sig, sighandler_t handler)
{
	sighandler_t old;

	if (sig <= 0 || sig >= NSIG || sig == SIGKILL) {
		errno = EINVAL;
		return SIG_ERR;
	}
	old = handlers[sig];
	handlers[sig] = handler;
	return old;
}

/* Runs sig's disposition: a handler, nothing (SIG_IGN), or the end. */
int
raise(int sig)
{
	sighandler_t h;

	if (sig <= 0 || sig >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	h = handlers[sig];
	if (h == SIG_IGN)
		return 0;
	if (h != SIG_DFL) {
		h(sig);
		return 0;
	}
	if (sig == SIGPIPE)
		_exit(128 + sig);	/* stdio would only write to the pipe again */
	exit(128 + sig);
}

/* See libos.h. */
void
console_interrupt_init(void)
{
	intr_seen = UCLOCK_PAGE->cons_intr;
}

/* See libos.h. */
uint64_t
console_interrupt_seen(void)
{
	return intr_seen;
}

/* See libos.h. */
void
console_interrupt_inherit(uint64_t seen)
{
	intr_seen = seen;
}

/* See libos.h. The line discipline read a ^C: unless the check below
 * already raised SIGINT for it. */
void
console_interrupt(void)
{
	uint64_t n = UCLOCK_PAGE->cons_intr;

	if (n == intr_seen)
		return;
	intr_seen = n;
	raise(SIGINT);
}

/* See libos.h. */
bool
console_interrupt_pending(void)
{
	return UCLOCK_PAGE->cons_intr != intr_seen;
}

/* See libos.h. */
void
console_interrupt_check(void)
{
	uint64_t n = UCLOCK_PAGE->cons_intr;

	if (n == intr_seen)
		return;
	intr_seen = n;
	if (isatty(0))
		raise(SIGINT);
}

/* POSIX kill: sig 0 asks whether pid exists; any other destroys it and
 * its descendants. ESRCH when there is no such env, EPERM when it is
 * neither me nor mine. */
int
kill(pid_t pid, int sig)
{
	const volatile struct env_export *e;
	int64_t r;

	if (sig < 0 || sig >= NSIG)
		return (int)posix_ret(-EINVAL);
	if (pid == 0)
		pid = thisenv->id;
	e = env_lookup(pid);
	if (pid < 0 || e->id != pid || e->status == ENV_FREE || e->status == ENV_ZOMBIE)
		return (int)posix_ret(-ESRCH);
	if (sig == 0)
		return 0;
	if (pid == thisenv->id)
		stdio_flush_all();
	r = sys_env_destroy(pid);
	if (r == -E_BAD_ENV)
		return (int)posix_ret(-EPERM);
	return (int)posix_ret_e(r);
}

const char *
strsignal(int sig)
{
	switch (sig) {
	case SIGHUP: return "Hangup";
	case SIGINT: return "Interrupt";
	case SIGQUIT: return "Quit";
	case SIGKILL: return "Killed";
	case SIGPIPE: return "Broken pipe";
	case SIGTERM: return "Terminated";
	}
	return "Unknown signal";
}
