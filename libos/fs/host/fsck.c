/*
 * fsck: checks a file system and its ownership map (fsck.h). Passes:
 * superblock and log header; every inode and the blocks it references
 * (range, the map, shared blocks, blocks past the end); every directory
 * entry (sanity, targets, names, parents); link counts; reachability from
 * the root; blocks allocated but referenced by nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libos/fs/fsint.h"
#include "libos/fs/host/fsck.h"

struct ck {
	struct fs_blkdev *dev;
	struct blkmap *map;
	struct fs_super sb;
	fsck_report_t report;
	void *arg;
	struct fsck_result *res;
	uint32_t *owner;	/* per block: referencing inode (or ~0 fixed) */
	uint32_t *refs;		/* per inode: entries naming it */
	uint32_t *dirparent;	/* per inode: the directory naming it */
	struct fs_dinode *inodes;
	uint8_t blk[FS_BSIZE];
};

#define FIXED	0xffffffffu

static void __attribute__((format(printf, 2, 3)))
problem(struct ck *c, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->res->problems++;
	c->report(c->arg, msg);
}

static int
rd(struct ck *c, uint32_t blk, void *buf)
{
	int r = c->dev->ops->read(c->dev, blk, 1, buf);

	if (r < 0)
		problem(c, "block %u: cannot be read (error %d)", blk, r);
	return r;
}

static int
check_super(struct ck *c)
{
	const struct blk_entry *e = blkmap_entry(c->map, c->dev->first);
	char why[96];

	if (e == NULL || !(e->flags & BLKF_USED)) {
		problem(c, "no file system: block %u, where its superblock would be, "
			"is not allocated", c->dev->first);
		return -1;
	}
	if (rd(c, c->dev->first, c->blk) < 0)
		return -1;
	memcpy(&c->sb, c->blk, sizeof(c->sb));
	if (fs_super_check(&c->sb, c->dev->first, c->dev->nblocks, why, sizeof(why)) < 0) {
		problem(c, "superblock (block %u): %s", c->dev->first, why);
		return -1;
	}
	return 0;
}

static void
check_log(struct ck *c)
{
	struct fs_loghdr *h = (struct fs_loghdr *)c->blk;
	char why[96];

	c->res->log_state = -1;
	if (rd(c, c->sb.log_start, c->blk) < 0)
		return;
	if (log_header_check(&c->sb, h, why, sizeof(why)) < 0) {
		problem(c, "log header: %s", why);
		return;
	}
	c->res->log_state = h->state;
	if (h->state == FS_LOG_COMMIT)
		problem(c, "log: a committed transaction of %u blocks was never "
			"installed (mount replays it)", h->nblocks);
}

/* The map's word on a block the file system uses. */
static void
check_map_used(struct ck *c, uint32_t blk, uint32_t ino)
{
	const struct blk_entry *e = blkmap_entry(c->map, blk);

	if (e == NULL || !(e->flags & BLKF_USED) || (e->flags & BLKF_RESERVED))
		problem(c, "block %u (inode %u): free or reserved in the ownership map",
			blk, ino);
	else if (e->owner != c->sb.owner)
		problem(c, "block %u (inode %u): owned by principal %u, not the file "
			"system's %u", blk, ino, e->owner, c->sb.owner);
}

/* Claims blk for inode ino; 0 if the inode may go on using it. */
static int
claim(struct ck *c, uint32_t ino, uint32_t blk, const char *what)
{
	if (!blk_valid(&c->sb, blk)) {
		problem(c, "inode %u: %s pointer %u invalid", ino, what, blk);
		return -1;
	}
	if (c->owner[blk] != 0) {
		problem(c, "block %u: used by inode %u and inode %u", blk,
			c->owner[blk], ino);
		return -1;
	}
	c->owner[blk] = ino;
	c->res->blocks++;
	check_map_used(c, blk, ino);
	return 0;
}

/* Walks what pointer blk maps at level (0: data) for file blocks from
 * base; reports pointers at or past nblk, the file's block count. */
static void
walk(struct ck *c, uint32_t ino, uint32_t blk, int level, uint64_t base,
     uint64_t span, uint64_t nblk)
{
	uint32_t ptrs[FS_NINDIRECT], i;

	if (base >= nblk)
		problem(c, "inode %u: block %u maps file block %llu, past the end",
			ino, blk, (unsigned long long)base);
	if (claim(c, ino, blk, level ? "indirect" : "data") < 0 || level == 0)
		return;
	if (rd(c, blk, ptrs) < 0)
		return;
	for (i = 0; i < FS_NINDIRECT; i++)
		if (ptrs[i] != 0)
			walk(c, ino, ptrs[i], level - 1, base + i * (span / FS_NINDIRECT),
			     span / FS_NINDIRECT, nblk);
}

