/*
 * Directories and paths. A directory is a file of fixed 64-byte slots
 * (struct fs_ddirent); its blocks are metadata, changed only through the
 * transaction. A slot that does not make sense (bad name length, inode
 * number out of range) is skipped by lookups and listings and reported by
 * fsck. Caller holds the fs lock; changes need an open operation.
 */
#include "libos/fs/fsint.h"

#define PATH_MAX_LEN	1024

/* 1 when name (len bytes) may name a directory entry. */
int
name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > FS_NAME_MAX)
		return 0;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\0')
			return 0;
	return 1;
}

static int
slot_sane(const struct fs *fs, const struct fs_ddirent *de)
{
	return de->ino != 0 && de->ino < fs->sb.ninodes &&
	       name_valid(de->name, de->namelen);
}

/* The directory dino, checked: *di and its number of blocks. */
static int
dir_get(struct fs *fs, uint32_t dino, struct fs_dinode *di, uint64_t *nblk)
{
	int r;

	if ((r = inode_get(fs, dino, di)) < 0 || (r = inode_check(fs, dino, di)) < 0)
		return r;
	if (di->type != FS_T_DIR)
		return fserr(fs, -E_NOT_DIR, "inode %u is not a directory", dino);
	*nblk = di->size / FS_BSIZE;
	return 0;
}

/* The device block of directory block fbn, or 0 for a hole (which a
 * healthy directory never has). */
static int
dir_block(struct fs *fs, uint32_t dino, struct fs_dinode *di, uint64_t fbn,
	  uint32_t *blk)
{
	int fresh;

	return bmap(fs, dino, di, fbn, 0, blk, &fresh);
}

/* Looks name up in directory dino: *ino (0 when absent) and where its
 * slot is. -E_IO when it is absent and the directory has malformed
 * slots (in use, yet no sane name or inode): the name may be in one, so
 * neither "absent" nor a new entry beside them would be true. */
int
dir_lookup(struct fs *fs, uint32_t dino, const char *name, uint32_t *ino,
	   uint32_t *slot_blk, uint32_t *slot)
{
	struct fs_dinode di;
	uint64_t nblk, fbn;
	size_t len = strlen(name);
	int r, i, bad = 0;

	*ino = 0;
	if ((r = dir_get(fs, dino, &di, &nblk)) < 0)
		return r;
	for (fbn = 0; fbn < nblk; fbn++) {
		struct buf *b;
		uint32_t blk;
		if ((r = dir_block(fs, dino, &di, fbn, &blk)) < 0)
			return r;
		if (blk == 0)
			continue;
		if ((r = bread(fs, blk, &b)) < 0)
			return r;
		for (i = 0; i < FS_DPB; i++) {
			struct fs_ddirent *de = (struct fs_ddirent *)b->data + i;
			if (slot_sane(fs, de) && de->namelen == len &&
			    memcmp(de->name, name, len) == 0) {
				*ino = de->ino;
				*slot_blk = blk;
				*slot = i;
				brelse(fs, b);
				return 0;
			}
			bad += de->ino != 0 && !slot_sane(fs, de);
		}
		brelse(fs, b);
	}
	if (bad)
		return fserr(fs, -E_IO, "directory %u: %d malformed entries (fsck "
			     "reports them); looking for %s", dino, bad, name);
	return 0;
}

static void
slot_fill(struct fs_ddirent *de, const char *name, uint32_t ino, uint16_t type)
{
	size_t len = strlen(name);

	memset(de, 0, sizeof(*de));
	de->ino = ino;
	de->namelen = len;
	de->type = type;
	memcpy(de->name, name, len);
}

/* Puts (name, ino) in a free slot in held block b, if one is free. */
static int
block_add(struct fs *fs, struct buf *b, const char *name, uint32_t ino,
	  uint16_t type, int *added)
{
	int i, r;

	*added = 0;
	for (i = 0; i < FS_DPB; i++) {
		struct fs_ddirent *de = (struct fs_ddirent *)b->data + i;
		if (de->ino != 0)
			continue;
		if ((r = log_mark(fs, b)) < 0)
			return r;
		slot_fill(de, name, ino, type);
		*added = 1;
		return 0;
	}
	return 0;
}

