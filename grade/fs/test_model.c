/*
 * The randomized test: thousands of random calls (create, write,
 * truncate, rename, unlink, read, mkdir, rmdir) on the file system and on
 * an in-memory model, which must agree on every result; the whole tree is
 * compared after remounts and at the end, and fsck must find nothing.
 * Runs under several mount settings (group commit with a big and a tiny
 * log, commit per call).
 */
#include "check.h"
#include "libos/fs/host/fsck.h"

static void
report(void *arg, const char *msg)
{
	fprintf(stderr, "fsck: %s\n", msg);
	(*(int *)arg)++;
}

static int
fsck_raw(struct rawdev *raw)
{
	struct blkmap *map;
	struct fs_blkdev *dev;
	struct fsck_result res;
	uint64_t bad;
	char err[128];
	int n = 0;

	if (blkmap_open(raw, 0, &map, &dev, &bad, err, sizeof(err)) < 0)
		return 1;
	fsck_check(dev, map, report, &n, &res);
	blkmap_discard(map);
	return (int)res.problems + (int)bad;
}

static void
run(uint64_t seed, int nops, uint32_t log_blocks, int flags)
{
	struct rawdev *raw = rawdev_mem(16384);
	struct model *m = calloc(1, sizeof(*m));
	struct tdev t;
	char what[160], when[200];
	uint64_t rng = seed;
	int i, mismatch, r;

	model_init(m);
	CHECK_EQ(tdev_mkfs(raw, 1024, log_blocks), 0);
	CHECK_EQ(tdev_mount(&t, raw, 0, flags), 0);
	for (i = 0; i < nops && test_failures < 5; i++) {
		r = random_op(t.fs, m, &rng, &mismatch, what, sizeof(what), 1);
		if (mismatch) {
			fprintf(stderr, "seed %llu op %d: %s: fs says %d (%s), model differs\n",
				(unsigned long long)seed, i, what, r, fs_last_error(t.fs));
			test_failures++;
		}
		if (i % 500 == 499) {
			CHECK_EQ(tdev_unmount(&t), 0);
			CHECK_EQ(fsck_raw(raw), 0);
			CHECK_EQ(tdev_mount(&t, raw, 0, flags), 0);
			snprintf(when, sizeof(when), "seed %llu after op %d", (unsigned long long)seed, i);
			CHECK_EQ(compare_fs(t.fs, m, when), 0);
		}
	}
	snprintf(when, sizeof(when), "seed %llu at the end", (unsigned long long)seed);
	CHECK_EQ(compare_fs(t.fs, m, when), 0);
	CHECK_EQ(tdev_unmount(&t), 0);
	CHECK_EQ(fsck_raw(raw), 0);
	model_free(m);
	free(m);
	raw->close(raw);
}

static void test_group_commit(void) { run(1, 3000, 0, 0); run(2, 3000, 0, 0); }
static void test_tiny_log(void) { run(3, 3000, 16, 0); }
static void test_sync_each(void) { run(4, 2000, 0, FS_MNT_SYNC); }

int
main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "model_group_commit", test_group_commit },
		{ "model_tiny_log", test_tiny_log },
		{ "model_sync_each", test_sync_each },
		{ NULL, NULL },
	};
	return run_tests(cases, argc, argv);
}
