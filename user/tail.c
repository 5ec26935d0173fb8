/*
 * tail: the last lines of files.
 *
 *   tail [-n N | -N] [FILE...]      N lines (default 10)
 *
 * Keeps the last N lines in a ring as it reads, so it works on pipes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utilargs.h>

#define TAIL_MAX	100000

static int
tail(FILE *f, long n)
{
	char **ring = n > 0 ? calloc((size_t)n, sizeof(char *)) : NULL;
	char *line = NULL;
	size_t cap = 0;
	long seen = 0, i;

	if (n > 0 && ring == NULL) {
		fprintf(stderr, "tail: out of memory\n");
		return 1;
	}
	while (getline(&line, &cap, f) >= 0) {
		if (n == 0)
			continue;
		free(ring[seen % n]);
		ring[seen % n] = line;
		line = NULL;
		cap = 0;
		seen++;
	}
	for (i = seen > n ? seen - n : 0; i < seen; i++) {
		fputs(ring[i % n], stdout);
		free(ring[i % n]);
	}
	free(ring);
	free(line);
	return 0;
}

int
main(int argc, char **argv)
{
	long n = 10;
	int i, st = 0;
	FILE *f;

	if ((i = line_count_args(argc, argv, "tail", &n)) < 0)
		return 2;
	if (i == argc)
		return tail(stdin, n);
	for (; i < argc; i++) {
		if ((f = fopen(argv[i], "r")) == NULL) {
			fprintf(stderr, "tail: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			continue;
		}
		st |= tail(f, n);
		fclose(f);
	}
	return st;
}
