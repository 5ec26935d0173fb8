/*
 * The kernel's block-ownership region (kern/abi/disk.h) kept on a host
 * rawdev, behaving as the kernel's calls do: allocation with a hint,
 * ownership and mode checks, BLKF_ZERO blocks reading as zeros, and the
 * map written back only at a flush. mkfs, fsck and the tests run the file
 * system on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libos/fs/host/hostdev.h"
#include "kern/abi/error.h"

#define BS	DISK_BLKSIZE
#define EPB	BLK_ENTRIES_PER_BLOCK

struct blkmap {
	struct fs_blkdev dev;
	struct rawdev *raw;
	struct blk_super sb;
	struct blk_entry *map;		/* map_blocks * EPB entries */
	uint8_t *dirty;			/* per map block */
	int super_dirty;
	uint32_t principal;
	uint8_t zeros[BS];
};

static uint32_t
super_crc(const struct blk_super *sb)
{
	struct blk_super c = *sb;

	c.crc = 0;
	return fs_crc32(0, &c, sizeof(c));
}

/* Writes a fresh region over all of raw. */
int
blkmap_format(struct rawdev *raw, const char *label)
{
	uint64_t n = raw->nblocks < DISK_MAX_BLOCKS ? raw->nblocks : DISK_MAX_BLOCKS;
	uint64_t mb = (n + EPB - 1) / EPB, b, i;
	struct blk_entry *e;
	uint8_t *blk = calloc(1, BS);
	struct blk_super *sb = (struct blk_super *)blk;
	int r = 0;

	if (blk == NULL)
		return -E_NO_MEM;
	if (n < mb + 2) {
		free(blk);
		return -E_INVAL;
	}
	sb->magic = BLKSB_MAGIC;
	sb->version = BLKSB_VERSION;
	sb->block_size = BS;
	sb->nblocks = n;
	sb->map_start = 1;
	sb->map_blocks = mb;
	sb->data_start = 1 + mb;
	sb->entry_size = sizeof(struct blk_entry);
	snprintf(sb->label, sizeof(sb->label), "%s", label ? label : "");
	sb->crc = super_crc(sb);
	r = raw->write(raw, 0, 1, blk);
	for (b = 0; b < mb && r == 0; b++) {
		memset(blk, 0, BS);
		e = (struct blk_entry *)blk;
		for (i = 0; i < EPB; i++)
			if (b * EPB + i < 1 + mb)
				e[i].flags = BLKF_RESERVED;
		r = raw->write(raw, 1 + b, 1, blk);
	}
	free(blk);
	return r == 0 ? raw->flush(raw) : r;
}

static int
super_ok(const struct blk_super *sb, uint64_t rawblocks, char *err, size_t errlen)
{
	const char *why = NULL;

	if (sb->magic != BLKSB_MAGIC)
		why = "no ownership superblock (bad magic)";
	else if (sb->crc != super_crc(sb))
		why = "ownership superblock checksum mismatch";
	else if (sb->version != BLKSB_VERSION || sb->block_size != BS ||
		 sb->entry_size != sizeof(struct blk_entry))
		why = "ownership superblock: unsupported version or sizes";
	else if (sb->nblocks > rawblocks || sb->nblocks > DISK_MAX_BLOCKS ||
		 sb->map_start != 1 || sb->map_blocks != (sb->nblocks + EPB - 1) / EPB ||
		 sb->data_start != 1 + sb->map_blocks || sb->data_start >= sb->nblocks)
		why = "ownership superblock: sizes do not fit the disk";
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "%s", why);
	return -E_IO;
}

/* A malformed entry becomes reserved, as the kernel makes it at boot. */
static uint64_t
fix_entries(struct blkmap *m)
{
	uint64_t b, bad = 0;

	for (b = 0; b < m->sb.map_blocks * EPB; b++) {
		struct blk_entry *e = &m->map[b];
		int want_res = b < m->sb.data_start;
		int ok;
		if (b >= m->sb.nblocks)
			ok = e->owner == 0 && e->mode == 0 && e->flags == 0;
		else if (want_res)
			ok = e->flags == BLKF_RESERVED && e->owner == 0 && e->mode == 0;
		else
			ok = (e->flags == 0 && e->owner == 0 && e->mode == 0) ||
			     ((e->flags & BLKF_USED) && !(e->flags & ~(BLKF_USED | BLKF_ZERO)) &&
			      !(e->mode & ~BLK_M_ALL));
		if (ok)
			continue;
		bad++;
		if (b < m->sb.nblocks) {
			e->owner = 0;
			e->mode = 0;
			e->flags = BLKF_RESERVED;
		}
	}
	return bad;
}

