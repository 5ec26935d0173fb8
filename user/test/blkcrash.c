/*
 * blkcrash: the block layer's side of the crash-injection test
 * (grade/crash.py kills QEMU at random moments while `work` runs, then
 * boots `check` on the same disk).
 *
 *   blkcrash work DISK      as principal 7: allocate BLOCKS blocks, then
 *                           round after round rewrite all of them (in
 *                           pieces, aligned and not), allocate, write and
 *                           free a few scratch blocks, flush, and print
 *                           "blkcrash: flushed R"
 *   blkcrash check DISK R   after the crash: principal 7 owns exactly
 *                           the BLOCKS blocks, every sector of them is a
 *                           whole record of some round >= R (what a
 *                           flush returned for must be there)
 *
 * Each 512-byte sector holds its round, block and sector number and
 * words derived from them, so a sector is either one whole record or
 * detectably not.
 */
#include "testutil.h"

#define BLOCKS		48
#define PRINCIPAL	7
#define BUF		0x10000000UL
#define MAGIC		0x48534152434b4c42ULL	/* "BLKCRASH" */
#define WORDS		(DISK_SECTOR / 8)
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

static int disk;

static int
find_disk(const char *name)
{
	for (int i = 0; i < NDISK; i++)
		if (strcmp((const char *)UDISK_TABLE[i].name, name) == 0 &&
		    UDISK_TABLE[i].state == DISK_READY)
			return i;
	return -1;
}

static uint64_t
word(uint64_t round, uint64_t block, int sect, int i)
{
	return (round * 0x9e3779b97f4a7c15ULL) ^ (block << 20) ^ ((uint64_t)sect << 12) ^ (uint64_t)i;
}

static void
fill(uint64_t *p, uint64_t round, uint64_t block)
{
	for (int s = 0; s < DISK_SECTORS_PER_BLOCK; s++, p += WORDS) {
		p[0] = MAGIC;
		p[1] = round;
		for (int i = 2; i < WORDS; i++)
			p[i] = word(round, block, s, i);
	}
}

/* The round of a sector, or -1 if it is not one whole record. */
static int64_t
sector_round(const uint64_t *p, uint64_t block, int s)
{
	if (p[0] != MAGIC)
		return -1;
	for (int i = 2; i < WORDS; i++)
		if (p[i] != word(p[1], block, s, i))
			return -1;
	return (int64_t)p[1];
}

static void
must(int64_t r, const char *what)
{
	if (r < 0) {
		cprintf("blkcrash: FAIL, %s: %s\n", what, errstr(r));
		exit(1);
	}
}

/* Rewrites all blocks for round r: in two or three calls, sometimes
 * from an unaligned buffer (the bounce path). */
static void
write_round(uint64_t s, uint64_t r)
{
	uint8_t *aligned = (uint8_t *)BUF, *buf = aligned + (r % 3 == 0 ? 8 : 0);
	uint64_t cut = 1 + r % (BLOCKS - 1);

	for (uint64_t i = 0; i < BLOCKS; i++)
		fill((uint64_t *)(buf + i * DISK_BLKSIZE), r, s + i);
	must(sys_disk_write(disk, s, cut, buf), "write");
	must(sys_disk_write(disk, s + cut, BLOCKS - cut, buf + cut * DISK_BLKSIZE), "write");
}

/* Scratch blocks: allocated, written and freed again before the flush. */
static void
scratch(uint64_t r)
{
	uint64_t n = 1 + r % 3;
	int64_t t = sys_disk_alloc(disk, n, UDISK_TABLE[disk].data_start + (r * 37) % 500, 0600);

	must(t, "alloc scratch");
	must(sys_disk_write(disk, t, n, (void *)BUF), "write scratch");
	must(sys_disk_free(disk, t, n), "free scratch");
}

static int __attribute__((noreturn))
work(void)
{
	int64_t s;

	must(sys_env_set_principal(0, PRINCIPAL), "set principal");
	for (uint64_t i = 0; i < 2 * BLOCKS + 1; i++)
		must(sys_page_alloc(0, BUF + i * PGSIZE, PERM_P | PERM_W | PERM_U, PPN_ANY), "page");
	s = sys_disk_alloc(disk, BLOCKS, 0, 0600);
	must(s, "alloc");
	write_round(s, 0);
	must(sys_disk_flush(disk), "flush");
	cprintf("blkcrash: ready, blocks %ld-%ld\n", s, s + BLOCKS - 1);
	for (uint64_t r = 1;; r++) {
		write_round(s, r);
		scratch(r);
		must(sys_disk_flush(disk), "flush");
		cprintf("blkcrash: flushed %lu\n", r);
	}
}

static int
check(uint64_t want)
{
	const volatile struct blk_entry *map = UBLKMAP_OF(disk);
	uint64_t nb = UDISK_TABLE[disk].nblocks, first = 0, owned = 0;
	int64_t lo = INT64_MAX, hi = -1;

	must(sys_page_alloc(0, BUF, PERM_P | PERM_W | PERM_U, PPN_ANY), "page");
	for (uint64_t b = 0; b < nb; b++)
		if ((map[b].flags & BLKF_USED) && map[b].owner == PRINCIPAL) {
			if (owned++ == 0)
				first = b;
		}
	if (owned != BLOCKS || map[first + BLOCKS - 1].owner != PRINCIPAL) {
		cprintf("blkcrash: FAIL, principal %d owns %lu blocks from %lu, want %d in a row\n",
			PRINCIPAL, owned, first, BLOCKS);
		return 1;
	}
	for (uint64_t b = first; b < first + BLOCKS; b++) {
		must(sys_disk_read(disk, b, 1, (void *)BUF), "read");
		for (int sct = 0; sct < DISK_SECTORS_PER_BLOCK; sct++) {
			int64_t r = sector_round((uint64_t *)(BUF + sct * DISK_SECTOR), b, sct);
			if (r < (int64_t)want) {
				cprintf("blkcrash: FAIL, block %lu sector %d: %s (round %ld, want >= %lu)\n",
					b, sct, r < 0 ? "not a whole record" : "lost a flushed write",
					r, want);
				return 1;
			}
			lo = MIN(lo, r);
			hi = MAX(hi, r);
		}
	}
	cprintf("blkcrash: check ok, %d blocks from %lu intact, rounds %ld-%ld, flushed %lu\n",
		BLOCKS, first, lo, hi, want);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 3 || (disk = find_disk(argv[2])) < 0) {
		cprintf("blkcrash: FAIL, usage: blkcrash work DISK | check DISK ROUND (disk ready?)\n");
		return 1;
	}
	if (strcmp(argv[1], "work") == 0)
		return work();
	if (strcmp(argv[1], "check") == 0 && argc > 3)
		return check((uint64_t)strtol(argv[3], NULL, 0));
	cprintf("blkcrash: FAIL, no mode %s\n", argv[1]);
	return 1;
}
