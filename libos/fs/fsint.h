/*
 * The parts of libos/fs/ and what they share; not for programs (fs.h is
 * the public header).
 *
 *   bcache.c   the buffer cache: one copy of each metadata or data block
 *   log.c      transactions, the write-ahead log, commit and replay
 *   balloc.c   block allocation and the block map of an inode
 *   inode.c    inodes: read, write, allocate, truncate, file data
 *   dir.c      directory entries and path lookup
 *   scan.c     the mount-time scan: unlinked inodes and leaked blocks
 *   file.c     the calls of fs.h on files and directories
 *   mount.c    mount, unmount, format
 */
#ifndef CHITIN_FS_INT_H
#define CHITIN_FS_INT_H

#include "libos/fs/fsos.h"
#include "libos/fs/fs.h"

#define FS_DEFAULT_CACHE	512	/* blocks */
#define FS_DEFAULT_INODES	4096
#define FS_DEFAULT_LOG		128	/* blocks, header included */
#define FS_MIN_LOG		8
#define FS_MAX_LOG		(FS_LOG_ENTRIES / 2)
/* Blocks one call may free in one transaction: truncating a big file is
 * many transactions of this many frees each. */
#define FS_FREE_CHUNK		256
/* Data blocks one transaction of a write may add. */
#define FS_WRITE_CHUNK		64

struct buf {
	uint32_t blk;		/* device block */
	uint32_t refs;		/* holders; 0: may be evicted unless dirty */
	uint8_t valid;		/* data holds the block */
	uint8_t dirty;		/* changed in the running transaction */
	uint64_t used;		/* LRU clock */
	struct buf *hnext;	/* hash chain */
	uint8_t *data;		/* FS_BSIZE bytes */
};

struct fs {
	struct fs_blkdev *dev;
	struct fs_super sb;
	uint32_t principal;
	int flags;		/* FS_MNT_* */
	struct fsos_lock *lock;

	/* buffer cache (bcache.c) */
	struct buf *bufs;
	uint32_t nbuf;
	struct buf **hash;
	uint32_t nhash;
	uint64_t clock;

	/* the running transaction (log.c) */
	uint32_t *tx_blocks;	/* home numbers of logged buffers */
	uint32_t tx_n;
	uint32_t tx_max;	/* log data blocks */
	uint32_t *tx_free;	/* blocks to give back after commit */
	uint32_t tx_nfree;
	uint32_t tx_free_max;
	uint32_t op_log;	/* reservation of the call in progress */
	uint32_t op_free;
	uint32_t op_dirtied;	/* buffers it marked (an error aborts) */
	uint32_t hdr_state;	/* FS_LOG_* the header has on the disk */
	uint32_t seq;
	int broken;		/* a commit failed: read-only from now on */
	int warned;		/* mount met a bad log: fs->err says what */
	uint8_t *hdr;		/* FS_BSIZE bytes: the log header being built */

	uint32_t ino_hint;	/* where the next inode search starts */
	uint64_t share_seen;	/* others' commits seen (fs_blkdev share_lock) */
	uint64_t commits_at_lock;
	struct fs_stats stats;
	char err[160];		/* fs_last_error */
};

/* mount.c: the locks around each call (fsos lock, and the device's
 * shared lock when it has one). fs_unlock returns r. */
void fs_lock(struct fs *fs);
int fs_unlock(struct fs *fs, int r);

/* fserr: records the message of an error in fs->err and returns err. */
int fserr(struct fs *fs, int err, const char *fmt, ...)
	__attribute__((format(__printf__, 3, 4)));

/* bcache.c */
int bcache_init(struct fs *fs, uint32_t nbuf);
void bcache_fini(struct fs *fs);
int bread(struct fs *fs, uint32_t blk, struct buf **out);
struct buf *bfind(struct fs *fs, uint32_t blk);
int bzeroed(struct fs *fs, uint32_t blk, struct buf **out);
void brelse(struct fs *fs, struct buf *b);
int bwrite_data(struct fs *fs, struct buf *b);
void bforget(struct fs *fs, uint32_t blk);
void bdrop_dirty(struct fs *fs);
void bcache_invalidate(struct fs *fs);
int dev_read(struct fs *fs, uint32_t blk, uint32_t n, void *buf);
int dev_write(struct fs *fs, uint32_t blk, uint32_t n, const void *buf);
int dev_flush(struct fs *fs);

