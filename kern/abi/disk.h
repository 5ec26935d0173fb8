/*
 * Disks and their blocks: the contract between the kernel (kern/disk.c,
 * kern/blockmap.c, kern/bcache.c, kern/sys_disk.c) and the library OS
 * (libos/fs/, its mkfs and fsck, df). Data layouts, constants and
 * numbers only.
 *
 * Disks are named by a small number, their index in the disk table at
 * UDISKS (UDISK_TABLE[d]). Blocks are DISK_BLKSIZE bytes (one page) and
 * named by their number on the disk (block b is sectors 8b..8b+7).
 *
 * ON THE DISK. The kernel's only on-disk structure is the block-ownership
 * region at the start of a data disk:
 *
 *   block 0                      struct blk_super (the rest of the block 0)
 *   blocks 1 .. map_blocks       the map: struct blk_entry[nblocks],
 *                                DISK_BLKSIZE / 8 entries per block
 *   blocks data_start ..         everything else: allocated through the
 *                                kernel, to principals
 *
 * The entries of blocks 0 .. data_start-1 are BLKF_RESERVED (owner 0,
 * mode 0); every other entry is free (all zero) or BLKF_USED. Entries
 * past nblocks in the last map block are zero. At boot the kernel checks
 * the superblock (magic, version, sizes, crc) and every entry; a disk
 * whose superblock is absent or wrong is reported and left alone
 * (DISK_NO_SUPER / DISK_CORRUPT: no block call works on it); an entry
 * that is malformed is reported and its block made reserved.
 *
 * A host tool (mkfs, obj/tools/mkdisk) writes a fresh region: superblock,
 * the reserved entries, everything else free. It may also allocate
 * blocks by writing BLKF_USED entries (the FS's mkfs does, for the files
 * it puts on the image), and sets fs_root to the file system's first
 * block so that programs find it through the disk table.
 *
 * DURABILITY. The kernel writes the map back only at a flush. A write, an
 * allocation, a free, a chown or a chmod is on the disk once a later
 * sys_disk_flush of that disk has returned (the flush is a barrier: the
 * device's write cache is flushed after every earlier request); before
 * that, a crash may keep or lose any of them. Requests to one disk are
 * carried out in the order they were made. A newly allocated block reads
 * as zeros (BLKF_ZERO) until it is first written, so nothing of a former
 * owner is ever visible; a crash that loses the map change of a write
 * makes that block read as zeros again, as if the write never happened.
 *
 * PERMISSIONS. Each env has a principal (env_export.principal; inherited
 * from its parent; changed with sys_env_set_principal, by principal 0
 * only). For a used block whose owner is the caller's principal the
 * BLK_M_OREAD / BLK_M_OWRITE bits decide reads and writes, otherwise
 * BLK_M_XREAD / BLK_M_XWRITE. Principal 0, the administrator, may read
 * every block and write, free, chown and chmod every used block.
 * Free, chown and chmod are the owner's (and the administrator's). No
 * one writes, frees or re-owns a reserved block or reads a free one.
 *
 * THE BUFFER-CACHE REGISTRY. sys_bcache_map reads a block (once) into a
 * physical page registered under (disk, block) and maps that page into
 * the caller: read-only, or writable if the caller asked for PERM_W and
 * may write the block. Every later map of that block, by any env allowed
 * to read it, gets the same page, so all the library file systems of a
 * principal share one copy. sys_disk_read of a registered block copies
 * the page instead of reading the disk; sys_disk_write of a registered
 * block updates the page too, so the two paths never disagree. The
 * kernel writes a registered page to the disk only when asked
 * (sys_bcache_writeback): a write-ahead log decides when blocks go home.
 * A registered page stays while any env maps it or while it is
 * BCACHE_DIRTY (mapped writable and not written back since); otherwise
 * the kernel may drop it when it needs the slot. Freeing a block drops
 * its registration (envs that map the page keep their copy). Rights are
 * checked when a page is mapped (a secure binding): a later chmod or
 * chown does not unmap pages already mapped, and no protection change
 * makes a registry page writable. (Map it PERM_SHARE if the env forks:
 * a copy-on-write copy is a private page, not the registry's.) The
 * registry is exported
 * read-only at UBCACHE: struct bcache_export[BCACHE_SLOTS], an open
 * hash table (see BCACHE_HASH) that anyone can search for a block.
 *
 * The system calls (numbers in kern/abi/syscall.h; every one returns a
 * negative E_* on error and validates every argument before it changes
 * anything):
 *
 *   sys_disk_alloc(disk, n, hint, mode)    -> first block of n contiguous
 *        free blocks, at or after hint when there are such (then from
 *        data_start), owned by the caller's principal with mode (BLK_M_*),
 *        reading as zeros. n is 1..DISK_ALLOC_MAX. -E_NO_SPACE when no
 *        run of n free blocks exists (ask for fewer).
 *   sys_disk_free(disk, start, n)           the owner's blocks become free.
 *   sys_disk_chown(disk, start, n, principal)
 *   sys_disk_chmod(disk, start, n, mode)
 *   sys_disk_read(disk, start, n, va)       n blocks into [va, va + n*4K):
 *        user memory mapped writable (a copy-on-write page is not: the
 *        library makes it its own first); page-aligned va goes straight
 *        to the pages (DMA), any other is copied. n is 1..DISK_IO_MAX.
 *   sys_disk_write(disk, start, n, va)      n blocks out of [va, ...).
 *   sys_disk_flush(disk)                    the barrier described above.
 *   sys_bcache_map(disk, block, va, perm)   -> the page's ppn; perm as for
 *        sys_page_alloc (PERM_P, PERM_W, ...); va page-aligned below UTOP.
 *   sys_bcache_writeback(disk, start, n)    -> how many registered blocks
 *        of the range were written (each must be writable by the caller).
 *   sys_env_set_principal(env, principal)   principal 0 only; env is the
 *        caller or a descendant.
 *
 * Errors: -E_INVAL (bad disk number, n, mode, flags, alignment),
 * -E_NOT_SUPP (the disk is not DISK_READY), -E_RANGE (blocks past
 * nblocks), -E_PERM (the map refuses the principal), -E_FAULT (user
 * memory not mapped as needed), -E_IO (the device failed), -E_NO_SPACE,
 * -E_NO_MEM (no page or registry slot), -E_BUSY (a page pinned too often).
 * A call that meets a block being read into the registry waits for it.
 */
