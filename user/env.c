/*
 * env: the environment, or a command run with more of it.
 *
 *   env [NAME=value...] [COMMAND [ARG...]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

int
main(int argc, char **argv)
{
	int i = 1, st;
	pid_t pid;

	if (argc > 1 && argv[1][0] == '-') {
		fprintf(stderr, "usage: env [name=value...] [command [arg...]]\n");
		return 2;
	}
	for (; i < argc && strchr(argv[i], '=') != NULL; i++)
		putenv(argv[i]);
	if (i == argc) {
		for (char **e = environ; e != NULL && *e != NULL; e++)
			printf("%s\n", *e);
		return 0;
	}
	if ((pid = spawnvp(argv[i], argv + i)) < 0) {
		fprintf(stderr, "env: %s: %s\n", argv[i], strerror(errno));
		return 127;
	}
	if (waitpid(pid, &st, 0) < 0)
		return 1;
	return st < 0 ? 137 : st & 255;
}
