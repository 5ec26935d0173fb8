/*
 * head: the first lines of files.
 *
 *   head [-n N | -N] [FILE...]      N lines (default 10)
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
usage(void)
{
	fprintf(stderr, "usage: head [-n lines] [file...]\n");
	return 2;
}

static bool
parse_count(const char *s, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 && *n >= 0;
}

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
