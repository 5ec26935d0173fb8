/*
 * disktest: the disk-block calls and the buffer-cache registry
 * (kern/abi/disk.h), as the grader runs them.
 *
 *   disktest rw DISK         round trips: zeros, aligned and bounce
 *                            buffers, flush, free, re-allocation, registry
 *   disktest bench DISK MIB  write then read MIB MiB, reporting KiB/s
 *   disktest evil DISK       bad arguments of every kind are refused
 *   disktest iso DISK        principal 2 against principal 1's blocks
 *   disktest stress DISK     envs on every CPU writing, reading, flushing
 *                            and mapping one shared block at once
 *   disktest fuzz DISK N     three envs make N random disk calls each
 *
 * DISK is a name from the disk table ("hd1", "vd0"). Each mode ends with
 * "disktest: MODE ok ..." or lines holding "FAIL".
 */
#include "testutil.h"

#define BUF	0x10000000UL		/* DISK_IO_MAX blocks + 1 page each */
#define BUF2	0x10200000UL
#define MAPVA	0x10400000UL		/* registry pages mapped here */
#define RDONLY	0x10500000UL		/* a read-only page */
#define PERM_RW	(PERM_P | PERM_W | PERM_U)
#define MIN(a, b)	((a) < (b) ? (a) : (b))

static int fails;
static int disk;
static const volatile struct disk_export *dx;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fails++;						\
		cprintf("disktest: FAIL line %d: ", __LINE__);		\
		cprintf(__VA_ARGS__);					\
		cprintf("\n");						\
	}								\
} while (0)

/* r must be the error want. */
#define REFUSED(r, want, what) do {					\
	int64_t r_ = (r);						\
	CHECK(r_ == -(want), "%s: got %ld (%s), want -%s", what, r_,	\
	      r_ < 0 ? errstr(r_) : "success", #want);			\
} while (0)

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static int
find_disk(const char *name)
{
	for (int i = 0; i < NDISK; i++)
		if (UDISK_TABLE[i].state != DISK_ABSENT &&
		    strcmp((const char *)UDISK_TABLE[i].name, name) == 0)
			return i;
	return -1;
}

static void
map_pages(uintptr_t va, size_t n, uint64_t perm)
{
	for (size_t i = 0; i < n; i++) {
		int64_t r = sys_page_alloc(0, va + i * PGSIZE, perm, PPN_ANY);
		if (r < 0)
			panic("page_alloc: %s", errstr(r));
	}
}

/* The contents every test writes to block b: words that name it. */
static void
pattern(void *p, uint64_t b, uint64_t seed)
{
	uint64_t *w = p;

	for (int i = 0; i < DISK_BLKSIZE / 8; i++)
		w[i] = (b << 32) ^ seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL);
}

static void
patterns(void *p, uint64_t start, uint64_t n, uint64_t seed)
{
	for (uint64_t i = 0; i < n; i++)
		pattern((uint8_t *)p + i * DISK_BLKSIZE, start + i, seed);
}

static bool
all_zero(const void *p, size_t n)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < n / 8; i++)
		if (w[i])
			return false;
	return true;
}

static int
registry_slot(int d, uint64_t b)
{
	for (uint32_t i = BCACHE_HASH(d, b), n = 0; n < BCACHE_SLOTS;
	     i = (i + 1) % BCACHE_SLOTS, n++) {
		const volatile struct bcache_export *x = &UBCACHE_TABLE[i];
		if (!x->flags)
			return -1;
		if (x->disk == d && x->block == b)
			return (int)i;
	}
	return -1;
}

/* ---- rw ---- */