static struct blkmap *
dev_map(struct fs_blkdev *d)
{
	return d->priv;
}

static int
range_ok(struct blkmap *m, uint64_t blk, uint64_t n)
{
	return n > 0 && blk < m->sb.nblocks && n <= m->sb.nblocks - blk;
}

static int
may(struct blkmap *m, const struct blk_entry *e, int write)
{
	uint16_t bits;

	if (e->flags & BLKF_RESERVED)
		return 0;
	if (!(e->flags & BLKF_USED))
		return 0;
	if (m->principal == 0)
		return 1;
	bits = e->owner == m->principal ? e->mode >> 6 : e->mode;
	return write ? (bits & 2) != 0 : (bits & 4) != 0;
}

static void
set_entry(struct blkmap *m, uint64_t blk, uint32_t owner, uint16_t mode, uint16_t flags)
{
	m->map[blk].owner = owner;
	m->map[blk].mode = mode;
	m->map[blk].flags = flags;
	m->dirty[blk / EPB] = 1;
}

static int
bm_read(struct fs_blkdev *d, uint32_t blk, uint32_t n, void *buf)
{
	struct blkmap *m = dev_map(d);
	uint32_t i;
	int r;

	if (!range_ok(m, blk, n))
		return -E_RANGE;
	for (i = 0; i < n; i++)
		if (!may(m, &m->map[blk + i], 0))
			return -E_PERM;
	if ((r = m->raw->read(m->raw, blk, n, buf)) < 0)
		return r;
	for (i = 0; i < n; i++)
		if (m->map[blk + i].flags & BLKF_ZERO)
			memset((uint8_t *)buf + (size_t)i * BS, 0, BS);
	return 0;
}

