/*
 * testpipe: a large transfer through pipes arrives intact, and the ends
 * behave: end of file when the writers are gone, EPIPE for a writer
 * whose readers are gone, O_NONBLOCK, descriptors passed to a spawned
 * program.
 *
 *   testpipe [MIB]      default 4
 *
 * The big transfer goes writer (a forked child) -> pipe -> cat (spawned
 * with the pipes as stdin and stdout) -> pipe -> this env, which checks
 * every byte against the writer's pseudo-random stream and reports the
 * throughput.
 */
#include "testutil.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define CHUNK	8192

pid_t spawn_fds(const char *path, char *const argv[], char *const envp[],
		const int *fds, int nfds);

static int fails;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fails++;						\
		cprintf("testpipe: FAIL line %d: ", __LINE__);		\
		cprintf(__VA_ARGS__);					\
		cprintf("\n");						\
	}								\
} while (0)

static uint8_t
stream_byte(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint8_t)(*state >> 56);
}

static void
writer(int fd, uint64_t total)
{
	static uint8_t buf[CHUNK];
	uint64_t state = 42, done = 0;
	size_t i, n;

	while (done < total) {
		n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
		n -= done % 7;		/* odd sizes, so chunks straddle the ring's end */
		for (i = 0; i < n; i++)
			buf[i] = stream_byte(&state);
		if (write(fd, buf, n) != (ssize_t)n)
			exit(3);
		done += n;
	}
	exit(0);
}

/* The big transfer through writer -> cat -> me. */
static void
transfer(uint64_t total)
{
	static uint8_t buf[CHUNK];
	char *cat_argv[] = { "cat", NULL };
	int a[2], b[2], fds[3], st;
	uint64_t state = 42, got = 0, t0, ns;
	pid_t w, cat;
	ssize_t n, i;

	CHECK(pipe(a) == 0 && pipe(b) == 0, "pipe: %s", strerror(errno));
	if ((w = fork()) == 0) {
		close(a[0]);
		close(b[0]);
		close(b[1]);
		writer(a[1], total);
	}
	fds[0] = a[0];
	fds[1] = b[1];
	fds[2] = 2;
	cat = spawn_fds("cat", cat_argv, NULL, fds, 3);
	CHECK(w > 0 && cat > 0, "fork %d, spawn cat %d", w, cat);
	close(a[0]);
	close(a[1]);
	close(b[1]);
	t0 = time_ns();
	while ((n = read(b[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != stream_byte(&state)) {
				CHECK(0, "byte %lu differs", (unsigned long)(got + (uint64_t)i));
				break;
			}
		}
		if (i < n)
			break;
		got += (uint64_t)n;
	}
	ns = time_ns() - t0;
	close(b[0]);
	CHECK(got == total, "got %lu of %lu bytes", (unsigned long)got, (unsigned long)total);
	CHECK(waitpid(w, &st, 0) == w && st == 0, "writer status %d", st);
	CHECK(waitpid(cat, &st, 0) == cat && st == 0, "cat status %d", st);
	cprintf("testpipe: %lu bytes through writer | cat | reader in %lu ms: %lu KiB/s\n",
		(unsigned long)got, (unsigned long)(ns / 1000000),
		(unsigned long)(ns ? got * 1000000000ULL / ns / 1024 : 0));
}

/* End of file, EPIPE and O_NONBLOCK on one pipe in one env. */
static void
ends(void)
{
	char c;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(p) == 0, "pipe");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	CHECK(read(p[0], &c, 1) == -1 && errno == EAGAIN, "empty non-blocking read");
	CHECK(write(p[1], "x", 1) == 1, "write");
	CHECK(read(p[0], &c, 1) == 1 && c == 'x', "read back");
	CHECK(read(p[1], &c, 1) == -1 && errno == EBADF, "read of the write end");
	CHECK(write(p[0], "x", 1) == -1 && errno == EBADF, "write of the read end");
	close(p[1]);
	CHECK(read(p[0], &c, 1) == 0, "end of file after the writer closed");
	close(p[0]);
	CHECK(pipe(p) == 0, "pipe");
	close(p[0]);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE, "EPIPE with no reader");
	close(p[1]);
	CHECK(read(p[0], &c, 1) == -1 && errno == EBADF, "read of a closed descriptor");
	CHECK(close(1000) == -1 && errno == EBADF, "close of a bad descriptor");
	CHECK(dup2(0, -1) == -1 && errno == EBADF, "dup2 to a bad descriptor");
}

int
main(int argc, char **argv)
{
	long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 4;

	if (mib <= 0 || mib > 1024) {
		fprintf(stderr, "usage: testpipe [MiB]\n");
		return 2;
	}
	ends();
	transfer((uint64_t)mib << 20);
	if (fails == 0)
		cprintf("testpipe: ok\n");
	return tu_audit("testpipe") || fails != 0;
}