#ifndef CHITIN_ABI_DISK_H
#define CHITIN_ABI_DISK_H

#include "memlayout.h"

#define DISK_SECTOR	512
#define DISK_BLKSIZE	4096		/* = PGSIZE */
#define DISK_BLKSHIFT	12
#define DISK_SECTORS_PER_BLOCK	(DISK_BLKSIZE / DISK_SECTOR)
#define NDISK		8		/* entries in the disk table */
#define DISK_IO_MAX	256		/* blocks per sys_disk_read/write */
#define DISK_ALLOC_MAX	65536		/* blocks per alloc/free/chown/chmod */
#define DISK_MAX_BLOCKS	(1u << 20)	/* largest map the kernel loads: 4 GiB */

/* Mode bits of a block, as Unix's: owner read/write, others read/write.
 * The x bits are kept (a library may use them) but mean nothing to the
 * kernel. */
#define BLK_M_OREAD	0400
#define BLK_M_OWRITE	0200
#define BLK_M_OEXEC	0100
#define BLK_M_XREAD	0004
#define BLK_M_XWRITE	0002
#define BLK_M_XEXEC	0001
#define BLK_M_ALL	0777

/* Flags of a map entry */
#define BLKF_USED	0x1	/* allocated: owner and mode are valid */
#define BLKF_ZERO	0x2	/* allocated and not written since: reads as zeros */
#define BLKF_RESERVED	0x4	/* the kernel's: the superblock and the map */
#define BLKF_ALL	0x7

#define BLKSB_MAGIC	0x314b4c424e544843ULL	/* "CHTNBLK1", little-endian */
#define BLKSB_VERSION	1

#ifndef __ASSEMBLER__
#include <stdint.h>

/* One block in the map. A free block is all zero. */
struct blk_entry {
	uint32_t owner;			/* principal (BLKF_USED only) */
	uint16_t mode;			/* BLK_M_* (BLKF_USED only) */
	uint16_t flags;			/* BLKF_* */
};
#define BLK_ENTRIES_PER_BLOCK	(DISK_BLKSIZE / sizeof(struct blk_entry))

/* Block 0 of a data disk. Little-endian; the bytes of block 0 after it
 * are zero. crc is the crc32 (IEEE 802.3 polynomial, reflected, as
 * zlib's crc32()) of this struct with crc = 0. */
