/*
 * Blocks: allocation through the device (the kernel's block map) and the
 * block map of an inode (direct, single and double indirect pointers).
 * Pointers read from the disk are checked before they are followed: a
 * corrupt one fails the call with -E_IO, it is never dereferenced.
 * Caller holds the fs lock and, to allocate, an open operation.
 */
#include "libos/fs/fsint.h"

/* Indirect blocks hold only block numbers: readable by every principal
 * that may read the metadata, like the rest of it. */
#define META_MODE	(FS_M_OREAD | FS_M_OWRITE | FS_M_XREAD)

static int
in_range(uint32_t b, uint32_t start, uint32_t n)
{
	return b >= start && b - start < n;
}

/* 1 when blk may be a file, directory or indirect block: on the device
 * and outside the superblock, the inode table and the log. */
int
blk_valid(const struct fs_super *sb, uint32_t blk)
{
	return blk > sb->sb_block && blk < sb->nblocks &&
	       !in_range(blk, sb->inode_start, sb->inode_blocks) &&
	       !in_range(blk, sb->log_start, sb->log_blocks);
}

static int64_t
alloc_one(struct fs *fs, uint32_t hint, uint16_t mode)
{
	int64_t b;
	int r;

	if ((r = log_will_alloc(fs)) < 0)
		return r;
	b = fs->dev->ops->alloc(fs->dev, hint, 1, mode);
	if (b == -E_NO_SPACE)
		return fserr(fs, -E_NO_SPACE, "no free blocks on the device");
	if (b < 0)
		return fserr(fs, (int)b, "device: allocation failed");
	if (!blk_valid(&fs->sb, (uint32_t)b))
		return fserr(fs, -E_IO, "device allocated block %u, which the "
			     "file system already uses", (uint32_t)b);
	return b;
}

/* A new metadata block near hint, zeroed, in the transaction; held. */
int
blk_alloc_meta(struct fs *fs, uint32_t hint, struct buf **out)
{
	int64_t b = alloc_one(fs, hint, META_MODE);
	int r;

	if (b < 0)
		return (int)b;
	if ((r = bzeroed(fs, (uint32_t)b, out)) < 0)
		return r;
	if ((r = log_mark(fs, *out)) < 0)
		brelse(fs, *out);
	return r;
}

/* A new data block near hint for a file of mode; its number. The owner
 * (the file system's owner) always reads and writes it; others as the
 * file's mode says, which the kernel then enforces. */
int64_t
blk_alloc_data(struct fs *fs, uint32_t hint, uint16_t mode)
{
	return alloc_one(fs, hint, FS_M_OREAD | FS_M_OWRITE |
			 (mode & (FS_M_XREAD | FS_M_XWRITE)));
}

/*
 * One step down the block map: *ptr is a pointer held in the inode
 * (parent NULL) or in the held indirect block parent. Follows it, or with
 * alloc fills a hole (a metadata block when meta, else a data block for a
 * file of mode) near hint. *out is the block, or 0 for a hole.
 */
struct step {
	int alloc;
	int meta;
	uint16_t mode;
	uint32_t hint;
};

static int
map_step(struct fs *fs, uint32_t ino, uint32_t *ptr, struct buf *parent,
	 const struct step *st, uint32_t *out, int *fresh)
{
	struct buf *nb;
	int64_t b;
	int r;

	if (*ptr != 0) {
		if (!blk_valid(&fs->sb, *ptr))
			return fserr(fs, -E_IO, "inode %u: block pointer %u invalid",
				     ino, *ptr);
		*out = *ptr;
		return 0;
	}
	*out = 0;
	if (!st->alloc)
		return 0;
	if (st->meta) {
		if ((r = blk_alloc_meta(fs, st->hint, &nb)) < 0)
			return r;
		b = nb->blk;
		brelse(fs, nb);
	} else {
		if ((b = blk_alloc_data(fs, st->hint, st->mode)) < 0)
			return (int)b;
		*fresh = 1;
	}
	if (parent != NULL && (r = log_mark(fs, parent)) < 0)
		return r;
	*ptr = (uint32_t)b;
	*out = (uint32_t)b;
	return 0;
}

/* Follows (or fills, see map_step) entry idx of indirect block blk. */
static int
map_indirect(struct fs *fs, uint32_t ino, uint32_t blk, uint32_t idx,
	     struct step *st, uint32_t *out, int *fresh)
{
	struct buf *b;
	uint32_t *ptrs;
	int r;

	if ((r = bread(fs, blk, &b)) < 0)
		return r;
	ptrs = (uint32_t *)b->data;
	st->hint = idx > 0 && ptrs[idx - 1] != 0 ? ptrs[idx - 1] + 1 : blk + 1;
	r = map_step(fs, ino, &ptrs[idx], b, st, out, fresh);
	brelse(fs, b);
	return r;
}

/*
 * The device block holding block fbn of inode ino (whose contents the
 * caller holds in di). *blk is 0 for a hole unless alloc, which fills
 * holes (and sets *fresh when the data block is new: it holds garbage).
 * Allocating may change di (the caller writes it back) and indirect
 * blocks (in the transaction). -E_TOO_BIG past FS_MAXBLOCKS, -E_IO on a
 * corrupt pointer, -E_NO_SPACE.
 */
int
bmap(struct fs *fs, uint32_t ino, struct fs_dinode *di, uint64_t fbn,
     int alloc, uint32_t *blk, int *fresh)
{
	struct step data = { alloc, 0, di->mode, 0 };
	struct step meta = { alloc, 1, di->mode, 0 };
	uint32_t ind, mid;
	int r;

	*fresh = 0;
	if (fbn < FS_NDIRECT) {
		data.hint = fbn > 0 && di->direct[fbn - 1] ? di->direct[fbn - 1] + 1 : 0;
		return map_step(fs, ino, &di->direct[fbn], NULL, &data, blk, fresh);
	}
	fbn -= FS_NDIRECT;
	if (fbn < FS_NINDIRECT) {
		meta.hint = di->direct[FS_NDIRECT - 1];
		if ((r = map_step(fs, ino, &di->indirect, NULL, &meta, &ind, fresh)) < 0)
			return r;
		if (ind == 0)
			return *blk = 0, 0;
		return map_indirect(fs, ino, ind, fbn, &data, blk, fresh);
	}
	fbn -= FS_NINDIRECT;
	if (fbn >= (uint64_t)FS_NINDIRECT * FS_NINDIRECT)
		return fserr(fs, -E_TOO_BIG, "file offset past the largest file");
	meta.hint = di->indirect;
	if ((r = map_step(fs, ino, &di->dindirect, NULL, &meta, &ind, fresh)) < 0)
		return r;
	if (ind == 0)
		return *blk = 0, 0;
	if ((r = map_indirect(fs, ino, ind, fbn / FS_NINDIRECT, &meta, &mid, fresh)) < 0)
		return r;
	if (mid == 0)
		return *blk = 0, 0;
	return map_indirect(fs, ino, mid, fbn % FS_NINDIRECT, &data, blk, fresh);
}