/* Zeros when new, aligned round trip, bounce-buffer round trips. */
static void
rw_basic(uint64_t s, uint64_t n)
{
	uint8_t *buf = (uint8_t *)BUF, *buf2 = (uint8_t *)BUF2;
	uint8_t expect[DISK_BLKSIZE];
	int64_t r;

	memset(buf, 0xaa, n * DISK_BLKSIZE);
	CHECK((r = sys_disk_read(disk, s, n, buf)) == 0, "read new: %s", errstr(r));
	CHECK(all_zero(buf, n * DISK_BLKSIZE), "new blocks are not zero");
	patterns(buf, s, n, 1);
	CHECK((r = sys_disk_write(disk, s, n, buf)) == 0, "write: %s", errstr(r));
	CHECK(UBLKMAP_OF(disk)[s].flags == BLKF_USED, "still BLKF_ZERO after a write");
	memset(buf2, 0, n * DISK_BLKSIZE);
	CHECK((r = sys_disk_read(disk, s, n, buf2)) == 0, "read back: %s", errstr(r));
	CHECK(memcmp(buf, buf2, n * DISK_BLKSIZE) == 0, "read back differs");
	/* bounce buffers: unaligned both ways */
	CHECK((r = sys_disk_read(disk, s + 5, 3, buf2 + 100)) == 0, "unaligned read: %s", errstr(r));
	CHECK(memcmp(buf + 5 * DISK_BLKSIZE, buf2 + 100, 3 * DISK_BLKSIZE) == 0,
	      "unaligned read differs");
	patterns(buf2 + 333, s + 10, 3, 2);
	CHECK((r = sys_disk_write(disk, s + 10, 3, buf2 + 333)) == 0, "unaligned write: %s", errstr(r));
	CHECK((r = sys_disk_read(disk, s + 10, 1, buf)) == 0, "read: %s", errstr(r));
	pattern(expect, s + 10, 2);
	CHECK(memcmp(buf, expect, DISK_BLKSIZE) == 0, "unaligned write did not land");
	CHECK((r = sys_disk_flush(disk)) == 0, "flush: %s", errstr(r));
}

/* The registry: one page per block, coherent with read and write. */
static void
rw_registry(uint64_t s)
{
	uint8_t expect[DISK_BLKSIZE];
	int64_t ppn, ppn2, r;
	int slot;

	pattern(expect, s + 1, 1);
	ppn = sys_bcache_map(disk, s + 1, MAPVA, PERM_P | PERM_U);
	CHECK(ppn > 0, "bcache_map: %s", errstr(ppn));
	CHECK(memcmp((void *)MAPVA, expect, DISK_BLKSIZE) == 0, "registry page differs");
	ppn2 = sys_bcache_map(disk, s + 1, MAPVA + PGSIZE, PERM_P | PERM_U);
	CHECK(ppn2 == ppn, "second map got page %ld, not %ld", ppn2, ppn);
	slot = registry_slot(disk, s + 1);
	CHECK(slot >= 0 && UBCACHE_TABLE[slot].ppn == (uint64_t)ppn, "not in the exported registry");
	pattern(expect, s + 1, 3);
	CHECK(sys_disk_write(disk, s + 1, 1, expect) == 0, "write of a registered block");
	CHECK(memcmp((void *)MAPVA, expect, DISK_BLKSIZE) == 0, "registry page not updated by a write");
	/* writable mapping, changed in place, written back */
	ppn = sys_bcache_map(disk, s + 2, MAPVA + 2 * PGSIZE, PERM_RW);
	CHECK(ppn > 0, "bcache_map rw: %s", errstr(ppn));
	slot = registry_slot(disk, s + 2);
	CHECK(slot >= 0 && (UBCACHE_TABLE[slot].flags & BCACHE_DIRTY), "not dirty when mapped rw");
	pattern((void *)(MAPVA + 2 * PGSIZE), s + 2, 4);
	CHECK((r = sys_bcache_writeback(disk, s, 16)) == 2, "writeback: %ld, want 2", r);
	CHECK(!(UBCACHE_TABLE[slot].flags & BCACHE_DIRTY), "dirty after writeback");
	sys_page_unmap(0, MAPVA + 2 * PGSIZE);
	CHECK(sys_disk_read(disk, s + 2, 1, (void *)BUF2) == 0, "read");
	pattern(expect, s + 2, 4);
	CHECK(memcmp((void *)BUF2, expect, DISK_BLKSIZE) == 0, "written-back block differs");
	CHECK(dx->cache_hits > 0, "no cache hits counted");
}

/* Freed blocks: unreadable, out of the registry; allocated again: zeros. */
static void
rw_free(uint64_t s, uint64_t n)
{
	int64_t r;

	CHECK((r = sys_disk_free(disk, s, n)) == 0, "free: %s", errstr(r));
	CHECK(UBLKMAP_OF(disk)[s].flags == 0, "map entry not free");
	CHECK(registry_slot(disk, s + 1) < 0, "freed block still registered");
	REFUSED(sys_disk_read(disk, s, 1, (void *)BUF), E_PERM, "read of a free block");
	r = sys_disk_alloc(disk, n, s, 0600);
	CHECK(r == (int64_t)s, "alloc with hint %lu got %ld", s, r);
	CHECK(sys_disk_read(disk, s, n, (void *)BUF) == 0, "read");
	CHECK(all_zero((void *)BUF, n * DISK_BLKSIZE), "re-allocated blocks show old data");
	r = sys_bcache_map(disk, s + 3, MAPVA + 3 * PGSIZE, PERM_P | PERM_U);
	CHECK(r > 0 && all_zero((void *)(MAPVA + 3 * PGSIZE), PGSIZE), "zero block's page");
	CHECK(sys_disk_free(disk, s, n) == 0, "free");
	CHECK(sys_disk_flush(disk) == 0, "flush");
}

