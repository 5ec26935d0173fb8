/*
 * File descriptors (libos/fd.c): the table and the device interface that
 * the console, pipes, files and sockets implement.
 *
 * An open file description is one page, struct fd, mapped PERM_SHARE at
 * FD_PAGE(n) for descriptor n: dup maps the same page at another number,
 * fork keeps every mapping shared, spawn maps them into the child before
 * it starts. So everything in the page -- the offset of a file above
 * all -- is shared by every descriptor, in every env, that refers to the
 * description, as in Unix. The table of one env is nothing but which
 * FD_PAGE(n) it maps: closing n in one env leaves the others alone.
 *
 * Beside its page a description may own, per descriptor, a data window
 * (FD_DATA(n), up to FD_DATA_PAGES pages, below the table) and a shadow
 * page (FD_SHADOW(n), above it). They are mapped, shared and unmapped
 * with the descriptor in address order (data, page, shadow) in one
 * batch, so a device can count holders by the kernel's exact map counts
 * (UPAGE_TABLE[ppn].maps): pipes do (pipe.c).
 *
 * A device's calls return a count or 0, or a negative errno value
 * (errno.h): -EBADF, -EPIPE, -ECONNREFUSED...; the POSIX calls turn that
 * into -1 and errno. A call that would wait blocks only the calling
 * thread (fd_wait) unless the description is O_NONBLOCK.
 */
#ifndef CHITIN_FD_H
#define CHITIN_FD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stat;

#define FD_MAX		64		/* descriptors per env */
#define FD_DATA_PAGES	32		/* a description's data window, pages */
#define FD_PRIV_SIZE	3968		/* bytes of struct fd for the device */

/* Device ids (struct fd.fd_dev); st_dev of fstat. */
#define FD_DEV_CONSOLE	1
#define FD_DEV_PIPE	2
#define FD_DEV_FILE	3
#define FD_DEV_SOCKET	4
#define FD_DEV_MAX	16

/* One open file description (a shared page). */
struct fd {
	uint32_t fd_magic;		/* FD_MAGIC */
	uint32_t fd_dev;		/* FD_DEV_* */
	volatile uint32_t fd_flags;	/* O_ACCMODE, O_APPEND, O_NONBLOCK */
	uint32_t fd_pad;
	volatile int64_t fd_offset;	/* a seekable device's position */
	uint64_t fd_reserved[13];
	uint8_t fd_priv[FD_PRIV_SIZE];	/* the device's */
};
#define FD_MAGIC	0x43444631	/* "1FDC" */

struct fd_dev {
	uint32_t dev_id;		/* FD_DEV_* */
	const char *dev_name;		/* "pipe", for tools */
	ssize_t (*dev_read)(struct fd *fd, void *buf, size_t n);
	ssize_t (*dev_write)(struct fd *fd, const void *buf, size_t n);
	/* This env drops descriptor fd (its pages are unmapped right
	 * after); last: no other descriptor, anywhere, refers to it. */
	int (*dev_close)(struct fd *fd, int last);
	int (*dev_fstat)(struct fd *fd, struct stat *st);
	/* NULL: not seekable (-ESPIPE) */
	off_t (*dev_seek)(struct fd *fd, off_t off, int whence);
	/* optional: positioned I/O, truncation, flushing to the device */
	ssize_t (*dev_pread)(struct fd *fd, void *buf, size_t n, off_t off);
	ssize_t (*dev_pwrite)(struct fd *fd, const void *buf, size_t n, off_t off);
	int (*dev_ftruncate)(struct fd *fd, off_t size);
	int (*dev_fsync)(struct fd *fd);
	/* optional: FD_POLL_* bits true now (read would not block, ...) */
	int (*dev_poll)(struct fd *fd);
};
#define FD_POLL_IN	0x1
#define FD_POLL_OUT	0x4
#define FD_POLL_HUP	0x10

/* Makes dev known to the table (the console, pipes and files are built
 * in): descriptors of an unknown device fail every call with -EBADF.
 * Returns 0, or -EINVAL for a bad id or one taken by another device. */
int fd_dev_register(const struct fd_dev *dev);

/* A new description of dev with flags at the lowest free descriptor:
 * its number, *out its zeroed page; -EMFILE, -ENOMEM. */
int fd_alloc(const struct fd_dev *dev, int flags, struct fd **out);
/* Maps the data window of fdnum: npages fresh pages (writable, shared)
 * at FD_DATA(fdnum); -EINVAL, -ENOMEM. */
int fd_data_alloc(int fdnum, size_t npages);
/* The description of descriptor fdnum in this env, or NULL. */
struct fd *fd_lookup(int fdnum);
/* The descriptor number of a struct fd pointer from fd_lookup/fd_alloc. */
int fd_num(const struct fd *fd);
/* Where fd's data window and shadow page are in this env. */
void *fd_data(const struct fd *fd);
void *fd_shadow(const struct fd *fd);
/* The device of fd, or NULL. */
const struct fd_dev *fd_dev(const struct fd *fd);
/* How many descriptors, in all envs, refer to fd now (its page's maps). */
int fd_refs(const struct fd *fd);
/* Closes every descriptor of this env (exit does it). */
void fd_close_all(void);
/* Shares all my descriptors with child, a new env not yet running
 * (spawn calls it). 0 or a negative E_* (kernel) code. */
int fd_share_with(int32_t child);

/* Waiting inside a blocking device call: lets other threads of this env
 * run, then other envs. Call it in a loop that rechecks the condition. */
void fd_wait(void);

#endif