/*
 * Adds entry name -> ino to directory dino (the caller checked that name
 * is valid and absent). Uses a free slot or grows the directory by a
 * block. Needs 5 log blocks; -E_NO_SPACE, -E_TOO_BIG.
 */
int
dir_add(struct fs *fs, uint32_t dino, const char *name, uint32_t ino, uint16_t type)
{
	struct fs_dinode di;
	uint64_t nblk, fbn;
	struct buf *b;
	uint32_t blk;
	int r, added, fresh;

	if ((r = dir_get(fs, dino, &di, &nblk)) < 0)
		return r;
	for (fbn = 0; fbn < nblk; fbn++) {
		if ((r = dir_block(fs, dino, &di, fbn, &blk)) < 0)
			return r;
		if (blk == 0)
			continue;
		if ((r = bread(fs, blk, &b)) < 0)
			return r;
		r = block_add(fs, b, name, ino, type, &added);
		brelse(fs, b);
		if (r < 0 || added)
			return r;
	}
	if ((r = bmap(fs, dino, &di, nblk, 1, &blk, &fresh)) < 0) {
		inode_put(fs, dino, &di);	/* indirect blocks it may have added */
		return r;
	}
	if ((r = bzeroed(fs, blk, &b)) < 0)
		return r;
	r = log_mark(fs, b);
	if (r == 0)
		slot_fill((struct fs_ddirent *)b->data, name, ino, type);
	brelse(fs, b);
	if (r < 0)
		return r;
	di.size += FS_BSIZE;
	di.mtime = fsos_now();
	return inode_put(fs, dino, &di);
}

/* Empties slot slot of directory block blk (1 log block). */
int
dir_clear_slot(struct fs *fs, uint32_t blk, uint32_t slot)
{
	struct buf *b;
	int r;

	if ((r = bread(fs, blk, &b)) < 0)
		return r;
	if ((r = log_mark(fs, b)) == 0)
		memset(b->data + slot * FS_DIRENT_SIZE, 0, FS_DIRENT_SIZE);
	brelse(fs, b);
	return r;
}

/* Points the entry in slot slot of block blk at ino (1 log block). */
int
dir_set_slot(struct fs *fs, uint32_t blk, uint32_t slot, uint32_t ino, uint16_t type)
{
	struct fs_ddirent *de;
	struct buf *b;
	int r;

	if ((r = bread(fs, blk, &b)) < 0)
		return r;
	if ((r = log_mark(fs, b)) == 0) {
		de = (struct fs_ddirent *)b->data + slot;
		de->ino = ino;
		de->type = type;
	}
	brelse(fs, b);
	return r;
}

/*
 * The next entry of directory dino at or after slot *pos: 1 with *de
 * filled and *pos past it, or 0 at the end. An insane slot counts as an
 * entry for dir_is_empty's sake only when want_insane.
 */
static int
dir_next(struct fs *fs, uint32_t dino, uint64_t *pos, struct fs_dirent *de,
	 int want_insane)
{
	struct fs_dinode di;
	uint64_t nblk;
	int r;

	if ((r = dir_get(fs, dino, &di, &nblk)) < 0)
		return r;
	while (*pos < nblk * FS_DPB) {
		uint64_t fbn = *pos / FS_DPB;
		struct buf *b;
		uint32_t blk;

		if ((r = dir_block(fs, dino, &di, fbn, &blk)) < 0)
			return r;
		if (blk == 0) {
			*pos = (fbn + 1) * FS_DPB;
			continue;
		}
		if ((r = bread(fs, blk, &b)) < 0)
			return r;
		for (; *pos < (fbn + 1) * FS_DPB; (*pos)++) {
			struct fs_ddirent *d = (struct fs_ddirent *)b->data + *pos % FS_DPB;
			int sane = slot_sane(fs, d);
			if (d->ino == 0 || (!sane && !want_insane))
				continue;
			de->ino = d->ino;
			de->type = d->type;
			memcpy(de->name, d->name, sane ? d->namelen : 0);
			de->name[sane ? d->namelen : 0] = '\0';
			(*pos)++;
			brelse(fs, b);
			return 1;
		}
		brelse(fs, b);
	}
	return 0;
}