static int
test_rw(void)
{
	uint64_t n = 64, free0 = dx->free_blocks;
	int64_t s;

	s = sys_disk_alloc(disk, n, 0, BLK_M_OREAD | BLK_M_OWRITE);
	CHECK(s >= (int64_t)dx->data_start && s + n <= dx->nblocks, "alloc: %ld", s);
	if (s < 0)
		return 1;
	CHECK(UBLKMAP_OF(disk)[s].owner == thisenv->principal &&
	      UBLKMAP_OF(disk)[s].flags == (BLKF_USED | BLKF_ZERO) &&
	      UBLKMAP_OF(disk)[s + n - 1].mode == 0600, "map entry after alloc");
	CHECK(dx->free_blocks == free0 - n, "free count %lu, want %lu", dx->free_blocks, free0 - n);
	rw_basic(s, n);
	rw_registry(s);
	rw_free(s, n);
	CHECK(dx->free_blocks == free0, "free count %lu after free, want %lu", dx->free_blocks, free0);
	if (!fails)
		cprintf("disktest: rw ok on %s: %lu reads, %lu writes, %lu flushes, %lu cache hits, %lu zero reads\n",
			dx->name, dx->reads, dx->writes, dx->flushes, dx->cache_hits, dx->zero_reads);
	return fails;
}

/* ---- bench ---- */

static uint64_t
kib_per_s(uint64_t bytes, uint64_t cycles)
{
	return cycles ? bytes * UCLOCK_PAGE->tsc_hz / cycles / 1024 : 0;
}

static int
test_bench(uint64_t mib)
{
	uint64_t n = mib * 256, chunk = DISK_IO_MAX, t0, tw, tr;
	static const char *const drv[] = { "?", "IDE PIO", "IDE DMA", "virtio-blk" };
	int64_t s = sys_disk_alloc(disk, n, 0, 0600), r = 0;

	CHECK(s >= 0, "alloc %lu blocks: %s", n, errstr(s));
	if (s < 0)
		return 1;
	patterns((void *)BUF, 0, chunk, 7);
	t0 = rdtsc();
	for (uint64_t b = 0; b < n && r == 0; b += chunk)
		r = sys_disk_write(disk, s + b, MIN(chunk, n - b), (void *)BUF);
	if (r == 0)
		r = sys_disk_flush(disk);
	tw = rdtsc() - t0;
	CHECK(r == 0, "write: %s", errstr(r));
	t0 = rdtsc();
	for (uint64_t b = 0; b < n && r == 0; b += chunk)
		r = sys_disk_read(disk, s + b, MIN(chunk, n - b), (void *)BUF2);
	tr = rdtsc() - t0;
	CHECK(r == 0, "read: %s", errstr(r));
	CHECK(memcmp((void *)BUF, (void *)BUF2, chunk * DISK_BLKSIZE) == 0, "read differs");
	sys_disk_free(disk, s, n);
	sys_disk_flush(disk);
	if (!fails)
		cprintf("disktest: bench ok on %s (%s): write %lu KiB/s, read %lu KiB/s, %lu MiB in %lu-block calls\n",
			dx->name, drv[dx->driver < 4 ? dx->driver : 0],
			kib_per_s(n * DISK_BLKSIZE, tw), kib_per_s(n * DISK_BLKSIZE, tr), mib, chunk);
	return fails;
}

/* ---- evil ---- */

static int64_t
raw_syscall(uint64_t num)
{
	int64_t r = (int64_t)num;

	asm volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
	return r;
}

