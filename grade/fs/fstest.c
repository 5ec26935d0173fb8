/*
 * Shared by the host tests of libos/fs/ (fstest.h).
 */
#include "fstest.h"

int test_failures;

int
tdev_mkfs(struct rawdev *raw, uint32_t ninodes, uint32_t log_blocks)
{
	struct fs_format_opts fo = { ninodes, log_blocks, 0, 0755 };
	struct blkmap *map;
	struct fs_blkdev *dev;
	uint64_t bad;
	char err[128];
	int r;

	if ((r = blkmap_format(raw, "test")) < 0)
		return r;
	if ((r = blkmap_open(raw, 0, &map, &dev, &bad, err, sizeof(err))) < 0)
		return r;
	if ((r = fs_format(dev, &fo)) == 0)
		blkmap_set_fs_root(map, dev->first);
	blkmap_close(map);
	return r;
}

int
tdev_mount(struct tdev *t, struct rawdev *raw, uint32_t principal, int flags)
{
	struct fs_mount_opts mo = { principal, 0, flags };
	char err[200];
	uint64_t bad;
	int r;

	memset(t, 0, sizeof(*t));
	t->raw = raw;
	if ((r = blkmap_open(raw, principal, &t->map, &t->dev, &bad, err, sizeof(err))) < 0) {
		fprintf(stderr, "blkmap_open: %s\n", err);
		return r;
	}
	if ((r = fs_mount(&t->fs, t->dev, &mo, err, sizeof(err))) < 0) {
		fprintf(stderr, "fs_mount: %s\n", err);
		blkmap_discard(t->map);
		t->map = NULL;
	}
	return r;
}

int
tdev_mount_quiet(struct tdev *t, struct rawdev *raw, char *err, size_t errlen)
{
	struct fs_mount_opts mo = { 0, 0, 0 };
	uint64_t bad;
	int r;

	memset(t, 0, sizeof(*t));
	t->raw = raw;
	err[0] = '\0';
	if ((r = blkmap_open(raw, 0, &t->map, &t->dev, &bad, err, errlen)) < 0)
		return r;
	if ((r = fs_mount(&t->fs, t->dev, &mo, err, errlen)) < 0) {
		blkmap_discard(t->map);
		t->map = NULL;
	}
	return r;
}

int
tdev_unmount(struct tdev *t)
{
	int r = 0, r2;

	if (t->fs != NULL)
		r = fs_unmount(t->fs);
	if (t->map != NULL && (r2 = blkmap_close(t->map)) < 0 && r == 0)
		r = r2;
	t->fs = NULL;
	t->map = NULL;
	return r;
}

void
tdev_abandon(struct tdev *t)
{
	if (t->fs != NULL)
		fs_forget(t->fs);
	if (t->map != NULL)
		blkmap_discard(t->map);
	t->fs = NULL;
	t->map = NULL;
}

void
pattern_fill(uint8_t *buf, size_t n, uint64_t seed, uint64_t off)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t x = (off + i) * 0x9e3779b97f4a7c15ULL ^ seed;
		buf[i] = (uint8_t)(x >> 56 ^ x >> 13);
	}
}

int
run_tests(const struct test_case *cases, int argc, char **argv)
{
	int i, passed = 0, failed = 0;

	for (i = 0; cases[i].name != NULL; i++) {
		int before = test_failures;
		if (argc > 1 && strstr(cases[i].name, argv[1]) == NULL)
			continue;
		cases[i].fn();
		if (test_failures == before) {
			passed++;
			printf("%s: ok\n", cases[i].name);
		} else {
			failed++;
			printf("%s: FAILED (%d checks)\n", cases[i].name, test_failures - before);
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
