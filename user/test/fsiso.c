/*
 * fsiso: isolation of the file system between principals, on a data
 * disk whose file system belongs to principal 1 (obj/fs/iso.img, mkfs
 * -o 1). Boot it as init (principal 0, which may set principals):
 *
 *   fsiso              the judge: forks W (principal 1), which writes
 *                      /iso/private (0600) and /iso/public (0644) through
 *                      the library file system, fsyncs them and spawns
 *   fsiso R JUDGE      (from the file system, principal 1) which reads
 *                      both through its own mount, so their blocks sit
 *                      in the buffer-cache registry, keeps the private
 *                      ones mapped, and snapshots a crc of every block
 *                      principal 1 owns; then the judge forks
 *   (principal 2)      which tries, through its library file system, the
 *                      kernel's block calls and a library that lies about
 *                      who it is, to read, write, free, re-own or map
 *                      principal 1's private blocks, and reads the
 *                      world-readable file; then R checks that not one
 *                      block of principal 1 changed.
 *
 * Ends with "fsiso: ok ..." or FAIL lines.
 */
#include "fsutil.h"
#include "kern/abi/disk.h"

#define N "fsiso"
#define PRIV_SIZE	(3 * 4096 + 1000)
#define PUB_SIZE	(2 * 4096 + 77)
#define MAXBLK		4096
#define MAPVA		0x10400000UL	/* R: the private blocks, mapped */
#define BOUNCE		0x10800000UL	/* 2: a page for the block calls */
#define PERM_RW		(PERM_P | PERM_W | PERM_U)

#define REFUSED(r, what, ...) do {					\
	int64_t r_ = (r);						\
	FU_CHECK(N, r_ == -E_PERM, what ": got %ld (%s), want -E_PERM",	\
		 ##__VA_ARGS__, r_, r_ < 0 ? errstr(r_) : "success");	\
} while (0)

static uint8_t want[PRIV_SIZE + 4096];
static uint8_t have[PRIV_SIZE + 4096] __attribute__((aligned(4096)));
static uint32_t crcs[MAXBLK];
static int disk = -1;

/* The disk whose file system we use (guest.c picks the same one). */
static int
fs_disk(void)
{
	int d;

	for (d = 0; d < NDISK; d++)
		if (UDISK_TABLE[d].state == DISK_READY && UDISK_TABLE[d].fs_root != 0)
			return d;
	return -1;
}

static int
is_private(uint32_t b)
{
	const volatile struct blk_entry *e = &UBLKMAP_OF(disk)[b];

	return (e->flags & BLKF_USED) && !(e->flags & BLKF_RESERVED) &&
	       e->owner == 1 && (e->mode & 0066) == 0;
}

static int
owned_by_1(uint32_t b)
{
	const volatile struct blk_entry *e = &UBLKMAP_OF(disk)[b];

	return (e->flags & BLKF_USED) && !(e->flags & BLKF_RESERVED) && e->owner == 1;
}

/* The registry slot of block b, or -1 if it is not cached. */
static int
cached(uint32_t b)
{
	for (int i = 0; i < BCACHE_SLOTS; i++) {
		const volatile struct bcache_export *x = &UBCACHE_TABLE[i];
		if ((x->flags & BCACHE_VALID) && x->disk == disk && x->block == b)
			return i;
	}
	return -1;
}

static void
write_file(struct fs *fs, const char *path, size_t size, uint16_t mode, uint32_t seed)
{
	struct fs_file *f;

	fu_pattern(want, size, seed, 0);
	FU_CHECK(N, fs_open(fs, path, FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC, mode, &f) == 0,
		 "create %s: %s", path, fs_last_error(fs));
	if (fu_fails)
		return;
	FU_CHECK(N, fs_write(f, want, size) == (int64_t)size && fs_fsync(f) == 0,
		 "write %s: %s", path, fs_last_error(fs));
	fs_close(f);
}

/* 1 when path holds size bytes of pattern seed. */
static int
file_is(struct fs *fs, const char *path, size_t size, uint32_t seed)
{
	struct fs_file *f;
	int64_t r;

	if (fs_open(fs, path, FS_O_RDONLY, 0, &f) < 0)
		return 0;
	r = fs_read(f, have, sizeof(have));
	fs_close(f);
	fu_pattern(want, size, seed, 0);
	return r == (int64_t)size && memcmp(want, have, size) == 0;
}

