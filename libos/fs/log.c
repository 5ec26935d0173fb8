/*
 * Transactions and the write-ahead log (the protocol is described in
 * fsformat.h). Each call of fs.h that changes metadata is one operation:
 * op_begin reserves room in the running transaction (committing it first
 * when the room is not there), log_mark adds a changed buffer to it,
 * op_end closes the operation. Operations gather in the running
 * transaction until fsync, sync, unmount, a full log, or (FS_MNT_SYNC)
 * the end of each one. Caller holds the fs lock.
 */
#include "libos/fs/fsint.h"

/* Opens an operation that changes at most nlog metadata blocks and frees
 * at most nfree blocks. -E_PERM on a read-only mount, -E_IO after a
 * failed commit. */
int
op_begin(struct fs *fs, uint32_t nlog, uint32_t nfree)
{
	int r;

	if (fs->flags & FS_MNT_RDONLY)
		return fserr(fs, -E_PERM, "read-only file system");
	if (fs->broken)
		return fserr(fs, -E_IO, "an earlier commit failed; file system is read-only");
	if (nlog > fs->tx_max || nfree > fs->tx_free_max)
		return fserr(fs, -E_INVAL, "operation larger than the log");
	if (fs->tx_n + nlog > fs->tx_max || fs->tx_nfree + nfree > fs->tx_free_max)
		if ((r = log_commit(fs)) < 0)
			return r;
	fs->op_log = fs->tx_n + nlog;
	fs->op_free = fs->tx_nfree + nfree;
	fs->op_dirtied = 0;
	return 0;
}

/* Closes the operation that returned rc. Operations leave the metadata
 * consistent on every error they expect (-E_NO_SPACE, -E_PERM, ...); one
 * that met corruption, a device error or a full cache (-E_IO, -E_NO_MEM)
 * midway, after changing something, is undone by aborting the whole
 * running transaction (the disk still holds the last commit; operations
 * since it were never promised). Returns rc, or the commit's error. */
int
op_end(struct fs *fs, int rc)
{
	int r;

	if ((rc == -E_IO || rc == -E_NO_MEM) && fs->op_dirtied > 0)
		log_abort(fs);
	else if (rc >= 0 && (fs->flags & FS_MNT_SYNC) && (r = log_commit(fs)) < 0)
		rc = r;
	fs->op_log = fs->op_free = fs->op_dirtied = 0;
	return rc;
}

/* Adds b (held, changed by the caller) to the running transaction.
 * -E_IO if the operation overruns its reservation (a bug: the
 * operation is then aborted). */
int
log_mark(struct fs *fs, struct buf *b)
{
	if (b->dirty)
		return 0;
	if (fs->tx_n >= fs->op_log)
		return fserr(fs, -E_IO, "internal: operation overran its log reservation");
	b->dirty = 1;
	fs->tx_blocks[fs->tx_n++] = b->blk;
	fs->op_dirtied++;
	return 0;
}

/* Frees blk when the running transaction commits (not before: until
 * then the disk may still reference it). */
int
log_free_block(struct fs *fs, uint32_t blk)
{
	if (fs->tx_nfree >= fs->op_free)
		return fserr(fs, -E_IO, "internal: operation overran its free reservation");
	fs->tx_free[fs->tx_nfree++] = blk;
	fs->op_dirtied++;
	bforget(fs, blk);
	return 0;
}

/* Throws the running transaction away. Blocks it allocated stay
 * allocated until the next mount's scan (the header is already dirty). */
void
log_abort(struct fs *fs)
{
	bdrop_dirty(fs);
	fs->tx_n = 0;
	fs->tx_nfree = 0;
	fs->stats.aborts++;
}

/* Builds a header in fs->hdr: state, the transaction's block lists when
 * committing, and the checksums. */
static void
header_build(struct fs *fs, uint32_t state, uint32_t data_crc)
{
	struct fs_loghdr *h = (struct fs_loghdr *)fs->hdr;

	memset(fs->hdr, 0, FS_BSIZE);
	h->magic = FS_LOG_MAGIC;
	h->state = state;
	h->seq = fs->seq;
	if (state == FS_LOG_COMMIT) {
		h->nblocks = fs->tx_n;
		h->nfree = fs->tx_nfree;
		h->data_crc = data_crc;
		memcpy(h->entries, fs->tx_blocks, fs->tx_n * 4);
		memcpy(h->entries + fs->tx_n, fs->tx_free, fs->tx_nfree * 4);
	}
	h->crc = fs_crc32(0, fs->hdr, FS_BSIZE);
}

