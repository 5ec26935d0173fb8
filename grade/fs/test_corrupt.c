/*
 * Corrupt images. A populated file system is damaged: random bytes in the
 * superblock, the inode table, directory blocks, indirect blocks, the log
 * (header and blocks, with its checksum made right again so that replay
 * is tried) and the ownership region. On each damaged copy fsck must
 * finish and mount must either fail with a message or give a file system
 * on which listing, reading and random changes all return (errors are
 * fine; crashes, sanitizer reports and hangs are not). Then one
 * corruption of each kind must be reported by fsck.
 */
#include "check.h"
#include "libos/fs/fsint.h"
#include "libos/fs/host/fsck.h"

#define NBLK	2048
#define BS	FS_BSIZE
#define NDAMAGE	400

static uint8_t *golden;		/* the populated image */
static struct fs_super sb;	/* its superblock */
static uint32_t sb_at, dir_blk, ind_blk, file_ino, big_ino;

static void
quiet(void *arg, const char *msg)
{
	(*(int *)arg)++;
}

static int
fsck_image(struct rawdev *raw, struct fsck_result *res)
{
	struct blkmap *map;
	struct fs_blkdev *dev;
	uint64_t bad;
	char err[128];
	int n = 0;

	memset(res, 0, sizeof(*res));
	if (blkmap_open(raw, 0, &map, &dev, &bad, err, sizeof(err)) < 0) {
		res->fatal = 1;
		return -1;
	}
	fsck_check(dev, map, quiet, &n, res);
	res->problems += bad;
	blkmap_discard(map);
	return 0;
}

static struct fs_dinode *
inode_at(uint8_t *img, uint32_t ino)
{
	return (struct fs_dinode *)(img + (uint64_t)(sb.inode_start + ino / FS_IPB) * BS +
				    (ino % FS_IPB) * FS_INODE_SIZE);
}

static void
populate(void)
{
	static uint8_t data[300000];
	struct rawdev *raw = rawdev_mem(NBLK);
	struct fs_file *f;
	struct fs_stat st;
	struct tdev t;
	char name[32];
	int i;

	CHECK_EQ(tdev_mkfs(raw, 512, 16), 0);
	CHECK_EQ(tdev_mount(&t, raw, 0, 0), 0);
	fs_mkdir(t.fs, "/d", 0755);
	fs_mkdir(t.fs, "/d/e", 0700);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "/d/f%d", i);
		fs_open(t.fs, name, FS_O_RDWR | FS_O_CREAT, 0644, &f);
		pattern_fill(data, 100 * i, i, 0);
		fs_write(f, data, 100 * i);
		fs_close(f);
	}
	fs_open(t.fs, "/big", FS_O_RDWR | FS_O_CREAT, 0644, &f);
	pattern_fill(data, sizeof(data), 9, 0);
	fs_write(f, data, sizeof(data));
	fs_close(f);
	fs_stat(t.fs, "/big", &st);
	big_ino = st.ino;
	fs_stat(t.fs, "/d/f5", &st);
	file_ino = st.ino;
	sb_at = t.dev->first;
	CHECK_EQ(tdev_unmount(&t), 0);
	golden = malloc((size_t)NBLK * BS);
	memcpy(golden, crashdev_image(raw), (size_t)NBLK * BS);
	memcpy(&sb, golden + (uint64_t)sb_at * BS, sizeof(sb));
	dir_blk = inode_at(golden, FS_ROOT_INO)->direct[0];
	ind_blk = inode_at(golden, big_ino)->indirect;
	raw->close(raw);
}

static void
scribble(uint8_t *p, size_t n, uint64_t *rng)
{
	int k = 1 + rng_next(rng) % 16;

	while (k--)
		p[rng_next(rng) % n] = (uint8_t)rng_next(rng);
}