/* ---- principal 1 ---- */

/* R: read both files, keep the private blocks mapped from the registry,
 * snapshot principal 1's blocks, tell the judge, wait, compare. */
static int
reader(envid_t judge)
{
	struct fs *fs = fu_mount(N);
	uint32_t b, nb = (uint32_t)UDISK_TABLE[disk].nblocks;
	int npriv = 0, was_cached = 0, nowned = 0, changed = 0;

	FU_CHECK(N, file_is(fs, "/iso/private", PRIV_SIZE, 1), "R: /iso/private differs");
	FU_CHECK(N, file_is(fs, "/iso/public", PUB_SIZE, 2), "R: /iso/public differs");
	for (b = 0; b < nb && b < MAXBLK; b++) {
		if (!is_private(b))
			continue;
		was_cached += cached(b) >= 0;
		FU_CHECK(N, sys_bcache_map(disk, b, MAPVA + (uint64_t)npriv * PGSIZE,
					   PERM_P | PERM_U) > 0, "R: map private block %u", b);
		npriv++;
	}
	FU_CHECK(N, npriv == (PRIV_SIZE + 4095) / 4096, "R: %d private blocks, want %d",
		 npriv, (PRIV_SIZE + 4095) / 4096);
	for (b = 0; b < nb && b < MAXBLK; b++)
		if (owned_by_1(b)) {
			sys_page_unmap(0, BOUNCE);
			FU_CHECK(N, sys_bcache_map(disk, b, BOUNCE, PERM_P | PERM_U) > 0,
				 "R: map block %u", b);
			crcs[b] = fs_crc32(0, (const void *)BOUNCE, PGSIZE);
			nowned++;
		}
	cprintf(N ": principal 1 holds %d blocks, %d private (%d of them cached by "
		"its reads, all mapped now)\n", nowned, npriv, was_cached);
	ipc_send(judge, (uint64_t)npriv, NULL, 0);
	ipc_recv(NULL, NULL, NULL);
	/* after principal 2's attempts: every block as it was, on the
	 * disk and in the registry */
	memset(have, 0, PGSIZE);
	for (b = 0; b < nb && b < MAXBLK; b++) {
		if (!owned_by_1(b)) {
			changed += crcs[b] != 0;
			continue;
		}
		sys_page_unmap(0, BOUNCE);
		if (sys_disk_read(disk, b, 1, have) < 0 ||
		    fs_crc32(0, have, PGSIZE) != crcs[b])
			changed++;
		else if (sys_bcache_map(disk, b, BOUNCE, PERM_P | PERM_U) < 0 ||
			 fs_crc32(0, (const void *)BOUNCE, PGSIZE) != crcs[b])
			changed++;
	}
	FU_CHECK(N, changed == 0, "R: %d blocks of principal 1 changed", changed);
	return fu_fails != 0;
}

/* W: principal 1 writes the files, then R reads them. */
static void
writer(envid_t judge)
{
	struct fs *fs;
	envid_t r;
	int status = -1;
	char arg[24];

	FU_CHECK(N, sys_env_set_principal(0, 1) == 0, "set principal 1");
	fs = fu_mount(N);
	FU_CHECK(N, fs_mkdir(fs, "/iso", 0755) == 0, "mkdir /iso: %s", fs_last_error(fs));
	write_file(fs, "/iso/private", PRIV_SIZE, 0600, 1);
	write_file(fs, "/iso/public", PUB_SIZE, 0644, 2);
	snprintf(arg, sizeof(arg), "%d", judge);
	r = spawnl("/bin/fsiso", "fsiso", "R", arg, NULL);
	FU_CHECK(N, r > 0, "spawn the reader: %s", errstr(r));
	if (r > 0)
		wait(r, &status);
	FU_CHECK(N, status == 0, "the reader exited %d", status);
	exit(fu_fails != 0);
}

/* ---- principal 2 ---- */

/* The library file system: private refused, public readable, nothing
 * changes (the mount is read-only: the metadata is principal 1's). */
