/*
 * The file system inside a program: a struct fs_blkdev made of the
 * kernel's disk calls (kern/abi/disk.h), the lock that the programs
 * mounting one disk share, the mount every program makes on first use
 * (fs_system), and reading programs for spawn.
 *
 * Sharing. Blocks are read through the buffer-cache registry
 * (sys_bcache_map, then copied), so every program of a principal reads
 * one cached copy; writes go through sys_disk_write, which updates the
 * registered page too. The shared lock lives in the superblock's
 * registered page, mapped writable by every program of the owner (the
 * superblock itself is never written after mkfs, and its bytes past
 * struct fs_super are not read by anyone): struct fs_share at
 * FS_SHARE_OFF. A program that finds the holder dead takes the lock over
 * and recovers the log before going on.
 */
#include "libos/libos.h"
#include "libos/fs/fsint.h"
#include "kern/abi/disk.h"

#define FS_SCRATCH_VA	(ULIB_BASE + 0x180000000ULL)	/* one registry page */
#define FS_SHARE_VA	(ULIB_BASE + 0x180001000ULL)	/* the superblock's */
#define FS_SHARE_OFF	2048
#define MAP_RO		(PERM_P | PERM_U | PERM_NX)
/* the shared page stays shared across fork (not copy-on-write) */
#define MAP_SHARED_RW	(PERM_P | PERM_W | PERM_U | PERM_NX | PERM_SHARE)

struct fs_share {
	volatile envid_t holder;	/* 0: free */
	volatile uint32_t pad;
	volatile uint64_t boot;		/* the boot that mounted (clock boot_tsc) */
	volatile uint64_t commits;	/* calls that committed, all programs */
};

struct gdev {
	struct fs_blkdev dev;
	int disk;
	uint32_t principal;
	struct fs_share *share;		/* NULL: not writable by us */
};

static struct gdev gdev;
static struct fs *sysfs;
static int sysfs_err;
static char sysfs_why[160];

static struct gdev *
G(struct fs_blkdev *d)
{
	return d->priv;
}

static int
g_read(struct fs_blkdev *d, uint32_t blk, uint32_t n, void *buf)
{
	int64_t r;

	if (n != 1)
		return (int)sys_disk_read(G(d)->disk, blk, n, buf);
	/* one block: through the registry, registering it for the others */
	r = sys_bcache_map(G(d)->disk, blk, FS_SCRATCH_VA, MAP_RO);
	if (r < 0)
		return (int)sys_disk_read(G(d)->disk, blk, 1, buf);
	memcpy(buf, (const void *)FS_SCRATCH_VA, FS_BSIZE);
	return 0;
}

static int
g_write(struct fs_blkdev *d, uint32_t blk, uint32_t n, const void *buf)
{
	int64_t r = sys_disk_write(G(d)->disk, blk, n, buf);

	return r < 0 ? (int)r : 0;
}

static int
g_flush(struct fs_blkdev *d)
{
	int64_t r = sys_disk_flush(G(d)->disk);

	return r < 0 ? (int)r : 0;
}

static int64_t
g_alloc(struct fs_blkdev *d, uint32_t hint, uint32_t n, uint32_t mode)
{
	return sys_disk_alloc(G(d)->disk, n, hint, mode);
}

static int
g_free(struct fs_blkdev *d, uint32_t blk, uint32_t n)
{
	int64_t r = sys_disk_free(G(d)->disk, blk, n);

	return r < 0 ? (int)r : 0;
}

/* From the kernel's read-only export of the map: no system call. */
static int
g_owned(struct fs_blkdev *d, uint32_t blk)
{
	const volatile struct blk_entry *e = &UBLKMAP_OF(G(d)->disk)[blk];

	if (blk >= d->nblocks)
		return 0;
	return (e->flags & BLKF_USED) && !(e->flags & BLKF_RESERVED) &&
	       e->owner == G(d)->principal;
}

static int
holder_alive(envid_t id)
{
	const volatile struct env_export *e = env_lookup(id);

	return e->id == id && e->status != ENV_FREE && e->status != ENV_ZOMBIE;
}

