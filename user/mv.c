/*
 * mv: rename files, or move them into a directory.
 *
 *   mv SOURCE TARGET
 *   mv SOURCE... DIRECTORY
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

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

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
	char full[PATH_MAX];
	const char *dir = argv[argc - 1];
	int i, st = 0;

	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mv source target | mv source... directory\n");
		return 2;
	}
	if (!is_dir(dir)) {
		if (argc > 3) {
			fprintf(stderr, "mv: %s: not a directory\n", dir);
			return 1;
		}
		return move(argv[1], dir);
	}
	for (i = 1; i < argc - 1; i++) {
		snprintf(full, sizeof(full), "%s/%s", dir, base_name(argv[i]));
		st |= move(argv[i], full);
	}
	return st;
}