/* Damages one structure of img at random (kind chooses which). */
static const char *
damage(uint8_t *img, int kind, uint64_t *rng)
{
	struct fs_loghdr *h;
	uint8_t *p;

	switch (kind) {
	case 0:
		scribble(img + (uint64_t)sb_at * BS, sizeof(struct fs_super), rng);
		return "superblock";
	case 1:
		p = img + (uint64_t)sb_at * BS;
		scribble(p, sizeof(struct fs_super) - 4, rng);
		((struct fs_super *)p)->crc = 0;
		((struct fs_super *)p)->crc = fs_crc32(0, p, sizeof(struct fs_super));
		return "superblock, checksum fixed";
	case 2:
		scribble(img + (uint64_t)(sb.inode_start + rng_next(rng) % 2) * BS, BS, rng);
		return "inode table";
	case 3:
		scribble(img + (uint64_t)dir_blk * BS, BS, rng);
		return "root directory";
	case 4:
		scribble(img + (uint64_t)inode_at(img, 2)->direct[0] * BS, BS, rng);
		return "directory /d";
	case 5:
		scribble(img + (uint64_t)ind_blk * BS, BS, rng);
		return "indirect block";
	case 6:
		/* a committed transaction with random contents and entries */
		p = img + (uint64_t)sb.log_start * BS;
		h = (struct fs_loghdr *)p;
		scribble(p, 64, rng);
		h->magic = FS_LOG_MAGIC;
		h->state = FS_LOG_COMMIT;
		h->nblocks = rng_next(rng) % 20;
		h->nfree = rng_next(rng) % 20;
		for (int i = 0; i < 40; i++)
			h->entries[i] = rng_next(rng) % 4 ? rng_next(rng) % NBLK : rng_next(rng);
		scribble(img + (uint64_t)(sb.log_start + 1) * BS, 4 * BS, rng);
		h->crc = 0;
		h->crc = fs_crc32(0, p, BS);
		return "log, committed garbage";
	case 7:
		scribble(img + (uint64_t)sb.log_start * BS, BS, rng);
		return "log header";
	case 8:
		scribble(img + BS * (rng_next(rng) % 2), BS, rng);
		return "ownership region";
	default:
		for (int i = 0; i < 6; i++)
			scribble(img + (rng_next(rng) % NBLK) * BS, BS, rng);
		return "random blocks";
	}
}

/* Lists the tree (depth-limited), reading every file. */
static void
walk(struct fs *fs, const char *dir, int depth)
{
	static uint8_t buf[1 << 16];
	struct fs_dir *d;
	struct fs_dirent de;
	char path[300];
	int n = 0;

	if (depth > 6 || fs_opendir(fs, dir, &d) < 0)
		return;
	while (fs_readdir(d, &de) == 1 && n++ < 200) {
		struct fs_file *f;
		snprintf(path, sizeof(path), "%.200s/%s", strcmp(dir, "/") ? dir : "", de.name);
		if (de.type == FS_T_DIR) {
			walk(fs, path, depth + 1);
		} else if (fs_open(fs, path, FS_O_RDONLY, 0, &f) == 0) {
			fs_pread(f, buf, sizeof(buf), 0);
			fs_pread(f, buf, sizeof(buf), 1 << 20);
			fs_close(f);
		}
	}
	fs_closedir(d);
}

static void
test_random_damage(void)
{
	struct rawdev *raw = rawdev_mem(NBLK);
	struct fsck_result res;
	struct model *m = calloc(1, sizeof(*m));
	uint64_t rng = 12345;
	char what[160];
	int i, j, mm, mounted = 0, refused = 0;

	for (i = 0; i < NDAMAGE; i++) {
		struct tdev t;
		memcpy(crashdev_image(raw), golden, (size_t)NBLK * BS);
		damage(crashdev_image(raw), i % 10, &rng);
		fsck_image(raw, &res);
		if (tdev_mount_quiet(&t, raw, what, sizeof(what)) < 0) {
			CHECK(what[0] != '\0');
			refused++;
			continue;
		}
		mounted++;
		walk(t.fs, "/", 0);
		model_init(m);
		for (j = 0; j < 60; j++)
			random_op(t.fs, m, &rng, &mm, what, sizeof(what), 1);
		walk(t.fs, "/", 0);
		model_free(m);
		tdev_unmount(&t);
		if (tdev_mount_quiet(&t, raw, what, sizeof(what)) == 0)
			tdev_unmount(&t);
		fsck_image(raw, &res);
	}
	printf("corrupt: %d damaged images: %d mounted, %d refused with a reason\n",
	       NDAMAGE, mounted, refused);
	free(m);
	raw->close(raw);
}

