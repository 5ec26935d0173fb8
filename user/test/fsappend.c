/*
 * fsappend: two programs (spawned from the file system) append records
 * at once, each to a file of its own and both to one shared file. The
 * result must be what some serial order gives: every record whole, each
 * writer's records in its order, none lost.
 *
 *   fsappend            the parent: starts two writers, checks
 *   fsappend W LETTER   a writer
 */
#include "fsutil.h"

#define N "fsappend"
#define RECORDS	64
#define RECLEN	8

static void
writer(const char *letter)
{
	struct fs *fs = fu_mount(N);
	struct fs_file *own, *shared;
	char path[32], rec[RECLEN + 1];
	int i;

	snprintf(path, sizeof(path), "/app/own-%s", letter);
	if (fs_open(fs, path, FS_O_WRONLY | FS_O_CREAT | FS_O_APPEND, 0644, &own) < 0 ||
	    fs_open(fs, "/app/shared", FS_O_WRONLY | FS_O_CREAT | FS_O_APPEND, 0644, &shared) < 0) {
		cprintf(N ": FAIL writer %s: open: %s\n", letter, fs_last_error(fs));
		exit(1);
	}
	for (i = 0; i < RECORDS; i++) {
		snprintf(rec, sizeof(rec), "%s%06d\n", letter, i);
		if (fs_write(own, rec, RECLEN) != RECLEN || fs_write(shared, rec, RECLEN) != RECLEN) {
			cprintf(N ": FAIL writer %s: write: %s\n", letter, fs_last_error(fs));
			exit(1);
		}
		if (i % 16 == 0)
			sys_yield();
	}
	exit(0);
}

/* Checks file path: n records, each writer's in its order, whole, all
 * of writer only if not 0; the
 * number of times the writer changes from one record to the next. */
static int
check(struct fs *fs, const char *path, int n, char only)
{
	static char buf[2 * RECORDS * RECLEN + 16];
	int next[2] = { 0, 0 }, i, switches = 0;
	struct fs_file *f;
	int64_t r;

	if (fs_open(fs, path, FS_O_RDONLY, 0, &f) < 0) {
		FU_CHECK(N, 0, "open %s: %s", path, fs_last_error(fs));
		return 0;
	}
	r = fs_read(f, buf, sizeof(buf));
	fs_close(f);
	FU_CHECK(N, r == n * RECLEN, "%s: %ld bytes, want %d", path, r, n * RECLEN);
	for (i = 0; i + RECLEN <= r; i += RECLEN) {
		int w = buf[i] == 'B', v = (int)strtol(buf + i + 1, NULL, 10);
		if ((buf[i] != 'A' && buf[i] != 'B') || (only && buf[i] != only) ||
		    buf[i + RECLEN - 1] != '\n' ||
		    v != next[w]) {
			FU_CHECK(N, 0, "%s: record %d is '%.7s', want %c%06d", path,
				 i / RECLEN, buf + i, buf[i], next[w]);
			return switches;
		}
		switches += i > 0 && buf[i] != buf[i - RECLEN];
		next[w]++;
	}
	return switches;
}

int
main(int argc, char **argv)
{
	struct fs *fs;
	envid_t a, b;
	int sa = -1, sb = -1, switches;

	if (argc == 3 && strcmp(argv[1], "W") == 0)
		writer(argv[2]);
	fs = fu_mount(N);
	fs_mkdir(fs, "/app", 0755);
	fs_unlink(fs, "/app/shared");
	fs_unlink(fs, "/app/own-A");
	fs_unlink(fs, "/app/own-B");
	a = spawnl("/bin/fsappend", "fsappend", "W", "A", NULL);
	b = spawnl("/bin/fsappend", "fsappend", "W", "B", NULL);
	FU_CHECK(N, a > 0 && b > 0, "spawn: %d %d", a, b);
	if (a > 0)
		wait(a, &sa);
	if (b > 0)
		wait(b, &sb);
	FU_CHECK(N, sa == 0 && sb == 0, "writers exited %d and %d", sa, sb);
	check(fs, "/app/own-A", RECORDS, 'A');
	check(fs, "/app/own-B", RECORDS, 'B');
	switches = check(fs, "/app/shared", 2 * RECORDS, 0);
	/* how interleaved the shared file is: reported, not judged (one
	 * writer may finish before the other starts on a slow host) */
	if (fu_fails == 0)
		cprintf(N ": ok, %d records from each of two writers, the shared "
			"file switches writer %d times\n", RECORDS, switches);
	return fu_fails != 0;
}