/* Disk numbers, disk states, counts and ranges. */
static void
evil_numbers(void)
{
	uint64_t nb = dx->nblocks;
	int other = find_disk("hd0");

	REFUSED(sys_disk_alloc(-1, 1, 0, 0600), E_INVAL, "disk -1");
	REFUSED(sys_disk_alloc(NDISK, 1, 0, 0600), E_INVAL, "disk NDISK");
	REFUSED(sys_disk_read(1 << 30, 0, 1, (void *)BUF), E_INVAL, "disk 2^30");
	if (other >= 0 && UDISK_TABLE[other].state != DISK_READY)
		REFUSED(sys_disk_read(other, 0, 1, (void *)BUF), E_NOT_SUPP, "disk not ready");
	REFUSED(sys_disk_alloc(disk, 0, 0, 0600), E_INVAL, "alloc 0");
	REFUSED(sys_disk_alloc(disk, DISK_ALLOC_MAX + 1, 0, 0600), E_INVAL, "alloc too many");
	REFUSED(sys_disk_alloc(disk, 1, 0, 01000), E_INVAL, "alloc bad mode");
	if (nb <= DISK_ALLOC_MAX)
		REFUSED(sys_disk_alloc(disk, nb, 0, 0600), E_NO_SPACE, "alloc the whole disk");
	REFUSED(sys_disk_read(disk, 0, 0, (void *)BUF), E_INVAL, "read 0");
	REFUSED(sys_disk_read(disk, 0, DISK_IO_MAX + 1, (void *)BUF), E_INVAL, "read too many");
	REFUSED(sys_disk_read(disk, nb, 1, (void *)BUF), E_RANGE, "read past the end");
	REFUSED(sys_disk_read(disk, nb - 1, 2, (void *)BUF), E_RANGE, "read across the end");
	REFUSED(sys_disk_read(disk, ~0ULL, 2, (void *)BUF), E_RANGE, "read wrapping");
	REFUSED(sys_disk_write(disk, ~0ULL - 1, 4, (void *)BUF), E_RANGE, "write wrapping");
	REFUSED(sys_disk_free(disk, ~0ULL, 1), E_RANGE, "free wrapping");
	REFUSED(sys_disk_free(disk, dx->data_start, 0), E_INVAL, "free 0");
	REFUSED(sys_disk_chmod(disk, dx->data_start, 1, 070000), E_INVAL, "chmod bad mode");
	REFUSED(sys_bcache_writeback(disk, 0, 0), E_INVAL, "writeback 0");
	REFUSED(sys_bcache_writeback(disk, 0, DISK_IO_MAX + 1), E_INVAL, "writeback too many");
	REFUSED(sys_bcache_map(disk, nb, MAPVA, PERM_P), E_RANGE, "map past the end");
	REFUSED(sys_disk_flush(-5), E_INVAL, "flush disk -5");
}

/* The kernel's own blocks and free blocks. */
static void
evil_reserved(void)
{
	uint64_t last = dx->nblocks - 1;
	const volatile struct blk_super *sb = (const void *)BUF;

	CHECK(sys_disk_read(disk, 0, 1, (void *)BUF) == 0 && sb->magic == BLKSB_MAGIC,
	      "the administrator reads the superblock");
	REFUSED(sys_disk_write(disk, 0, 1, (void *)BUF), E_PERM, "write the superblock");
	REFUSED(sys_disk_write(disk, 1, 1, (void *)BUF), E_PERM, "write the map");
	REFUSED(sys_disk_free(disk, 0, 1), E_PERM, "free the superblock");
	REFUSED(sys_disk_chown(disk, 1, 1, 5), E_PERM, "chown the map");
	REFUSED(sys_disk_chmod(disk, 0, 2, 0666), E_PERM, "chmod the superblock");
	REFUSED(sys_bcache_map(disk, 1, MAPVA, PERM_P), E_PERM, "map a map block");
	if (UBLKMAP_OF(disk)[last].flags == 0) {
		REFUSED(sys_disk_read(disk, last, 1, (void *)BUF), E_PERM, "read a free block");
		REFUSED(sys_disk_write(disk, last, 1, (void *)BUF), E_PERM, "write a free block");
		REFUSED(sys_disk_free(disk, last, 1), E_PERM, "free a free block");
		REFUSED(sys_bcache_map(disk, last, MAPVA, PERM_P), E_PERM, "map a free block");
	}
}

/* User memory the kernel must not touch, and bad mappings. */
static void
evil_memory(uint64_t s)
{
	REFUSED(sys_disk_read(disk, s, 1, (void *)KERNLINK), E_FAULT, "read into the kernel");
	REFUSED(sys_disk_read(disk, s, 1, (void *)(KDIRECT + 0x100000)), E_FAULT, "read into the direct map");
	REFUSED(sys_disk_write(disk, s, 1, (const void *)KERNLINK), E_FAULT, "write from the kernel");
	REFUSED(sys_disk_read(disk, s, 2, (void *)(UTOP - PGSIZE)), E_FAULT, "read into the exports");
	REFUSED(sys_disk_read(disk, s, 1, (void *)UENVS), E_FAULT, "read into the env table");
	REFUSED(sys_disk_write(disk, s, 1, (void *)0xfffffffffffff000ULL), E_FAULT, "write from the top");
	REFUSED(sys_disk_read(disk, s, 1, (void *)0x30000000), E_FAULT, "read into unmapped memory");
	REFUSED(sys_disk_read(disk, s, 1, (void *)RDONLY), E_FAULT, "read into a read-only page");
	REFUSED(sys_disk_read(disk, s, 2, (void *)(BUF2 + 2 * 1024 * 1024 - PGSIZE - 1)), E_FAULT,
		"read running off the buffer");
	REFUSED(sys_disk_read(disk, s, 1, (void *)(RDONLY + 8)), E_FAULT, "unaligned into read-only");
	REFUSED(sys_bcache_map(disk, s, MAPVA + 12, PERM_P), E_INVAL, "map unaligned");
	REFUSED(sys_bcache_map(disk, s, UTOP, PERM_P), E_INVAL, "map at UTOP");
	REFUSED(sys_bcache_map(disk, s, MAPVA, 0), E_INVAL, "map without PERM_P");
	REFUSED(sys_bcache_map(disk, s, MAPVA, PERM_P | 0x80), E_INVAL, "map with PS");
	CHECK(sys_disk_write(disk, s, 1, (void *)RDONLY) == 0, "write from a read-only page");
}

