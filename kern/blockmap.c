/*
 * Block ownership (kern/abi/disk.h has the format and the rules). The
 * map of each DISK_READY disk lives in whole pages of kernel memory, one
 * per map block, each exported read-only at UBLKMAP_OF(disk); the kernel
 * changes entries in place and marks the page dirty, and a flush writes
 * dirty pages back (kern/sys_disk.c).
 *
 * Nothing on the disk is trusted: a superblock that fails any check
 * leaves the disk alone, and a malformed entry is reported and its block
 * made reserved (usable by no one) rather than guessed at.
 *
 * Locking: blockmap_load runs at boot, on one CPU; every other function
 * but the audit is called with disk_lock held (kern/disk.h), which
 * guards the entries, the dirty bits, the rover and the disk's exported
 * free count. Envs read the exported map pages without any lock: an
 * entry they see may be stale by the time they act, and the kernel
 * checks again under disk_lock.
 */
#include "blockmap.h"
#include "disk.h"
#include "pmap.h"
#include "export.h"
#include "console.h"
#include "string.h"
#include "assert.h"
#include "audit.h"
#include "abi/error.h"

static struct blockmap maps[NDISK];

/* crc32, IEEE 802.3 polynomial (reflected 0xedb88320), bit by bit: the
 * superblock is checked once per boot. */
static uint32_t
crc32(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint32_t crc = ~0u;

	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static struct blk_entry *
entry(struct blockmap *m, uint64_t b)
{
	struct blk_entry *page = KADDR((physaddr_t)m->ppn[b / BLK_ENTRIES_PER_BLOCK] << PGSHIFT);

	return &page[b % BLK_ENTRIES_PER_BLOCK];
}

/* Every change of an entry comes through here, so this is where the
 * lock is checked. */
static void
mark_dirty(struct blockmap *m, uint64_t b)
{
	uint64_t k = b / BLK_ENTRIES_PER_BLOCK;

	assert(spin_holding(&disk_lock));
	m->dirty[k / 64] |= 1ULL << (k % 64);
}

/* Why sb is unacceptable for a device of dev_blocks blocks, or NULL. */
static const char *
super_problem(const struct blk_super *sb, uint64_t dev_blocks)
{
	struct blk_super copy = *sb;

	copy.crc = 0;
	if (sb->version != BLKSB_VERSION)
		return "unknown version";
	if (crc32(&copy, sizeof(copy)) != sb->crc)
		return "bad crc";
	if (sb->block_size != DISK_BLKSIZE || sb->entry_size != sizeof(struct blk_entry))
		return "bad block or entry size";
	if (sb->nblocks < 3 || sb->nblocks > dev_blocks)
		return "block count beyond the device";
	if (sb->nblocks > DISK_MAX_BLOCKS)
		return "larger than this kernel supports";
	if (sb->map_start != 1 ||
	    sb->map_blocks != ROUNDUP(sb->nblocks, BLK_ENTRIES_PER_BLOCK) / BLK_ENTRIES_PER_BLOCK)
		return "bad map location or size";
	if (sb->data_start != sb->map_start + sb->map_blocks || sb->data_start >= sb->nblocks)
		return "bad data start";
	if (sb->fs_root >= sb->nblocks || (sb->fs_root && sb->fs_root < sb->data_start))
		return "bad fs_root";
	return NULL;
}

/* Is e, the entry of block b, well formed? */
static bool
entry_ok(const struct blockmap *m, uint64_t b, const struct blk_entry *e)
{
	if (b < m->data_start)
		return e->flags == BLKF_RESERVED && e->owner == 0 && e->mode == 0;
	if (e->flags == 0)
		return e->owner == 0 && e->mode == 0;
	return !(e->flags & ~(BLKF_USED | BLKF_ZERO)) && (e->flags & BLKF_USED) &&
	       !(e->mode & ~BLK_M_ALL);
}

/* Checks every entry; malformed ones become reserved. Counts free blocks
 * and clears whatever follows the last entry in the last page. */
static void
check_entries(struct disk *d, struct blockmap *m)
{
	uint64_t bad = 0, nfree = 0;

	for (uint64_t b = 0; b < m->nblocks; b++) {
		struct blk_entry *e = entry(m, b);
		if (!entry_ok(m, b, e)) {
			*e = (struct blk_entry){ .flags = BLKF_RESERVED };
			bad++;
		}
		nfree += e->flags == 0;
	}
	for (uint64_t b = m->nblocks; b < (uint64_t)m->npages * BLK_ENTRIES_PER_BLOCK; b++) {
		struct blk_entry *e = entry(m, b);
		bad += e->flags || e->owner || e->mode;
		*e = (struct blk_entry){ 0 };
	}
	d->ex->bad_entries = bad;
	d->ex->free_blocks = nfree;
	if (bad)
		cprintf("disk %s: %lu malformed map entries; their blocks are now reserved\n",
			d->ex->name, bad);
}

static void
free_map_pages(struct blockmap *m, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		page_set_kind(&pages[m->ppn[k]], PAGEK_KERNEL);
		page_free(&pages[m->ppn[k]]);
	}
}

