/*
 * kill: end environments.
 *
 *   kill [-SIGNAL] ENVID...
 *
 * The kernel lets an env end only itself and its descendants, so this
 * program can end only what it started; the shell's built-in kill ends
 * what the shell started (its jobs). A signal is accepted for the
 * familiar syntax; every one ends the env.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
usage(void)
{
	fprintf(stderr, "usage: kill [-SIGNAL] envid...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	int i = 1, st = 0, sig = SIGTERM;
	char *end;
	long id;

	if (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "-KILL") == 0) {
			sig = SIGKILL;
		} else {
			sig = (int)strtol(argv[1] + 1, &end, 10);
			if (*end != '\0' || sig <= 0 || sig >= NSIG)
				return usage();
		}
		i = 2;
	}
	if (i >= argc)
		return usage();
	for (; i < argc; i++) {
		id = strtol(argv[i], &end, 0);
		if (argv[i][0] == '\0' || *end != '\0' || id <= 0) {
			fprintf(stderr, "kill: %s: not an env id\n", argv[i]);
			st = 1;
			continue;
		}
		if (kill((pid_t)id, sig) < 0) {
			fprintf(stderr, "kill: %s: %s%s\n", argv[i], strerror(errno),
				errno == EPERM ? " (only an ancestor may end an env: "
				"try the shell's kill)" : "");
			st = 1;
		}
	}
	return st;
}