static void
evil_calls(void)
{
	static const uint64_t gaps[] = { 27, 39, 46, 59, 70, 79, 200, 1ULL << 40 };

	REFUSED(sys_env_set_principal(12345, 3), E_BAD_ENV, "set_principal of a stranger");
	for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++)
		REFUSED(raw_syscall(gaps[i]), E_NOSYS, "a system call number in a gap");
}

static int
test_evil(void)
{
	int64_t s = sys_disk_alloc(disk, 2, 0, 0600);
	envid_t child;
	int status;

	map_pages(RDONLY, 1, PERM_P | PERM_U);
	map_pages(BUF2, 2 * 1024 * 1024 / PGSIZE - 1, PERM_RW);
	CHECK(s > 0, "alloc: %s", errstr(s));
	evil_numbers();
	evil_reserved();
	evil_memory(s);
	evil_calls();
	if ((child = fork()) == 0) {
		int64_t r = sys_env_set_principal(0, 5);
		CHECK(r == 0, "principal 0 sets its own: %s", errstr(r));
		REFUSED(sys_env_set_principal(0, 0), E_PERM, "principal 5 becomes the administrator");
		REFUSED(sys_disk_read(disk, 0, 1, (void *)BUF), E_PERM, "principal 5 reads the superblock");
		REFUSED(sys_disk_free(disk, s, 1), E_PERM, "principal 5 frees another's block");
		exit(fails);
	}
	CHECK(child > 0 && wait(child, &status) == child && status == 0, "child failed");
	CHECK(sys_disk_free(disk, s, 2) == 0, "free");
	if (!fails)
		cprintf("disktest: evil ok, every bad call refused, %lu refusals counted\n", dx->refused);
	return fails;
}

/* ---- iso: principal 2 against principal 1 ---- */

/* Principal 1: a private and a world-readable pair of blocks, written,
 * registered (the private one mapped writable); waits for the verdict. */
static void
iso_owner(envid_t parent)
{
	int64_t priv, pub;

	CHECK(sys_env_set_principal(0, 1) == 0, "set principal 1");
	priv = sys_disk_alloc(disk, 2, 0, 0600);
	pub = sys_disk_alloc(disk, 2, 0, 0644);
	CHECK(priv > 0 && pub > 0, "alloc %ld %ld", priv, pub);
	patterns((void *)BUF, priv, 2, 11);
	patterns((void *)(BUF + 2 * PGSIZE), pub, 2, 11);
	CHECK(sys_disk_write(disk, priv, 2, (void *)BUF) == 0, "write priv");
	CHECK(sys_disk_write(disk, pub, 2, (void *)(BUF + 2 * PGSIZE)) == 0, "write pub");
	CHECK(sys_disk_flush(disk) == 0, "flush");
	CHECK(sys_bcache_map(disk, priv, MAPVA, PERM_RW) > 0, "map priv");
	CHECK(sys_bcache_map(disk, pub, MAPVA + PGSIZE, PERM_P | PERM_U) > 0, "map pub");
	ipc_send(parent, (uint64_t)priv, NULL, 0);
	ipc_send(parent, (uint64_t)pub, NULL, 0);
	ipc_recv(NULL, NULL, NULL);
	CHECK(sys_disk_free(disk, priv, 2) == 0 && sys_disk_free(disk, pub, 2) == 0, "free");
	exit(fails);
}

