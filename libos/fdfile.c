/*
 * Files of the library file system (libos/fs/) as descriptors, and the
 * calls on path names: open, stat, mkdir, unlink, rmdir, rename, chdir,
 * opendir/readdir.
 *
 * A file's description page holds what any env needs to use it: the
 * absolute path, the inode number it named at open, the access mode and
 * the offset (struct fd) that every descriptor shares. The fs handle is
 * per env (fs.h handles are not shared): each env opens its own on first
 * use, by path, and checks that the path still names the same inode
 * (-ESTALE-like EIO when it was renamed or removed meanwhile).
 *
 * Errors of the file system (-E_* codes) become errno values here.
 */
#include "libos.h"
#include "libos/fs/fs.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

struct file_priv {
	uint32_t ino;		/* the inode the path named at open */
	uint32_t pad;
	char path[PATH_MAX];	/* absolute */
};
_Static_assert(sizeof(struct file_priv) <= FD_PRIV_SIZE, "fits struct fd");

/* This env's handle for each descriptor number. */
static struct {
	envid_t env;		/* whose handle it is (a fork copies them) */
	ppn_t ppn;		/* the description page it was opened for */
	struct fs_file *f;
} handles[FD_MAX];

static struct file_priv *
priv_of(struct fd *fd)
{
	return (struct file_priv *)fd->fd_priv;
}

static int
err_of(long r)
{
	return -errno_from_error(r);
}

/* See libos.h. */
struct fs *
file_fs(int *err)
{
	struct fs *fs = fs_system(NULL, 0);

	if (fs == NULL && err != NULL)
		*err = -ENODEV;
	return fs;
}

static int
fs_access_flags(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_WRONLY: return FS_O_WRONLY;
	case O_RDWR: return FS_O_RDWR;
	}
	return FS_O_RDONLY;
}

static ppn_t
page_ppn(const void *va)
{
	return pte_ppn(uvpt_pte((uintptr_t)va));
}

/* This env's fs handle for fd, opened now if need be; NULL and *err. */
static struct fs_file *
handle_get(struct fd *fd, int *err)
{
	int n = fd_num(fd);
	struct fs *fs = file_fs(err);
	struct fs_file *f;
	struct fs_stat st;
	int r;

	if (handles[n].f != NULL && handles[n].env == thisenv->id &&
	    handles[n].ppn == page_ppn(fd))
		return handles[n].f;
	if (fs == NULL)
		return NULL;
	r = fs_open(fs, priv_of(fd)->path, fs_access_flags((int)fd->fd_flags), 0, &f);
	if (r == 0 && ((r = fs_fstat(f, &st)) < 0 || st.ino != priv_of(fd)->ino)) {
		fs_close(f);
		r = r < 0 ? r : -E_IO;	/* the path names another file now */
	}
	if (r < 0) {
		*err = err_of(r);
		return NULL;
	}
	handles[n].env = thisenv->id;
	handles[n].ppn = page_ppn(fd);
	handles[n].f = f;
	return f;
}

static ssize_t
file_pread(struct fd *fd, void *buf, size_t n, off_t off)
{
	int err = 0;
	struct fs_file *f = handle_get(fd, &err);
	int64_t r;

	if (f == NULL)
		return err;
	r = fs_pread(f, buf, n, (uint64_t)off);
	return r < 0 ? err_of(r) : (ssize_t)r;
}

static ssize_t
file_pwrite(struct fd *fd, const void *buf, size_t n, off_t off)
{
	int err = 0;
	struct fs_file *f = handle_get(fd, &err);
	int64_t r;

	if (f == NULL)
		return err;
	r = fs_pwrite(f, buf, n, (uint64_t)off);
	return r < 0 ? err_of(r) : (ssize_t)r;
}

static ssize_t
file_read(struct fd *fd, void *buf, size_t n)
{
	ssize_t r = file_pread(fd, buf, n, fd->fd_offset);

	if (r > 0)
		__atomic_add_fetch(&fd->fd_offset, r, __ATOMIC_SEQ_CST);
	return r;
}

static off_t
file_size(struct fd *fd)
{
	int err = 0;
	struct fs_file *f = handle_get(fd, &err);
	struct fs_stat st;
	int r;

	if (f == NULL)
		return err;
	if ((r = fs_fstat(f, &st)) < 0)
		return err_of(r);
	return (off_t)st.size;
}

static ssize_t
file_write(struct fd *fd, const void *buf, size_t n)
{
	off_t off = fd->fd_offset;
	ssize_t r;

	if ((fd->fd_flags & O_APPEND) && (off = file_size(fd)) < 0)
		return off;
	if ((r = file_pwrite(fd, buf, n, off)) > 0)
		fd->fd_offset = off + r;
	return r;
}

static off_t
file_seek(struct fd *fd, off_t off, int whence)
{
	off_t base = 0;

	if (whence == SEEK_CUR)
		base = fd->fd_offset;
	else if (whence == SEEK_END && (base = file_size(fd)) < 0)
		return base;
	if ((off < 0 && base + off < 0) || (off > 0 && base > INT64_MAX - off))
		return -EINVAL;
	fd->fd_offset = base + off;
	return fd->fd_offset;
}

