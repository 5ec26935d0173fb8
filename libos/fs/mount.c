/*
 * Making a file system (fs_format), mounting it (checking the superblock,
 * recovering the log, the leak scan) and unmounting it.
 */
#include "libos/fs/fsint.h"

int
fserr(struct fs *fs, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fs->err, sizeof(fs->err), fmt, ap);
	va_end(ap);
	return err;
}

/* Takes the locks for one call. When another program changed the disk
 * since this one last held the shared lock, the cache goes; when its
 * holder died midway, the log is recovered first (its commit may be half
 * done). */
void
fs_lock(struct fs *fs)
{
	struct fs_loghdr *h = (struct fs_loghdr *)fs->hdr;
	int r, scan;

	fsos_lock_acquire(fs->lock);
	fs->commits_at_lock = fs->stats.commits;
	if (fs->dev->ops->share_lock == NULL || (fs->flags & FS_MNT_RDONLY))
		return;
	r = fs->dev->ops->share_lock(fs->dev, &fs->share_seen);
	if (!(r & (FS_SHARE_CHANGED | FS_SHARE_STOLEN)))
		return;
	bcache_invalidate(fs);
	if (r & FS_SHARE_STOLEN)
		log_recover(fs, &scan);
	else if (dev_read(fs, fs->sb.log_start, 1, fs->hdr) == 0 && h->state <= FS_LOG_COMMIT)
		fs->hdr_state = h->state;
}

int
fs_unlock(struct fs *fs, int r)
{
	if (fs->dev->ops->share_unlock != NULL && !(fs->flags & FS_MNT_RDONLY))
		fs->dev->ops->share_unlock(fs->dev, &fs->share_seen,
					   fs->stats.commits != fs->commits_at_lock);
	fsos_lock_release(fs->lock);
	return r;
}

const char *
fs_last_error(const struct fs *fs)
{
	return fs->err;
}

void
fs_get_stats(const struct fs *fs, struct fs_stats *st)
{
	*st = fs->stats;
}

static int
overlaps(uint32_t a, uint32_t na, uint32_t b, uint32_t nb)
{
	return a < b + nb && b < a + na;
}

static int
super_crc(const struct fs_super *sb)
{
	struct fs_super c = *sb;

	c.crc = 0;
	return fs_crc32(0, &c, sizeof(c));
}

/* Checks a superblock read from block where of a device of nblocks;
 * 0, or -E_IO with the reason in why. Used by mount and fsck. */
int
fs_super_check(const struct fs_super *sb, uint32_t where, uint32_t nblocks,
	       char *why, size_t whylen)
{
	const char *bad = NULL;

	if (sb->magic != FS_MAGIC)
		bad = "bad magic (not a Chitin file system)";
	else if (sb->version != FS_VERSION)
		bad = "unsupported version";
	else if ((uint32_t)super_crc(sb) != sb->crc)
		bad = "checksum mismatch";
	else if (sb->bsize != FS_BSIZE)
		bad = "block size is not 4096";
	else if (sb->nblocks != nblocks || sb->sb_block != where)
		bad = "size or position does not match the device";
	else if (sb->inode_blocks == 0 || sb->ninodes != sb->inode_blocks * FS_IPB ||
		 sb->inode_start <= where || sb->inode_start >= nblocks ||
		 sb->inode_blocks > nblocks - sb->inode_start)
		bad = "inode table outside the device";
	else if (sb->log_blocks < FS_MIN_LOG || sb->log_blocks > FS_MAX_LOG ||
		 sb->log_start <= where || sb->log_start >= nblocks ||
		 sb->log_blocks > nblocks - sb->log_start)
		bad = "log outside the device or of a bad size";
	else if (overlaps(sb->inode_start, sb->inode_blocks, sb->log_start, sb->log_blocks))
		bad = "log and inode table overlap";
	else if (sb->root_ino != FS_ROOT_INO)
		bad = "root inode is not 1";
	if (bad == NULL)
		return 0;
	snprintf(why, whylen, "%s", bad);
	return -E_IO;
}

static int
read_super(struct fs *fs)
{
	char why[96];
	int r;

	if ((r = dev_read(fs, fs->dev->first, 1, fs->hdr)) < 0)
		return r;
	memcpy(&fs->sb, fs->hdr, sizeof(fs->sb));
	if (fs_super_check(&fs->sb, fs->dev->first, fs->dev->nblocks, why, sizeof(why)) < 0)
		return fserr(fs, -E_IO, "superblock at block %u: %s", fs->dev->first, why);
	return 0;
}

