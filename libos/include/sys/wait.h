/*
 * Waiting for children (libos/proc.c).
 *
 * A status here is what the child passed to exit (0..255 as the shell
 * shows it), or -1 when the kernel destroyed it (kill, a bad upcall):
 * WIFEXITED/WEXITSTATUS and WIFSIGNALED/WTERMSIG read it. Chitin's own
 * wait(child, &status) (chitin.h) takes the child first; with this header
 * wait(&status) is POSIX's too: one argument waits for any child.
 */
#ifndef CHITIN_SYS_WAIT_H
#define CHITIN_SYS_WAIT_H

#include <sys/types.h>

#define WNOHANG		1

#define WIFEXITED(s)	((s) >= 0)
#define WEXITSTATUS(s)	((s) & 0xff)
#define WIFSIGNALED(s)	((s) < 0)
#define WTERMSIG(s)	9	/* SIGKILL: the only way an env is ended */

pid_t waitpid(pid_t pid, int *status, int options);	/* pid -1: any */
pid_t wait_any(int *status);

/* wait(&st) as POSIX, wait(child, &st) as chitin.h: by argument count. */
int wait(int32_t child, int *status);
#define WAIT_PICK_(a, b, name, ...) name
#define wait(...) WAIT_PICK_(__VA_ARGS__, wait, wait_any)(__VA_ARGS__)

#endif
