/*
 * The calls of fs.h on files and directories. Each takes the file
 * system's lock, checks its arguments and permissions, and then changes
 * metadata inside one operation (log.c). A handle remembers its inode's
 * generation: once the file is deleted the handle fails with
 * -E_NOT_FOUND instead of reaching whatever reuses the inode.
 */
#include "libos/fs/fsint.h"

struct fs_file {
	struct fs *fs;
	uint32_t ino;
	uint32_t gen;
	uint64_t off;		/* for read, write and lseek */
	int flags;		/* FS_O_* */
};

struct fs_dir {
	struct fs *fs;
	uint32_t ino;
	uint32_t gen;
	uint64_t pos;		/* next slot */
};

static int
lock(struct fs *fs)
{
	fs_lock(fs);
	return 0;
}

static int
unlock(struct fs *fs, int r)
{
	return fs_unlock(fs, r);
}

/* The live inode of handle (ino, gen). */
static int
handle_inode(struct fs *fs, uint32_t ino, uint32_t gen, struct fs_dinode *di)
{
	int r;

	if ((r = inode_get(fs, ino, di)) < 0)
		return r;
	if (di->type == FS_T_FREE || di->gen != gen)
		return fserr(fs, -E_NOT_FOUND, "inode %u: file was deleted", ino);
	return inode_check(fs, ino, di);
}

static void
stat_fill(uint32_t ino, const struct fs_dinode *di, struct fs_stat *st)
{
	st->ino = ino;
	st->type = di->type;
	st->mode = di->mode;
	st->owner = di->owner;
	st->nlink = di->nlink;
	st->size = di->size;
	st->mtime = di->mtime;
	st->blocks = (di->size + FS_BSIZE - 1) / FS_BSIZE;
}

/* The name of a path's last component, for calls that make or remove
 * one: "/" and "a/.." have none. */
static int
need_name(struct fs *fs, const struct fs_path *p)
{
	if (p->name[0] == '\0')
		return fserr(fs, -E_INVAL, "path names no directory entry");
	if (!name_valid(p->name, strlen(p->name)))
		return fserr(fs, -E_INVAL, "bad name '%s'", p->name);
	return 0;
}

/* Write and search permission on directory dino, to change its entries. */
static int
may_change_dir(struct fs *fs, uint32_t dino)
{
	struct fs_dinode di;
	int r;

	if ((r = inode_get(fs, dino, &di)) < 0 || (r = inode_check(fs, dino, &di)) < 0)
		return r;
	if (!inode_permits(fs, &di, FS_PERM_W | FS_PERM_X))
		return fserr(fs, -E_PERM, "no write permission on directory %u", dino);
	return 0;
}

/* Makes a new inode of type in p->parent named p->name: one operation. */
static int
create(struct fs *fs, const struct fs_path *p, uint16_t type, uint16_t mode,
       uint32_t *ino)
{
	struct fs_dinode di;
	int r;

	if ((r = need_name(fs, p)) < 0 || (r = may_change_dir(fs, p->parent)) < 0)
		return r;
	if ((r = op_begin(fs, 8, 0)) < 0)
		return r;
	if ((r = inode_alloc(fs, type, mode, p->parent, ino, &di)) < 0)
		return op_end(fs, r);
	di.nlink = 1;
	if ((r = inode_put(fs, *ino, &di)) == 0 &&
	    (r = dir_add(fs, p->parent, p->name, *ino, type)) < 0 && r != -E_IO) {
		di.type = FS_T_FREE;	/* no room for the entry: undo */
		inode_put(fs, *ino, &di);
	}
	return op_end(fs, r);
}

static int
open_locked(struct fs *fs, const char *path, int flags, uint16_t mode,
	    struct fs_file **out)
{
	struct fs_path p;
	struct fs_dinode di;
	struct fs_file *f;
	int acc = flags & FS_O_ACCMODE, want = 0, r;

