/*
 * netrun: runs a list of programs from one command line, for the network
 * tests, which boot one init program but need several at once (a server
 * and its clients, two programs with different tuning).
 *
 *   netrun PROG ARGS... [& PROG ARGS...] [; PROG ARGS...] ...
 *
 * A program followed by "&" runs in the background; one followed by ";"
 * (or the end) is waited for, and "netrun: PROG exited with status N" is
 * printed. "sleep MS" waits. At the end netrun waits for the background
 * programs too, unless the last separator was "&", then prints
 * "netrun: done".
 */
#include <chitin.h>
#include <unistd.h>

#define ARGS_MAX	64
#define BG_MAX		16

static envid_t bg[BG_MAX];
static int nbg;

static void
run(char **args, bool background)
{
	envid_t child;
	int status;

	if (strcmp(args[0], "sleep") == 0 && args[1]) {
		usleep((useconds_t)strtol(args[1], NULL, 0) * 1000);
		return;
	}
	child = spawn(args[0], (const char **)args);
	if (child < 0) {
		cprintf("netrun: spawn %s: %s\n", args[0], errstr(child));
		return;
	}
	if (background) {
		if (nbg < BG_MAX)
			bg[nbg++] = child;
		return;
	}
	if (wait(child, &status) == child)
		cprintf("netrun: %s exited with status %d\n", args[0], status);
}

int
main(int argc, char **argv)
{
	char *args[ARGS_MAX + 1];
	bool last_bg = false;
	int n = 0, status;

	for (int i = 1; i <= argc; i++) {
		bool end = i == argc;
		if (!end && strcmp(argv[i], "&") != 0 && strcmp(argv[i], ";") != 0) {
			if (n < ARGS_MAX)
				args[n++] = argv[i];
			continue;
		}
		if (n > 0) {
			args[n] = NULL;
			last_bg = !end && argv[i][0] == '&';
			run(args, last_bg);
		}
		n = 0;
	}
	for (int i = 0; i < nbg && !last_bg; i++)
		if (wait(bg[i], &status) == bg[i])
			cprintf("netrun: background program exited with status %d\n", status);
	cprintf("netrun: done\n");
	return 0;
}