static void
stat_from_fs(const struct fs_stat *fst, struct stat *st)
{
	st->st_ino = fst->ino;
	st->st_mode = (fst->type == FS_T_DIR ? S_IFDIR : S_IFREG) | (fst->mode & 0777);
	st->st_nlink = fst->nlink;
	st->st_uid = fst->owner;
	st->st_size = (off_t)fst->size;
	st->st_blocks = (blkcnt_t)fst->blocks * (FS_BSIZE / 512);
	st->st_blksize = FS_BSIZE;
	st->st_mtim.tv_sec = (time_t)fst->mtime;
	st->st_atim = st->st_ctim = st->st_mtim;
}

static int
file_fstat(struct fd *fd, struct stat *st)
{
	int err = 0;
	struct fs_file *f = handle_get(fd, &err);
	struct fs_stat fst;
	int r;

	if (f == NULL)
		return err;
	if ((r = fs_fstat(f, &fst)) < 0)
		return err_of(r);
	stat_from_fs(&fst, st);
	st->st_dev = FD_DEV_FILE;
	return 0;
}

static int
file_ftruncate(struct fd *fd, off_t size)
{
	int err = 0;
	struct fs_file *f = handle_get(fd, &err);
	int r;

	if (f == NULL)
		return err;
	return (r = fs_ftruncate(f, (uint64_t)size)) < 0 ? err_of(r) : 0;
}

static int
file_fsync(struct fd *fd)
{
	int err = 0;
	struct fs_file *f = handle_get(fd, &err);
	int r;

	if (f == NULL)
		return err;
	return (r = fs_fsync(f)) < 0 ? err_of(r) : 0;
}

static int
file_close(struct fd *fd, int last)
{
	int n = fd_num(fd);

	if (handles[n].f != NULL && handles[n].env == thisenv->id)
		fs_close(handles[n].f);
	handles[n].f = NULL;
	handles[n].env = 0;
	return 0;
}

static int
file_poll(struct fd *fd)
{
	return FD_POLL_IN | FD_POLL_OUT;
}

const struct fd_dev fd_dev_file = {
	.dev_id = FD_DEV_FILE,
	.dev_name = "file",
	.dev_read = file_read,
	.dev_write = file_write,
	.dev_close = file_close,
	.dev_fstat = file_fstat,
	.dev_seek = file_seek,
	.dev_pread = file_pread,
	.dev_pwrite = file_pwrite,
	.dev_ftruncate = file_ftruncate,
	.dev_fsync = file_fsync,
	.dev_poll = file_poll,
};

/* --- calls on path names --- */

/* The file system and path made absolute in abs; NULL and *err. */
static struct fs *
fs_path(const char *path, char *abs, int *err)
{
	int r;

	if (path == NULL) {
		*err = -EFAULT;
		return NULL;
	}
	if ((r = path_absolute(path, abs, PATH_MAX)) < 0) {
		*err = r;
		return NULL;
	}
	return file_fs(err);
}

static int
open_flags_check(int flags)
{
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	return 0;
}

/* POSIX open: O_CREAT (with the mode argument), O_EXCL, O_TRUNC,
 * O_APPEND, O_DIRECTORY; O_NONBLOCK and O_NOCTTY are accepted. */
int
open(const char *path, int flags, ...)
{
	char abs[PATH_MAX];
	int err = 0, fsflags, n = 0;
	struct fs *fs = fs_path(path, abs, &err);
	struct fs_file *f;
	struct fs_stat st;
	struct fd *fd;
	mode_t mode = 0644;
	va_list ap;
	int r;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (fs == NULL)
		return (int)posix_ret(err);
	if ((r = open_flags_check(flags)) < 0)
		return (int)posix_ret(r);
	if (flags & O_DIRECTORY) {
		r = fs_stat(fs, abs, &st);
		if (r == 0 && st.type != FS_T_DIR)
			r = -E_NOT_DIR;
		if (r == 0)
			r = -E_IS_DIR;	/* directories are read with opendir */
		return (int)posix_ret(err_of(r));
	}
	fsflags = fs_access_flags(flags) | (flags & O_CREAT ? FS_O_CREAT : 0) |
		  (flags & O_EXCL ? FS_O_EXCL : 0) | (flags & O_TRUNC ? FS_O_TRUNC : 0);
	if ((r = fs_open(fs, abs, fsflags, (uint16_t)(mode & 0777), &f)) < 0)
		return (int)posix_ret(err_of(r));
	if ((r = fs_fstat(f, &st)) < 0 ||
	    (n = fd_alloc(&fd_dev_file, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK), &fd)) < 0) {
		fs_close(f);
		return (int)posix_ret(r < 0 ? err_of(r) : n);
	}
	priv_of(fd)->ino = st.ino;
	strcpy(priv_of(fd)->path, abs);
	handles[n].env = thisenv->id;
	handles[n].ppn = page_ppn(fd);
	handles[n].f = f;
	return n;
}

