/*
 * Argument shapes the utilities share (see utilargs.h).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utilargs.h>

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

static bool
parse_count(const char *s, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 && *n >= 0;
}

int
line_count_args(int argc, char **argv, const char *prog, long *n)
{
	int i = 1;
	bool ok = true;

	if (i < argc && argv[i][0] == '-' && isdigit((unsigned char)argv[i][1])) {
		ok = parse_count(argv[i] + 1, n);
		i++;
	} else if (i < argc && strcmp(argv[i], "-n") == 0) {
		ok = i + 1 < argc && parse_count(argv[i + 1], n);
		i += 2;
	}
	if (!ok || (i < argc && argv[i][0] == '-' && argv[i][1] != '\0')) {
		fprintf(stderr, "usage: %s [-n lines] [file...]\n", prog);
		return -1;
	}
	return i;
}
