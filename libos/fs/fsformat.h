/*
 * The on-disk format of the Chitin library file system (libos/fs/).
 * Shared by the library, mkfs and fsck; nothing here is code.
 *
 * Blocks are 4 KiB (one page, so a block is one buffer-cache page) and
 * named by 32-bit device block numbers. The device hands blocks out (the
 * kernel's block-ownership map; libos/fs/host/blkmap.c on the host); the
 * file system keeps no allocation bitmap of its own. What the file system
 * writes at mkfs time, in device blocks from the device's first free one:
 *
 *   sb_block                    the superblock (never written after mkfs)
 *   inode_start..+inode_blocks  the inode table, FS_IPB inodes a block
 *   log_start                   the log header
 *   log_start+1..+log_blocks-1  the log's copies of metadata blocks
 *
 * Every other block the file system owns is a file or directory block or
 * an indirect block, reached from an inode.
 *
 * The write-ahead log holds at most one transaction. Committing it: copy
 * the changed metadata blocks into the log, flush, write the header with
 * state FS_LOG_COMMIT and their home block numbers, flush, write the
 * blocks home, flush, give back the blocks the transaction freed, flush,
 * write the header FS_LOG_DIRTY. Mount replays a committed header (home
 * writes and frees are idempotent) and, when the header is not
 * FS_LOG_CLEAN, scans for blocks allocated by a transaction that never
 * committed and for inodes left unlinked (nlink 0) and frees them. The
 * header turns FS_LOG_DIRTY, with a flush, before the first allocation
 * after a clean mount, so an allocation can never be on the disk while
 * the header still says clean. File data is not logged: it is written in
 * place before the commit that makes it reachable (ordered mode).
 */
#ifndef CHITIN_FS_FORMAT_H
#define CHITIN_FS_FORMAT_H

#include <stdint.h>

#define FS_BSIZE	4096
#define FS_BSHIFT	12
#define FS_MAGIC	0x3153465354494843ULL	/* "CHITFS1" + version, little-endian */
#define FS_VERSION	1

/* struct fs_super: at the device's first free block. Immutable. */
struct fs_super {
	uint64_t magic;		/* FS_MAGIC */
	uint32_t version;	/* FS_VERSION */
	uint32_t bsize;		/* FS_BSIZE */
	uint32_t nblocks;	/* blocks of the device (range checks) */
	uint32_t sb_block;	/* where this superblock is */
	uint32_t inode_start;	/* first block of the inode table */
	uint32_t inode_blocks;	/* blocks of the inode table */
	uint32_t ninodes;	/* inode_blocks * FS_IPB; inode 0 is never used */
	uint32_t log_start;	/* the log header */
	uint32_t log_blocks;	/* header + data blocks */
	uint32_t root_ino;	/* FS_ROOT_INO */
	uint32_t owner;		/* principal that owns the metadata */
	uint32_t reserved[3];
	uint32_t crc;		/* crc32 of this struct with crc = 0 */
};

/* Inodes. Block pointers: FS_NDIRECT direct, one single indirect, one
 * double indirect; 0 is a hole (block 0 is never a file's). */
#define FS_NDIRECT	12
#define FS_NINDIRECT	(FS_BSIZE / 4)		/* pointers per indirect block */
#define FS_MAXBLOCKS	(FS_NDIRECT + FS_NINDIRECT + \
			 (uint64_t)FS_NINDIRECT * FS_NINDIRECT)
#define FS_MAXFILE	(FS_MAXBLOCKS * FS_BSIZE)	/* just over 4 GiB */
#define FS_ROOT_INO	1

#define FS_T_FREE	0
#define FS_T_FILE	1
#define FS_T_DIR	2

/* Mode bits: owner and others (no groups), as in Unix's 0700 and 0007. */
#define FS_M_OREAD	0400
#define FS_M_OWRITE	0200
#define FS_M_OEXEC	0100
#define FS_M_XREAD	0004
#define FS_M_XWRITE	0002
#define FS_M_XEXEC	0001
#define FS_M_ALL	0777

struct fs_dinode {
	uint16_t type;		/* FS_T_* */
	uint16_t nlink;		/* directory entries naming it */
	uint16_t mode;		/* FS_M_* bits */
	uint16_t pad;
	uint32_t owner;		/* principal */
	uint32_t gen;		/* bumped each time the inode is allocated */
	uint64_t size;		/* bytes; a directory: a multiple of FS_BSIZE */
	uint64_t mtime;		/* seconds */
	uint32_t parent;	/* a directory's parent (the root: itself) */
	uint32_t direct[FS_NDIRECT];
	uint32_t indirect;
	uint32_t dindirect;
	uint32_t reserved[9];
};
#define FS_INODE_SIZE	128
#define FS_IPB		(FS_BSIZE / FS_INODE_SIZE)

/* Directory entries: fixed 64-byte slots; ino 0 is an empty slot. Names
 * are 1..FS_NAME_MAX bytes, not NUL-terminated, never "." or "..", never
 * holding '/' or NUL. There are no "." and ".." entries on disk: a
 * directory's parent is in its inode. */
#define FS_NAME_MAX	56
struct fs_ddirent {
	uint32_t ino;
	uint8_t namelen;
	uint8_t type;		/* FS_T_* of the inode, a hint for readdir */
	uint16_t pad;
	char name[FS_NAME_MAX];
};
#define FS_DIRENT_SIZE	64
#define FS_DPB		(FS_BSIZE / FS_DIRENT_SIZE)

/* The log header. entries[] holds nblocks home block numbers (log block
 * i+1 is the copy of entries[i]), then nfree blocks to give back. */
#define FS_LOG_MAGIC	0x474f4c5354494843ULL	/* "CHITSLOG" */
#define FS_LOG_CLEAN	0	/* nothing to do at mount */
#define FS_LOG_DIRTY	1	/* mounted since: scan for leaks at mount */
#define FS_LOG_COMMIT	2	/* a committed transaction: replay, then scan */
struct fs_loghdr {
	uint64_t magic;		/* FS_LOG_MAGIC */
	uint32_t state;		/* FS_LOG_* */
	uint32_t seq;		/* commits so far (diagnostics) */
	uint32_t nblocks;	/* logged blocks */
	uint32_t nfree;		/* blocks to free after installing */
	uint32_t data_crc;	/* crc32 of the logged blocks, in order */
	uint32_t crc;		/* crc32 of the header block with crc = 0 */
	uint32_t entries[];
};
#define FS_LOG_ENTRIES	((FS_BSIZE - sizeof(struct fs_loghdr)) / 4)

#ifndef __cplusplus
_Static_assert(sizeof(struct fs_dinode) == FS_INODE_SIZE, "dinode size");
_Static_assert(sizeof(struct fs_ddirent) == FS_DIRENT_SIZE, "dirent size");
_Static_assert(sizeof(struct fs_super) <= FS_BSIZE, "super size");
#endif

#endif
