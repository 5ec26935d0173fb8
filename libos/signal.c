/*
 * What Chitin has of signals. The kernel has none: an env ends another
 * by destroying it (itself or a descendant only), so kill() is that.
 * Two events are delivered in the library, synchronously, to the env
 * they concern: the console's ^C to a program reading the console
 * (SIGINT), and a write to a pipe nobody reads (SIGPIPE). By default
 * both end the program as Unix would (status 128 + the signal).
 */
#include "libos.h"
#include <errno.h>
#include <signal.h>
#include <unistd.h>

static sighandler_t handlers[NSIG];

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
console_interrupt(void)
{
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
