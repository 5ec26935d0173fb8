/*
 * yes: a line, for ever (until whoever reads the pipe goes away).
 *
 *   yes [STRING]        default "y"
 */
#include <stdio.h>

int
main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "y";

	for (;;)
		if (puts(s) == EOF)
			return 1;
}
