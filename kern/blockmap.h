/*
 * Block ownership: the kernel's only on-disk structure (the format is in
 * kern/abi/disk.h). blockmap_load checks a disk's superblock and map at
 * boot and keeps the map in memory, exported read-only at UBLKMAP; the
 * block calls check and change it here; a flush writes the changed map
 * blocks back.
 *
 * blockmap_load runs at boot; the audit reads without locks (kern/audit.h);
 * everything else is called with disk_lock held (kern/disk.h).
 */
#ifndef CHITIN_KERN_BLOCKMAP_H
#define CHITIN_KERN_BLOCKMAP_H
#include "kernel.h"
#include "abi/disk.h"

struct disk;

#define BLKMAP_MAX_PAGES	(DISK_MAX_BLOCKS / BLK_ENTRIES_PER_BLOCK)

struct blockmap {
	uint64_t nblocks;		/* entries in the map */
	uint64_t data_start;		/* first block that is not the kernel's */
	uint32_t npages;		/* map pages = map blocks on the disk */
	uint64_t rover;			/* where an allocation without a hint looks */
	uint32_t ppn[BLKMAP_MAX_PAGES];	/* map block k lives in page ppn[k] */
	uint64_t dirty[BLKMAP_MAX_PAGES / 64];	/* map pages changed since written */
};

/* What a call needs of each block (blockmap_check) */
#define BM_READ		1
#define BM_WRITE	2
#define BM_OWN		3	/* free, chown, chmod */
#define BM_MAP		4	/* read into the registry: BM_READ, never reserved */
#define BM_RANGE	5	/* only the range is checked */

void blockmap_load(struct disk *d);
int blockmap_check(struct disk *d, uint32_t principal, uint64_t start, uint64_t n, int need);
int64_t blockmap_alloc(struct disk *d, uint32_t principal, uint64_t n, uint64_t hint, uint16_t mode);
void blockmap_free(struct disk *d, uint64_t start, uint64_t n);
void blockmap_chown(struct disk *d, uint64_t start, uint64_t n, uint32_t principal);
void blockmap_chmod(struct disk *d, uint64_t start, uint64_t n, uint16_t mode);
bool blockmap_is_zero(struct disk *d, uint64_t block);
void blockmap_written(struct disk *d, uint64_t start, uint64_t n);
/* The next run of changed map pages from *cursor on, within one
 * max-aligned chunk of max pages, marked clean (a change after this
 * marks it dirty again): its first map block on the disk, its pages and
 * its length. false when none is left. */
int blockmap_audit(struct disk *d);	/* kern/audit.h; d is DISK_READY */
bool blockmap_take_dirty(struct disk *d, uint32_t *cursor, uint32_t max, uint64_t *block,
			 const uint32_t **ppn, uint32_t *n);

#endif