static void
through_library(void)
{
	struct fs *fs = fu_mount(N);
	struct fs_file *f;
	struct fs_stat st;

	FU_CHECK(N, fs_open(fs, "/iso/private", FS_O_RDONLY, 0, &f) == -E_PERM,
		 "2: open private for reading was not refused");
	FU_CHECK(N, file_is(fs, "/iso/public", PUB_SIZE, 2), "2: cannot read /iso/public");
	FU_CHECK(N, fs_stat(fs, "/iso/public", &st) == 0 && st.owner == 1, "2: stat public");
	FU_CHECK(N, fs_open(fs, "/iso/public", FS_O_WRONLY, 0, &f) < 0,
		 "2: opened public for writing");
	FU_CHECK(N, fs_unlink(fs, "/iso/public") < 0, "2: unlinked public");
	FU_CHECK(N, fs_open(fs, "/iso/mine", FS_O_WRONLY | FS_O_CREAT, 0644, &f) < 0,
		 "2: created a file in principal 1's file system");
}

/* The kernel's calls on each private block, cached and mapped by R. */
static void
through_kernel(int npriv, envid_t reader_env)
{
	uint32_t b, nb = (uint32_t)UDISK_TABLE[disk].nblocks;
	int seen = 0, incache = 0, slot;

	memset((void *)BOUNCE, 0, PGSIZE);
	for (b = 0; b < nb && b < MAXBLK; b++) {
		if (!is_private(b))
			continue;
		seen++;
		REFUSED(sys_disk_read(disk, b, 1, (void *)BOUNCE), "read private %u", b);
		REFUSED(sys_disk_write(disk, b, 1, (void *)BOUNCE), "write private %u", b);
		REFUSED(sys_disk_free(disk, b, 1), "free private %u", b);
		REFUSED(sys_disk_chown(disk, b, 1, 2), "chown private %u", b);
		REFUSED(sys_disk_chmod(disk, b, 1, 0666), "chmod private %u", b);
		REFUSED(sys_bcache_map(disk, b, MAPVA, PERM_P | PERM_U), "map private %u", b);
		REFUSED(sys_bcache_map(disk, b, MAPVA, PERM_RW), "map private %u rw", b);
		REFUSED(sys_bcache_writeback(disk, b, 1), "write back private %u", b);
		if ((slot = cached(b)) < 0)
			continue;
		incache++;
		/* its page by number: not free, so not to be had */
		FU_CHECK(N, sys_page_alloc(0, MAPVA, PERM_P | PERM_U,
					   UBCACHE_TABLE[slot].ppn) < 0,
			 "2: allocated the registry page of private block %u", b);
	}
	FU_CHECK(N, sys_page_map(reader_env, MAPVA, 0, MAPVA, PERM_P | PERM_U) < 0,
		 "2: mapped principal 1's page from its env");
	FU_CHECK(N, seen == npriv && incache == npriv,
		 "2: %d private blocks seen, %d in the registry, want %d", seen, incache, npriv);
}

/* A library that says it is principal 1 (so its own checks pass, and
 * it mounts read-write): the kernel still refuses. Reads and writes go
 * through a page of ours. */
static int
evil_read(struct fs_blkdev *d, uint32_t blk, uint32_t n, void *buf)
{
	for (uint32_t i = 0; i < n; i++) {
		int64_t r = sys_disk_read(disk, blk + i, 1, (void *)BOUNCE);
		if (r < 0)
			return (int)r;
		memcpy((uint8_t *)buf + (size_t)i * PGSIZE, (void *)BOUNCE, PGSIZE);
	}
	return 0;
}