/* Pages for the map, read from the disk; false (and why) on failure. */
static bool
read_map(struct disk *d, struct blockmap *m, const char **why)
{
	/* Leave most of memory to everyone else. */
	if (m->npages > page_free_count() / 4) {
		*why = "not enough memory for its map";
		return false;
	}
	for (uint32_t k = 0; k < m->npages; k++) {
		struct page *pg = page_alloc(PAGE_ZERO);
		assert(pg);
		page_set_kind(pg, PAGEK_EXPORT);
		m->ppn[k] = page2ppn(pg);
	}
	if (disk_rw_sync(d, DREQ_READ, 1, m->npages, m->ppn) < 0) {
		free_map_pages(m, m->npages);
		*why = "cannot read its map";
		return false;
	}
	return true;
}

static void
disk_state(struct disk *d, uint32_t state, const char *why)
{
	d->ex->state = state;
	strlcpy(d->ex->why, why ? why : "", sizeof(d->ex->why));
	if (state == DISK_NO_SUPER)
		cprintf("disk %s: no block-ownership superblock; left alone\n", d->ex->name);
	else if (state != DISK_READY)
		cprintf("disk %s: %s: %s; left alone\n", d->ex->name,
			state == DISK_CORRUPT ? "superblock corrupt" : "unusable", why);
}

/* Checks the superblock in page sb_ppn and, when it is good, loads the map. */
static void
load_from_super(struct disk *d, uint32_t sb_ppn)
{
	const struct blk_super *sb = KADDR((physaddr_t)sb_ppn << PGSHIFT);
	struct blockmap *m = &maps[d->id];
	const char *why;

	if (sb->magic != BLKSB_MAGIC)
		return disk_state(d, DISK_NO_SUPER, NULL);
	if ((why = super_problem(sb, d->sectors / DISK_SECTORS_PER_BLOCK)) != NULL)
		return disk_state(d, DISK_CORRUPT, why);
	memset(m, 0, sizeof(*m));
	m->nblocks = sb->nblocks;
	m->data_start = m->rover = sb->data_start;
	m->npages = sb->map_blocks;
	if (!read_map(d, m, &why))
		return disk_state(d, DISK_FAILED, why);
	check_entries(d, m);
	for (uint32_t k = 0; k < m->npages; k++)
		export_map(UBLKMAP + (uint64_t)d->id * UBLKMAP_STRIDE + (uint64_t)k * PGSIZE,
			   (physaddr_t)m->ppn[k] << PGSHIFT, PGSIZE);
	d->ex->nblocks = m->nblocks;
	d->ex->data_start = m->data_start;
	d->ex->fs_root = sb->fs_root;
	memcpy(d->ex->label, sb->label, sizeof(d->ex->label));
	d->ex->label[sizeof(d->ex->label) - 1] = '\0';
	d->map = m;
	disk_state(d, DISK_READY, NULL);
	cprintf("disk %s: block-ownership map ok: %lu blocks (%lu MiB), %lu free, data from block %lu\n",
		d->ex->name, m->nblocks, m->nblocks >> 8, d->ex->free_blocks, m->data_start);
}

/*
 * Boot, interrupts off: reads block 0 of d and, if it holds a good
 * superblock, the map; sets d's state (DISK_READY or why not) and
 * reports it. Never panics on what the disk holds.
 */
void
blockmap_load(struct disk *d)
{
	struct page *pg = page_alloc(PAGE_ZERO);
	uint32_t ppn;

	if (!pg)
		return disk_state(d, DISK_FAILED, "out of memory");
	ppn = page2ppn(pg);
	if (d->sectors < 3 * DISK_SECTORS_PER_BLOCK)
		disk_state(d, DISK_NO_SUPER, NULL);
	else if (disk_rw_sync(d, DREQ_READ, 0, 1, &ppn) < 0)
		disk_state(d, DISK_FAILED, "cannot read block 0");
	else
		load_from_super(d, ppn);
	page_free(pg);
}

