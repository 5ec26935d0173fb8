/*
 * Inodes: reading and writing them in the inode table, allocating and
 * releasing them, permissions, truncation and file data. An inode is
 * copied out of its buffer (struct fs_dinode by value) and written back
 * through the transaction; nothing caches inodes beside the buffer cache.
 * Caller holds the fs lock.
 */
#include "libos/fs/fsint.h"

static int
inode_where(struct fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off)
{
	if (ino == 0 || ino >= fs->sb.ninodes)
		return fserr(fs, -E_IO, "inode number %u out of range", ino);
	*blk = fs->sb.inode_start + ino / FS_IPB;
	*off = (ino % FS_IPB) * FS_INODE_SIZE;
	return 0;
}

/* Copies inode ino into *di (unchecked: see inode_check). */
int
inode_get(struct fs *fs, uint32_t ino, struct fs_dinode *di)
{
	uint32_t blk = 0, off = 0;
	struct buf *b;
	int r;

	if ((r = inode_where(fs, ino, &blk, &off)) < 0 || (r = bread(fs, blk, &b)) < 0)
		return r;
	memcpy(di, b->data + off, sizeof(*di));
	brelse(fs, b);
	return 0;
}

/* Writes *di as inode ino, in the running transaction (1 log block). */
int
inode_put(struct fs *fs, uint32_t ino, const struct fs_dinode *di)
{
	uint32_t blk = 0, off = 0;
	struct buf *b;
	int r;

	if ((r = inode_where(fs, ino, &blk, &off)) < 0 || (r = bread(fs, blk, &b)) < 0)
		return r;
	if ((r = log_mark(fs, b)) == 0)
		memcpy(b->data + off, di, sizeof(*di));
	brelse(fs, b);
	return r;
}

/* 0 when *di is a live inode whose fields make sense; -E_IO saying what
 * is wrong otherwise (block pointers are checked as they are followed). */
int
inode_check(struct fs *fs, uint32_t ino, const struct fs_dinode *di)
{
	if (di->type != FS_T_FILE && di->type != FS_T_DIR)
		return fserr(fs, -E_IO, "inode %u: not in use (type %u)", ino, di->type);
	if (di->size > FS_MAXFILE)
		return fserr(fs, -E_IO, "inode %u: size %llu too large", ino,
			     (unsigned long long)di->size);
	if (di->type == FS_T_DIR && di->size % FS_BSIZE != 0)
		return fserr(fs, -E_IO, "inode %u: directory size %llu not whole "
			     "blocks", ino, (unsigned long long)di->size);
	if (di->mode & ~FS_M_ALL)
		return fserr(fs, -E_IO, "inode %u: bad mode %o", ino, di->mode);
	return 0;
}

/* Whether the mount's principal may do want (FS_PERM_R|W|X) to *di. */
int
inode_permits(const struct fs *fs, const struct fs_dinode *di, int want)
{
	int bits;

	if (fs->principal == 0)
		return 1;
	bits = di->owner == fs->principal ? (di->mode >> 6) & 7 : di->mode & 7;
	return (bits & want) == want;
}

/* Finds a free inode (1 log block), makes it type/mode/parent with no
 * links, and returns it in *ino and *di. -E_NO_SPACE if the table is
 * full. */
int
inode_alloc(struct fs *fs, uint16_t type, uint16_t mode, uint32_t parent,
	    uint32_t *ino, struct fs_dinode *di)
{
	uint32_t i, n = fs->sb.ninodes;
	int r;

	for (i = 0; i < n; i++) {
		uint32_t cand = (fs->ino_hint + i) % n;
		if (cand == 0)
			continue;
		if ((r = inode_get(fs, cand, di)) < 0)
			return r;
		if (di->type != FS_T_FREE)
			continue;
		uint32_t gen = di->gen + 1;
		memset(di, 0, sizeof(*di));
		di->type = type;
		di->mode = mode & FS_M_ALL;
		di->owner = fs->principal;
		di->gen = gen;
		di->mtime = fsos_now();
		di->parent = parent;
		if ((r = inode_put(fs, cand, di)) < 0)
			return r;
		fs->ino_hint = cand + 1;
		*ino = cand;
		return 0;
	}
	return fserr(fs, -E_NO_SPACE, "inode table full (%u inodes)", n);
}

