/*
 * mkdir: make directories.
 *
 *   mkdir [-p] DIR...     -p: make missing parents, and an existing
 *                         directory is no error
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
make_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t i;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (i = 1; buf[i] != '\0'; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (!is_dir(buf) && mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		buf[i] = '/';
	}
	if (is_dir(buf))
		return 0;
	return mkdir(buf, 0755);
}

int
main(int argc, char **argv)
{
	bool parents = false;
	int i = 1, st = 0, r;

	if (argc > 1 && strcmp(argv[1], "-p") == 0) {
		parents = true;
		i = 2;
	}
	if (i >= argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: mkdir [-p] dir...\n");
		return 2;
	}
	for (; i < argc; i++) {
		r = parents ? make_parents(argv[i]) : mkdir(argv[i], 0755);
		if (r < 0) {
			fprintf(stderr, "mkdir: %s: %s\n", argv[i], strerror(errno));
			st = 1;
		}
	}
	return st;
}
