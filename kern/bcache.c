/*
 * The buffer-cache registry (kern/bcache.h): an open-addressing hash
 * table with linear probing, exported read-only, searched the same way
 * by the kernel and by library code (BCACHE_HASH). Deletion shifts later
 * members of a probe run back (no tombstones), so a search can stop at
 * the first empty slot.
 *
 * At most BCACHE_MAX entries are in use, so probe runs stay short; when
 * the table is at that limit, or memory is short, an idle entry is
 * dropped (a clock hand): valid, not being read, not dirty, and mapped
 * by no env.
 *
 * Locking: bcache_init runs at boot; every other function but the audit
 * is called with disk_lock held (kern/disk.h), which guards the table,
 * nused and the clock hand. Envs read the exported table without any
 * lock, from other CPUs, as they always did: what they find is a hint,
 * and the kernel decides again under disk_lock.
 */
#include "bcache.h"
#include "pmap.h"
#include "uvm.h"
#include "export.h"
#include "assert.h"
#include "audit.h"
#include "disk.h"
#include "blockmap.h"
#include "abi/error.h"

#define BCACHE_MAX	(BCACHE_SLOTS * 3 / 4)
#define SLOT_MASK	(BCACHE_SLOTS - 1)

static struct bcache_export *table;	/* table[BCACHE_SLOTS] at UBCACHE */
static int nused;
static int hand;			/* the clock hand for eviction */

void
bcache_init(void)
{
	table = export_alloc(sizeof(struct bcache_export) * BCACHE_SLOTS, UBCACHE);
}

/* The slot of (disk, block), or -1. */
int
bcache_lookup(int disk, uint64_t block)
{
	for (uint32_t i = BCACHE_HASH(disk, block), n = 0; n < BCACHE_SLOTS;
	     i = (i + 1) & SLOT_MASK, n++) {
		if (!table[i].flags)
			return -1;
		if (table[i].disk == disk && table[i].block == block)
			return (int)i;
	}
	return -1;
}

struct bcache_export *
bcache_slot(int slot)
{
	return &table[slot];
}

struct page *
bcache_page(int slot)
{
	return &pages[table[slot].ppn];
}

/* Is slot j's entry, whose home slot is k, still reachable if slot i
 * (cyclically before j) becomes empty? Only if k lies in (i, j]. */