/* log.c */
int op_begin(struct fs *fs, uint32_t nlog, uint32_t nfree);
int op_end(struct fs *fs, int rc);
int log_mark(struct fs *fs, struct buf *b);
int log_free_block(struct fs *fs, uint32_t blk);
int log_commit(struct fs *fs);
void log_abort(struct fs *fs);
int log_will_alloc(struct fs *fs);
int log_recover(struct fs *fs, int *needs_scan);
int log_set_state(struct fs *fs, uint32_t state);
int log_header_check(const struct fs_super *sb, const struct fs_loghdr *h,
		     char *why, size_t whylen);

/* balloc.c */
int blk_valid(const struct fs_super *sb, uint32_t blk);
int blk_alloc_meta(struct fs *fs, uint32_t hint, struct buf **out);
int64_t blk_alloc_data(struct fs *fs, uint32_t hint, uint16_t mode);
int bmap(struct fs *fs, uint32_t ino, struct fs_dinode *di, uint64_t fbn,
	 int alloc, uint32_t *blk, int *fresh);

/* inode.c */
int inode_get(struct fs *fs, uint32_t ino, struct fs_dinode *di);
int inode_put(struct fs *fs, uint32_t ino, const struct fs_dinode *di);
int inode_check(struct fs *fs, uint32_t ino, const struct fs_dinode *di);
int inode_alloc(struct fs *fs, uint16_t type, uint16_t mode, uint32_t parent,
		uint32_t *ino, struct fs_dinode *di);
int inode_shrink(struct fs *fs, uint32_t ino, struct fs_dinode *di,
		 uint64_t size, int *done);
int inode_truncate(struct fs *fs, uint32_t ino, uint64_t size);
int inode_release(struct fs *fs, uint32_t ino);
int inode_permits(const struct fs *fs, const struct fs_dinode *di, int want);
int64_t inode_read_data(struct fs *fs, uint32_t ino, void *buf, size_t n,
			uint64_t off);
int64_t inode_write_data(struct fs *fs, uint32_t ino, const void *buf,
			 size_t n, uint64_t off);
uint64_t inode_nblocks(struct fs *fs, const struct fs_dinode *di);

#define FS_PERM_R	4
#define FS_PERM_W	2
#define FS_PERM_X	1

/* dir.c */
struct fs_path {
	uint32_t parent;	/* the directory holding the last name */
	uint32_t ino;		/* what the name names, 0 if nothing */
	char name[FS_NAME_MAX + 1];	/* the last name ("" for "/") */
	uint32_t slot_blk;	/* where its entry is (ino != 0) */
	uint32_t slot;
};
int path_resolve(struct fs *fs, const char *path, struct fs_path *p);
int dir_lookup(struct fs *fs, uint32_t dino, const char *name,
	       uint32_t *ino, uint32_t *slot_blk, uint32_t *slot);
int dir_add(struct fs *fs, uint32_t dino, const char *name, uint32_t ino,
	    uint16_t type);
int dir_clear_slot(struct fs *fs, uint32_t blk, uint32_t slot);
int dir_set_slot(struct fs *fs, uint32_t blk, uint32_t slot, uint32_t ino,
		 uint16_t type);
int dir_is_empty(struct fs *fs, uint32_t dino);
int dir_entry_at(struct fs *fs, uint32_t dino, uint64_t *pos,
		 struct fs_dirent *de);
int name_valid(const char *name, size_t len);

/* mount.c */
int fs_super_check(const struct fs_super *sb, uint32_t where, uint32_t nblocks,
		   char *why, size_t whylen);

/* scan.c */
int scan_repair(struct fs *fs);

/* crc32.c: see fs.h (fs_crc32) */

#endif
