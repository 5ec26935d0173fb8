/*
 * tail: the last lines of files.
 *
 *   tail [-n N | -N] [FILE...]      N lines (default 10)
 *
 * Keeps the last N lines in a ring as it reads, so it works on pipes.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAIL_MAX	100000

static int
usage(void)
{
	fprintf(stderr, "usage: tail [-n lines] [file...]\n");
	return 2;
}

static bool
parse_count(const char *s, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 && *n >= 0 && *n <= TAIL_MAX;
}

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
	int i = 1, st = 0;
	FILE *f;

	if (i < argc && argv[i][0] == '-' && isdigit((unsigned char)argv[i][1])) {
		if (!parse_count(argv[i] + 1, &n))
			return usage();
		i++;
	} else if (i < argc && strcmp(argv[i], "-n") == 0) {
		if (i + 1 >= argc || !parse_count(argv[i + 1], &n))
			return usage();
		i += 2;
	}
	if (i < argc && argv[i][0] == '-' && argv[i][1] != '\0')
		return usage();
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