static int
evil_write(struct fs_blkdev *d, uint32_t blk, uint32_t n, const void *buf)
{
	for (uint32_t i = 0; i < n; i++) {
		memcpy((void *)BOUNCE, (const uint8_t *)buf + (size_t)i * PGSIZE, PGSIZE);
		int64_t r = sys_disk_write(disk, blk + i, 1, (void *)BOUNCE);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

static int
evil_flush(struct fs_blkdev *d)
{
	return (int)sys_disk_flush(disk);
}

static int64_t
evil_alloc(struct fs_blkdev *d, uint32_t hint, uint32_t n, uint32_t mode)
{
	return sys_disk_alloc(disk, n, hint, mode);
}

static int
evil_free(struct fs_blkdev *d, uint32_t blk, uint32_t n)
{
	return (int)sys_disk_free(disk, blk, n);
}

/* What principal 1 owns, as principal 1's library would say. */
static int
evil_owned(struct fs_blkdev *d, uint32_t blk)
{
	return blk < d->nblocks && owned_by_1(blk);
}

static const struct fs_blkdev_ops evil_ops = {
	.read = evil_read, .write = evil_write, .flush = evil_flush,
	.alloc = evil_alloc, .free = evil_free, .owned = evil_owned,
};

static int
lying_mount(struct fs_blkdev *dev, int flags, struct fs **fs)
{
	struct fs_mount_opts mo = { 1, 0, flags };
	char err[160];

	if (fs_mount(fs, dev, &mo, err, sizeof(err)) == 0)
		return 0;
	cprintf(N ": 2: posing as principal 1, %s mount refused: %s\n",
		flags & FS_MNT_RDONLY ? "read-only" : "read-write", err);
	return -1;
}

static void
lying_library(void)
{
	struct fs_blkdev dev = { &evil_ops, (uint32_t)UDISK_TABLE[disk].nblocks,
				 (uint32_t)UDISK_TABLE[disk].fs_root, NULL };
	struct fs *fs;
	struct fs_file *f;
	int64_t r;

	/* read-only: the library lets "principal 1" open the private file */
	if (lying_mount(&dev, FS_MNT_RDONLY, &fs) == 0) {
		FU_CHECK(N, fs_open(fs, "/iso/private", FS_O_RDONLY, 0, &f) == 0,
			 "2: posing as principal 1, open private: %s", fs_last_error(fs));
		if (fu_fails == 0) {
			memset(have, 0, sizeof(have));
			r = fs_read(f, have, sizeof(have));
			fu_pattern(want, PRIV_SIZE, 1, 0);
			FU_CHECK(N, r < 0 && memcmp(want, have, 64) != 0,
				 "2: posing as principal 1, read %ld bytes of /iso/private", r);
			cprintf(N ": 2: posing as principal 1, reading /iso/private: %s\n",
				fs_last_error(fs));
			fs_close(f);
		}
		fs_forget(fs);
	}
	/* read-write: every change fails, at the mount or later */
	if (lying_mount(&dev, 0, &fs) < 0)
		return;
	if (fs_open(fs, "/iso/public", FS_O_RDWR, 0, &f) == 0) {
		r = fs_pwrite(f, "EVIL", 4, 0);
		FU_CHECK(N, r < 0 || fs_fsync(f) < 0,
			 "2: posing as principal 1, wrote /iso/public");
		fs_close(f);
	}
	r = fs_unlink(fs, "/iso/private");
	FU_CHECK(N, r < 0 || fs_sync(fs) < 0,
		 "2: posing as principal 1, unlinked /iso/private");
	cprintf(N ": 2: posing as principal 1, every change failed (%s)\n", fs_last_error(fs));
	fs_forget(fs);
}

static void
other(int npriv, envid_t reader_env)
{
	FU_CHECK(N, sys_env_set_principal(0, 2) == 0, "set principal 2");
	FU_CHECK(N, sys_page_alloc(0, BOUNCE, PERM_RW, PPN_ANY) >= 0, "2: a page");
	memset(have, 0, sizeof(have));
	memset(want, 0, sizeof(want));
	through_library();
	through_kernel(npriv, reader_env);
	lying_library();
	exit(fu_fails != 0);
}

int
main(int argc, char **argv)
{
	envid_t me = thisenv->id, w, o, r;
	int npriv, sw = -1, so = -1;

	disk = fs_disk();
	if (disk < 0) {
		cprintf(N ": FAIL no data disk with a file system\n");
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "R") == 0)
		return reader((envid_t)strtol(argv[2], NULL, 10));
	if ((w = fork()) == 0)
		writer(me);
	npriv = (int)ipc_recv(&r, NULL, NULL);
	if ((o = fork()) == 0)
		other(npriv, r);
	FU_CHECK(N, wait(o, &so) == o && so == 0, "principal 2's checks failed (%d)", so);
	ipc_send(r, 0, NULL, 0);
	FU_CHECK(N, wait(w, &sw) == w && sw == 0, "principal 1's side failed (%d)", sw);
	if (fu_fails == 0)
		cprintf(N ": ok, principal 2 cannot read, write, free, re-own or map "
			"principal 1's private blocks; world-readable files are readable\n");
	return fu_fails != 0;
}