/* --- truncation --- */

struct shrink {
	uint32_t ino;
	int budget;		/* frees left in this pass */
	uint64_t low;		/* lowest file block freed so far */
};

static int shrink_children(struct fs *fs, struct shrink *s, uint32_t blk,
			   int level, uint64_t base, uint64_t span, uint64_t keep);

/*
 * Frees what *ptr (held in parent, or in the inode when parent is NULL)
 * maps beyond the first keep file blocks of its subtree, which starts at
 * file block base and spans span blocks (level 0: a data block). From the
 * end down, within the pass's budget. 0 when done, 1 when the budget ran
 * out (what was freed is unhooked: the state is consistent), or -E_*.
 */
static int
shrink_ptr(struct fs *fs, struct shrink *s, uint32_t *ptr, struct buf *parent,
	   int level, uint64_t base, uint64_t span, uint64_t keep)
{
	int r;

	if (*ptr == 0 || keep >= span)
		return 0;
	if (!blk_valid(&fs->sb, *ptr))
		return fserr(fs, -E_IO, "inode %u: block pointer %u invalid", s->ino, *ptr);
	if (level > 0) {
		r = shrink_children(fs, s, *ptr, level, base, span, keep);
		if (r != 0)
			return r == 2 ? 0 : r;
	}
	if (s->budget == 0)
		return 1;
	if (parent != NULL && (r = log_mark(fs, parent)) < 0)
		return r;
	if ((r = log_free_block(fs, *ptr)) < 0)
		return r;
	*ptr = 0;
	s->budget--;
	if (base < s->low)
		s->low = base;
	return 0;
}

/* The children of indirect block blk (see shrink_ptr). 0 when the block
 * itself is to be freed now (nothing of it is kept and the budget holds);
 * otherwise its cleared entries are put in the transaction and 2 (done,
 * block stays), 1 (budget ran out) or -E_* is returned. */
static int
shrink_children(struct fs *fs, struct shrink *s, uint32_t blk, int level,
		uint64_t base, uint64_t span, uint64_t keep)
{
	uint64_t cspan = span / FS_NINDIRECT;
	struct buf *b;
	uint32_t *ptrs;
	int64_t i;
	int r = 0, m;

	if ((r = bread(fs, blk, &b)) < 0)
		return r;
	ptrs = (uint32_t *)b->data;
	for (i = FS_NINDIRECT - 1; i >= 0 && r == 0; i--) {
		uint64_t lo = (uint64_t)i * cspan;
		if (lo + cspan <= keep)
			break;
		r = shrink_ptr(fs, s, &ptrs[i], b, level - 1, base + lo, cspan,
			       keep > lo ? keep - lo : 0);
	}
	if (r == 0 && keep == 0 && s->budget > 0) {
		brelse(fs, b);
		return 0;
	}
	if (r >= 0 && (m = log_mark(fs, b)) < 0)
		r = m;
	brelse(fs, b);
	if (r < 0)
		return r;
	return r == 0 && keep > 0 ? 2 : 1;
}

/*
 * One pass of shrinking inode ino (contents in *di, written back by the
 * caller) to size bytes: frees up to FS_FREE_CHUNK blocks from the end
 * and lowers di->size as far as the freed blocks allow. *done when the
 * size is reached. Needs an operation of 8 log blocks, FS_FREE_CHUNK
 * frees.
 */
