/*
 * File descriptors: the per-env table of shared description pages
 * (include/fd.h has the design), the calls every device shares (read,
 * write, close, dup, dup2, lseek, fstat, isatty, fcntl...), and handing
 * the table to a spawned child.
 *
 * The table of an env is the set of FD_PAGE(n) it maps; nothing else is
 * kept, so fork needs no help (it maps PERM_SHARE pages as they are) and
 * the kernel's teardown closes everything an env held when it dies.
 */
#include "libos.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <sys/stat.h>
#include <thread.h>

#define FD_PERM		(PERM_P | PERM_W | PERM_NX | PERM_SHARE)

extern const struct fd_dev fd_dev_console, fd_dev_pipe, fd_dev_file;

static const struct fd_dev *fd_devs[FD_DEV_MAX] = {
	[FD_DEV_CONSOLE] = &fd_dev_console,
	[FD_DEV_PIPE] = &fd_dev_pipe,
	[FD_DEV_FILE] = &fd_dev_file,
};

_Static_assert(sizeof(struct fd) == PGSIZE, "struct fd is one page");

/* See fd.h. */
int
fd_dev_register(const struct fd_dev *dev)
{
	if (dev == NULL || dev->dev_id == 0 || dev->dev_id >= FD_DEV_MAX)
		return -EINVAL;
	if (fd_devs[dev->dev_id] != NULL && fd_devs[dev->dev_id] != dev)
		return -EINVAL;
	fd_devs[dev->dev_id] = dev;
	return 0;
}

static bool
fd_mapped(int n)
{
	return (uvpt_pte(FD_PAGE(n)) & PERM_P) != 0;
}

/* See fd.h. */
struct fd *
fd_lookup(int fdnum)
{
	struct fd *fd;

	if (fdnum < 0 || fdnum >= FD_MAX || !fd_mapped(fdnum))
		return NULL;
	fd = (struct fd *)FD_PAGE(fdnum);
	return fd->fd_magic == FD_MAGIC ? fd : NULL;
}

/* See fd.h. */
int
fd_num(const struct fd *fd)
{
	return (int)(((uintptr_t)fd - FD_PAGE(0)) / PGSIZE);
}

void *
fd_data(const struct fd *fd)
{
	return (void *)FD_DATA(fd_num(fd));
}

void *
fd_shadow(const struct fd *fd)
{
	return (void *)FD_SHADOW(fd_num(fd));
}

const struct fd_dev *
fd_dev(const struct fd *fd)
{
	return fd->fd_dev < FD_DEV_MAX ? fd_devs[fd->fd_dev] : NULL;
}

/* See fd.h. */
int
fd_refs(const struct fd *fd)
{
	uint64_t pte = uvpt_pte((uintptr_t)fd);

	if (!(pte & PERM_P))
		return 0;
	return UPAGE_TABLE[pte_ppn(pte)].maps;
}

/* The lowest free descriptor at or above from, or -EMFILE. */
static int
fd_free_slot(int from)
{
	int n;

	for (n = from < 0 ? 0 : from; n < FD_MAX; n++)
		if (!fd_mapped(n))
			return n;
	return -EMFILE;
}

/* See fd.h. */
int
fd_alloc(const struct fd_dev *dev, int flags, struct fd **out)
{
	struct fd *fd;
	int n;

	thread_preempt_disable();
	if ((n = fd_free_slot(0)) >= 0 &&
	    sys_page_alloc(0, FD_PAGE(n), FD_PERM, PPN_ANY) < 0)
		n = -ENOMEM;
	thread_preempt_enable();
	if (n < 0)
		return n;
	fd = (struct fd *)FD_PAGE(n);
	memset(fd, 0, sizeof(*fd));
	fd->fd_dev = dev->dev_id;
	fd->fd_flags = (uint32_t)flags;
	fd->fd_magic = FD_MAGIC;
	*out = fd;
	return n;
}

/* See fd.h. */
int
fd_data_alloc(int fdnum, size_t npages)
{
	struct mmap_op ops[FD_DATA_PAGES];
	struct mmap_batch b = { ops, FD_DATA_PAGES, 0, false };
	size_t i;

	if (fdnum < 0 || fdnum >= FD_MAX || npages > FD_DATA_PAGES)
		return -EINVAL;
	for (i = 0; i < npages; i++)
		batch_add(&b, MMAP_OP_ALLOC, 0, FD_DATA(fdnum) + i * PGSIZE, FD_PERM, 0, 0);
	return batch_flush(&b) < 0 ? -ENOMEM : 0;
}

/*
 * Adds to b, in address order, the ops that map descriptor n's pages
 * (data window, description, shadow) at descriptor to of env dst; or,
 * with op MMAP_OP_UNMAP, that unmap n's own. One batch per descriptor:
 * pipe.c's holder counting needs the description page to change between
 * its two ring mappings, never before both or after both.
 */