static int
bm_write(struct fs_blkdev *d, uint32_t blk, uint32_t n, const void *buf)
{
	struct blkmap *m = dev_map(d);
	uint32_t i;
	int r;

	if (!range_ok(m, blk, n))
		return -E_RANGE;
	for (i = 0; i < n; i++)
		if (!may(m, &m->map[blk + i], 1))
			return -E_PERM;
	if ((r = m->raw->write(m->raw, blk, n, buf)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		struct blk_entry *e = &m->map[blk + i];
		if (e->flags & BLKF_ZERO)
			set_entry(m, blk + i, e->owner, e->mode, e->flags & ~BLKF_ZERO);
	}
	return 0;
}

/* Writes the changed map blocks and the superblock, then the barrier. */
static int
bm_flush(struct fs_blkdev *d)
{
	struct blkmap *m = dev_map(d);
	uint64_t b;
	int r;

	for (b = 0; b < m->sb.map_blocks; b++) {
		if (!m->dirty[b])
			continue;
		if ((r = m->raw->write(m->raw, 1 + b, 1, &m->map[b * EPB])) < 0)
			return r;
		m->dirty[b] = 0;
	}
	if (m->super_dirty) {
		memset(m->zeros, 0, BS);
		memcpy(m->zeros, &m->sb, sizeof(m->sb));
		if ((r = m->raw->write(m->raw, 0, 1, m->zeros)) < 0)
			return r;
		memset(m->zeros, 0, BS);
		m->super_dirty = 0;
	}
	return m->raw->flush(m->raw);
}

static int
run_free(struct blkmap *m, uint64_t b, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (m->map[b + i].flags != 0)
			return 0;
	return 1;
}

static int64_t
bm_alloc(struct fs_blkdev *d, uint32_t hint, uint32_t n, uint32_t mode)
{
	struct blkmap *m = dev_map(d);
	uint64_t b, start = hint >= m->sb.data_start ? hint : m->sb.data_start;
	uint32_t i;
	int pass;

	if (n == 0 || n > DISK_ALLOC_MAX || (mode & ~BLK_M_ALL))
		return -E_INVAL;
	for (pass = 0; pass < 2; pass++) {
		for (b = start; b + n <= m->sb.nblocks; b++) {
			if (!run_free(m, b, n))
				continue;
			for (i = 0; i < n; i++)
				set_entry(m, b + i, m->principal, mode, BLKF_USED | BLKF_ZERO);
			return (int64_t)b;
		}
		start = m->sb.data_start;
	}
	return -E_NO_SPACE;
}

static int
bm_free(struct fs_blkdev *d, uint32_t blk, uint32_t n)
{
	struct blkmap *m = dev_map(d);
	uint32_t i;

	if (!range_ok(m, blk, n))
		return -E_RANGE;
	for (i = 0; i < n; i++) {
		const struct blk_entry *e = &m->map[blk + i];
		if (!(e->flags & BLKF_USED) || (e->flags & BLKF_RESERVED) ||
		    (m->principal != 0 && e->owner != m->principal))
			return -E_PERM;
	}
	for (i = 0; i < n; i++)
		set_entry(m, blk + i, 0, 0, 0);
	return 0;
}

static int
bm_owned(struct fs_blkdev *d, uint32_t blk)
{
	struct blkmap *m = dev_map(d);
	const struct blk_entry *e;

	if (blk >= m->sb.nblocks)
		return 0;
	e = &m->map[blk];
	return (e->flags & BLKF_USED) && !(e->flags & BLKF_RESERVED) &&
	       e->owner == m->principal;
}

static const struct fs_blkdev_ops blkmap_ops = {
	.read = bm_read, .write = bm_write, .flush = bm_flush,
	.alloc = bm_alloc, .free = bm_free, .owned = bm_owned,
};

int
blkmap_open(struct rawdev *raw, uint32_t principal, struct blkmap **out,
	    struct fs_blkdev **dev, uint64_t *bad, char *err, size_t errlen)
{
	struct blkmap *m = calloc(1, sizeof(*m));
	int r;

	if (m == NULL)
		return -E_NO_MEM;
	if ((r = raw->read(raw, 0, 1, m->zeros)) < 0) {
		snprintf(err, errlen, "cannot read block 0");
		free(m);
		return r;
	}
	memcpy(&m->sb, m->zeros, sizeof(m->sb));
	memset(m->zeros, 0, BS);
	if ((r = super_ok(&m->sb, raw->nblocks, err, errlen)) < 0) {
		free(m);
		return r;
	}
	m->map = calloc(m->sb.map_blocks, BS);
	m->dirty = calloc(m->sb.map_blocks, 1);
	if (m->map == NULL || m->dirty == NULL)
		r = -E_NO_MEM;
	else
		r = raw->read(raw, 1, m->sb.map_blocks, m->map);
	if (r < 0) {
		snprintf(err, errlen, "cannot read the ownership map");
		blkmap_discard(m);
		return r;
	}
	*bad = fix_entries(m);
	m->raw = raw;
	m->principal = principal;
	m->dev.ops = &blkmap_ops;
	m->dev.nblocks = (uint32_t)m->sb.nblocks;
	m->dev.first = (uint32_t)(m->sb.fs_root ? m->sb.fs_root : m->sb.data_start);
	if (m->sb.fs_root >= m->sb.nblocks || (m->sb.fs_root && m->sb.fs_root < m->sb.data_start))
		m->dev.first = (uint32_t)m->sb.data_start;
	m->dev.priv = m;
	*out = m;
	*dev = &m->dev;
	return 0;
}

int
blkmap_set_fs_root(struct blkmap *m, uint64_t fs_root)
{
	m->sb.fs_root = fs_root;
	m->sb.crc = super_crc(&m->sb);
	m->super_dirty = 1;
	m->dev.first = (uint32_t)fs_root;
	return 0;
}

const struct blk_entry *
blkmap_entry(struct blkmap *m, uint64_t blk)
{
	return blk < m->sb.nblocks ? &m->map[blk] : NULL;
}

const struct blk_super *
blkmap_super(struct blkmap *m)
{
	return &m->sb;
}

int
blkmap_close(struct blkmap *m)
{
	int r = bm_flush(&m->dev);

	blkmap_discard(m);
	return r;
}

void
blkmap_discard(struct blkmap *m)
{
	free(m->map);
	free(m->dirty);
	free(m);
}
