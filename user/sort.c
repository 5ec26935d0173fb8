/*
 * sort: lines in order.
 *
 *   sort [-rnu] [FILE...]
 *     -r  reverse   -n  by the number each line starts with
 *     -u  one of each run of equal lines
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool opt_r, opt_n, opt_u;
static char **lines;
static size_t nlines, cap;

static int
compare(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = 0;

	if (opt_n) {
		long long p = strtoll(x, NULL, 10), q = strtoll(y, NULL, 10);
		c = p < q ? -1 : p > q;
	}
	if (c == 0)
		c = strcmp(x, y);
	return opt_r ? -c : c;
}

static int
read_lines(FILE *f)
{
	char *line = NULL, **n;
	size_t lcap = 0;
	ssize_t len;

	while ((len = getline(&line, &lcap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (nlines == cap) {
			cap = cap ? cap * 2 : 256;
			if ((n = realloc(lines, cap * sizeof(*lines))) == NULL) {
				fprintf(stderr, "sort: out of memory\n");
				return 1;
			}
			lines = n;
		}
		lines[nlines++] = line;
		line = NULL;
		lcap = 0;
	}
	free(line);
	return 0;
}

int
main(int argc, char **argv)
{
	int c, i, st = 0;
	size_t k;
	FILE *f;

	while ((c = getopt(argc, argv, "rnu")) != -1) {
		switch (c) {
		case 'r': opt_r = true; break;
		case 'n': opt_n = true; break;
		case 'u': opt_u = true; break;
		default:
			fprintf(stderr, "usage: sort [-rnu] [file...]\n");
			return 2;
		}
	}
	if (optind == argc)
		st = read_lines(stdin);
	for (i = optind; i < argc && st == 0; i++) {
		if ((f = fopen(argv[i], "r")) == NULL) {
			fprintf(stderr, "sort: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		st = read_lines(f);
		fclose(f);
	}
	if (st != 0)
		return 2;
	qsort(lines, nlines, sizeof(*lines), compare);
	for (k = 0; k < nlines; k++) {
		if (opt_u && k > 0 && compare(&lines[k - 1], &lines[k]) == 0)
			continue;
		puts(lines[k]);
	}
	return 0;
}
