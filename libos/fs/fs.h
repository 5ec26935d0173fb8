/*
 * The Chitin library file system: the one public header of libos/fs/.
 *
 * A file system lives on a block device (struct fs_blkdev): in a program
 * the kernel's disk-block calls, on the host a file or memory (mkfs, fsck
 * and the tests). fs_mount gives a struct fs; every other call takes it
 * or a handle made from it. Paths are absolute ("/bin/ls"; a path without
 * the leading '/' is taken from the root as well), "." and ".." work, and
 * names are at most FS_NAME_MAX bytes.
 *
 * Consistency: every call that changes metadata is atomic with respect
 * to a crash (a write-ahead log, libos/fs/fsformat.h). Changes reach the
 * disk at the latest at fs_fsync / fs_sync / fs_unmount (or at once with
 * FS_MNT_SYNC); after a crash, mount finds the file system as it was
 * after some commit no older than the last fsync. File data is written
 * in place, before the commit that makes it reachable.
 *
 * Every call returns >= 0 on success or a negative E_* (kern/abi/error.h):
 * E_NOT_FOUND, E_EXISTS, E_NOT_DIR, E_IS_DIR, E_NOT_EMPTY, E_NAME_TOO_LONG,
 * E_PERM (the mode bits refuse the principal), E_INVAL, E_BAD_FD (a handle
 * of the wrong kind or opened without the access asked for), E_TOO_BIG
 * (past FS_MAXFILE), E_NO_SPACE (device or inode table full), E_NO_MEM,
 * E_IO (the device failed, or the metadata is corrupt: the call's message,
 * through fs_last_error, says which and where). A corrupt image never
 * crashes the library; the call that meets it fails.
 *
 * Locking: every call takes the file system's lock (fsos.h); handles may
 * be used from one thread at a time.
 */
#ifndef CHITIN_FS_H
#define CHITIN_FS_H

#include <stdint.h>
#include <stddef.h>
#include "libos/fs/fsformat.h"

/* --- the block device below the file system --- */
struct fs_blkdev;
struct fs_blkdev_ops {
	/* n blocks from blk into / out of buf; 0 or -E_* */
	int (*read)(struct fs_blkdev *d, uint32_t blk, uint32_t n, void *buf);
	int (*write)(struct fs_blkdev *d, uint32_t blk, uint32_t n,
		     const void *buf);
	/* A barrier: every write and allocation change made before it is
	 * on the disk when it returns. */
	int (*flush)(struct fs_blkdev *d);
	/* n contiguous free blocks, at or after hint when possible, owned
	 * by the caller's principal with mode (FS_M_* bits); the first
	 * block's number or -E_NO_SPACE. */
	int64_t (*alloc)(struct fs_blkdev *d, uint32_t hint, uint32_t n,
			 uint32_t mode);
	/* Gives back n blocks from blk; -E_PERM if not the caller's. */
	int (*free)(struct fs_blkdev *d, uint32_t blk, uint32_t n);
	/* 1 when blk is allocated to the caller's principal, else 0. */
	int (*owned)(struct fs_blkdev *d, uint32_t blk);
	/* Optional (NULL on the host): a lock shared by every program
	 * that mounts this device, held across each call of fs.h. *seen is
	 * the caller's count of the others' commits; share_lock returns
	 * FS_SHARE_* bits, share_unlock says whether the caller committed. */
	int (*share_lock)(struct fs_blkdev *d, uint64_t *seen);
	void (*share_unlock)(struct fs_blkdev *d, uint64_t *seen, int committed);
};
#define FS_SHARE_CHANGED 0x1	/* another program committed since: recache */
#define FS_SHARE_FIRST	0x2	/* first holder since boot: recovery is ours */
#define FS_SHARE_STOLEN	0x4	/* taken from a holder that died mid-call */
struct fs_blkdev {
	const struct fs_blkdev_ops *ops;
	uint32_t nblocks;	/* blocks of the device */
	uint32_t first;		/* first block a client may allocate */
	void *priv;		/* the implementation's */
};

/* --- mounting --- */
#define FS_MNT_RDONLY	0x1	/* never write (no log replay) */
#define FS_MNT_SYNC	0x2	/* commit at the end of every call */

/* Only the principal that owns the file system (mkfs's owner: its
 * metadata blocks are that principal's) may change it; any other mounts
 * read-only, and reads what the mode bits let it. */
struct fs_mount_opts {
	uint32_t principal;	/* whose permissions apply; 0: administrator */
	uint32_t cache_blocks;	/* buffer-cache size; 0: a default */
	int flags;		/* FS_MNT_* */
};

