/*
 * fsck: checks a Chitin data-disk image (ownership region and file
 * system) and reports every inconsistency, one line each.
 *
 *   obj/fs/fsck [-r] [-q] IMAGE
 *
 * -r recovers first, as a mount does (replays a committed log, frees
 * unlinked inodes and leaked blocks), then checks. Without it the image is
 * only read. -q prints only the summary. Exit status: 0 consistent,
 * 1 inconsistencies found, 2 the image could not be checked.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "libos/fs/host/fsck.h"

static int quiet;
static unsigned long shown;

static void
print_problem(void *arg, const char *msg)
{
	if (quiet)
		return;
	if (shown++ < 2000)
		printf("fsck: %s\n", msg);
}

static int
recover(struct rawdev *raw)
{
	struct fs_mount_opts mo = { 0, 0, 0 };
	struct blkmap *map;
	struct fs_blkdev *dev;
	struct fs *fs;
	struct fs_stats st;
	char err[200];
	uint64_t bad;
	int r;

	if ((r = blkmap_open(raw, 0, &map, &dev, &bad, err, sizeof(err))) < 0) {
		printf("fsck: %s\n", err);
		return r;
	}
	if ((r = fs_mount(&fs, dev, &mo, err, sizeof(err))) < 0) {
		printf("fsck: recovery: mount failed: %s\n", err);
		blkmap_discard(map);
		return r;
	}
	fs_get_stats(fs, &st);
	printf("fsck: recovery: %llu blocks replayed, %llu unlinked inodes and "
	       "%llu leaked blocks freed\n", (unsigned long long)st.replayed,
	       (unsigned long long)st.orphans_freed, (unsigned long long)st.leaks_freed);
	if ((r = fs_unmount(fs)) < 0)
		printf("fsck: recovery: unmount failed (%d)\n", r);
	blkmap_close(map);
	return r;
}

static int
check(struct rawdev *raw, const char *name)
{
	struct fsck_result res;
	struct blkmap *map;
	struct fs_blkdev *dev;
	char err[200];
	uint64_t bad;

	if (blkmap_open(raw, 0, &map, &dev, &bad, err, sizeof(err)) < 0) {
		printf("fsck: ownership region: %s\n", err);
		return 2;
	}
	if (bad)
		printf("fsck: ownership map: %llu malformed entries\n", (unsigned long long)bad);
	fsck_check(dev, map, print_problem, NULL, &res);
	blkmap_discard(map);
	if (res.fatal) {
		printf("fsck: %s: no usable file system\n", name);
		return 2;
	}
	res.problems += bad;
	if (shown > 2000)
		printf("fsck: ... and %lu more\n", shown - 2000);
	printf("fsck: %s: %llu inodes (%llu files, %llu directories), %llu blocks, "
	       "%llu problems\n", name, (unsigned long long)res.inodes,
	       (unsigned long long)res.files, (unsigned long long)res.dirs,
	       (unsigned long long)res.blocks, (unsigned long long)res.problems);
	return res.problems ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct rawdev *raw;
	int c, r, do_recover = 0;

	while ((c = getopt(argc, argv, "rq")) != -1) {
		if (c == 'r')
			do_recover = 1;
		else if (c == 'q')
			quiet = 1;
		else
			return fprintf(stderr, "usage: fsck [-r] [-q] IMAGE\n"), 2;
	}
	if (optind + 1 != argc)
		return fprintf(stderr, "usage: fsck [-r] [-q] IMAGE\n"), 2;
	if ((raw = rawdev_file(argv[optind], 0, 0)) == NULL) {
		fprintf(stderr, "fsck: cannot open %s\n", argv[optind]);
		return 2;
	}
	if (raw->nblocks == 0 || (do_recover && recover(raw) < 0))
		r = 2;
	else
		r = check(raw, argv[optind]);
	raw->close(raw);
	return r;
}