/* One deliberate corruption of each structure, and what fsck says. */
static uint64_t
problems_after(void (*hurt)(uint8_t *img), int *fatal)
{
	struct rawdev *raw = rawdev_mem(NBLK);
	struct fsck_result res;

	memcpy(crashdev_image(raw), golden, (size_t)NBLK * BS);
	hurt(crashdev_image(raw));
	fsck_image(raw, &res);
	*fatal = res.fatal;
	raw->close(raw);
	return res.problems;
}

static void hurt_none(uint8_t *img) { }
static void hurt_magic(uint8_t *img) { img[(uint64_t)sb_at * BS] ^= 1; }
static void hurt_type(uint8_t *img) { inode_at(img, file_ino)->type = 9; }
static void hurt_ptr(uint8_t *img) { inode_at(img, big_ino)->direct[3] = NBLK + 5; }
static void hurt_share(uint8_t *img) { inode_at(img, big_ino)->direct[3] = inode_at(img, big_ino)->direct[4]; }
static void hurt_ind(uint8_t *img)
{
	uint32_t *ptr = (uint32_t *)(img + (uint64_t)ind_blk * BS);
	ptr[0] = NBLK + 7;	/* a pointer in the indirect block, out of range */
}
static void hurt_size(uint8_t *img) { inode_at(img, big_ino)->size = 10; }
static void hurt_nlink(uint8_t *img) { inode_at(img, file_ino)->nlink = 3; }
static void hurt_entry(uint8_t *img)
{
	struct fs_ddirent *de = (struct fs_ddirent *)(img + (uint64_t)dir_blk * BS);
	de[0].ino = sb.ninodes - 1;	/* a free inode */
}
static void hurt_name(uint8_t *img)
{
	struct fs_ddirent *de = (struct fs_ddirent *)(img + (uint64_t)dir_blk * BS);
	de[0].namelen = 0;
}
static void hurt_log(uint8_t *img) { img[(uint64_t)sb.log_start * BS + 9] ^= 0x40; }
static void hurt_leak(uint8_t *img)
{
	struct blk_entry *e = (struct blk_entry *)(img + BS);
	e[NBLK - 3].flags = BLKF_USED;
	e[NBLK - 3].mode = 0600;
}
static void hurt_map(uint8_t *img)
{
	struct blk_entry *e = (struct blk_entry *)(img + BS);
	memset(&e[ind_blk], 0, sizeof(e[0]));	/* a used block marked free */
}

static void
test_each_structure(void)
{
	static const struct { const char *what; void (*hurt)(uint8_t *); int fatal; } cases[] = {
		{ "superblock magic", hurt_magic, 1 },
		{ "inode type", hurt_type, 0 },
		{ "block pointer out of range", hurt_ptr, 0 },
		{ "block in two places", hurt_share, 0 },
		{ "indirect block pointer out of range", hurt_ind, 0 },
		{ "blocks past the size", hurt_size, 0 },
		{ "link count", hurt_nlink, 0 },
		{ "entry naming a free inode", hurt_entry, 0 },
		{ "entry with no name", hurt_name, 0 },
		{ "log header", hurt_log, 0 },
		{ "leaked block", hurt_leak, 0 },
		{ "used block free in the map", hurt_map, 0 },
	};
	int fatal;
	size_t i;

	CHECK_EQ(problems_after(hurt_none, &fatal), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t n = problems_after(cases[i].hurt, &fatal);
		if (n == 0 || fatal != cases[i].fatal) {
			fprintf(stderr, "fsck missed: %s (%llu problems, fatal %d)\n",
				cases[i].what, (unsigned long long)n, fatal);
			test_failures++;
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "corrupt_random_damage", test_random_damage },
		{ "corrupt_each_structure", test_each_structure },
		{ NULL, NULL },
	};
	populate();
	return run_tests(cases, argc, argv);
}