int
creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int
stat(const char *path, struct stat *st)
{
	char abs[PATH_MAX];
	int err = 0, r;
	struct fs *fs = fs_path(path, abs, &err);
	struct fs_stat fst;

	if (fs == NULL)
		return (int)posix_ret(err);
	if ((r = fs_stat(fs, abs, &fst)) < 0)
		return (int)posix_ret(err_of(r));
	memset(st, 0, sizeof(*st));
	stat_from_fs(&fst, st);
	st->st_dev = FD_DEV_FILE;
	return 0;
}

int
lstat(const char *path, struct stat *st)
{
	return stat(path, st);
}

/* Runs op on path made absolute; the POSIX return. */
static int
path_op(const char *path, int (*op)(struct fs *, const char *))
{
	char abs[PATH_MAX];
	int err = 0, r;
	struct fs *fs = fs_path(path, abs, &err);

	if (fs == NULL)
		return (int)posix_ret(err);
	if ((r = op(fs, abs)) < 0)
		return (int)posix_ret(err_of(r));
	return 0;
}

int
unlink(const char *path)
{
	return path_op(path, fs_unlink);
}

int
rmdir(const char *path)
{
	return path_op(path, fs_rmdir);
}

int
mkdir(const char *path, mode_t mode)
{
	char abs[PATH_MAX];
	int err = 0, r;
	struct fs *fs = fs_path(path, abs, &err);

	if (fs == NULL)
		return (int)posix_ret(err);
	if ((r = fs_mkdir(fs, abs, (uint16_t)(mode & 0777))) < 0)
		return (int)posix_ret(err_of(r));
	return 0;
}

int
rename(const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	int err = 0, r;
	struct fs *fs = fs_path(from, a, &err);

	if (fs == NULL)
		return (int)posix_ret(err);
	if ((r = path_absolute(to, b, sizeof(b))) < 0)
		return (int)posix_ret(r);
	if ((r = fs_rename(fs, a, b)) < 0)
		return (int)posix_ret(err_of(r));
	return 0;
}

int
truncate(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = ftruncate(fd, size);
	close(fd);
	return r;
}

/* POSIX access: whether the file exists (F_OK); the mode bits are the
 * file system's to enforce, so R/W/X are answered from them. */
int
access(const char *path, int mode)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if ((mode & R_OK) && !(st.st_mode & S_IRUSR))
		return (int)posix_ret(-EACCES);
	if ((mode & W_OK) && !(st.st_mode & S_IWUSR))
		return (int)posix_ret(-EACCES);
	if ((mode & X_OK) && !(st.st_mode & S_IXUSR))
		return (int)posix_ret(-EACCES);
	return 0;
}

mode_t
umask(mode_t mask)
{
	return 022;
}

/* POSIX chdir: path must name a directory. */
int
chdir(const char *path)
{
	char abs[PATH_MAX];
	int err = 0, r;
	struct fs *fs = fs_path(path, abs, &err);
	struct fs_stat st;

	if (fs == NULL)
		return (int)posix_ret(err);
	if ((r = fs_stat(fs, abs, &st)) < 0)
		return (int)posix_ret(err_of(r));
	if (st.type != FS_T_DIR)
		return (int)posix_ret(-ENOTDIR);
	return (int)posix_ret(path_set_cwd(abs));
}

/* --- directories --- */

struct stdio_dir {
	struct fs_dir *d;
	struct dirent ent;
};

DIR *
opendir(const char *path)
{
	char abs[PATH_MAX];
	int err = 0, r;
	struct fs *fs = fs_path(path, abs, &err);
	DIR *dir;

	if (fs == NULL) {
		posix_ret(err);
		return NULL;
	}
	if ((dir = malloc(sizeof(*dir))) == NULL)
		return NULL;
	if ((r = fs_opendir(fs, abs, &dir->d)) < 0) {
		free(dir);
		posix_ret(err_of(r));
		return NULL;
	}
	return dir;
}

struct dirent *
readdir(DIR *dir)
{
	struct fs_dirent de;
	int r;

	if (dir == NULL) {
		errno = EBADF;
		return NULL;
	}
	if ((r = fs_readdir(dir->d, &de)) <= 0) {
		if (r < 0)
			posix_ret(err_of(r));
		return NULL;
	}
	dir->ent.d_ino = de.ino;
	dir->ent.d_type = de.type == FS_T_DIR ? DT_DIR : de.type == FS_T_FILE ? DT_REG : DT_UNKNOWN;
	strlcpy(dir->ent.d_name, de.name, sizeof(dir->ent.d_name));
	return &dir->ent;
}

int
closedir(DIR *dir)
{
	if (dir == NULL)
		return (int)posix_ret(-EBADF);
	fs_closedir(dir->d);
	free(dir);
	return 0;
}