	if (acc == FS_O_ACCMODE)
		return fserr(fs, -E_INVAL, "bad open flags");
	if ((r = path_resolve(fs, path, &p)) < 0)
		return r;
	if (p.ino == 0) {
		if (!(flags & FS_O_CREAT))
			return fserr(fs, -E_NOT_FOUND, "%s: not found", path);
		if ((r = create(fs, &p, FS_T_FILE, mode, &p.ino)) < 0)
			return r;
	} else if ((flags & FS_O_CREAT) && (flags & FS_O_EXCL)) {
		return fserr(fs, -E_EXISTS, "%s: exists", path);
	}
	if ((r = inode_get(fs, p.ino, &di)) < 0 || (r = inode_check(fs, p.ino, &di)) < 0)
		return r;
	if (di.type == FS_T_DIR)
		return fserr(fs, -E_IS_DIR, "%s: is a directory", path);
	want |= acc != FS_O_WRONLY ? FS_PERM_R : 0;
	want |= acc != FS_O_RDONLY || (flags & FS_O_TRUNC) ? FS_PERM_W : 0;
	if (!inode_permits(fs, &di, want))
		return fserr(fs, -E_PERM, "%s: permission denied", path);
	if ((flags & FS_O_TRUNC) && di.size > 0 && (r = inode_truncate(fs, p.ino, 0)) < 0)
		return r;
	if ((f = fsos_alloc(sizeof(*f))) == NULL)
		return fserr(fs, -E_NO_MEM, "out of memory");
	f->fs = fs;
	f->ino = p.ino;
	f->gen = di.gen;
	f->flags = flags;
	*out = f;
	return 0;
}

/* Opens (with FS_O_CREAT, creates with mode) the file at path. */
int
fs_open(struct fs *fs, const char *path, int flags, uint16_t mode,
	struct fs_file **out)
{
	lock(fs);
	return unlock(fs, open_locked(fs, path, flags, mode, out));
}

int
fs_close(struct fs_file *f)
{
	fsos_free(f);
	return 0;
}

/* Reads at off without moving the file's offset. -E_BAD_FD when not
 * opened for reading. */
int64_t
fs_pread(struct fs_file *f, void *buf, size_t n, uint64_t off)
{
	struct fs *fs = f->fs;
	struct fs_dinode di;
	int64_t r;

	if ((f->flags & FS_O_ACCMODE) == FS_O_WRONLY)
		return fserr(fs, -E_BAD_FD, "file not open for reading");
	lock(fs);
	r = handle_inode(fs, f->ino, f->gen, &di);
	if (r == 0)
		r = inode_read_data(fs, f->ino, buf, n, off);
	fs_unlock(fs, 0);
	return r;
}

static int64_t
pwrite_locked(struct fs_file *f, const void *buf, size_t n, uint64_t *off,
	      int append)
{
	struct fs *fs = f->fs;
	struct fs_dinode di;
	int64_t r;

	if ((f->flags & FS_O_ACCMODE) == FS_O_RDONLY)
		return fserr(fs, -E_BAD_FD, "file not open for writing");
	if ((r = handle_inode(fs, f->ino, f->gen, &di)) < 0)
		return r;
	if (append)
		*off = di.size;
	if (n == 0)
		return 0;
	return inode_write_data(fs, f->ino, buf, n, *off);
}

/* Writes at off without moving the file's offset (FS_O_APPEND: at the
 * end). -E_BAD_FD when not opened for writing. */
int64_t
fs_pwrite(struct fs_file *f, const void *buf, size_t n, uint64_t off)
{
	int64_t r;

	lock(f->fs);
	r = pwrite_locked(f, buf, n, &off, (f->flags & FS_O_APPEND) != 0);
	fs_unlock(f->fs, 0);
	return r;
}

int64_t
fs_read(struct fs_file *f, void *buf, size_t n)
{
	int64_t r = fs_pread(f, buf, n, f->off);

	if (r > 0)
		f->off += (uint64_t)r;
	return r;
}

