/*
 * The buffer-cache registry: which physical page holds which disk block,
 * so that every env allowed to read a block maps one shared copy. The
 * table itself is the export at UBCACHE (kern/abi/disk.h has its format
 * and the rules); the kernel is its only writer.
 *
 * A registered page is an ordinary user page (PAGEK_USER, charged to the
 * env that first read it) that the registry holds with one pin, so
 * unmapping it never frees it; dropping the registration drops the pin.
 *
 * bcache_init runs at boot; the audit reads without locks (kern/audit.h);
 * everything else is called with disk_lock held (kern/disk.h).
 */
#ifndef CHITIN_KERN_BCACHE_H
#define CHITIN_KERN_BCACHE_H
#include "kernel.h"
#include "abi/disk.h"

struct page;

void bcache_init(void);
int bcache_lookup(int disk, uint64_t block);		/* slot or -1 */
struct bcache_export *bcache_slot(int slot);
struct page *bcache_page(int slot);
/* Registers pg (which gets the registry's pin) for (disk, block) with
 * flags; its slot, or -E_NO_MEM when no slot can be freed, -E_BUSY when
 * pg has as many pins as it may. */
int bcache_insert(int disk, uint64_t block, struct page *pg, uint16_t flags);
void bcache_remove(int slot);
bool bcache_make_room(void);		/* drop one idle registration */
bool bcache_range_busy(int disk, uint64_t start, uint64_t n);
void bcache_drop_range(int disk, uint64_t start, uint64_t n);
int bcache_audit(void);			/* kern/audit.h */

#endif
