/*
 * seq: numbers, one per line.
 *
 *   seq LAST  |  seq FIRST LAST  |  seq FIRST STEP LAST
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static bool
number(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0;
}

int
main(int argc, char **argv)
{
	long first = 1, step = 1, last, v;

	if (argc < 2 || argc > 4 || !number(argv[argc - 1], &last) ||
	    (argc >= 3 && !number(argv[1], &first)) ||
	    (argc == 4 && (!number(argv[2], &step) || step == 0))) {
		fprintf(stderr, "usage: seq [first [step]] last\n");
		return 2;
	}
	for (v = first; step > 0 ? v <= last : v >= last; v += step)
		printf("%ld\n", v);
	return 0;
}
