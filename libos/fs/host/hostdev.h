/*
 * Block devices on the host, for mkfs, fsck and the tests.
 *
 * A struct rawdev stores blocks: in a file, in memory, or in memory that
 * can "crash" (drop or keep any part of what was written since the last
 * flush). blkmap.c puts the kernel's block-ownership region
 * (kern/abi/disk.h: superblock, map, BLKF_ZERO blocks, write-back of the
 * map at flush) on a rawdev and offers the result as a struct fs_blkdev,
 * so the file system runs on the host exactly as it runs over the
 * kernel's disk calls, and mkfs writes images the kernel accepts.
 */
#ifndef CHITIN_FS_HOSTDEV_H
#define CHITIN_FS_HOSTDEV_H

#include <stdint.h>
#include <stddef.h>
#include "libos/fs/fs.h"
#include "kern/abi/disk.h"

struct rawdev {
	int (*read)(struct rawdev *r, uint64_t blk, uint32_t n, void *buf);
	int (*write)(struct rawdev *r, uint64_t blk, uint32_t n, const void *buf);
	int (*flush)(struct rawdev *r);
	void (*close)(struct rawdev *r);
	uint64_t nblocks;
};

/* A file of nblocks blocks (0: its current size), created if create. */
struct rawdev *rawdev_file(const char *path, uint64_t nblocks, int create);
/* nblocks of zeroed memory. */
struct rawdev *rawdev_mem(uint64_t nblocks);

/* Memory that remembers every write since the last flush. */
#define CRASH_DROP_ALL	0	/* lose all of them */
#define CRASH_PREFIX	1	/* keep a random prefix, in order */
#define CRASH_SUBSET	2	/* keep a random subset */
#define CRASH_TORN	3	/* a random prefix, the last write torn at a sector */
struct rawdev *rawdev_crash(uint64_t nblocks);
/* After this many more writes and flushes the device "loses power": every
 * later call fails with -E_IO. -1: never. */
void crashdev_arm(struct rawdev *r, long countdown);
int crashdev_dead(struct rawdev *r);
/* Writes and flushes since the device was made. */
long crashdev_calls(struct rawdev *r);
/* Applies the crash (mode, random choices from seed) to the durable
 * image and revives the device on it. */
void crashdev_crash(struct rawdev *r, int mode, uint64_t seed);
/* Writes since the last flush (for tests). */
size_t crashdev_pending(struct rawdev *r);
/* The durable image of a memory or crashing device, nblocks * 4096 bytes
 * (for corruption tests). */
uint8_t *crashdev_image(struct rawdev *r);

/* The ownership region (kern/abi/disk.h) on a rawdev. */
struct blkmap;
/* Writes a fresh region over all of raw (at most DISK_MAX_BLOCKS). */
int blkmap_format(struct rawdev *raw, const char *label);
/* Opens the region: the device is *dev, acting as principal. -E_IO with
 * the reason in err for a bad superblock; bad entries are made
 * reserved, as the kernel does, and counted in *bad. */
int blkmap_open(struct rawdev *raw, uint32_t principal, struct blkmap **out,
		struct fs_blkdev **dev, uint64_t *bad, char *err, size_t errlen);
/* Records the file system's first block in the superblock (at flush). */
int blkmap_set_fs_root(struct blkmap *m, uint64_t fs_root);
const struct blk_entry *blkmap_entry(struct blkmap *m, uint64_t blk);
const struct blk_super *blkmap_super(struct blkmap *m);
/* Flushes and frees (the rawdev stays). */
int blkmap_close(struct blkmap *m);
/* The same without writing anything (after a crash). */
void blkmap_discard(struct blkmap *m);

/* 64-bit xorshift for the tests and the crash device. */
static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
