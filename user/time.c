/*
 * time: run a command and say how long it took.
 *
 *   time COMMAND [ARG...]
 *
 * Reports, on stderr, the wall-clock time and the TSC cycles the
 * command's env ran (from the environment table, read before it is
 * reaped), and exits with the command's status.
 */
#include <chitin.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

int
main(int argc, char **argv)
{
	const volatile struct env_export *e;
	uint64_t t0, t1, cycles = 0;
	int st = 0;
	pid_t pid;

	if (argc < 2 || (argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr, "usage: time command [arg...]\n");
		return 2;
	}
	t0 = time_ns();
	if ((pid = spawnvp(argv[1], argv + 1)) < 0) {
		fprintf(stderr, "time: %s: %s\n", argv[1],
			errno == ENOENT ? "command not found" : strerror(errno));
		return 127;
	}
	e = env_lookup(pid);
	while (e->id == pid && e->status != ENV_ZOMBIE && e->status != ENV_FREE)
		sys_yield();
	t1 = time_ns();
	if (e->id == pid)
		cycles = e->cycles;
	if (waitpid(pid, &st, 0) < 0)
		st = 1;
	fprintf(stderr, "real %lu.%03lus  cycles %lu (%lu ms of CPU)\n",
		(unsigned long)((t1 - t0) / 1000000000ULL),
		(unsigned long)((t1 - t0) / 1000000ULL % 1000), (unsigned long)cycles,
		(unsigned long)(cycles / (time_tsc_hz() / 1000)));
	return st < 0 ? 137 : st & 255;
}
