/*
 * rm: remove files.
 *
 *   rm [-rf] FILE...
 *     -r  directories too, with everything in them
 *     -f  no complaint about files that do not exist
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static bool opt_r, opt_f;

static int remove_path(const char *path);

static int
remove_tree(const char *path)
{
	char full[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(path);
	int st = 0;

	if (d == NULL) {
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		st |= remove_path(full);
	}
	closedir(d);
	if (rmdir(path) < 0) {
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return st;
}

static int
remove_path(const char *path)
{
	struct stat s;

	if (stat(path, &s) < 0) {
		if (opt_f && errno == ENOENT)
			return 0;
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (S_ISDIR(s.st_mode)) {
		if (opt_r)
			return remove_tree(path);
		fprintf(stderr, "rm: %s: is a directory (rm -r removes it)\n", path);
		return 1;
	}
	if (unlink(path) < 0) {
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int c, i, st = 0;

	while ((c = getopt(argc, argv, "rRf")) != -1) {
		switch (c) {
		case 'r': case 'R': opt_r = true; break;
		case 'f': opt_f = true; break;
		default: goto usage;
		}
	}
	if (optind == argc && !opt_f)
		goto usage;
	for (i = optind; i < argc; i++)
		st |= remove_path(argv[i]);
	return st;
usage:
	fprintf(stderr, "usage: rm [-rf] file...\n");
	return 2;
}