int
dir_entry_at(struct fs *fs, uint32_t dino, uint64_t *pos, struct fs_dirent *de)
{
	return dir_next(fs, dino, pos, de, 0);
}

/* 1 when directory dino holds no entry (an insane slot counts as one). */
int
dir_is_empty(struct fs *fs, uint32_t dino)
{
	struct fs_dirent de;
	uint64_t pos = 0;
	int r = dir_next(fs, dino, &pos, &de, 1);

	return r < 0 ? r : !r;
}

/* Copies the component at *s into name; advances *s past it. */
static int
next_component(struct fs *fs, const char **s, char *name)
{
	const char *p = *s;
	size_t len = 0;

	while (p[len] != '\0' && p[len] != '/')
		len++;
	if (len > FS_NAME_MAX)
		return fserr(fs, -E_NAME_TOO_LONG, "path component longer than %d bytes",
			     FS_NAME_MAX);
	memcpy(name, p, len);
	name[len] = '\0';
	p += len;
	while (*p == '/')
		p++;
	*s = p;
	return 0;
}

/* Moves to directory cur's entry name (or "." / ".."); checks search
 * permission on cur. */
static int
walk_step(struct fs *fs, uint32_t *cur, const char *name, struct fs_path *p)
{
	struct fs_dinode di;
	uint64_t nblk;
	int r;

	if ((r = dir_get(fs, *cur, &di, &nblk)) < 0)
		return r;
	if (!inode_permits(fs, &di, FS_PERM_X))
		return fserr(fs, -E_PERM, "no search permission on directory %u", *cur);
	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0) {
		if (di.parent == 0 || di.parent >= fs->sb.ninodes)
			return fserr(fs, -E_IO, "directory %u: parent %u invalid",
				     *cur, di.parent);
		*cur = di.parent;
		return 0;
	}
	if ((r = dir_lookup(fs, *cur, name, &p->ino, &p->slot_blk, &p->slot)) < 0)
		return r;
	return p->ino == 0 ? -E_NOT_FOUND : 0;
}

/*
 * Resolves path. When its last component is a name, p->parent is the
 * directory that would hold it, p->name the name and p->ino what it names
 * (0 if nothing: not an error). Otherwise ("/", "a/..") p->name is "" and
 * p->ino the directory reached. -E_NOT_FOUND or -E_NOT_DIR for a missing
 * or non-directory component before the last, -E_PERM without search
 * permission, -E_NAME_TOO_LONG.
 */
int
path_resolve(struct fs *fs, const char *path, struct fs_path *p)
{
	uint32_t cur = FS_ROOT_INO;
	char name[FS_NAME_MAX + 1];
	const char *s = path;
	int r;

	memset(p, 0, sizeof(*p));
	if (strlen(path) >= PATH_MAX_LEN)
		return fserr(fs, -E_NAME_TOO_LONG, "path longer than %d bytes", PATH_MAX_LEN);
	if (*s == '\0')
		return fserr(fs, -E_NOT_FOUND, "empty path");
	while (*s == '/')
		s++;
	p->ino = cur;
	while (*s != '\0') {
		if ((r = next_component(fs, &s, name)) < 0)
			return r;
		p->parent = cur;
		p->name[0] = '\0';
		r = walk_step(fs, &cur, name, p);
		if (r == -E_NOT_FOUND && *s == '\0') {
			strcpy(p->name, name);
			p->ino = 0;
			return 0;
		}
		if (r < 0)
			return r == -E_NOT_FOUND ? fserr(fs, r, "%s: not found", name) : r;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			strcpy(p->name, name);
			cur = p->ino;
		}
		p->ino = cur;
	}
	return 0;
}