/* What mount found and did; counters that tools and tests print. */
struct fs_stats {
	uint64_t commits;	/* transactions committed */
	uint64_t logged;	/* blocks written through the log */
	uint64_t aborts;	/* transactions thrown away after an error */
	uint64_t flushes;	/* device barriers */
	uint64_t dev_reads;	/* blocks read from the device */
	uint64_t dev_writes;	/* blocks written to the device */
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint64_t replayed;	/* blocks replayed from the log at mount */
	uint64_t leaks_freed;	/* allocated, unreferenced blocks given back */
	uint64_t orphans_freed;	/* unlinked inodes freed at mount */
};

struct fs;
struct fs_file;
struct fs_dir;

/* On failure err (errlen bytes, may be NULL) says why. */
int fs_mount(struct fs **out, struct fs_blkdev *dev,
	     const struct fs_mount_opts *opts, char *err, size_t errlen);
int fs_unmount(struct fs *fs);
int fs_sync(struct fs *fs);
/* Frees the mount without writing anything: what was not committed is
 * lost, as in a crash (for a program that dies, and crash tests). */
void fs_forget(struct fs *fs);
/* The message of the last failure ("inode 12: block 99999 out of
 * range"), kept until the next one. Right after a mount that succeeded,
 * "" or what it met and mended (a corrupt log it discarded). */
const char *fs_last_error(const struct fs *fs);
void fs_get_stats(const struct fs *fs, struct fs_stats *st);

/* mkfs: a new, empty file system on a device with nothing allocated.
 * ninodes and log_blocks 0 choose defaults; the root belongs to owner. */
struct fs_format_opts {
	uint32_t ninodes;
	uint32_t log_blocks;
	uint32_t owner;
	uint16_t root_mode;
};
int fs_format(struct fs_blkdev *dev, const struct fs_format_opts *opts);

/* --- files --- */
#define FS_O_RDONLY	0x0
#define FS_O_WRONLY	0x1
#define FS_O_RDWR	0x2
#define FS_O_ACCMODE	0x3
#define FS_O_CREAT	0x100
#define FS_O_EXCL	0x200
#define FS_O_TRUNC	0x400
#define FS_O_APPEND	0x800

#define FS_SEEK_SET	0
#define FS_SEEK_CUR	1
#define FS_SEEK_END	2

struct fs_stat {
	uint32_t ino;
	uint16_t type;		/* FS_T_FILE or FS_T_DIR */
	uint16_t mode;		/* FS_M_* */
	uint32_t owner;
	uint32_t nlink;
	uint64_t size;
	uint64_t mtime;
	uint64_t blocks;	/* data and indirect blocks held */
};

struct fs_dirent {
	uint32_t ino;
	uint16_t type;
	char name[FS_NAME_MAX + 1];	/* NUL-terminated */
};

int fs_open(struct fs *fs, const char *path, int flags, uint16_t mode,
	    struct fs_file **out);
int fs_close(struct fs_file *f);
int64_t fs_read(struct fs_file *f, void *buf, size_t n);
int64_t fs_write(struct fs_file *f, const void *buf, size_t n);
int64_t fs_pread(struct fs_file *f, void *buf, size_t n, uint64_t off);
int64_t fs_pwrite(struct fs_file *f, const void *buf, size_t n, uint64_t off);
int64_t fs_lseek(struct fs_file *f, int64_t off, int whence);
int fs_ftruncate(struct fs_file *f, uint64_t size);
int fs_fstat(struct fs_file *f, struct fs_stat *st);
int fs_fsync(struct fs_file *f);

int fs_stat(struct fs *fs, const char *path, struct fs_stat *st);
int fs_unlink(struct fs *fs, const char *path);
int fs_rename(struct fs *fs, const char *from, const char *to);
int fs_mkdir(struct fs *fs, const char *path, uint16_t mode);
int fs_rmdir(struct fs *fs, const char *path);

int fs_opendir(struct fs *fs, const char *path, struct fs_dir **out);
/* 1 and *de filled, 0 at the end, or -E_*. */
int fs_readdir(struct fs_dir *d, struct fs_dirent *de);
int fs_closedir(struct fs_dir *d);

/* --- in a program (libos/fs/guest.c) ---
 * The file system on the first data disk that holds one, mounted on
 * first use as the env's principal, shared with every other program
 * through the disk's buffer-cache registry and a lock in a registered
 * page (each call commits before it returns). NULL when there is none or
 * it is unusable; err then says why (also on later calls). */
struct fs *fs_system(char *err, size_t errlen);
/* Reads a program for spawn: path, or "/bin/NAME" for a bare name, into
 * memory that fs_spawn_release frees. -E_NOT_FOUND without a file system
 * or such a file. */
int fs_spawn_load(const char *path, const void **file, size_t *size);
void fs_spawn_release(const void *file);

/* crc32 (IEEE 802.3 polynomial, reflected), as the format uses it. */
uint32_t fs_crc32(uint32_t crc, const void *buf, size_t n);

#endif
