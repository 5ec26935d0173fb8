/*
 * The mount-time scan, run when the log says the file system was not
 * unmounted cleanly: frees inodes that no entry names any more (an unlink
 * interrupted between its two steps) and gives back blocks the device
 * says are ours but nothing references (allocated by a transaction that
 * never committed, or freed by one whose frees did not reach the disk).
 * If any inode or pointer is corrupt, no block is given back: the map of
 * what is referenced would be incomplete. Caller holds the fs lock.
 */
#include "libos/fs/fsint.h"

struct scan {
	uint8_t *used;		/* one bit per device block */
	int incomplete;		/* a pointer could not be followed */
};

static void
mark(struct fs *fs, struct scan *s, uint32_t blk)
{
	if (!blk_valid(&fs->sb, blk)) {
		s->incomplete = 1;
		return;
	}
	s->used[blk / 8] |= 1 << (blk % 8);
}

static void
mark_range(struct scan *s, uint32_t start, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		s->used[(start + i) / 8] |= 1 << ((start + i) % 8);
}

/* Marks indirect block blk and what it points to, level levels down. */
static void
mark_tree(struct fs *fs, struct scan *s, uint32_t blk, int level)
{
	struct buf *b;
	uint32_t i, ptrs[FS_NINDIRECT];

	mark(fs, s, blk);
	if (s->incomplete || level == 0)
		return;
	if (bread(fs, blk, &b) < 0) {
		s->incomplete = 1;
		return;
	}
	memcpy(ptrs, b->data, sizeof(ptrs));
	brelse(fs, b);
	for (i = 0; i < FS_NINDIRECT && !s->incomplete; i++)
		if (ptrs[i] != 0)
			mark_tree(fs, s, ptrs[i], level - 1);
}

static void
mark_inode(struct fs *fs, struct scan *s, const struct fs_dinode *di)
{
	int i;

	for (i = 0; i < FS_NDIRECT; i++)
		if (di->direct[i] != 0)
			mark_tree(fs, s, di->direct[i], 0);
	if (di->indirect != 0)
		mark_tree(fs, s, di->indirect, 1);
	if (di->dindirect != 0)
		mark_tree(fs, s, di->dindirect, 2);
}

/* Frees every inode with no links; commits. */
static int
free_orphans(struct fs *fs)
{
	struct fs_dinode di;
	uint32_t ino;
	int r;

	for (ino = FS_ROOT_INO + 1; ino < fs->sb.ninodes; ino++) {
		if ((r = inode_get(fs, ino, &di)) < 0)
			return r;
		if (di.type == FS_T_FREE || di.nlink != 0)
			continue;
		if (inode_check(fs, ino, &di) < 0)
			continue;	/* corrupt: left to fsck */
		if ((r = inode_release(fs, ino)) < 0)
			return r;
		fs->stats.orphans_freed++;
	}
	return log_commit(fs);
}

static int
mark_all(struct fs *fs, struct scan *s)
{
	struct fs_dinode di;
	uint32_t ino;
	int r;

	mark_range(s, fs->sb.sb_block, 1);
	mark_range(s, fs->sb.inode_start, fs->sb.inode_blocks);
	mark_range(s, fs->sb.log_start, fs->sb.log_blocks);
	for (ino = FS_ROOT_INO; ino < fs->sb.ninodes && !s->incomplete; ino++) {
		if ((r = inode_get(fs, ino, &di)) < 0)
			return r;
		if (di.type == FS_T_FREE)
			continue;
		if (inode_check(fs, ino, &di) < 0)
			s->incomplete = 1;
		else
			mark_inode(fs, s, &di);
	}
	return 0;
}

static int
free_leaks(struct fs *fs, struct scan *s)
{
	uint32_t blk;
	int r;

	for (blk = fs->dev->first; blk < fs->sb.nblocks; blk++) {
		if (s->used[blk / 8] & (1 << (blk % 8)))
			continue;
		if (fs->dev->ops->owned(fs->dev, blk) != 1)
			continue;
		if ((r = fs->dev->ops->free(fs->dev, blk, 1)) < 0)
			return fserr(fs, r, "scan: could not free leaked block %u", blk);
		fs->stats.leaks_freed++;
	}
	return dev_flush(fs);
}

/* The scan (see the top of the file). -E_IO only for a device error;
 * corruption just keeps blocks from being given back. */
int
scan_repair(struct fs *fs)
{
	struct scan s = { NULL, 0 };
	int r;

	if ((r = free_orphans(fs)) < 0)
		return r;
	s.used = fsos_alloc(fs->sb.nblocks / 8 + 1);
	if (s.used == NULL)
		return fserr(fs, -E_NO_MEM, "out of memory for the scan");
	r = mark_all(fs, &s);
	if (r == 0 && !s.incomplete)
		r = free_leaks(fs, &s);
	fsos_free(s.used);
	return r;
}