/* Principal 2: nothing of priv, reading pub only. */
static void
iso_other(uint64_t priv, uint64_t pub, envid_t owner)
{
	uint8_t expect[DISK_BLKSIZE];
	int64_t mine;

	CHECK(sys_env_set_principal(0, 2) == 0, "set principal 2");
	memset((void *)BUF, 0, 2 * PGSIZE);	/* copy-on-write pages: make them mine */
	REFUSED(sys_disk_read(disk, priv, 1, (void *)BUF), E_PERM, "read private");
	REFUSED(sys_disk_read(disk, priv + 1, 1, (void *)(BUF + 5)), E_PERM, "read private, bounce");
	REFUSED(sys_disk_write(disk, priv, 1, (void *)BUF), E_PERM, "write private");
	REFUSED(sys_disk_free(disk, priv, 2), E_PERM, "free private");
	REFUSED(sys_disk_chown(disk, priv, 1, 2), E_PERM, "chown private");
	REFUSED(sys_disk_chmod(disk, priv, 1, 0666), E_PERM, "chmod private");
	REFUSED(sys_bcache_map(disk, priv, MAPVA, PERM_P | PERM_U), E_PERM, "map private (cached)");
	REFUSED(sys_bcache_map(disk, priv + 1, MAPVA, PERM_P | PERM_U), E_PERM, "map private");
	REFUSED(sys_bcache_writeback(disk, priv, 2), E_PERM, "write back private");
	REFUSED(sys_page_map(owner, MAPVA, 0, MAPVA, PERM_P | PERM_U), E_BAD_ENV, "page_map from the owner");
	CHECK(sys_disk_read(disk, pub, 2, (void *)BUF) == 0, "read world-readable");
	pattern(expect, pub + 1, 11);
	CHECK(memcmp((void *)(BUF + PGSIZE), expect, DISK_BLKSIZE) == 0, "world-readable content");
	REFUSED(sys_disk_write(disk, pub, 1, (void *)BUF), E_PERM, "write world-readable");
	REFUSED(sys_disk_free(disk, pub, 1), E_PERM, "free world-readable");
	REFUSED(sys_disk_chown(disk, pub, 1, 2), E_PERM, "chown world-readable");
	REFUSED(sys_bcache_map(disk, pub, MAPVA, PERM_RW), E_PERM, "map world-readable writable");
	REFUSED(sys_bcache_writeback(disk, pub, 1), E_PERM, "write back world-readable");
	CHECK(sys_bcache_map(disk, pub, MAPVA, PERM_P | PERM_U) > 0, "map world-readable");
	pattern(expect, pub, 11);
	CHECK(memcmp((void *)MAPVA, expect, DISK_BLKSIZE) == 0, "world-readable page content");
	/* the first to map a block is charged for its page, not its owner */
	CHECK(sys_bcache_map(disk, pub + 1, MAPVA + PGSIZE, PERM_P | PERM_U) > 0, "map pub + 1");
	REFUSED(sys_page_protect(0, MAPVA + PGSIZE, PERM_RW), E_PERM, "make a registry page writable");
	REFUSED(sys_page_protect(0, MAPVA, PERM_RW), E_PERM, "make another's registry page writable");
	/* what it gives away is no longer its own */
	mine = sys_disk_alloc(disk, 1, 0, 0600);
	CHECK(mine > 0 && sys_disk_chown(disk, mine, 1, 1) == 0, "give a block away");
	REFUSED(sys_disk_free(disk, mine, 1), E_PERM, "free a block given away");
	REFUSED(sys_disk_read(disk, mine, 1, (void *)BUF), E_PERM, "read a block given away");
	exit(fails);
}

static int
test_iso(void)
{
	envid_t me = thisenv->id, a, b;
	uint64_t priv, pub;
	int status;

	if ((a = fork()) == 0)
		iso_owner(me);
	priv = ipc_recv(NULL, NULL, NULL);
	pub = ipc_recv(NULL, NULL, NULL);
	if ((b = fork()) == 0)
		iso_other(priv, pub, a);
	CHECK(wait(b, &status) == b && status == 0, "principal 2's checks failed");
	ipc_send(a, 0, NULL, 0);
	CHECK(wait(a, &status) == a && status == 0, "principal 1's side failed");
	if (!fails)
		cprintf("disktest: iso ok, principal 2 cannot read, write, free, re-own or map principal 1's private blocks\n");
	return fails;
}

/* ---- stress: several envs at once ---- */

#define STRESS_KIDS	4
#define STRESS_ROUNDS	12
#define STRESS_BLOCKS	40

/* One child: its own blocks, written and read back in every size and
 * alignment, and the shared block mapped from the registry. */
