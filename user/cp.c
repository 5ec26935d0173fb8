/*
 * cp: copy files.
 *
 *   cp SOURCE TARGET
 *   cp SOURCE... DIRECTORY
 */
#include <errno.h>
#include <fcntl.h>
#include <utilargs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static char buf[32768];

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
	return each_source_to_target(argc, argv, "cp", copy);
}