static void
fd_page_ops(struct mmap_batch *b, uint32_t op, int n, envid_t dst, int to)
{
	uintptr_t src[FD_DATA_PAGES + 2], dva[FD_DATA_PAGES + 2];
	size_t k = 0, i;
	uint64_t pte;

	for (i = 0; i < FD_DATA_PAGES; i++) {
		src[k] = FD_DATA(n) + i * PGSIZE;
		dva[k++] = FD_DATA(to) + i * PGSIZE;
	}
	src[k] = FD_PAGE(n);
	dva[k++] = FD_PAGE(to);
	src[k] = FD_SHADOW(n);
	dva[k++] = FD_SHADOW(to);
	for (i = 0; i < k; i++) {
		pte = uvpt_pte(src[i]);
		if (!(pte & PERM_P))
			continue;
		if (op == MMAP_OP_UNMAP)
			batch_add(b, MMAP_OP_UNMAP, 0, src[i], 0, 0, 0);
		else
			batch_add(b, MMAP_OP_MAP, dst, dva[i], pte & PERM_USER_OK, 0, src[i]);
	}
}

static int
fd_unmap(int n)
{
	struct mmap_op ops[FD_DATA_PAGES + 2];
	struct mmap_batch b = { ops, FD_DATA_PAGES + 2, 0, false };

	fd_page_ops(&b, MMAP_OP_UNMAP, n, 0, n);
	return batch_flush(&b);
}

/* Maps my descriptor n at to in env dst (0: me), replacing nothing:
 * the caller has made sure to is free there. */
static int
fd_map(int n, envid_t dst, int to)
{
	struct mmap_op ops[FD_DATA_PAGES + 2];
	struct mmap_batch b = { ops, FD_DATA_PAGES + 2, 0, false };

	fd_page_ops(&b, MMAP_OP_MAP, n, dst, to);
	return batch_flush(&b);
}

/* Closes descriptor n of this env: the device hears of it, then the
 * pages go. 0 or -EBADF. */
static int
fd_close(int n)
{
	struct fd *fd = fd_lookup(n);
	const struct fd_dev *dev;

	if (fd == NULL) {
		if (n >= 0 && n < FD_MAX && fd_mapped(n))
			fd_unmap(n);	/* a page that is no description */
		return -EBADF;
	}
	if ((dev = fd_dev(fd)) != NULL && dev->dev_close != NULL)
		dev->dev_close(fd, fd_refs(fd) == 1);
	fd_unmap(n);
	return 0;
}

/* See fd.h. */
void
fd_close_all(void)
{
	int n;

	for (n = 0; n < FD_MAX; n++)
		if (fd_mapped(n))
			fd_close(n);
}

/* The fd map spawn_fds asked for (proc.c), or NULL: every descriptor
 * goes to the child under its own number. */
const int *fd_spawn_map;
int fd_spawn_nmap;

/* See fd.h. */
int
fd_share_with(envid_t child)
{
	int n, from, r;

	for (n = 0; n < FD_MAX; n++) {
		from = n;
		if (fd_spawn_map != NULL)
			from = n < fd_spawn_nmap ? fd_spawn_map[n] : -1;
		if (from < 0 || fd_lookup(from) == NULL)
			continue;
		if ((r = fd_map(from, child, n)) < 0)
			return r;
	}
	return 0;
}

/* See fd.h. */
void
fd_wait(void)
{
	if (thread_count() > 1)
		thread_yield();
	sys_yield();
}

/* Opens the console as 0, 1 and 2 when the env came with no descriptor
 * at all: the first program, started by the kernel. */
void
fd_init(void)
{
	struct fd *fd;
	int n;

	for (n = 0; n < FD_MAX; n++)
		if (fd_mapped(n))
			return;
	if (fd_alloc(&fd_dev_console, O_RDWR, &fd) != 0)
		return;
	dup2(0, 1);
	dup2(0, 2);
}

/* --- the POSIX calls --- */

static struct fd *
fd_get(int n, const struct fd_dev **dev)
{
	struct fd *fd = fd_lookup(n);

	if (fd == NULL || (*dev = fd_dev(fd)) == NULL)
		return NULL;
	return fd;
}

ssize_t
read(int n, void *buf, size_t len)
{
	const struct fd_dev *dev;
	struct fd *fd = fd_get(n, &dev);

	if (fd == NULL || (fd->fd_flags & O_ACCMODE) == O_WRONLY || dev->dev_read == NULL)
		return posix_ret(-EBADF);
	if (len == 0)
		return 0;
	return posix_ret(dev->dev_read(fd, buf, len));
}

ssize_t
write(int n, const void *buf, size_t len)
{
	const struct fd_dev *dev;
	struct fd *fd = fd_get(n, &dev);

	ssize_t r;

	if (fd == NULL || (fd->fd_flags & O_ACCMODE) == O_RDONLY || dev->dev_write == NULL)
		return posix_ret(-EBADF);
	if (len == 0)
		return 0;
	console_interrupt_check();
	if ((r = dev->dev_write(fd, buf, len)) == -EPIPE)
		raise(SIGPIPE);		/* by default the end, as in Unix */
	return posix_ret(r);
}