int
inode_shrink(struct fs *fs, uint32_t ino, struct fs_dinode *di, uint64_t size,
	     int *done)
{
	struct shrink s = { ino, FS_FREE_CHUNK, UINT64_MAX };
	uint64_t keep = (size + FS_BSIZE - 1) / FS_BSIZE;
	uint64_t dbase = FS_NDIRECT + FS_NINDIRECT;
	int64_t i;
	int r;

	r = shrink_ptr(fs, &s, &di->dindirect, NULL, 2, dbase,
		       (uint64_t)FS_NINDIRECT * FS_NINDIRECT, keep > dbase ? keep - dbase : 0);
	if (r == 0)
		r = shrink_ptr(fs, &s, &di->indirect, NULL, 1, FS_NDIRECT, FS_NINDIRECT,
			       keep > FS_NDIRECT ? keep - FS_NDIRECT : 0);
	for (i = FS_NDIRECT - 1; i >= 0 && r == 0 && (uint64_t)i >= keep; i--)
		r = shrink_ptr(fs, &s, &di->direct[i], NULL, 0, i, 1, 0);
	if (r < 0)
		return r;
	*done = r == 0;
	if (*done)
		di->size = size;
	else if (s.low != UINT64_MAX && s.low * FS_BSIZE < di->size)
		di->size = s.low * FS_BSIZE > size ? s.low * FS_BSIZE : size;
	return 0;
}

/* Zeroes the bytes of the last block past the end of the file, before the
 * file grows over them: a shrink leaves them as they were. */
static int
zero_tail(struct fs *fs, uint32_t ino, struct fs_dinode *di)
{
	uint32_t blk, off = di->size % FS_BSIZE;
	struct buf *b;
	int fresh, r;

	if (off == 0)
		return 0;
	if ((r = bmap(fs, ino, di, di->size / FS_BSIZE, 0, &blk, &fresh)) < 0 || blk == 0)
		return r;
	if ((r = bread(fs, blk, &b)) < 0)
		return r;
	memset(b->data + off, 0, FS_BSIZE - off);
	r = bwrite_data(fs, b);
	brelse(fs, b);
	return r;
}

/* Sets the size of file ino, freeing blocks in as many operations as it
 * takes. The caller has checked type and permission. */
int
inode_truncate(struct fs *fs, uint32_t ino, uint64_t size)
{
	struct fs_dinode di;
	int done = 0, r;

	if (size > FS_MAXFILE)
		return fserr(fs, -E_TOO_BIG, "size past the largest file");
	while (!done) {
		if ((r = op_begin(fs, 8, FS_FREE_CHUNK)) < 0)
			return r;
		if ((r = inode_get(fs, ino, &di)) == 0 && (r = inode_check(fs, ino, &di)) == 0) {
			if (size >= di.size) {
				r = zero_tail(fs, ino, &di);
				di.size = size;
				done = 1;
			} else {
				r = inode_shrink(fs, ino, &di, size, &done);
			}
			di.mtime = fsos_now();
			if (r == 0)
				r = inode_put(fs, ino, &di);
		}
		if ((r = op_end(fs, r)) < 0)
			return r;
	}
	return 0;
}

/* Frees inode ino if no directory entry names it any more: its blocks
 * (in several operations when there are many), then the inode. */
int
inode_release(struct fs *fs, uint32_t ino)
{
	struct fs_dinode di;
	int r;

	if ((r = inode_get(fs, ino, &di)) < 0)
		return r;
	if (di.nlink > 0 || di.type == FS_T_FREE)
		return 0;
	if ((r = inode_check(fs, ino, &di)) < 0)
		return r;
	if ((r = inode_truncate(fs, ino, 0)) < 0)
		return r;
	if ((r = op_begin(fs, 1, 0)) < 0)
		return r;
	if ((r = inode_get(fs, ino, &di)) == 0) {
		di.type = FS_T_FREE;
		di.size = 0;
		r = inode_put(fs, ino, &di);
	}
	return op_end(fs, r);
}

/* --- file data --- */

