/*
 * fsstress: the write-heavy workload the grader cuts the power of
 * (grade/fs/crashboot.py). In directory /sT (T from the command line) it
 * writes files fN of a known pattern and size, fsyncs each and then
 * says "fsstress: synced N"; every fifth file it removes an older one
 * and says "fsstress: removed N" once that is synced too. What it said
 * must be on the disk after the crash (files count from 1: "synced 0"
 * is never said). The first line says what the
 * mount recovered (the grader lets every other crash be recovered here,
 * by the guest, and the rest by fsck -r on the host).
 */
#include "fsutil.h"

#define N "fsstress"

static uint8_t buf[16384];

/* The size of file n: from the grader's formula, 1..16384 bytes. */
static size_t
file_size(int n)
{
	return 1 + (size_t)(n * 2654435761u % 16384);
}

int
main(int argc, char **argv)
{
	struct fs *fs = fu_mount(N);
	int trial = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 0, n;
	struct fs_file *f;
	char dir[16], path[48];

	snprintf(dir, sizeof(dir), "/s%d", trial);
	fs_mkdir(fs, dir, 0755);
	struct fs_stats st;
	fs_get_stats(fs, &st);
	cprintf(N ": start %d (mount replayed %lu blocks, freed %lu leaked blocks "
		"and %lu unlinked inodes)\n", trial, st.replayed, st.leaks_freed,
		st.orphans_freed);
	for (n = 1; n < 100000; n++) {
		size_t size = file_size(n);
		snprintf(path, sizeof(path), "%s/f%d", dir, n);
		if (fs_open(fs, path, FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC, 0644, &f) < 0) {
			cprintf(N ": FAIL open %s: %s\n", path, fs_last_error(fs));
			return 1;
		}
		fu_pattern(buf, size, (uint32_t)(trial * 1000 + n), 0);
		if (fs_write(f, buf, size) != (int64_t)size || fs_fsync(f) < 0) {
			cprintf(N ": stopped at %s: %s\n", path, fs_last_error(fs));
			fs_close(f);
			return 0;
		}
		fs_close(f);
		cprintf(N ": synced %d\n", n);
		if (n % 5 == 4) {
			snprintf(path, sizeof(path), "%s/f%d", dir, n - 3);
			if (fs_unlink(fs, path) == 0 && fs_sync(fs) == 0)
				cprintf(N ": removed %d\n", n - 3);
		}
	}
	return 0;
}