static void
stress_child(int k, uint64_t shared)
{
	uint8_t *buf = (uint8_t *)BUF, *buf2 = (uint8_t *)BUF2;
	int64_t s = sys_disk_alloc(disk, STRESS_BLOCKS, 0, 0600), ppn;
	uint8_t expect[DISK_BLKSIZE];

	memset(buf, 0, (DISK_IO_MAX + 1) * PGSIZE);
	memset(buf2, 0, (DISK_IO_MAX + 1) * PGSIZE);
	CHECK(s > 0, "child %d alloc: %s", k, errstr(s));
	ppn = sys_bcache_map(disk, shared, MAPVA, PERM_P | PERM_U);
	pattern(expect, shared, 99);
	CHECK(ppn > 0 && memcmp((void *)MAPVA, expect, DISK_BLKSIZE) == 0,
	      "child %d: shared block: %ld", k, ppn);
	for (int r = 0; r < STRESS_ROUNDS && s > 0; r++) {
		uint64_t n = 1 + (uint64_t)(r * 7 + k * 3) % STRESS_BLOCKS, off = (r & 1) * 100;
		uint64_t first = (uint64_t)(r * 5) % (STRESS_BLOCKS - n + 1);
		patterns(buf + off, s + first, n, (uint64_t)(k << 8 | r));
		CHECK(sys_disk_write(disk, s + first, n, buf + off) == 0, "child %d write", k);
		if (r % 4 == 3)
			CHECK(sys_disk_flush(disk) == 0, "child %d flush", k);
		CHECK(sys_disk_read(disk, s + first, n, buf2 + (r & 2) * 50) == 0, "child %d read", k);
		CHECK(memcmp(buf + off, buf2 + (r & 2) * 50, n * DISK_BLKSIZE) == 0,
		      "child %d round %d: read back differs", k, r);
	}
	CHECK(sys_bcache_map(disk, shared, MAPVA + PGSIZE, PERM_P | PERM_U) == ppn,
	      "child %d: the shared block moved", k);
	if (s > 0)
		CHECK(sys_disk_free(disk, s, STRESS_BLOCKS) == 0, "child %d free", k);
	exit(fails);
}

static int
test_stress(void)
{
	envid_t kids[STRESS_KIDS];
	int64_t shared = sys_disk_alloc(disk, 1, 0, 0644);
	int status;

	CHECK(shared > 0, "alloc: %s", errstr(shared));
	pattern((void *)BUF, shared, 99);
	CHECK(sys_disk_write(disk, shared, 1, (void *)BUF) == 0, "write shared");
	for (int k = 0; k < STRESS_KIDS; k++)
		if ((kids[k] = fork()) == 0)
			stress_child(k, shared);
	for (int k = 0; k < STRESS_KIDS; k++)
		CHECK(wait(kids[k], &status) == kids[k] && status == 0, "child %d failed", k);
	CHECK(sys_disk_free(disk, shared, 1) == 0, "free shared");
	CHECK(sys_disk_flush(disk) == 0, "flush");
	if (!fails)
		cprintf("disktest: stress ok, %d envs at once, %lu reads, %lu writes, %lu cache hits\n",
			STRESS_KIDS, dx->reads, dx->writes, dx->cache_hits);
	return fails;
}

/* ---- fuzz: random disk calls, near-valid arguments ---- */

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A block number near something interesting. */
static uint64_t
any_block(void)
{
	uint64_t nb = dx->nblocks;

	switch (rnd() % 6) {
	case 0: return rnd() % dx->data_start;
	case 1: return nb - 1 - rnd() % 4;
	case 2: return rnd();
	default: return dx->data_start + rnd() % 256;
	}
}

static uint64_t
any_va(void)
{
	switch (rnd() % 6) {
	case 0: return BUF + (rnd() % (DISK_IO_MAX + 1)) * PGSIZE;
	case 1: return BUF + rnd() % (DISK_IO_MAX * PGSIZE);
	case 2: return MAPVA + (rnd() % 16) * PGSIZE;
	case 3: return rnd();
	case 4: return RDONLY;
	default: return UTOP - PGSIZE * (rnd() % 3);
	}
}

static uint64_t
any_n(void)
{
	return rnd() % 4 ? 1 + rnd() % 8 : rnd() % 4 ? rnd() % (DISK_IO_MAX + 2) : rnd();
}