static bool
stays(uint32_t i, uint32_t j, uint32_t k)
{
	return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

/* Drops the registration in slot (its page pin too). */
void
bcache_remove(int slot)
{
	uint32_t i = (uint32_t)slot, j = i;

	assert(spin_holding(&disk_lock));
	uvm_page_unregister(&pages[table[i].ppn]);
	for (;;) {
		j = (j + 1) & SLOT_MASK;
		if (!table[j].flags)
			break;
		if (stays(i, j, BCACHE_HASH(table[j].disk, table[j].block)))
			continue;
		table[i] = table[j];
		i = j;
	}
	table[i] = (struct bcache_export){ 0 };
	nused--;
}

/*
 * Nothing but the registry holds x's page. Stable under disk_lock: with
 * no mapping and no pin but the registry's, only a disk call (which
 * holds disk_lock) can map or pin the page; an env must map it to pass
 * it on (sys_page_map) or pin it (a NIC ring).
 */
static bool
idle(const struct bcache_export *x)
{
	const struct page_export *p = &page_ex[x->ppn];

	return x->flags == BCACHE_VALID && p->maps == 0 && p->pins == 1;
}

/* Drops one idle registration (freeing its page); false if none is. */
bool
bcache_make_room(void)
{
	for (int n = 0; n < BCACHE_SLOTS; n++) {
		hand = (hand + 1) & SLOT_MASK;
		if (table[hand].flags && idle(&table[hand])) {
			bcache_remove(hand);
			return true;
		}
	}
	return false;
}

/*
 * Registers pg for (disk, block), not registered yet, with flags, taking
 * a pin on pg. Returns the slot, or -E_NO_MEM when the table is at its
 * limit and no entry is idle.
 */
int
bcache_insert(int disk, uint64_t block, struct page *pg, uint16_t flags)
{
	uint32_t i;

	assert(spin_holding(&disk_lock));
	assert(flags && bcache_lookup(disk, block) < 0);
	if (nused >= BCACHE_MAX && !bcache_make_room())
		return -E_NO_MEM;
	if (!uvm_page_register(pg, UINT8_MAX))
		return -E_BUSY;
	for (i = BCACHE_HASH(disk, block); table[i].flags; i = (i + 1) & SLOT_MASK)
		;
	table[i] = (struct bcache_export){ .flags = flags, .disk = (uint16_t)disk,
					   .block = block, .ppn = page2ppn(pg) };
	nused++;
	return (int)i;
}

/* Is a block of [start, start+n) on disk being read into the registry? */
bool
bcache_range_busy(int disk, uint64_t start, uint64_t n)
{
	if (n <= 64) {
		for (uint64_t b = start; b < start + n; b++) {
			int s = bcache_lookup(disk, b);
			if (s >= 0 && (table[s].flags & BCACHE_BUSY))
				return true;
		}
		return false;
	}
	for (int i = 0; i < BCACHE_SLOTS; i++)
		if ((table[i].flags & BCACHE_BUSY) && table[i].disk == disk &&
		    table[i].block >= start && table[i].block - start < n)
			return true;
	return false;
}

/* Drops every registration of [start, start+n) (none may be busy). */
void
bcache_drop_range(int disk, uint64_t start, uint64_t n)
{
	if (n <= 64) {
		for (uint64_t b = start; b < start + n; b++) {
			int s = bcache_lookup(disk, b);
			if (s >= 0)
				bcache_remove(s);
		}
		return;
	}
	for (int i = 0; i < BCACHE_SLOTS;) {
		/* a removal may shift a later entry into slot i: look again */
		if (table[i].flags && table[i].disk == disk &&
		    table[i].block >= start && table[i].block - start < n)
			bcache_remove(i);
		else
			i++;
	}
}

/* Entry i (in use): sane flags, found by a search, its page a user page
 * the registry holds (declared to the page audit), its block an
 * allocated block of a disk with a map (sys_disk_free drops the
 * registrations of the blocks it frees; BM_MAP refuses reserved ones). */
static int
audit_entry(int i)
{
	const struct bcache_export *x = &table[i];
	uint16_t state = x->flags & (BCACHE_VALID | BCACHE_BUSY);
	struct disk *d = disk_get(x->disk);
	int n = 0;

	if ((x->flags & ~(BCACHE_VALID | BCACHE_BUSY | BCACHE_DIRTY)) ||
	    (state != BCACHE_VALID && state != BCACHE_BUSY) ||
	    (state == BCACHE_BUSY && (x->flags & BCACHE_DIRTY)))
		n += audit_report("bcache: slot %d: flags 0x%x", i, x->flags);
	if (bcache_lookup(x->disk, x->block) != i)
		n += audit_report("bcache: slot %d: a search for disk %u block %lu finds slot %d",
				  i, x->disk, (unsigned long)x->block,
				  bcache_lookup(x->disk, x->block));
	if (x->ppn >= npages)
		return n + audit_report("bcache: slot %d: page %lx beyond RAM", i,
					(unsigned long)x->ppn);
	n += audit_pin(&pages[x->ppn]);
	n += audit_registered(&pages[x->ppn]);
	if (page_ex[x->ppn].kind != PAGEK_USER)
		n += audit_report("bcache: slot %d: page %lx is kind %u", i,
				  (unsigned long)x->ppn, page_ex[x->ppn].kind);
	if (!d || !d->map || blockmap_check(d, 0, x->block, 1, BM_MAP) < 0)
		n += audit_report("bcache: slot %d: disk %u block %lu is not an allocated block",
				  i, x->disk, (unsigned long)x->block);
	return n;
}

/*
 * The registry: every entry is sane, reachable by a search (so no block
 * is registered twice) and holds its page and block as the binding says;
 * the count of entries in use is right. Returns the problems found.
 * Reads without locks: the audit runs with every other CPU parked
 * outside any lock (kern/audit.h).
 */
int
bcache_audit(void)
{
	int n = 0, used = 0;

	for (int i = 0; i < BCACHE_SLOTS; i++)
		if (table[i].flags) {
			used++;
			n += audit_entry(i);
		}
	if (used != nused || nused > BCACHE_MAX)
		n += audit_report("bcache: %d entries in use, the count says %d (at most %d)",
				  used, nused, BCACHE_MAX);
	if (hand < 0 || hand >= BCACHE_SLOTS)
		n += audit_report("bcache: clock hand %d outside the table", hand);
	return n;
}