/* Writes the header with state and no transaction, then flushes. */
int
log_set_state(struct fs *fs, uint32_t state)
{
	int r;

	header_build(fs, state, 0);
	if ((r = dev_write(fs, fs->sb.log_start, 1, fs->hdr)) < 0 ||
	    (r = dev_flush(fs)) < 0)
		return r;
	fs->hdr_state = state;
	return 0;
}

/* Called before every allocation: the header must say dirty on the disk
 * before any allocation can be (see fsformat.h). */
int
log_will_alloc(struct fs *fs)
{
	if (fs->hdr_state != FS_LOG_CLEAN)
		return 0;
	return log_set_state(fs, FS_LOG_DIRTY);
}

/* Gives back the blocks of a transaction's free list. A block that will
 * not go (not ours: a corrupt pointer) is reported and skipped. */
static void
free_list(struct fs *fs, const uint32_t *list, uint32_t n)
{
	uint32_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = fs->dev->ops->free(fs->dev, list[i], 1);
		if (r < 0)
			fserr(fs, r, "log: could not free block %u", list[i]);
	}
}

/* Copies the transaction's buffers into the log; their crc32. */
static int
write_log_blocks(struct fs *fs, uint32_t *crc)
{
	uint32_t i;
	int r;

	*crc = 0;
	for (i = 0; i < fs->tx_n; i++) {
		struct buf *b = bfind(fs, fs->tx_blocks[i]);
		if (b == NULL || !b->dirty)
			return fserr(fs, -E_IO, "internal: logged block %u not cached",
				     fs->tx_blocks[i]);
		*crc = fs_crc32(*crc, b->data, FS_BSIZE);
		if ((r = dev_write(fs, fs->sb.log_start + 1 + i, 1, b->data)) < 0)
			return r;
	}
	return 0;
}

static int
install(struct fs *fs)
{
	uint32_t i;
	int r;

	for (i = 0; i < fs->tx_n; i++) {
		struct buf *b = bfind(fs, fs->tx_blocks[i]);
		if ((r = dev_write(fs, b->blk, 1, b->data)) < 0)
			return r;
	}
	return 0;
}

static int
commit_steps(struct fs *fs)
{
	uint32_t crc;
	int r;

	if ((r = write_log_blocks(fs, &crc)) < 0 || (r = dev_flush(fs)) < 0)
		return r;
	fs->seq++;
	header_build(fs, FS_LOG_COMMIT, crc);
	if ((r = dev_write(fs, fs->sb.log_start, 1, fs->hdr)) < 0 ||
	    (r = dev_flush(fs)) < 0)
		return r;
	/* Committed: from here a crash replays it. */
	if ((r = install(fs)) < 0 || (r = dev_flush(fs)) < 0)
		return r;
	free_list(fs, fs->tx_free, fs->tx_nfree);
	header_build(fs, FS_LOG_DIRTY, 0);
	if ((r = dev_write(fs, fs->sb.log_start, 1, fs->hdr)) < 0 ||
	    (r = dev_flush(fs)) < 0)
		return r;
	fs->hdr_state = FS_LOG_DIRTY;
	return 0;
}

/* Makes the running transaction durable, and with it every write before
 * it. -E_IO if the device fails: the file system then refuses further
 * changes (mount will replay or discard what reached the disk). */
int
log_commit(struct fs *fs)
{
	uint32_t i;
	int r;

	if (fs->broken)
		return fserr(fs, -E_IO, "an earlier commit failed; file system is read-only");
	if (fs->tx_n == 0 && fs->tx_nfree == 0)
		return dev_flush(fs);
	if ((r = commit_steps(fs)) < 0) {
		fs->broken = 1;
		return r;
	}
	for (i = 0; i < fs->tx_n; i++)
		bfind(fs, fs->tx_blocks[i])->dirty = 0;
	fs->stats.commits++;
	fs->stats.logged += fs->tx_n;
	fs->tx_n = 0;
	fs->tx_nfree = 0;
	return 0;
}

static int
in_range(uint32_t b, uint32_t start, uint32_t n)
{
	return b >= start && b - start < n;
}

/* Checks a header read from the disk against the superblock. 0 when it
 * can be used; else -E_IO with the reason in why. */