struct blk_super {
	uint64_t magic;			/* BLKSB_MAGIC */
	uint32_t version;		/* BLKSB_VERSION */
	uint32_t block_size;		/* DISK_BLKSIZE */
	uint64_t nblocks;		/* blocks the map covers: at most the
					 * device's size and DISK_MAX_BLOCKS */
	uint64_t map_start;		/* 1 */
	uint64_t map_blocks;		/* ceil(nblocks / BLK_ENTRIES_PER_BLOCK) */
	uint64_t data_start;		/* map_start + map_blocks */
	uint64_t fs_root;		/* the library FS's first block; 0 = none.
					 * The kernel only shows it (disk_export) */
	uint32_t entry_size;		/* sizeof(struct blk_entry) = 8 */
	uint32_t crc;
	char label[32];			/* NUL-padded, for df */
	uint64_t reserved[4];		/* zero */
};

/* Disk states (disk_export.state) */
#define DISK_ABSENT	0	/* empty slot */
#define DISK_READY	1	/* ownership map loaded: the block calls work */
#define DISK_NO_SUPER	2	/* no ownership superblock (e.g. the boot disk): left alone */
#define DISK_CORRUPT	3	/* the superblock failed the boot check: left alone */
#define DISK_FAILED	4	/* the device failed while being read at boot */

/* Drivers (disk_export.driver) */
#define DISK_DRV_IDE_PIO 1	/* ATA, programmed I/O */
#define DISK_DRV_IDE_DMA 2	/* ATA, PCI bus-master DMA */
#define DISK_DRV_VIRTIO	3	/* virtio-blk (virtio 1.x PCI) */

#define DISK_F_RDONLY	0x1	/* the device refuses writes */
#define DISK_F_BOOT	0x2	/* the drive the system booted from */

/* One disk in the read-only table at UDISKS. Counters count since boot. */
struct disk_export {
	char name[8];			/* "hd1" (IDE channel*2 + unit), "vd0" */
	char model[40];			/* what the device calls itself */
	char why[48];			/* DISK_CORRUPT etc.: what was wrong */
	char label[32];			/* the superblock's */
	uint32_t state;			/* DISK_* */
	uint32_t driver;		/* DISK_DRV_* */
	uint32_t flags;			/* DISK_F_* */
	uint32_t pad0;
	uint64_t sectors;		/* device size in 512-byte sectors */
	/* from the superblock (DISK_READY) */
	uint64_t nblocks;
	uint64_t data_start;
	uint64_t fs_root;
	uint64_t free_blocks;		/* now, in the map */
	uint64_t bad_entries;		/* malformed map entries found at boot */
	/* device requests completed */
	uint64_t reads, writes, flushes;
	uint64_t blocks_read, blocks_written;
	uint64_t errors;		/* requests the device failed */
	/* calls */
	uint64_t cache_hits;		/* blocks served from the registry */
	uint64_t zero_reads;		/* BLKF_ZERO blocks read without I/O */
	uint64_t refused;		/* calls refused (permission or range) */
	uint64_t pad[6];
};

/* The buffer-cache registry at UBCACHE: an open-addressing hash table of
 * BCACHE_SLOTS entries. A block's entry is at BCACHE_HASH(disk, block) or
 * in one of the slots after it (wrapping), before the first slot with
 * flags 0. The kernel keeps it so (deletion shifts later entries back);
 * a reader racing an update may miss an entry, never see a wrong one for
 * long: the kernel's answer (sys_bcache_map) is the truth. */
#define BCACHE_SLOTS	4096
#define BCACHE_VALID	0x1	/* the page holds the block */
#define BCACHE_BUSY	0x2	/* the block is being read into the page */
#define BCACHE_DIRTY	0x4	/* mapped writable since last written back */
#define BCACHE_HASH(disk, block) \
	((uint32_t)((((uint64_t)(block) * 0x9e3779b97f4a7c15ULL) ^ \
		     ((uint64_t)(disk) << 59)) >> 52) & (BCACHE_SLOTS - 1))

struct bcache_export {
	uint16_t flags;			/* BCACHE_*; 0 = empty slot */
	uint16_t disk;
	uint32_t pad;
	uint64_t block;
	uint64_t ppn;			/* the page (see UPAGE_TABLE[ppn].maps) */
	uint64_t hits;			/* maps and reads it has served */
};

#define UDISK_TABLE	((const volatile struct disk_export *)UDISKS)
#define UBCACHE_TABLE	((const volatile struct bcache_export *)UBCACHE)
/* The ownership map of disk d, read-only: entry b is block b's. */
#define UBLKMAP_OF(d)	((const volatile struct blk_entry *)(UBLKMAP + (uint64_t)(d) * UBLKMAP_STRIDE))

#endif /* !__ASSEMBLER__ */

#endif
