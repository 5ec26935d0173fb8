/*
 * rmdir: remove empty directories.
 *
 *   rmdir DIR...
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int i, st = 0;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: rmdir dir...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (rmdir(argv[i]) < 0) {
			fprintf(stderr, "rmdir: %s: %s\n", argv[i], strerror(errno));
			st = 1;
		}
	}
	return st;
}
