/*
 * head: the first lines of files.
 *
 *   head [-n N | -N] [FILE...]      N lines (default 10)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utilargs.h>

static void
head(FILE *f, long n)
{
	int c;

	while (n > 0 && (c = getc(f)) != EOF) {
		putchar(c);
		if (c == '\n')
			n--;
	}
}

int
main(int argc, char **argv)
{
	long n = 10;
	int i, st = 0;
	FILE *f;

	if ((i = line_count_args(argc, argv, "head", &n)) < 0)
		return 2;
	if (i == argc) {
		head(stdin, n);
		return 0;
	}
	for (; i < argc; i++) {
		if ((f = fopen(argv[i], "r")) == NULL) {
			fprintf(stderr, "head: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			continue;
		}
		head(f, n);
		fclose(f);
	}
	return st;
}