static void
fs_destroy(struct fs *fs)
{
	bcache_fini(fs);
	fsos_free(fs->tx_blocks);
	fsos_free(fs->tx_free);
	fsos_free(fs->hdr);
	if (fs->lock != NULL)
		fsos_lock_free(fs->lock);
	fsos_free(fs);
}

/* Everything after the superblock: memory sized by it, the log, the
 * scan, the root. */
static int
mount_rest(struct fs *fs, const struct fs_mount_opts *opts, int first)
{
	struct fs_dinode root;
	uint32_t nbuf = opts->cache_blocks ? opts->cache_blocks : FS_DEFAULT_CACHE;
	int r, scan;

	fs->tx_max = fs->sb.log_blocks - 1;
	fs->tx_free_max = FS_LOG_ENTRIES - fs->tx_max;
	fs->tx_blocks = fsos_alloc(fs->tx_max * 4);
	fs->tx_free = fsos_alloc(fs->tx_free_max * 4);
	if (nbuf < fs->tx_max + 32)
		nbuf = fs->tx_max + 32;
	if (fs->tx_blocks == NULL || fs->tx_free == NULL || bcache_init(fs, nbuf) < 0)
		return fserr(fs, -E_NO_MEM, "out of memory for the cache");
	if ((r = log_recover(fs, &scan)) < 0)
		return r;
	if (scan && !(fs->flags & FS_MNT_RDONLY) && (first || fs->dev->ops->share_lock == NULL)) {
		if ((r = scan_repair(fs)) < 0 || (r = log_set_state(fs, FS_LOG_CLEAN)) < 0)
			return r;
	}
	if ((r = inode_get(fs, FS_ROOT_INO, &root)) < 0 ||
	    (r = inode_check(fs, FS_ROOT_INO, &root)) < 0) {
		char why[sizeof(fs->err)];
		memcpy(why, fs->err, sizeof(why));
		return fserr(fs, r, "root directory unusable: %s", why);
	}
	if (root.type != FS_T_DIR)
		return fserr(fs, -E_IO, "root inode is not a directory");
	fs->ino_hint = FS_ROOT_INO + 1;
	return 0;
}

/* mount_rest under the shared lock when the device has one: the first
 * program since boot recovers and scans, the others trust it. Calls on a
 * shared device commit as they end (the others read the disk). */
static int
mount_shared(struct fs *fs, const struct fs_mount_opts *opts)
{
	int r, bits;

	if (fs->dev->ops->share_lock == NULL || (fs->flags & FS_MNT_RDONLY))
		return mount_rest(fs, opts, 1);
	fs->flags |= FS_MNT_SYNC;
	fsos_lock_acquire(fs->lock);
	bits = fs->dev->ops->share_lock(fs->dev, &fs->share_seen);
	fs->commits_at_lock = 0;
	r = mount_rest(fs, opts, (bits & (FS_SHARE_FIRST | FS_SHARE_STOLEN)) != 0);
	fs->dev->ops->share_unlock(fs->dev, &fs->share_seen, fs->stats.commits != 0);
	fsos_lock_release(fs->lock);
	return r;
}

/* Mounts the file system on dev (see fs.h). -E_IO with a reason in err
 * for a device that holds no sane file system, or a log that cannot be
 * recovered; -E_NO_MEM. */
int
fs_mount(struct fs **out, struct fs_blkdev *dev, const struct fs_mount_opts *opts,
	 char *err, size_t errlen)
{
	struct fs *fs = fsos_alloc(sizeof(*fs));
	int r;

	if (fs == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		return -E_NO_MEM;
	}
	fs->dev = dev;
	fs->principal = opts->principal;
	fs->flags = opts->flags;
	fs->lock = fsos_lock_new();
	fs->hdr = fsos_alloc(FS_BSIZE);
	if (fs->lock == NULL || fs->hdr == NULL)
		r = fserr(fs, -E_NO_MEM, "out of memory");
	else if (dev->first >= dev->nblocks)
		r = fserr(fs, -E_IO, "device has no client blocks");
	else if ((r = read_super(fs)) == 0) {
		/* The metadata's blocks are its owner's: nobody else could
		 * write them (the kernel refuses), so others mount read-only. */
		if (fs->principal != fs->sb.owner)
			fs->flags |= FS_MNT_RDONLY;
		r = mount_shared(fs, opts);
	}
	if (r < 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", fs->err);
		fs_destroy(fs);
		return r;
	}
	if (!fs->warned)
		fs->err[0] = '\0';	/* else fs_last_error says what mount met */
	*out = fs;
	return 0;
}

/* Commits everything and flushes the device. */
int
fs_sync(struct fs *fs)
{
	int r = 0;

	fs_lock(fs);
	if (!(fs->flags & FS_MNT_RDONLY))
		r = log_commit(fs);
	return fs_unlock(fs, r);
}