ssize_t
pread(int n, void *buf, size_t len, off_t off)
{
	const struct fd_dev *dev;
	struct fd *fd = fd_get(n, &dev);

	if (fd == NULL || (fd->fd_flags & O_ACCMODE) == O_WRONLY)
		return posix_ret(-EBADF);
	if (dev->dev_pread == NULL)
		return posix_ret(-ESPIPE);
	if (off < 0)
		return posix_ret(-EINVAL);
	return posix_ret(dev->dev_pread(fd, buf, len, off));
}

ssize_t
pwrite(int n, const void *buf, size_t len, off_t off)
{
	const struct fd_dev *dev;
	struct fd *fd = fd_get(n, &dev);

	if (fd == NULL || (fd->fd_flags & O_ACCMODE) == O_RDONLY)
		return posix_ret(-EBADF);
	if (dev->dev_pwrite == NULL)
		return posix_ret(-ESPIPE);
	if (off < 0)
		return posix_ret(-EINVAL);
	return posix_ret(dev->dev_pwrite(fd, buf, len, off));
}

int
close(int n)
{
	return (int)posix_ret(fd_close(n));
}

/* POSIX dup2: newfd refers to what fd does (newfd closed first). */
int
dup2(int n, int newfd)
{
	int r;

	if (fd_lookup(n) == NULL || newfd < 0 || newfd >= FD_MAX)
		return (int)posix_ret(-EBADF);
	if (newfd == n)
		return newfd;
	if (fd_mapped(newfd))
		fd_close(newfd);
	thread_preempt_disable();
	r = fd_map(n, 0, newfd);
	thread_preempt_enable();
	if (r < 0) {
		fd_unmap(newfd);
		return (int)posix_ret(-ENOMEM);
	}
	return newfd;
}

static int
dup_from(int n, int from)
{
	int slot;

	if (fd_lookup(n) == NULL)
		return (int)posix_ret(-EBADF);
	if ((slot = fd_free_slot(from)) < 0)
		return (int)posix_ret(slot);
	return dup2(n, slot);
}

int
dup(int n)
{
	return dup_from(n, 0);
}

off_t
lseek(int n, off_t off, int whence)
{
	const struct fd_dev *dev;
	struct fd *fd = fd_get(n, &dev);

	if (fd == NULL)
		return posix_ret(-EBADF);
	if (dev->dev_seek == NULL)
		return posix_ret(-ESPIPE);
	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return posix_ret(-EINVAL);
	return posix_ret(dev->dev_seek(fd, off, whence));
}

int
fstat(int n, struct stat *st)
{
	const struct fd_dev *dev;
	struct fd *fd = fd_get(n, &dev);

	if (fd == NULL)
		return (int)posix_ret(-EBADF);
	memset(st, 0, sizeof(*st));
	st->st_dev = fd->fd_dev;
	st->st_nlink = 1;
	st->st_blksize = PGSIZE;
	if (dev->dev_fstat == NULL)
		return 0;
	return (int)posix_ret(dev->dev_fstat(fd, st));
}

int
isatty(int n)
{
	struct fd *fd = fd_lookup(n);

	if (fd == NULL) {
		errno = EBADF;
		return 0;
	}
	if (fd->fd_dev != FD_DEV_CONSOLE) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}

int
ftruncate(int n, off_t size)
{
	const struct fd_dev *dev;
	struct fd *fd = fd_get(n, &dev);

	if (fd == NULL || (fd->fd_flags & O_ACCMODE) == O_RDONLY)
		return (int)posix_ret(-EBADF);
	if (dev->dev_ftruncate == NULL)
		return (int)posix_ret(-EINVAL);
	if (size < 0)
		return (int)posix_ret(-EINVAL);
	return (int)posix_ret(dev->dev_ftruncate(fd, size));
}

int
fsync(int n)
{
	const struct fd_dev *dev;
	struct fd *fd = fd_get(n, &dev);

	if (fd == NULL)
		return (int)posix_ret(-EBADF);
	if (dev->dev_fsync == NULL)
		return 0;
	return (int)posix_ret(dev->dev_fsync(fd));
}

/* POSIX fcntl: F_DUPFD, F_GETFL/F_SETFL (O_APPEND and O_NONBLOCK may
 * change), F_GETFD/F_SETFD (accepted; nothing to close on exec). */
int
fcntl(int n, int cmd, ...)
{
	struct fd *fd = fd_lookup(n);
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (fd == NULL)
		return (int)posix_ret(-EBADF);
	switch (cmd) {
	case F_DUPFD:
		if (arg < 0 || arg >= FD_MAX)
			return (int)posix_ret(-EINVAL);
		return dup_from(n, (int)arg);
	case F_GETFD:
		return 0;
	case F_SETFD:
		return 0;
	case F_GETFL:
		return (int)fd->fd_flags;
	case F_SETFL:
		fd->fd_flags = (fd->fd_flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
			       ((uint32_t)arg & (O_APPEND | O_NONBLOCK));
		return 0;
	}
	return (int)posix_ret(-EINVAL);
}