static int
g_share_lock(struct fs_blkdev *d, uint64_t *seen)
{
	struct fs_share *sh = G(d)->share;
	envid_t me = thisenv->id, cur;
	int bits = 0;

	for (;;) {
		cur = 0;
		if (__atomic_compare_exchange_n(&sh->holder, &cur, me, 0,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		if (cur != me && !holder_alive(cur) &&
		    __atomic_compare_exchange_n(&sh->holder, &cur, me, 0,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			bits |= FS_SHARE_STOLEN;
			break;
		}
		sys_yield();
	}
	/* Whatever these bytes held before this boot (they are never
	 * written to the disk on purpose), a new boot recovers. */
	if (sh->boot != ((const volatile struct clock_export *)UCLOCK)->boot_tsc) {
		sh->boot = ((const volatile struct clock_export *)UCLOCK)->boot_tsc;
		sh->commits = 0;
		*seen = ~0ULL;
		bits |= FS_SHARE_FIRST;
	}
	if (sh->commits != *seen)
		bits |= FS_SHARE_CHANGED;
	return bits;
}

static void
g_share_unlock(struct fs_blkdev *d, uint64_t *seen, int committed)
{
	struct fs_share *sh = G(d)->share;

	if (committed)
		sh->commits++;
	*seen = sh->commits;
	__atomic_store_n(&sh->holder, 0, __ATOMIC_RELEASE);
}

static const struct fs_blkdev_ops gdev_ops = {
	.read = g_read, .write = g_write, .flush = g_flush,
	.alloc = g_alloc, .free = g_free, .owned = g_owned,
	.share_lock = g_share_lock, .share_unlock = g_share_unlock,
};
static const struct fs_blkdev_ops gdev_ops_ro = {
	.read = g_read, .write = g_write, .flush = g_flush,
	.alloc = g_alloc, .free = g_free, .owned = g_owned,
};

/* The first disk that is ready and names a file system. */
static int
find_disk(void)
{
	int d;

	for (d = 0; d < NDISK; d++)
		if (UDISK_TABLE[d].state == DISK_READY && UDISK_TABLE[d].fs_root != 0 &&
		    UDISK_TABLE[d].fs_root < UDISK_TABLE[d].nblocks)
			return d;
	return -1;
}

static int
sys_mount(void)
{
	struct fs_mount_opts mo = { thisenv->principal, 0, 0 };
	int d = find_disk();
	int64_t r;

	if (d < 0) {
		snprintf(sysfs_why, sizeof(sysfs_why), "no data disk with a file system");
		return -E_NOT_FOUND;
	}
	gdev.disk = d;
	gdev.principal = thisenv->principal;
	gdev.dev.nblocks = (uint32_t)UDISK_TABLE[d].nblocks;
	gdev.dev.first = (uint32_t)UDISK_TABLE[d].fs_root;
	gdev.dev.priv = &gdev;
	gdev.dev.ops = &gdev_ops_ro;
	/* the shared lock, if this principal may write the superblock */
	r = sys_bcache_map(d, gdev.dev.first, FS_SHARE_VA, MAP_SHARED_RW);
	if (r >= 0) {
		gdev.share = (struct fs_share *)(FS_SHARE_VA + FS_SHARE_OFF);
		gdev.dev.ops = &gdev_ops;
	}
	r = fs_mount(&sysfs, &gdev.dev, &mo, sysfs_why, sizeof(sysfs_why));
	return (int)r;
}

/* See fs.h. */
struct fs *
fs_system(char *err, size_t errlen)
{
	if (sysfs == NULL && sysfs_err == 0) {
		sysfs_err = sys_mount();
		if (sysfs_err == 0 && sysfs == NULL)
			sysfs_err = -E_IO;
	}
	if (sysfs == NULL && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", sysfs_why);
	return sysfs;
}

/* See fs.h. */
int
fs_spawn_load(const char *path, const void **file, size_t *size)
{
	char full[128];
	struct fs_file *f;
	struct fs_stat st;
	struct fs *fs = fs_system(NULL, 0);
	void *buf = NULL;
	int64_t r;

	if (fs == NULL)
		return -E_NOT_FOUND;
	if (strchr(path, '/') == NULL) {
		if (strlen(path) + 6 > sizeof(full))
			return -E_NAME_TOO_LONG;
		strcpy(full, "/bin/");
		strcpy(full + 5, path);
		path = full;
	}
	if ((r = fs_open(fs, path, FS_O_RDONLY, 0, &f)) < 0)
		return (int)r;
	if ((r = fs_fstat(f, &st)) == 0 && st.size > 64 * 1024 * 1024)
		r = -E_TOO_BIG;
	if (r == 0 && (buf = fsos_alloc(st.size + 1)) == NULL)
		r = -E_NO_MEM;
	if (r == 0 && (r = fs_pread(f, buf, st.size, 0)) >= 0 && (uint64_t)r != st.size)
		r = -E_IO;
	fs_close(f);
	if (r < 0) {
		fsos_free(buf);
		return (int)r;
	}
	*file = buf;
	*size = st.size;
	return 0;
}

void
fs_spawn_release(const void *file)
{
	fsos_free((void *)file);
}
