/*
 * The SOURCE... TARGET argument shape of cp and mv (see srcdst.h).
 */
#include <limits.h>
#include <srcdst.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The last component of path ("a/b/" keeps its whole self: no rename
 * to an empty name). */
static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

int
each_source_to_target(int argc, char **argv, const char *prog,
		      int (*op)(const char *from, const char *to))
{
	char full[PATH_MAX];
	const char *dir = argv[argc - 1];
	int st = 0;

	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s source target | %s source... directory\n",
			prog, prog);
		return 2;
	}
	if (!is_dir(dir)) {
		if (argc > 3) {
			fprintf(stderr, "%s: %s: not a directory\n", prog, dir);
			return 1;
		}
		return op(argv[1], dir) != 0;
	}
	for (int i = 1; i < argc - 1; i++) {
		if (snprintf(full, sizeof(full), "%s/%s", dir, base_name(argv[i])) >=
		    (int)sizeof(full)) {
			fprintf(stderr, "%s: %s/%s: name too long\n", prog, dir,
				base_name(argv[i]));
			st = 1;
			continue;
		}
		st |= op(argv[i], full) != 0;
	}
	return st;
}
