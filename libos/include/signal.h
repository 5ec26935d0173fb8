/*
 * Signals, as far as Chitin has them: kill() ends an env (the kernel
 * lets an env destroy itself and its descendants only), and the console's
 * interrupt character (^C) ends a program reading the console unless it
 * chose SIG_IGN or a handler for SIGINT.
 */
#ifndef CHITIN_SIGNAL_H
#define CHITIN_SIGNAL_H

#include <sys/types.h>

#define SIGHUP		1
#define SIGINT		2
#define SIGQUIT		3
#define SIGKILL		9
#define SIGPIPE		13
#define SIGTERM		15
#define NSIG		32

typedef void (*sighandler_t)(int);
#define SIG_DFL		((sighandler_t)0)
#define SIG_IGN		((sighandler_t)1)
#define SIG_ERR		((sighandler_t)-1)

/* sig 0 only checks that pid exists; any other destroys it (and its
 * descendants). -1 and errno ESRCH when pid is not me or mine. */
int kill(pid_t pid, int sig);
/* Only SIGINT (the console's ^C) is delivered; others are accepted. */
sighandler_t signal(int sig, sighandler_t handler);
int raise(int sig);
const char *strsignal(int sig);

#endif
