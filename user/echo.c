/*
 * echo: its arguments, separated by spaces, then a newline.
 *
 *   echo [-n] [ARG...]      -n: no newline at the end
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	int i = 1;
	bool newline = true;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		newline = false;
		i = 2;
	}
	for (; i < argc; i++) {
		fputs(argv[i], stdout);
		if (i < argc - 1)
			putchar(' ');
	}
	if (newline)
		putchar('\n');
	if (fflush(stdout) != 0) {
		perror("echo: write");
		return 1;
	}
	return 0;
}