/* Commits, marks the log clean and frees the mount. Handles still open
 * on it must not be used afterwards. */
int
fs_unmount(struct fs *fs)
{
	int r = 0;

	if (!(fs->flags & FS_MNT_RDONLY) && !fs->broken) {
		r = log_commit(fs);
		if (r == 0)
			r = log_set_state(fs, FS_LOG_CLEAN);
	}
	fs_destroy(fs);
	return r;
}

void
fs_forget(struct fs *fs)
{
	fs_destroy(fs);
}

/* --- mkfs --- */

static int
format_tables(struct fs_blkdev *dev, struct fs_super *sb, uint8_t *blk,
	      const struct fs_format_opts *o)
{
	struct fs_dinode *root = (struct fs_dinode *)(blk + FS_ROOT_INO * FS_INODE_SIZE);
	struct fs_loghdr *h = (struct fs_loghdr *)blk;
	uint32_t i;
	int r;

	memset(blk, 0, FS_BSIZE);
	for (i = 1; i < sb->inode_blocks; i++)
		if ((r = dev->ops->write(dev, sb->inode_start + i, 1, blk)) < 0)
			return r;
	root->type = FS_T_DIR;
	root->nlink = 1;
	root->mode = o->root_mode ? o->root_mode & FS_M_ALL : 0755;
	root->owner = o->owner;
	root->gen = 1;
	root->parent = FS_ROOT_INO;
	root->mtime = fsos_now();
	if ((r = dev->ops->write(dev, sb->inode_start, 1, blk)) < 0)
		return r;
	memset(blk, 0, FS_BSIZE);
	h->magic = FS_LOG_MAGIC;
	h->state = FS_LOG_CLEAN;
	h->crc = fs_crc32(0, blk, FS_BSIZE);
	if ((r = dev->ops->write(dev, sb->log_start, 1, blk)) < 0)
		return r;
	memset(blk, 0, FS_BSIZE);
	memcpy(blk, sb, sizeof(*sb));
	return dev->ops->write(dev, sb->sb_block, 1, blk);
}

/* Allocates n contiguous blocks at hint or fails. */
static int64_t
format_alloc(struct fs_blkdev *dev, uint32_t hint, uint32_t n)
{
	int64_t b = dev->ops->alloc(dev, hint, n, FS_M_OREAD | FS_M_OWRITE | FS_M_XREAD);

	if (b >= 0 && b != hint) {
		dev->ops->free(dev, (uint32_t)b, n);
		return -E_NO_SPACE;
	}
	return b;
}

/* Makes an empty file system on dev, whose blocks from dev->first on must
 * be free: -E_INVAL for bad sizes, -E_NO_SPACE if it does not fit or the
 * blocks are taken, -E_NO_MEM, or the device's error. */
int
fs_format(struct fs_blkdev *dev, const struct fs_format_opts *o)
{
	struct fs_super sb;
	uint32_t ninodes = o->ninodes ? o->ninodes : FS_DEFAULT_INODES;
	uint32_t logb = o->log_blocks ? o->log_blocks : FS_DEFAULT_LOG;
	uint8_t *blk;
	int64_t b;
	int r;

	if (logb < FS_MIN_LOG || logb > FS_MAX_LOG || ninodes < 2)
		return -E_INVAL;
	memset(&sb, 0, sizeof(sb));
	sb.magic = FS_MAGIC;
	sb.version = FS_VERSION;
	sb.bsize = FS_BSIZE;
	sb.nblocks = dev->nblocks;
	sb.sb_block = dev->first;
	sb.inode_start = dev->first + 1;
	sb.inode_blocks = (ninodes + FS_IPB - 1) / FS_IPB;
	sb.ninodes = sb.inode_blocks * FS_IPB;
	sb.log_start = sb.inode_start + sb.inode_blocks;
	sb.log_blocks = logb;
	sb.root_ino = FS_ROOT_INO;
	sb.owner = o->owner;
	if ((uint64_t)sb.log_start + logb + 16 > dev->nblocks)
		return -E_NO_SPACE;
	sb.crc = super_crc(&sb);
	if ((b = format_alloc(dev, sb.sb_block, 1)) < 0 ||
	    (b = format_alloc(dev, sb.inode_start, sb.inode_blocks)) < 0 ||
	    (b = format_alloc(dev, sb.log_start, logb)) < 0)
		return (int)b;
	if ((blk = fsos_alloc(FS_BSIZE)) == NULL)
		return -E_NO_MEM;
	r = format_tables(dev, &sb, blk, o);
	fsos_free(blk);
	if (r == 0)
		r = dev->ops->flush(dev);
	return r;
}
