/*
 * grep: the lines that match a pattern.
 *
 *   grep [-vicnlqF] [-e PATTERN | PATTERN] [FILE...]
 *     -v  the lines that do not match     -i  ignore case
 *     -c  only how many lines match       -n  line numbers
 *     -l  only the names of files that match
 *     -q  nothing: the status says        -F  a fixed string
 *
 * Patterns are a simple regular expression: c (itself), . (any), [set]
 * and [^set] (with ranges), ^ and $ (anchors), x* x+ x? (repeats of the
 * one before), \c (c itself). Status 0 when a line matched, 1 when none
 * did, 2 on an error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool opt_v, opt_i, opt_c, opt_n, opt_l, opt_q, opt_F;
static const char *pattern;

static int
fold(int c)
{
	return opt_i ? tolower(c) : c;
}

/* The length of the single-character item at p ("a", "\\.", "[a-z]"). */
static size_t
item_len(const char *p)
{
	const char *q;

	if (p[0] == '\\' && p[1] != '\0')
		return 2;
	if (p[0] == '[') {
		q = p + 1;
		if (*q == '^')
			q++;
		if (*q == ']')
			q++;
		while (*q != '\0' && *q != ']')
			q++;
		if (*q == ']')
			return (size_t)(q - p) + 1;
	}
	return 1;
}

/* Does item p (of length n) match character c? */
static bool
item_match(const char *p, size_t n, int c)
{
	bool neg, hit = false;
	size_t i;

	if (c == '\0')
		return false;
	if (n == 2 && p[0] == '\\')
		return fold(p[1]) == fold(c);
	if (p[0] == '.' && n == 1)
		return true;
	if (p[0] != '[' || n == 1)
		return fold(p[0]) == fold(c);
	neg = p[1] == '^';
	for (i = 1 + neg; i < n - 1; i++) {
		if (p[i + 1] == '-' && i + 2 < n - 1) {
			hit |= fold(c) >= fold(p[i]) && fold(c) <= fold(p[i + 2]);
			hit |= c >= p[i] && c <= p[i + 2];
			i += 2;
		} else {
			hit |= fold(p[i]) == fold(c);
		}
	}
	return hit != neg;
}

/* Does pattern p match at the start of s? */
static bool
match_here(const char *p, const char *s)
{
	size_t n;
	const char *t;

	if (*p == '\0')
		return true;
	if (p[0] == '$' && p[1] == '\0')
		return *s == '\0';
	n = item_len(p);
	if (p[n] == '*' || p[n] == '+' || p[n] == '?') {
		t = s;
		while (item_match(p, n, (unsigned char)*t) && (p[n] != '?' || t == s))
			t++;
		for (; t >= s + (p[n] == '+'); t--)	/* the longest first */
			if (match_here(p + n + 1, t))
				return true;
		return false;
	}
	if (item_match(p, n, (unsigned char)*s))
		return match_here(p + n, s + 1);
	return false;
}

static bool
regex_match(const char *p, const char *s)
{
	if (p[0] == '^')
		return match_here(p + 1, s);
	do {
		if (match_here(p, s))
			return true;
	} while (*s++ != '\0');
	return false;
}

static bool
fixed_match(const char *p, const char *s)
{
	size_t n = strlen(p);

	for (; *s != '\0' || n == 0; s++) {
		if (opt_i ? strncasecmp(s, p, n) == 0 : strncmp(s, p, n) == 0)
			return true;
		if (*s == '\0')
			break;
	}
	return false;
}

static bool
line_matches(const char *line)
{
	bool m = opt_F ? fixed_match(pattern, line) : regex_match(pattern, line);

	return m != opt_v;
}

/* Searches f; how many lines matched. */
static long
search(FILE *f, const char *name, bool many)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long count = 0, lineno = 0;

	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!line_matches(line))
			continue;
		count++;
		if (opt_q || opt_c)
			continue;
		if (opt_l) {
			printf("%s\n", name);
			break;
		}
		if (many)
			printf("%s:", name);
		if (opt_n)
			printf("%ld:", lineno);
		printf("%s\n", line);
	}
	free(line);
	if (opt_c && !opt_q)
		many ? printf("%s:%ld\n", name, count) : printf("%ld\n", count);
	return count;
}

static int
usage(void)
{
	fprintf(stderr, "usage: grep [-vicnlqF] [-e pattern | pattern] [file...]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	bool any = false, many;
	int c, i, st = 0;
	FILE *f;

	while ((c = getopt(argc, argv, "vicnlqFe:")) != -1) {
		switch (c) {
		case 'v': opt_v = true; break;
		case 'i': opt_i = true; break;
		case 'c': opt_c = true; break;
		case 'n': opt_n = true; break;
		case 'l': opt_l = true; break;
		case 'q': opt_q = true; break;
		case 'F': opt_F = true; break;
		case 'e': pattern = optarg; break;
		default: return usage();
		}
	}
	if (pattern == NULL && optind < argc)
		pattern = argv[optind++];
	if (pattern == NULL)
		return usage();
	many = argc - optind > 1;
	if (optind == argc)
		any = search(stdin, "(standard input)", false) > 0;
	for (i = optind; i < argc; i++) {
		if ((f = fopen(argv[i], "r")) == NULL) {
			fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
			st = 2;
			continue;
		}
		any |= search(f, argv[i], many) > 0;
		fclose(f);
	}
	if (st != 0)
		return st;
	return any ? 0 : 1;
}