int
log_header_check(const struct fs_super *sb, const struct fs_loghdr *h,
		 char *why, size_t whylen)
{
	uint32_t crc, i;
	struct fs_loghdr copy = *h;

	if (h->magic != FS_LOG_MAGIC)
		return snprintf(why, whylen, "bad magic"), -E_IO;
	copy.crc = 0;
	crc = fs_crc32(0, &copy, sizeof(copy));
	crc = fs_crc32(crc, h->entries, FS_BSIZE - sizeof(copy));
	if (crc != h->crc)
		return snprintf(why, whylen, "checksum mismatch"), -E_IO;
	if (h->state > FS_LOG_COMMIT)
		return snprintf(why, whylen, "unknown state %u", h->state), -E_IO;
	if (h->state != FS_LOG_COMMIT)
		return 0;
	if (h->nblocks > sb->log_blocks - 1 ||
	    (uint64_t)h->nblocks + h->nfree > FS_LOG_ENTRIES)
		return snprintf(why, whylen, "%u blocks and %u frees do not fit",
				h->nblocks, h->nfree), -E_IO;
	for (i = 0; i < h->nblocks + h->nfree; i++) {
		uint32_t b = h->entries[i];
		if ((i < h->nblocks && in_range(b, sb->inode_start, sb->inode_blocks)) ||
		    blk_valid(sb, b))
			continue;
		return snprintf(why, whylen, "entry %u: block %u not a metadata or "
				"file block", i, b), -E_IO;
	}
	return 0;
}

/* Replays a committed transaction found in the log: its blocks home,
 * then its frees. Blocks that fail the checksum (a corrupt image: the
 * protocol never commits unflushed copies) are reported and the
 * transaction discarded; *discarded says so. */
static int
replay(struct fs *fs, const struct fs_loghdr *h, int *discarded)
{
	uint8_t *blk = fsos_alloc(FS_BSIZE);
	uint32_t i, crc = 0;
	int r = 0;

	*discarded = 0;
	if (blk == NULL)
		return -E_NO_MEM;
	for (i = 0; i < h->nblocks && r == 0; i++) {
		r = dev_read(fs, fs->sb.log_start + 1 + i, 1, blk);
		crc = fs_crc32(crc, blk, FS_BSIZE);
	}
	if (r == 0 && crc != h->data_crc) {
		fserr(fs, -E_IO, "log: committed blocks fail their checksum; "
		      "transaction discarded");
		fs->warned = 1;
		*discarded = 1;
		fsos_free(blk);
		return 0;
	}
	for (i = 0; i < h->nblocks && r == 0; i++) {
		if ((r = dev_read(fs, fs->sb.log_start + 1 + i, 1, blk)) == 0)
			r = dev_write(fs, h->entries[i], 1, blk);
	}
	fsos_free(blk);
	if (r == 0 && (r = dev_flush(fs)) == 0) {
		free_list(fs, h->entries + h->nblocks, h->nfree);
		fs->stats.replayed += h->nblocks;
	}
	return r;
}

/* At mount: reads the header, replays a committed transaction, and says
 * whether the leak scan must run. A header that does not check out is
 * reported and treated as dirty (it may be a write torn by a crash). A
 * read-only mount refuses a log that needs replaying. */
int
log_recover(struct fs *fs, int *needs_scan)
{
	struct fs_loghdr *h = (struct fs_loghdr *)fs->hdr;
	char why[96];
	int r, discarded;

	*needs_scan = 0;
	if ((r = dev_read(fs, fs->sb.log_start, 1, fs->hdr)) < 0)
		return r;
	fs->seq = h->seq;
	if (log_header_check(&fs->sb, h, why, sizeof(why)) < 0) {
		fserr(fs, -E_IO, "log header: %s; no transaction replayed", why);
		fs->warned = 1;
		fs->hdr_state = FS_LOG_DIRTY;
		*needs_scan = 1;
		return 0;
	}
	fs->hdr_state = h->state;
	if (h->state == FS_LOG_CLEAN)
		return 0;
	*needs_scan = 1;
	if (h->state == FS_LOG_DIRTY)
		return 0;
	if (fs->flags & FS_MNT_RDONLY)
		return fserr(fs, -E_IO, "log holds a committed transaction; "
			     "a read-only mount cannot replay it");
	if ((r = replay(fs, h, &discarded)) < 0)
		return r;
	fs->hdr_state = FS_LOG_DIRTY;
	return r;
}
