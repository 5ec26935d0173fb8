/*
 * fsget: what a Chitin data-disk image holds at some paths, for the
 * grader: mounts it read-only (the image must not need recovery: run
 * fsck -r first) and prints, per path, "PATH SIZE CRC32" or "PATH -".
 *
 *   obj/fs/fsget IMAGE PATH...
 */
#include <stdio.h>
#include <stdlib.h>
#include "libos/fs/host/hostdev.h"

static int
one(struct fs *fs, const char *path)
{
	static uint8_t buf[1 << 16];
	struct fs_file *f;
	uint64_t off = 0;
	uint32_t crc = 0;
	int64_t r;

	if (fs_open(fs, path, FS_O_RDONLY, 0, &f) < 0) {
		printf("%s -\n", path);
		return 0;
	}
	while ((r = fs_pread(f, buf, sizeof(buf), off)) > 0) {
		crc = fs_crc32(crc, buf, (size_t)r);
		off += (uint64_t)r;
	}
	fs_close(f);
	if (r < 0) {
		printf("%s error %s\n", path, fs_last_error(fs));
		return 1;
	}
	printf("%s %llu %08x\n", path, (unsigned long long)off, crc);
	return 0;
}

int
main(int argc, char **argv)
{
	struct fs_mount_opts mo = { 0, 0, FS_MNT_RDONLY };
	struct rawdev *raw;
	struct blkmap *map;
	struct fs_blkdev *dev;
	struct fs *fs;
	char err[200];
	uint64_t bad;
	int i, r = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: fsget IMAGE PATH...\n");
		return 2;
	}
	if ((raw = rawdev_file(argv[1], 0, 0)) == NULL ||
	    blkmap_open(raw, 0, &map, &dev, &bad, err, sizeof(err)) < 0) {
		fprintf(stderr, "fsget: %s: no ownership region\n", argv[1]);
		return 2;
	}
	if (fs_mount(&fs, dev, &mo, err, sizeof(err)) < 0) {
		fprintf(stderr, "fsget: %s\n", err);
		return 2;
	}
	for (i = 2; i < argc; i++)
		r |= one(fs, argv[i]);
	fs_unmount(fs);
	blkmap_discard(map);
	raw->close(raw);
	return r;
}