static int
inode_fields_ok(struct ck *c, uint32_t ino, const struct fs_dinode *di)
{
	if (di->type != FS_T_FILE && di->type != FS_T_DIR) {
		problem(c, "inode %u: unknown type %u", ino, di->type);
		return 0;
	}
	if (di->size > FS_MAXFILE) {
		problem(c, "inode %u: size %llu past the largest file", ino,
			(unsigned long long)di->size);
		return 0;
	}
	if (di->type == FS_T_DIR && di->size % FS_BSIZE)
		problem(c, "inode %u: directory size %llu not whole blocks", ino,
			(unsigned long long)di->size);
	if (di->mode & ~FS_M_ALL)
		problem(c, "inode %u: mode %o has unknown bits", ino, di->mode);
	if (di->nlink == 0)
		problem(c, "inode %u: unlinked but not freed (mount frees it)", ino);
	return 1;
}

static void
check_inodes(struct ck *c)
{
	uint32_t ino, i;

	for (ino = 1; ino < c->sb.ninodes; ino++) {
		struct fs_dinode *di = &c->inodes[ino];
		uint64_t nblk;

		if (ino % FS_IPB == 0 || ino == 1)
			if (rd(c, c->sb.inode_start + ino / FS_IPB, c->blk) < 0)
				memset(c->blk, 0, FS_BSIZE);
		memcpy(di, c->blk + (ino % FS_IPB) * FS_INODE_SIZE, sizeof(*di));
		if (di->type == FS_T_FREE)
			continue;
		if (!inode_fields_ok(c, ino, di)) {
			di->type = FS_T_FREE;	/* not followed further */
			continue;
		}
		c->res->inodes++;
		*(di->type == FS_T_DIR ? &c->res->dirs : &c->res->files) += 1;
		nblk = (di->size + FS_BSIZE - 1) / FS_BSIZE;
		for (i = 0; i < FS_NDIRECT; i++)
			if (di->direct[i])
				walk(c, ino, di->direct[i], 0, i, 1, nblk);
		if (di->indirect)
			walk(c, ino, di->indirect, 1, FS_NDIRECT, FS_NINDIRECT, nblk);
		if (di->dindirect)
			walk(c, ino, di->dindirect, 2, FS_NDIRECT + FS_NINDIRECT,
			     (uint64_t)FS_NINDIRECT * FS_NINDIRECT, nblk);
	}
	if (c->inodes[FS_ROOT_INO].type != FS_T_DIR)
		problem(c, "root inode is not a directory");
	else if (c->inodes[FS_ROOT_INO].parent != FS_ROOT_INO)
		problem(c, "root directory's parent is %u, not itself",
			c->inodes[FS_ROOT_INO].parent);
}

/* The device block of file block fbn of directory ino, following only
 * what check_inodes accepted (owner[] says so); 0 if none. */
static uint32_t
dir_fbn(struct ck *c, uint32_t ino, uint64_t fbn)
{
	const struct fs_dinode *di = &c->inodes[ino];
	uint32_t ptrs[FS_NINDIRECT], b;

	if (fbn < FS_NDIRECT)
		b = di->direct[fbn];
	else if (fbn - FS_NDIRECT < FS_NINDIRECT) {
		b = di->indirect;
		if (b == 0 || !blk_valid(&c->sb, b) || c->dev->ops->read(c->dev, b, 1, ptrs) < 0)
			return 0;
		b = ptrs[fbn - FS_NDIRECT];
	} else {
		return 0;	/* directories that large are not checked further */
	}
	return b != 0 && blk_valid(&c->sb, b) && c->owner[b] == ino ? b : 0;
}

static void
check_entry(struct ck *c, uint32_t dino, const struct fs_ddirent *de,
	    struct fs_ddirent *seen, uint32_t nseen)
{
	const struct fs_dinode *t;
	uint32_t i;

	if (de->ino >= c->sb.ninodes || !name_valid(de->name, de->namelen)) {
		problem(c, "directory %u: corrupt entry (inode %u, name length %u)",
			dino, de->ino, de->namelen);
		return;
	}
	for (i = 0; i < nseen; i++)
		if (seen[i].namelen == de->namelen &&
		    memcmp(seen[i].name, de->name, de->namelen) == 0)
			problem(c, "directory %u: name '%.*s' twice", dino,
				de->namelen, de->name);
	t = &c->inodes[de->ino];
	if (t->type == FS_T_FREE) {
		problem(c, "directory %u: '%.*s' names free inode %u", dino,
			de->namelen, de->name, de->ino);
		return;
	}
	c->refs[de->ino]++;
	if (de->type != t->type)
		problem(c, "directory %u: '%.*s' type %u, inode says %u", dino,
			de->namelen, de->name, de->type, t->type);
	if (t->type != FS_T_DIR)
		return;
	if (de->ino == FS_ROOT_INO || c->dirparent[de->ino] != 0)
		problem(c, "directory %u named twice (also in %u)", de->ino,
			de->ino == FS_ROOT_INO ? 0 : c->dirparent[de->ino]);
	else
		c->dirparent[de->ino] = dino;
	if (t->parent != dino)
		problem(c, "directory %u: parent %u, but directory %u names it",
			de->ino, t->parent, dino);
}