/* May principal p do `need` to the block of entry e? (kern/abi/disk.h) */
static bool
allowed(const struct blk_entry *e, uint32_t p, int need)
{
	bool own = e->owner == p;

	if (need == BM_RANGE)
		return true;
	if (e->flags & BLKF_RESERVED)
		return need == BM_READ && p == 0;
	if (!(e->flags & BLKF_USED))
		return false;
	if (p == 0)
		return true;
	switch (need) {
	case BM_READ:
	case BM_MAP:
		return e->mode & (own ? BLK_M_OREAD : BLK_M_XREAD);
	case BM_WRITE:
		return e->mode & (own ? BLK_M_OWRITE : BLK_M_XWRITE);
	default:
		return own;
	}
}

/*
 * Checks that [start, start+n) lies in d's map (-E_RANGE) and that
 * principal may do `need` (BM_*) to every block of it (-E_PERM).
 */
int
blockmap_check(struct disk *d, uint32_t principal, uint64_t start, uint64_t n, int need)
{
	struct blockmap *m = d->map;

	if (start >= m->nblocks || n > m->nblocks - start)
		return -E_RANGE;
	if (need == BM_RANGE)
		return 0;
	for (uint64_t b = start; b < start + n; b++)
		if (!allowed(entry(m, b), principal, need))
			return -E_PERM;
	return 0;
}

/* The first block of a run of n free blocks in [from, to), or to. */
static uint64_t
find_run(struct blockmap *m, uint64_t from, uint64_t to, uint64_t n)
{
	uint64_t run = 0;

	for (uint64_t b = from; b < to; b++) {
		run = entry(m, b)->flags ? 0 : run + 1;
		if (run == n)
			return b + 1 - n;
	}
	return to;
}

/*
 * n contiguous free blocks for principal with mode, at or after hint
 * when possible, else anywhere (next fit from the last allocation).
 * Returns the first block or -E_NO_SPACE. Arguments already checked.
 */
int64_t
blockmap_alloc(struct disk *d, uint32_t principal, uint64_t n, uint64_t hint, uint16_t mode)
{
	struct blockmap *m = d->map;
	uint64_t from = (hint >= m->data_start && hint < m->nblocks) ? hint : m->rover;
	uint64_t b = find_run(m, from, m->nblocks, n);

	if (b == m->nblocks) {
		uint64_t to = MIN(m->nblocks, from + n - 1);
		b = find_run(m, m->data_start, to, n);
		if (b == to)
			return -E_NO_SPACE;
	}
	for (uint64_t i = b; i < b + n; i++) {
		*entry(m, i) = (struct blk_entry){ .owner = principal, .mode = mode,
						   .flags = BLKF_USED | BLKF_ZERO };
		mark_dirty(m, i);
	}
	m->rover = b + n < m->nblocks ? b + n : m->data_start;
	d->ex->free_blocks -= n;
	return (int64_t)b;
}

void
blockmap_free(struct disk *d, uint64_t start, uint64_t n)
{
	for (uint64_t b = start; b < start + n; b++) {
		*entry(d->map, b) = (struct blk_entry){ 0 };
		mark_dirty(d->map, b);
	}
	d->ex->free_blocks += n;
}

void
blockmap_chown(struct disk *d, uint64_t start, uint64_t n, uint32_t principal)
{
	for (uint64_t b = start; b < start + n; b++) {
		entry(d->map, b)->owner = principal;
		mark_dirty(d->map, b);
	}
}

void
blockmap_chmod(struct disk *d, uint64_t start, uint64_t n, uint16_t mode)
{
	for (uint64_t b = start; b < start + n; b++) {
		entry(d->map, b)->mode = mode;
		mark_dirty(d->map, b);
	}
}

/* Does block (in range) read as zeros without I/O? */
bool
blockmap_is_zero(struct disk *d, uint64_t block)
{
	return entry(d->map, block)->flags & BLKF_ZERO;
}

/* The blocks are being written: they no longer read as zeros. */
void
blockmap_written(struct disk *d, uint64_t start, uint64_t n)
{
	for (uint64_t b = start; b < start + n; b++) {
		struct blk_entry *e = entry(d->map, b);
		if (e->flags & BLKF_ZERO) {
			e->flags &= ~BLKF_ZERO;
			mark_dirty(d->map, b);
		}
	}
}

