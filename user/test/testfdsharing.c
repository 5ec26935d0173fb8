/*
 * testfdsharing: an open file's offset is shared by every descriptor
 * that refers to it, across fork and spawn, as in Unix; a descriptor
 * closed in one env stays open in the other.
 */
#include "testutil.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#define PATH	"/tmp/fdsharing"

pid_t spawn_fds(const char *path, char *const argv[], char *const envp[],
		const int *fds, int nfds);

static int fails;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fails++;						\
		cprintf("testfdsharing: FAIL line %d: ", __LINE__);	\
		cprintf(__VA_ARGS__);					\
		cprintf("\n");						\
	}								\
} while (0)

/* Spawned with the file as stdin: reads 5 bytes of it. */
static int
child_side(void)
{
	char buf[5];

	return read(0, buf, 5) == 5 && memcmp(buf, "ABCDE", 5) == 0 ? 0 : 1;
}

static void
make_file(void)
{
	int fd = open(PATH, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0, "create %s: %s", PATH, strerror(errno));
	CHECK(write(fd, "0123456789abcdefghijABCDEFGHIJ", 30) == 30, "write");
	close(fd);
}

static void
read_sharing(void)
{
	char buf[16], *args[] = { "testfdsharing", "child", NULL };
	int fd = open(PATH, O_RDONLY), fds[3] = { -1, 1, 2 }, st = -1;
	pid_t kid;

	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK(read(fd, buf, 10) == 10 && memcmp(buf, "0123456789", 10) == 0, "first read");
	if ((kid = fork()) == 0) {
		st = read(fd, buf, 10) == 10 && memcmp(buf, "abcdefghij", 10) == 0;
		close(fd);		/* mine only */
		exit(st ? 0 : 1);
	}
	CHECK(waitpid(kid, &st, 0) == kid && st == 0, "forked child read (status %d)", st);
	CHECK(lseek(fd, 0, SEEK_CUR) == 20, "offset after the child's read: %ld",
	      (long)lseek(fd, 0, SEEK_CUR));
	fds[0] = fd;
	kid = spawn_fds("testfdsharing", args, NULL, fds, 3);
	CHECK(kid > 0 && waitpid(kid, &st, 0) == kid && st == 0,
	      "spawned child read (status %d)", st);
	CHECK(lseek(fd, 0, SEEK_CUR) == 25, "offset after the spawned child: %ld",
	      (long)lseek(fd, 0, SEEK_CUR));
	CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "FGHIJ", 5) == 0, "the rest");
	CHECK(read(fd, buf, 5) == 0, "end of file");
	close(fd);
}

static void
write_sharing(void)
{
	char buf[32];
	int fd = open(PATH, O_WRONLY | O_TRUNC), st = -1, d;
	pid_t kid;

	CHECK(fd >= 0, "open: %s", strerror(errno));
	d = dup(fd);
	if ((kid = fork()) == 0)
		exit(write(fd, "child,", 6) == 6 ? 0 : 1);
	CHECK(waitpid(kid, &st, 0) == kid && st == 0, "child write");
	CHECK(write(d, "parent", 6) == 6, "parent write through a dup");
	close(fd);
	close(d);
	fd = open(PATH, O_RDONLY);
	memset(buf, 0, sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == 12 && strcmp(buf, "child,parent") == 0,
	      "file holds '%s'", buf);
	close(fd);
	unlink(PATH);
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		return child_side();
	make_file();
	read_sharing();
	write_sharing();
	if (fails == 0)
		cprintf("testfdsharing: ok\n");
	return tu_audit("testfdsharing") || fails != 0;
}