static void
check_dir(struct ck *c, uint32_t dino)
{
	uint64_t nblk = c->inodes[dino].size / FS_BSIZE, fbn;
	struct fs_ddirent *seen = NULL;
	uint32_t nseen = 0, cap = 0, i;

	for (fbn = 0; fbn < nblk; fbn++) {
		uint32_t b = dir_fbn(c, dino, fbn);
		if (b == 0) {
			problem(c, "directory %u: block %llu missing", dino,
				(unsigned long long)fbn);
			continue;
		}
		if (rd(c, b, c->blk) < 0)
			continue;
		for (i = 0; i < FS_DPB; i++) {
			struct fs_ddirent *de = (struct fs_ddirent *)c->blk + i;
			if (de->ino == 0)
				continue;
			check_entry(c, dino, de, seen, nseen);
			if (nseen == cap) {
				cap = cap ? cap * 2 : 64;
				seen = realloc(seen, cap * sizeof(*seen));
			}
			seen[nseen++] = *de;
		}
	}
	free(seen);
}

static void
check_links(struct ck *c)
{
	uint32_t ino, steps, d;

	for (ino = 1; ino < c->sb.ninodes; ino++) {
		const struct fs_dinode *di = &c->inodes[ino];
		if (di->type == FS_T_FREE || ino == FS_ROOT_INO)
			continue;
		if (di->nlink != 0 && c->refs[ino] != di->nlink)
			problem(c, "inode %u: link count %u, but %u entries name it",
				ino, di->nlink, c->refs[ino]);
		if (c->refs[ino] == 0) {
			if (di->nlink != 0)
				problem(c, "inode %u: in use but no entry names it", ino);
			continue;
		}
		if (di->type != FS_T_DIR)
			continue;
		/* reachable: the chain of naming directories ends at the root */
		for (d = ino, steps = 0; d != FS_ROOT_INO && d != 0 &&
		     steps < c->sb.ninodes; steps++)
			d = c->dirparent[d];
		if (d != FS_ROOT_INO)
			problem(c, "directory %u: not reachable from the root", ino);
	}
}

static void
check_leaks(struct ck *c)
{
	uint32_t b;

	for (b = c->sb.sb_block; b < c->sb.nblocks; b++) {
		const struct blk_entry *e = blkmap_entry(c->map, b);
		if (c->owner[b] == FIXED) {
			if (!(e->flags & BLKF_USED))
				problem(c, "block %u: file-system structure, but free "
					"in the ownership map", b);
			continue;
		}
		if (c->owner[b] == 0 && (e->flags & BLKF_USED) && !(e->flags & BLKF_RESERVED))
			problem(c, "block %u: allocated (principal %u) but nothing "
				"references it", b, e->owner);
	}
}

void
fsck_check(struct fs_blkdev *dev, struct blkmap *map, fsck_report_t report,
	   void *arg, struct fsck_result *res)
{
	static struct ck c;
	uint32_t i;

	memset(&c, 0, sizeof(c));
	memset(res, 0, sizeof(*res));
	c.dev = dev;
	c.map = map;
	c.report = report;
	c.arg = arg;
	c.res = res;
	if (check_super(&c) < 0) {
		res->fatal = 1;
		return;
	}
	check_log(&c);
	c.owner = calloc(c.sb.nblocks, sizeof(uint32_t));
	c.refs = calloc(c.sb.ninodes, sizeof(uint32_t));
	c.dirparent = calloc(c.sb.ninodes, sizeof(uint32_t));
	c.inodes = calloc(c.sb.ninodes, sizeof(struct fs_dinode));
	for (i = 0; i < c.sb.inode_blocks; i++)
		c.owner[c.sb.inode_start + i] = FIXED;
	for (i = 0; i < c.sb.log_blocks; i++)
		c.owner[c.sb.log_start + i] = FIXED;
	c.owner[c.sb.sb_block] = FIXED;
	check_inodes(&c);
	for (i = 1; i < c.sb.ninodes; i++)
		if (c.inodes[i].type == FS_T_DIR)
			check_dir(&c, i);
	check_links(&c);
	check_leaks(&c);
	free(c.owner);
	free(c.refs);
	free(c.dirparent);
	free(c.inodes);
}
