/*
 * fscheck: after a crash of fsstress (grade/tests_fs.py), checks what it
 * had said: fscheck TRIAL LAST, LAST being the last "fsstress: synced N"
 * the grader saw. Every file up to LAST is there with its contents,
 * except those fsstress removed (gone once "synced" of the next file was
 * said, either way just before); the file being written at the crash is
 * absent, empty or whole. The mount before it recovered the crash.
 * Ends with "fscheck: ok ..." or FAIL lines.
 */
#include "fsutil.h"

#define N "fscheck"

static uint8_t want[16384], have[16384 + 1];

static size_t
file_size(int n)
{
	return 1 + (size_t)(n * 2654435761u % 16384);
}

/* 1 when the file is whole, 0 when absent, -1 when anything else. */
static int
file_state(struct fs *fs, int trial, int n, int allow_partial)
{
	struct fs_file *f;
	char path[48];
	size_t size = file_size(n);
	int64_t r;

	snprintf(path, sizeof(path), "/s%d/f%d", trial, n);
	if (fs_open(fs, path, FS_O_RDONLY, 0, &f) < 0)
		return 0;
	r = fs_read(f, have, sizeof(have));
	fs_close(f);
	fu_pattern(want, size, (uint32_t)(trial * 1000 + n), 0);
	if (r == (int64_t)size && memcmp(want, have, size) == 0)
		return 1;
	if (allow_partial && r >= 0 && (size_t)r <= size && memcmp(want, have, (size_t)r) == 0)
		return 0;
	FU_CHECK(N, 0, "%s: %ld bytes, not the %lu written", path, r, size);
	return -1;
}

int
main(int argc, char **argv)
{
	struct fs *fs = fu_mount(N);
	struct fs_stats st;
	int trial, last, n, s, present = 0;

	if (argc != 3) {
		cprintf(N ": FAIL usage: fscheck TRIAL LAST\n");
		return 1;
	}
	trial = (int)strtol(argv[1], NULL, 10);
	last = (int)strtol(argv[2], NULL, 10);
	fs_get_stats(fs, &st);
	for (n = 1; n <= last + 1; n++) {
		s = file_state(fs, trial, n, n == last + 1);
		present += s == 1;
		if (n == last + 1 || s < 0)
			continue;
		if (n % 5 == 1 && n + 4 <= last)
			FU_CHECK(N, s == 0, "f%d was removed, yet it is there", n);
		else if (!(n % 5 == 1 && n + 3 == last))
			FU_CHECK(N, s == 1, "f%d was synced, yet it is gone", n);
	}
	if (fu_fails == 0)
		cprintf(N ": ok, %d files whole up to f%d (the mount replayed %lu "
			"blocks, freed %lu leaked blocks and %lu unlinked inodes)\n",
			present, last, st.replayed, st.leaks_freed, st.orphans_freed);
	return fu_fails != 0;
}