static bool
page_dirty(const struct blockmap *m, uint32_t k)
{
	return m->dirty[k / 64] & (1ULL << (k % 64));
}

bool
blockmap_take_dirty(struct disk *d, uint32_t *cursor, uint32_t max, uint64_t *block,
		    const uint32_t **ppn, uint32_t *n)
{
	struct blockmap *m = d->map;
	uint32_t k = *cursor, end, last;

	assert(spin_holding(&disk_lock));
	while (k < m->npages && !page_dirty(m, k))
		k++;
	if (k >= m->npages) {
		*cursor = k;
		return false;
	}
	end = MIN(m->npages, ROUNDDOWN(k, max) + max);
	last = k;
	for (uint32_t j = k; j < end; j++)
		if (page_dirty(m, j)) {
			m->dirty[j / 64] &= ~(1ULL << (j % 64));
			last = j;
		}
	*block = 1 + k;		/* map block k is disk block map_start + k */
	*ppn = &m->ppn[k];
	*n = last - k + 1;
	*cursor = end;
	return true;
}

/* A block's entry as the map keeps it: the kernel's blocks reserved;
 * the others free (all zero), allocated (entry_ok), or reserved by
 * check_entries because they were malformed at boot. */
static bool
audit_entry_ok(const struct blockmap *m, uint64_t b, const struct blk_entry *e)
{
	if (b >= m->data_start && e->flags == BLKF_RESERVED)
		return e->owner == 0 && e->mode == 0;
	return entry_ok(m, b, e);
}

/* Can the map be read at all: its own slot, a sane size, every map
 * page an export page in RAM? (Else the entries are not looked at.) */
static bool
audit_readable(struct disk *d, const struct blockmap *m)
{
	if (m != &maps[d->id] || m->npages > BLKMAP_MAX_PAGES ||
	    m->nblocks > (uint64_t)m->npages * BLK_ENTRIES_PER_BLOCK ||
	    m->data_start >= m->nblocks)
		return false;
	for (uint32_t k = 0; k < m->npages; k++)
		if (m->ppn[k] >= npages || page_ex[m->ppn[k]].kind != PAGEK_EXPORT)
			return false;
	return true;
}

/* The map's size and rover against its export. */
static int
audit_geometry(struct disk *d, const struct blockmap *m)
{
	int n = 0;

	if (d->ex->nblocks != m->nblocks || d->ex->data_start != m->data_start)
		n += audit_report("blockmap %s: export says %lu blocks from %lu, map %lu from %lu",
				  d->ex->name, (unsigned long)d->ex->nblocks,
				  (unsigned long)d->ex->data_start, (unsigned long)m->nblocks,
				  (unsigned long)m->data_start);
	if (m->rover < m->data_start || m->rover >= m->nblocks)
		n += audit_report("blockmap %s: rover %lu outside the data blocks", d->ex->name,
				  (unsigned long)m->rover);
	return n;
}

/*
 * The block-ownership map of d (DISK_READY): geometry and export agree,
 * every entry is well formed, the entries past the last block are zero,
 * and the exported free count is the number of free entries. Returns the
 * problems found. Reads without locks: the audit runs with every other
 * CPU parked outside any lock (kern/audit.h).
 */
int
blockmap_audit(struct disk *d)
{
	struct blockmap *m = d->map;
	uint64_t nfree = 0, bad = 0, end;
	int n;

	if (!audit_readable(d, m))
		return audit_report("blockmap %s: broken geometry or map pages", d->ex->name);
	n = audit_geometry(d, m);
	end = (uint64_t)m->npages * BLK_ENTRIES_PER_BLOCK;
	for (uint64_t b = 0; b < end; b++) {
		const struct blk_entry *e = entry(m, b);
		if (b >= m->nblocks)
			bad += e->flags || e->owner || e->mode;
		else if (!audit_entry_ok(m, b, e))
			bad++;
		else
			nfree += e->flags == 0;
	}
	if (bad)
		n += audit_report("blockmap %s: %lu malformed entries", d->ex->name,
				  (unsigned long)bad);
	if (nfree != d->ex->free_blocks)
		n += audit_report("blockmap %s: free count %lu, but %lu entries are free",
				  d->ex->name, (unsigned long)d->ex->free_blocks,
				  (unsigned long)nfree);
	return n;
}
