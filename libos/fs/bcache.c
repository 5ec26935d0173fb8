/*
 * The buffer cache: at most one in-memory copy of each device block.
 * Metadata blocks changed by the running transaction stay pinned here
 * (dirty) until the commit writes them through the log; file data is
 * written through to the device at once. Caller holds the fs lock.
 */
#include "libos/fs/fsint.h"

static uint32_t
hash_of(const struct fs *fs, uint32_t blk)
{
	return (blk * 2654435761u) % fs->nhash;
}

/* Sets up nbuf buffers; -E_NO_MEM. */
int
bcache_init(struct fs *fs, uint32_t nbuf)
{
	uint32_t i;

	fs->nbuf = nbuf;
	fs->nhash = nbuf * 2 + 1;
	fs->bufs = fsos_alloc(sizeof(struct buf) * nbuf);
	fs->hash = fsos_alloc(sizeof(struct buf *) * fs->nhash);
	if (fs->bufs == NULL || fs->hash == NULL)
		return -E_NO_MEM;
	for (i = 0; i < nbuf; i++) {
		fs->bufs[i].data = fsos_alloc(FS_BSIZE);
		if (fs->bufs[i].data == NULL)
			return -E_NO_MEM;
	}
	return 0;
}

void
bcache_fini(struct fs *fs)
{
	uint32_t i;

	if (fs->bufs != NULL)
		for (i = 0; i < fs->nbuf; i++)
			fsos_free(fs->bufs[i].data);
	fsos_free(fs->bufs);
	fsos_free(fs->hash);
	fs->bufs = NULL;
	fs->hash = NULL;
}

static void
unhash(struct fs *fs, struct buf *b)
{
	struct buf **pp = &fs->hash[hash_of(fs, b->blk)];

	while (*pp != NULL && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp == b)
		*pp = b->hnext;
	b->hnext = NULL;
	b->valid = 0;
}

/* The least recently used buffer nobody holds, unhashed; NULL if every
 * buffer is held or dirty. */
static struct buf *
victim(struct fs *fs)
{
	struct buf *best = NULL;
	uint32_t i;

	for (i = 0; i < fs->nbuf; i++) {
		struct buf *b = &fs->bufs[i];
		if (b->refs == 0 && !b->dirty && (best == NULL || b->used < best->used))
			best = b;
		if (best != NULL && !best->valid)
			break;
	}
	if (best != NULL && best->valid)
		unhash(fs, best);
	return best;
}

/* The cached buffer of blk, not held, or NULL. */
struct buf *
bfind(struct fs *fs, uint32_t blk)
{
	struct buf *b;

	for (b = fs->hash[hash_of(fs, blk)]; b != NULL; b = b->hnext)
		if (b->blk == blk)
			return b;
	return NULL;
}

/* The buffer of blk, held; its data may not be valid yet. */
static int
bget(struct fs *fs, uint32_t blk, struct buf **out)
{
	struct buf *b;
	uint32_t h = hash_of(fs, blk);

	for (b = fs->hash[h]; b != NULL; b = b->hnext)
		if (b->blk == blk)
			break;
	if (b == NULL) {
		b = victim(fs);
		if (b == NULL)
			return fserr(fs, -E_NO_MEM, "buffer cache: all %u buffers busy",
				     fs->nbuf);
		b->blk = blk;
		b->valid = 0;
		b->hnext = fs->hash[h];
		fs->hash[h] = b;
		fs->stats.cache_misses++;
	} else if (b->valid) {
		fs->stats.cache_hits++;
	}
	b->refs++;
	b->used = ++fs->clock;
	*out = b;
	return 0;
}

/* The buffer of blk holding its contents, held; -E_IO if blk is outside
 * the device or the device fails. */
int
bread(struct fs *fs, uint32_t blk, struct buf **out)
{
	struct buf *b;
	int r;

	if (blk >= fs->dev->nblocks)
		return fserr(fs, -E_IO, "block %u outside the device (%u blocks)",
			     blk, fs->dev->nblocks);
	if ((r = bget(fs, blk, &b)) < 0)
		return r;
	if (!b->valid) {
		if ((r = dev_read(fs, blk, 1, b->data)) < 0) {
			b->refs--;
			unhash(fs, b);
			return r;
		}
		b->valid = 1;
	}
	*out = b;
	return 0;
}

/* The buffer of blk, held, filled with zeros (for a block just
 * allocated: its old contents do not matter). */
int
bzeroed(struct fs *fs, uint32_t blk, struct buf **out)
{
	int r;

	if (blk >= fs->dev->nblocks)
		return fserr(fs, -E_IO, "block %u outside the device", blk);
	if ((r = bget(fs, blk, out)) < 0)
		return r;
	memset((*out)->data, 0, FS_BSIZE);
	(*out)->valid = 1;
	return 0;
}

void
brelse(struct fs *fs, struct buf *b)
{
	if (b->refs > 0)
		b->refs--;
}

/* Writes a data block's buffer through to the device. */
int
bwrite_data(struct fs *fs, struct buf *b)
{
	return dev_write(fs, b->blk, 1, b->data);
}

/* Drops the cached copy of blk unless it is held or in the transaction
 * (a freed block's contents must not outlive it). */
void
bforget(struct fs *fs, uint32_t blk)
{
	struct buf *b = bfind(fs, blk);

	if (b != NULL && b->refs == 0 && !b->dirty)
		unhash(fs, b);
}

/* Throws away every change of the running transaction (abort): the
 * blocks are read again from the disk when next needed. */
void
bdrop_dirty(struct fs *fs)
{
	uint32_t i;

	for (i = 0; i < fs->nbuf; i++) {
		struct buf *b = &fs->bufs[i];
		if (b->dirty) {
			b->dirty = 0;
			if (b->valid)
				unhash(fs, b);
		}
	}
}

/* Forgets every clean buffer nobody holds: another program changed the
 * disk (fs_lock). */
void
bcache_invalidate(struct fs *fs)
{
	uint32_t i;

	for (i = 0; i < fs->nbuf; i++) {
		struct buf *b = &fs->bufs[i];
		if (b->valid && b->refs == 0 && !b->dirty)
			unhash(fs, b);
	}
}

int
dev_read(struct fs *fs, uint32_t blk, uint32_t n, void *buf)
{
	int r = fs->dev->ops->read(fs->dev, blk, n, buf);

	if (r < 0)
		return fserr(fs, r, "device: reading block %u failed", blk);
	fs->stats.dev_reads += n;
	return 0;
}

int
dev_write(struct fs *fs, uint32_t blk, uint32_t n, const void *buf)
{
	int r = fs->dev->ops->write(fs->dev, blk, n, buf);

	if (r < 0)
		return fserr(fs, r, "device: writing block %u failed", blk);
	fs->stats.dev_writes += n;
	return 0;
}

int
dev_flush(struct fs *fs)
{
	int r = fs->dev->ops->flush(fs->dev);

	if (r < 0)
		return fserr(fs, r, "device: flush failed");
	fs->stats.flushes++;
	return 0;
}
