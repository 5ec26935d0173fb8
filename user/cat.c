/*
 * cat: files (or stdin, also as "-") one after the other on stdout.
 *
 *   cat [FILE...]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[16384];

/* Copies fd to stdout; 0, or 1 after a complaint. */
static int
copy(int fd, const char *name)
{
	ssize_t n, done, w;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (done = 0; done < n; done += w) {
			if ((w = write(1, buf + done, (size_t)(n - done))) < 0) {
				fprintf(stderr, "cat: write: %s\n", strerror(errno));
				return 1;
			}
		}
	}
	if (n < 0) {
		fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int i, fd, st = 0;

	if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0') {
		fprintf(stderr, "usage: cat [file...]\n");
		return 2;
	}
	if (argc == 1)
		return copy(0, "stdin");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			st |= copy(0, "stdin");
			continue;
		}
		if ((fd = open(argv[i], O_RDONLY)) < 0) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			continue;
		}
		st |= copy(fd, argv[i]);
		close(fd);
	}
	return st;
}
