/*
 * testpiperace: forks, exits and closes around pipes never make an end
 * look closed while it is not, never lose data, never hang.
 *
 *  1. A child holding both ends forks short-lived grandchildren (each
 *     maps and unmaps both ends again) as fast as it can, while this env
 *     keeps reading its copy of the read end without blocking: it must
 *     never see end of file, since it holds a write end itself; and
 *     writing must never fail with EPIPE.
 *  2. Many rounds of: pipe, fork, the child writes a message and exits
 *     (closing its ends or leaving that to the kernel), this env reads
 *     it to the end of file: every message arrives whole, every round
 *     ends.
 */
#include "testutil.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#define FORKS	100
#define ROUNDS	100

static int fails;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fails++;						\
		cprintf("testpiperace: FAIL line %d: ", __LINE__);	\
		cprintf(__VA_ARGS__);					\
		cprintf("\n");						\
	}								\
} while (0)

static void
forker(void)
{
	int i, st;
	pid_t g;

	for (i = 0; i < FORKS; i++) {
		if ((g = fork()) == 0)
			exit(0);
		if (g > 0)
			waitpid(g, &st, 0);
	}
	exit(0);
}

static void
churn(void)
{
	const volatile struct env_export *e;
	int p[2], looks = 0, eofs = 0, epipes = 0;
	pid_t kid;
	ssize_t r;
	char c;

	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(p) == 0, "pipe");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	if ((kid = fork()) == 0)
		forker();
	CHECK(kid > 0, "fork");
	e = env_lookup(kid);
	while (e->id == kid && e->status != ENV_ZOMBIE) {
		r = read(p[0], &c, 1);
		eofs += r == 0;
		r = write(p[1], "z", 1);
		epipes += r < 0 && errno == EPIPE;
		read(p[0], &c, 1);
		looks++;
	}
	waitpid(kid, NULL, 0);
	CHECK(eofs == 0, "end of file seen %d times in %d looks while a writer lived", eofs, looks);
	CHECK(epipes == 0, "EPIPE %d times in %d looks while a reader lived", epipes, looks);
	close(p[1]);
	fcntl(p[0], F_SETFL, 0);
	while ((r = read(p[0], &c, 1)) > 0)
		;
	CHECK(r == 0, "end of file once the last writer closed");
	close(p[0]);
	cprintf("testpiperace: %d looks during %d forks, no false end\n", looks, FORKS);
}

static void
rounds(void)
{
	char msg[64], buf[128];
	int i, p[2], st;
	size_t len, got;
	ssize_t r;
	pid_t kid;

	for (i = 0; i < ROUNDS; i++) {
		snprintf(msg, sizeof(msg), "round %d: the message is whole", i);
		len = strlen(msg);
		CHECK(pipe(p) == 0, "pipe in round %d", i);
		if ((kid = fork()) == 0) {
			close(p[0]);
			write(p[1], msg, len);
			if (i % 2)
				close(p[1]);	/* else the kernel's teardown closes it */
			exit(0);
		}
		CHECK(kid > 0, "fork in round %d", i);
		close(p[1]);
		got = 0;
		while ((r = read(p[0], buf + got, sizeof(buf) - got)) > 0)
			got += (size_t)r;
		close(p[0]);
		CHECK(r == 0 && got == len && memcmp(buf, msg, len) == 0,
		      "round %d: got %zu bytes, wanted %zu", i, got, len);
		waitpid(kid, &st, 0);
	}
	cprintf("testpiperace: %d fork/write/exit rounds complete\n", ROUNDS);
}

int
main(int argc, char **argv)
{
	churn();
	rounds();
	if (fails == 0)
		cprintf("testpiperace: ok\n");
	return tu_audit("testpiperace") || fails != 0;
}
