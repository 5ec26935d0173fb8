/*
 * cp: copy files.
 *
 *   cp SOURCE TARGET
 *   cp SOURCE... DIRECTORY
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static char buf[32768];

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
copy(const char *from, const char *to)
{
	int in, out, st = 0;
	ssize_t n, w, done;
	struct stat s;

	if ((in = open(from, O_RDONLY)) < 0) {
		fprintf(stderr, "cp: %s: %s\n", from, strerror(errno));
		return 1;
	}
	if (fstat(in, &s) == 0 && S_ISDIR(s.st_mode)) {
		fprintf(stderr, "cp: %s: is a directory\n", from);
		close(in);
		return 1;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		fprintf(stderr, "cp: %s: %s\n", to, strerror(errno));
		close(in);
		return 1;
	}
	while (st == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			fprintf(stderr, "cp: %s: %s\n", from, strerror(errno));
			st = 1;
			break;
		}
		for (done = 0; done < n; done += w) {
			if ((w = write(out, buf + done, (size_t)(n - done))) < 0) {
				fprintf(stderr, "cp: %s: %s\n", to, strerror(errno));
				st = 1;
				break;
			}
		}
	}
	close(in);
	close(out);
	return st;
}

int
main(int argc, char **argv)
{
	char full[PATH_MAX];
	const char *dir = argv[argc - 1];
	int i, st = 0;

	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: cp source target | cp source... directory\n");
		return 2;
	}
	if (!is_dir(dir)) {
		if (argc > 3) {
			fprintf(stderr, "cp: %s: not a directory\n", dir);
			return 1;
		}
		return copy(argv[1], dir);
	}
	for (i = 1; i < argc - 1; i++) {
		snprintf(full, sizeof(full), "%s/%s", dir, base_name(argv[i]));
		st |= copy(argv[i], full);
	}
	return st;
}
