/*
 * mv: rename files, or move them into a directory.
 *
 *   mv SOURCE TARGET
 *   mv SOURCE... DIRECTORY
 */
#include <errno.h>
#include <utilargs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
move(const char *from, const char *to)
{
	if (rename(from, to) < 0) {
		fprintf(stderr, "mv: %s -> %s: %s\n", from, to, strerror(errno));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	return each_source_to_target(argc, argv, "mv", move);
}