/* Reads up to n bytes at off of inode ino; the count (0 at the end). */
int64_t
inode_read_data(struct fs *fs, uint32_t ino, void *buf, size_t n, uint64_t off)
{
	struct fs_dinode di;
	uint64_t done = 0;
	int fresh, r;

	if ((r = inode_get(fs, ino, &di)) < 0 || (r = inode_check(fs, ino, &di)) < 0)
		return r;
	if (off >= di.size)
		return 0;
	if (n > di.size - off)
		n = di.size - off;
	while (done < n) {
		uint64_t pos = off + done;
		uint32_t boff = pos % FS_BSIZE, blk;
		uint64_t len = FS_BSIZE - boff < n - done ? FS_BSIZE - boff : n - done;
		struct buf *b;

		if ((r = bmap(fs, ino, &di, pos / FS_BSIZE, 0, &blk, &fresh)) < 0)
			return r;
		if (blk == 0) {
			memset((uint8_t *)buf + done, 0, len);
		} else {
			if ((r = bread(fs, blk, &b)) < 0)
				return r;
			memcpy((uint8_t *)buf + done, b->data + boff, len);
			brelse(fs, b);
		}
		done += len;
	}
	return (int64_t)done;
}

/* Writes one block's worth (len bytes at pos, within one block) of file
 * ino, allocating the block if needed. */
static int
write_block(struct fs *fs, uint32_t ino, struct fs_dinode *di, const uint8_t *src,
	    uint64_t pos, uint32_t len)
{
	uint32_t boff = pos % FS_BSIZE, blk;
	struct buf *b;
	int fresh, r;

	if ((r = bmap(fs, ino, di, pos / FS_BSIZE, 1, &blk, &fresh)) < 0)
		return r;
	if (fresh || len == FS_BSIZE)
		r = bzeroed(fs, blk, &b);
	else
		r = bread(fs, blk, &b);
	if (r < 0)
		return r;
	memcpy(b->data + boff, src, len);
	r = bwrite_data(fs, b);
	brelse(fs, b);
	return r;
}

/* One operation of a write: up to FS_WRITE_CHUNK blocks. */
static int64_t
write_chunk(struct fs *fs, uint32_t ino, const uint8_t *src, size_t n, uint64_t off)
{
	struct fs_dinode di;
	uint64_t done = 0;
	int r, blocks = 0;

	if ((r = op_begin(fs, 8, 0)) < 0)
		return r;
	if ((r = inode_get(fs, ino, &di)) < 0 || (r = inode_check(fs, ino, &di)) < 0)
		return op_end(fs, r);
	if (off > di.size && (r = zero_tail(fs, ino, &di)) < 0)
		return op_end(fs, r);
	while (done < n && blocks++ < FS_WRITE_CHUNK) {
		uint64_t pos = off + done;
		uint32_t len = FS_BSIZE - pos % FS_BSIZE;
		if (len > n - done)
			len = n - done;
		if ((r = write_block(fs, ino, &di, src + done, pos, len)) < 0)
			break;
		done += len;
	}
	if (r < 0 && (r != -E_NO_SPACE || done == 0)) {
		/* Pointers allocated before the failure must reach the disk. */
		if (r == -E_NO_SPACE)
			inode_put(fs, ino, &di);
		return op_end(fs, r);
	}
	if (off + done > di.size)
		di.size = off + done;
	di.mtime = fsos_now();
	r = op_end(fs, inode_put(fs, ino, &di));
	return r < 0 ? r : (int64_t)done;
}

/* Writes n bytes at off of file ino, growing it; the count written, which
 * is short only when the device fills up (-E_NO_SPACE if nothing fit). */
int64_t
inode_write_data(struct fs *fs, uint32_t ino, const void *buf, size_t n,
		 uint64_t off)
{
	uint64_t done = 0;
	int64_t r;

	if (off > FS_MAXFILE || n > FS_MAXFILE - off)
		return fserr(fs, -E_TOO_BIG, "write past the largest file");
	while (done < n) {
		r = write_chunk(fs, ino, (const uint8_t *)buf + done, n - done, off + done);
		if (r < 0)
			return done > 0 && r == -E_NO_SPACE ? (int64_t)done : r;
		done += (uint64_t)r;
	}
	return (int64_t)done;
}
