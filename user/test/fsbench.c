/*
 * fsbench: figures of the library file system, printed, never judged
 * (grade/tests_fs.py's fs-bench-*; under TCG they say little about a
 * real machine, but compare the disks and catch gross regressions):
 *
 *   write     a sequential file of MIB MiB in 64 KiB writes, fsync'd:
 *             KiB/s from the first write to the fsync's return
 *   small     files of 4 KiB, each created, written and fsync'd: files/s
 *   open      open+close of a file whose blocks are cached (in this
 *             program's cache and the registry): the median over rounds
 *             of 200, in ns per open+close
 *   open-env  the same from a fresh program (spawned from the file
 *             system), whose first open reads the blocks from the
 *             registry, not the disk: its first open and then the median
 *
 *   fsbench [MIB]      fsbench O (the fresh program)
 */
#include "fsutil.h"

#define N "fsbench"
#define CHUNK	(64u << 10)
#define SMALL	64
#define ROUNDS	9
#define PER	200

static uint8_t chunk[CHUNK];

static uint64_t
median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* ns per open+close of path: the median of ROUNDS rounds of PER */
static uint64_t
open_cost(struct fs *fs, const char *path)
{
	uint64_t v[ROUNDS], t0;
	struct fs_file *f;

	for (int r = 0; r < ROUNDS; r++) {
		t0 = fu_tsc();
		for (int i = 0; i < PER; i++) {
			if (fs_open(fs, path, FS_O_RDONLY, 0, &f) < 0) {
				FU_CHECK(N, 0, "open %s: %s", path, fs_last_error(fs));
				return 0;
			}
			fs_close(f);
		}
		v[r] = fu_us((fu_tsc() - t0) * 1000) / PER;
	}
	return median(v, ROUNDS);
}

static void
bench_write(struct fs *fs, unsigned mib)
{
	struct fs_file *f;
	struct fs_stats a, b;
	uint64_t t0, us, off, size = (uint64_t)mib << 20;

	FU_CHECK(N, fs_open(fs, "/bench/seq", FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC,
			    0644, &f) == 0, "create: %s", fs_last_error(fs));
	if (fu_fails)
		return;
	fu_pattern(chunk, CHUNK, 9, 0);
	fs_get_stats(fs, &a);
	t0 = fu_tsc();
	for (off = 0; off < size; off += CHUNK)
		if (fs_write(f, chunk, CHUNK) != CHUNK) {
			FU_CHECK(N, 0, "write at %lu: %s", off, fs_last_error(fs));
			break;
		}
	FU_CHECK(N, fs_fsync(f) == 0, "fsync: %s", fs_last_error(fs));
	us = fu_us(fu_tsc() - t0);
	fs_get_stats(fs, &b);
	fs_close(f);
	cprintf(N ": write: %u MiB in %lu us: %lu KiB/s (%lu commits, %lu device "
		"barriers, %lu blocks written)\n", mib, us,
		us ? (size >> 10) * 1000000 / us : 0, b.commits - a.commits,
		b.flushes - a.flushes, b.dev_writes - a.dev_writes);
}

static void
bench_small(struct fs *fs)
{
	struct fs_file *f;
	char path[32];
	uint64_t t0, us;
	int i;

	t0 = fu_tsc();
	for (i = 0; i < SMALL && fu_fails == 0; i++) {
		snprintf(path, sizeof(path), "/bench/s%d", i);
		FU_CHECK(N, fs_open(fs, path, FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC, 0644, &f) == 0 &&
			 fs_write(f, chunk, 4096) == 4096 && fs_fsync(f) == 0,
			 "%s: %s", path, fs_last_error(fs));
		fs_close(f);
	}
	us = fu_us(fu_tsc() - t0);
	cprintf(N ": small: %d files of 4 KiB, each fsync'd, in %lu us: %lu files/s\n",
		SMALL, us, us ? (uint64_t)SMALL * 1000000 / us : 0);
}

/* The fresh program: first open (blocks from the registry), then cached. */
static int
fresh(void)
{
	struct fs *fs = fu_mount(N);
	struct fs_file *f;
	struct fs_stats st0, st1;
	uint64_t t0, first;

	fs_get_stats(fs, &st0);
	t0 = fu_tsc();
	FU_CHECK(N, fs_open(fs, "/bench/s7", FS_O_RDONLY, 0, &f) == 0, "open in a fresh env");
	first = fu_us((fu_tsc() - t0) * 1000);
	if (fu_fails == 0)
		fs_close(f);
	fs_get_stats(fs, &st1);
	cprintf(N ": open-env: a fresh program's first open %lu ns (%lu device "
		"reads), then %lu ns per open+close\n", first,
		st1.dev_reads - st0.dev_reads, open_cost(fs, "/bench/s7"));
	return fu_fails != 0;
}

int
main(int argc, char **argv)
{
	struct fs *fs;
	unsigned mib = argc > 1 ? (unsigned)strtol(argv[1], NULL, 10) : 4;
	envid_t e;
	int status = -1, i;
	char path[32];

	if (argc == 2 && strcmp(argv[1], "O") == 0)
		return fresh();
	if (mib == 0 || mib > 256)
		mib = 4;
	fs = fu_mount(N);
	fs_mkdir(fs, "/bench", 0755);
	bench_write(fs, mib);
	bench_small(fs);
	cprintf(N ": open: %lu ns per open+close of a cached file\n",
		open_cost(fs, "/bench/s7"));
	e = spawnl("/bin/fsbench", "fsbench", "O", NULL);
	FU_CHECK(N, e > 0, "spawn: %s", errstr(e));
	if (e > 0)
		wait(e, &status);
	FU_CHECK(N, status == 0, "the fresh program exited %d", status);
	for (i = 0; i < SMALL; i++) {
		snprintf(path, sizeof(path), "/bench/s%d", i);
		fs_unlink(fs, path);
	}
	fs_unlink(fs, "/bench/seq");
	if (fu_fails == 0)
		cprintf(N ": done\n");
	return fu_fails != 0;
}