int64_t
fs_write(struct fs_file *f, const void *buf, size_t n)
{
	uint64_t off = f->off;
	int64_t r;

	lock(f->fs);
	r = pwrite_locked(f, buf, n, &off, (f->flags & FS_O_APPEND) != 0);
	fs_unlock(f->fs, 0);
	if (r >= 0)
		f->off = off + (uint64_t)r;
	return r;
}

/* Moves the offset; the new one. -E_INVAL for a negative result or an
 * unknown whence. */
int64_t
fs_lseek(struct fs_file *f, int64_t off, int whence)
{
	struct fs *fs = f->fs;
	struct fs_dinode di;
	int64_t base, r = 0;

	if (whence == FS_SEEK_SET) {
		base = 0;
	} else if (whence == FS_SEEK_CUR) {
		base = (int64_t)f->off;
	} else if (whence == FS_SEEK_END) {
		lock(fs);
		r = handle_inode(fs, f->ino, f->gen, &di);
		fs_unlock(fs, 0);
		if (r < 0)
			return r;
		base = (int64_t)di.size;
	} else {
		return fserr(fs, -E_INVAL, "bad whence %d", whence);
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return fserr(fs, -E_INVAL, "offset out of range");
	f->off = (uint64_t)(base + off);
	return (int64_t)f->off;
}

static int
ftruncate_locked(struct fs_file *f, uint64_t size)
{
	struct fs_dinode di;
	int r;

	if ((f->flags & FS_O_ACCMODE) == FS_O_RDONLY)
		return fserr(f->fs, -E_BAD_FD, "file not open for writing");
	if ((r = handle_inode(f->fs, f->ino, f->gen, &di)) < 0)
		return r;
	return inode_truncate(f->fs, f->ino, size);
}

/* Sets the file's size: shrinking frees blocks, growing adds a hole. */
int
fs_ftruncate(struct fs_file *f, uint64_t size)
{
	lock(f->fs);
	return unlock(f->fs, ftruncate_locked(f, size));
}

int
fs_fstat(struct fs_file *f, struct fs_stat *st)
{
	struct fs_dinode di;
	int r;

	lock(f->fs);
	if ((r = handle_inode(f->fs, f->ino, f->gen, &di)) == 0)
		stat_fill(f->ino, &di, st);
	return unlock(f->fs, r);
}

/* Makes everything done so far durable (the whole running transaction:
 * the log holds one). */
int
fs_fsync(struct fs_file *f)
{
	return fs_sync(f->fs);
}

static int
stat_locked(struct fs *fs, const char *path, struct fs_stat *st)
{
	struct fs_path p;
	struct fs_dinode di;
	int r;

	if ((r = path_resolve(fs, path, &p)) < 0)
		return r;
	if (p.ino == 0)
		return fserr(fs, -E_NOT_FOUND, "%s: not found", path);
	if ((r = inode_get(fs, p.ino, &di)) < 0 || (r = inode_check(fs, p.ino, &di)) < 0)
		return r;
	stat_fill(p.ino, &di, st);
	return 0;
}

int
fs_stat(struct fs *fs, const char *path, struct fs_stat *st)
{
	lock(fs);
	return unlock(fs, stat_locked(fs, path, st));
}

/* Removes the entry of p (whose inode, of type, is *di) and drops the
 * link: one operation; the inode is released after it. */
static int
remove_entry(struct fs *fs, const struct fs_path *p, struct fs_dinode *di)
{
	int r;

	if ((r = may_change_dir(fs, p->parent)) < 0)
		return r;
	if ((r = op_begin(fs, 4, 0)) < 0)
		return r;
	r = dir_clear_slot(fs, p->slot_blk, p->slot);
	if (r == 0) {
		di->nlink = di->nlink > 0 ? di->nlink - 1 : 0;
		r = inode_put(fs, p->ino, di);
	}
	if ((r = op_end(fs, r)) < 0)
		return r;
	return inode_release(fs, p->ino);
}

static int
unlink_locked(struct fs *fs, const char *path, int want_dir)
{
	struct fs_path p;
	struct fs_dinode di;
	int r;

	if ((r = path_resolve(fs, path, &p)) < 0)
		return r;
	if (p.ino == 0)
		return fserr(fs, -E_NOT_FOUND, "%s: not found", path);
	if (p.ino == FS_ROOT_INO)
		return fserr(fs, -E_BUSY, "cannot remove the root");
	if ((r = need_name(fs, &p)) < 0)
		return r;
	if ((r = inode_get(fs, p.ino, &di)) < 0 || (r = inode_check(fs, p.ino, &di)) < 0)
		return r;
	if (want_dir && di.type != FS_T_DIR)
		return fserr(fs, -E_NOT_DIR, "%s: not a directory", path);
	if (!want_dir && di.type == FS_T_DIR)
		return fserr(fs, -E_IS_DIR, "%s: is a directory", path);
	if (want_dir && (r = dir_is_empty(fs, p.ino)) <= 0)
		return r < 0 ? r : fserr(fs, -E_NOT_EMPTY, "%s: not empty", path);
	return remove_entry(fs, &p, &di);
}

int
fs_unlink(struct fs *fs, const char *path)
{
	lock(fs);
	return unlock(fs, unlink_locked(fs, path, 0));
}

int
fs_rmdir(struct fs *fs, const char *path)
{
	lock(fs);
	return unlock(fs, unlink_locked(fs, path, 1));
}

static int
mkdir_locked(struct fs *fs, const char *path, uint16_t mode)
{
	struct fs_path p;
	uint32_t ino;
	int r;

	if ((r = path_resolve(fs, path, &p)) < 0)
		return r;
	if (p.ino != 0)
		return fserr(fs, -E_EXISTS, "%s: exists", path);
	return create(fs, &p, FS_T_DIR, mode, &ino);
}

int
fs_mkdir(struct fs *fs, const char *path, uint16_t mode)
{
	lock(fs);
	return unlock(fs, mkdir_locked(fs, path, mode));
}

/* 1 when directory dir is anc or lies below it (parent pointers,
 * at most ninodes steps: a corrupt cycle ends the walk). */
static int
is_below(struct fs *fs, uint32_t dir, uint32_t anc)
{
	struct fs_dinode di;
	uint32_t steps;
	int r;

	for (steps = 0; steps < fs->sb.ninodes; steps++) {
		if (dir == anc)
			return 1;
		if (dir == FS_ROOT_INO)
			return 0;
		if ((r = inode_get(fs, dir, &di)) < 0)
			return r;
		dir = di.parent;
	}
	return fserr(fs, -E_IO, "directory parents form a cycle");
}

/* Checks a rename of *src (in from) over to: types, emptiness, cycles,
 * permissions. */
static int
rename_check(struct fs *fs, const struct fs_path *from, const struct fs_path *to,
	     const struct fs_dinode *src, struct fs_dinode *dst)
{
	int r;

	if ((r = need_name(fs, from)) < 0 || (r = need_name(fs, to)) < 0)
		return r;
	if (from->ino == FS_ROOT_INO)
		return fserr(fs, -E_BUSY, "cannot move the root");
	if (src->type == FS_T_DIR && (r = is_below(fs, to->parent, from->ino)) != 0)
		return r < 0 ? r : fserr(fs, -E_INVAL, "cannot move a directory below itself");
	if (to->ino != 0) {
		if ((r = inode_get(fs, to->ino, dst)) < 0 ||
		    (r = inode_check(fs, to->ino, dst)) < 0)
			return r;
		if (src->type != FS_T_DIR && dst->type == FS_T_DIR)
			return fserr(fs, -E_IS_DIR, "target is a directory");
		if (src->type == FS_T_DIR && dst->type != FS_T_DIR)
			return fserr(fs, -E_NOT_DIR, "target is not a directory");
		if (dst->type == FS_T_DIR && (r = dir_is_empty(fs, to->ino)) <= 0)
			return r < 0 ? r : fserr(fs, -E_NOT_EMPTY, "target not empty");
	}
	if ((r = may_change_dir(fs, from->parent)) < 0)
		return r;
	return may_change_dir(fs, to->parent);
}

/* The rename itself, one operation: the new entry (or the target's entry
 * repointed), the old entry cleared, a moved directory's parent. */
static int
rename_apply(struct fs *fs, const struct fs_path *from, const struct fs_path *to,
	     struct fs_dinode *src, struct fs_dinode *dst)
{
	int r;

	if ((r = op_begin(fs, 12, 0)) < 0)
		return r;
	if (to->ino != 0) {
		r = dir_set_slot(fs, to->slot_blk, to->slot, from->ino, src->type);
		dst->nlink = dst->nlink > 0 ? dst->nlink - 1 : 0;
		if (r == 0)
			r = inode_put(fs, to->ino, dst);
	} else {
		r = dir_add(fs, to->parent, to->name, from->ino, src->type);
	}
	if (r == 0)
		r = dir_clear_slot(fs, from->slot_blk, from->slot);
	if (r == 0 && src->type == FS_T_DIR && from->parent != to->parent) {
		src->parent = to->parent;
		r = inode_put(fs, from->ino, src);
	}
	if ((r = op_end(fs, r)) < 0 || to->ino == 0)
		return r;
	return inode_release(fs, to->ino);
}

static int
rename_locked(struct fs *fs, const char *path_from, const char *path_to)
{
	struct fs_path from, to;
	struct fs_dinode src, dst;
	int r;

	if ((r = path_resolve(fs, path_from, &from)) < 0)
		return r;
	if (from.ino == 0)
		return fserr(fs, -E_NOT_FOUND, "%s: not found", path_from);
	if ((r = path_resolve(fs, path_to, &to)) < 0)
		return r;
	if ((r = inode_get(fs, from.ino, &src)) < 0 ||
	    (r = inode_check(fs, from.ino, &src)) < 0)
		return r;
	if (to.ino == from.ino)
		return 0;
	if ((r = rename_check(fs, &from, &to, &src, &dst)) < 0)
		return r;
	return rename_apply(fs, &from, &to, &src, &dst);
}

/* Renames from to to, replacing a file (or an empty directory, for a
 * directory) that to names. */
int
fs_rename(struct fs *fs, const char *from, const char *to)
{
	lock(fs);
	return unlock(fs, rename_locked(fs, from, to));
}

static int
opendir_locked(struct fs *fs, const char *path, struct fs_dir **out)
{
	struct fs_path p;
	struct fs_dinode di;
	struct fs_dir *d;
	int r;

	if ((r = path_resolve(fs, path, &p)) < 0)
		return r;
	if (p.ino == 0)
		return fserr(fs, -E_NOT_FOUND, "%s: not found", path);
	if ((r = inode_get(fs, p.ino, &di)) < 0 || (r = inode_check(fs, p.ino, &di)) < 0)
		return r;
	if (di.type != FS_T_DIR)
		return fserr(fs, -E_NOT_DIR, "%s: not a directory", path);
	if (!inode_permits(fs, &di, FS_PERM_R))
		return fserr(fs, -E_PERM, "%s: permission denied", path);
	if ((d = fsos_alloc(sizeof(*d))) == NULL)
		return fserr(fs, -E_NO_MEM, "out of memory");
	d->fs = fs;
	d->ino = p.ino;
	d->gen = di.gen;
	*out = d;
	return 0;
}

int
fs_opendir(struct fs *fs, const char *path, struct fs_dir **out)
{
	lock(fs);
	return unlock(fs, opendir_locked(fs, path, out));
}

int
fs_readdir(struct fs_dir *d, struct fs_dirent *de)
{
	struct fs_dinode di;
	int r;

	lock(d->fs);
	if ((r = handle_inode(d->fs, d->ino, d->gen, &di)) == 0)
		r = dir_entry_at(d->fs, d->ino, &d->pos, de);
	return unlock(d->fs, r);
}

int
fs_closedir(struct fs_dir *d)
{
	fsos_free(d);
	return 0;
}