static void
fuzz_one(void)
{
	uint64_t b = any_block(), n = any_n(), perms[] = { PERM_P | PERM_U, PERM_RW, 0, rnd() };
	uint32_t modes[] = { 0600, 0644, 0666, 0, (uint32_t)rnd() };

	switch (rnd() % 10) {
	case 0: sys_disk_alloc(rnd() % 4 ? disk : (int)rnd(), n, b, modes[rnd() % 5]); break;
	case 1: sys_disk_free(disk, b, n); break;
	case 2: sys_disk_chown(disk, b, n, rnd() % 4); break;
	case 3: sys_disk_chmod(disk, b, n, modes[rnd() % 5]); break;
	case 4: sys_disk_read(disk, b, n, (void *)any_va()); break;
	case 5: sys_disk_write(disk, b, n, (void *)any_va()); break;
	case 6: if (rnd() % 4 == 0) sys_disk_flush(disk); break;
	case 7: sys_bcache_map(disk, b, any_va(), perms[rnd() % 4]); break;
	case 8: sys_bcache_writeback(disk, b, n); break;
	default: sys_page_unmap(0, MAPVA + (rnd() % 16) * PGSIZE); break;
	}
}

/* The administrator gives back every used block (the disk was empty). */
static void
free_all(void)
{
	const volatile struct blk_entry *map = UBLKMAP_OF(disk);

	for (uint64_t b = dx->data_start; b < dx->nblocks; b++)
		if (map[b].flags & BLKF_USED)
			CHECK(sys_disk_free(disk, b, 1) == 0, "free %lu", b);
}

/* Envs destroyed in the middle of their disk calls: their pinned pages
 * and registry fills must end cleanly (the audit says so). */
static void
fuzz_kills(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		envid_t kid = fork();
		if (kid == 0) {
			CHECK(sys_env_set_principal(0, 1) == 0, "principal");
			memset((void *)BUF, 0, (DISK_IO_MAX + 1) * PGSIZE);
			for (;;)
				fuzz_one();
		}
		for (uint64_t y = rnd() % 40; y > 0; y--)
			sys_yield();
		CHECK(sys_env_destroy(kid) == 0, "destroy");
		wait(kid, NULL);
	}
}

static int
test_fuzz(uint64_t calls)
{
	envid_t kids[3];
	uint64_t free0 = dx->free_blocks;
	int status;

	map_pages(RDONLY, 1, PERM_P | PERM_U);
	for (int k = 0; k < 3; k++)
		if ((kids[k] = fork()) == 0) {
			rng += (uint64_t)k * 7919;
			CHECK(sys_env_set_principal(0, 1 + k % 2) == 0, "principal");
			memset((void *)BUF, 0, (DISK_IO_MAX + 1) * PGSIZE);
			for (uint64_t i = 0; i < calls; i++)
				fuzz_one();
			exit(fails);
		}
	for (int k = 0; k < 3; k++)
		CHECK(wait(kids[k], &status) == kids[k] && status == 0, "worker %d", k);
	fuzz_kills(20);
	free_all();
	CHECK(sys_disk_flush(disk) == 0, "flush");
	CHECK(dx->free_blocks == free0, "free blocks %lu, want %lu", dx->free_blocks, free0);
	if (!fails)
		cprintf("disktest: fuzz ok, %lu random calls from 3 envs, 20 envs killed mid-call, %lu refused\n",
			3 * calls, dx->refused);
	return fails;
}

int
main(int argc, char **argv)
{
	int r;

	if (argc < 3 || (disk = find_disk(argv[2])) < 0) {
		cprintf("disktest: FAIL, usage: disktest rw|bench|evil|iso DISK [MIB]\n");
		return 1;
	}
	dx = &UDISK_TABLE[disk];
	if (dx->state != DISK_READY) {
		cprintf("disktest: FAIL, %s is not ready (state %u: %s)\n", argv[2], dx->state, dx->why);
		return 1;
	}
	map_pages(BUF, DISK_IO_MAX + 1, PERM_RW);
	if (strcmp(argv[1], "rw") == 0) {
		map_pages(BUF2, DISK_IO_MAX + 1, PERM_RW);
		r = test_rw();
	} else if (strcmp(argv[1], "bench") == 0) {
		map_pages(BUF2, DISK_IO_MAX + 1, PERM_RW);
		r = test_bench(argc > 3 ? (uint64_t)strtol(argv[3], NULL, 0) : 8);
	} else if (strcmp(argv[1], "evil") == 0) {
		r = test_evil();
	} else if (strcmp(argv[1], "stress") == 0) {
		map_pages(BUF2, DISK_IO_MAX + 1, PERM_RW);
		r = test_stress();
	} else if (strcmp(argv[1], "fuzz") == 0) {
		r = test_fuzz(argc > 3 ? (uint64_t)strtol(argv[3], NULL, 0) : 2000);
	} else if (strcmp(argv[1], "iso") == 0) {
		r = test_iso();
	} else {
		cprintf("disktest: FAIL, no mode %s\n", argv[1]);
		return 1;
	}
	return tu_audit("disktest") | r;
}
