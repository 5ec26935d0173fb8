/*
 * touch: make files that do not exist (empty); those that do are left
 * as they are (the file system has no call to set a time).
 *
 *   touch FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int i, fd, st = 0;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: touch file...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if ((fd = open(argv[i], O_WRONLY | O_CREAT, 0644)) < 0) {
			fprintf(stderr, "touch: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			continue;
		}
		close(fd);
	}
	return st;
}
