/*
 * Pipes: a ring of PIPE_PAGES pages shared by the envs that hold either
 * end, with no kernel object behind it.
 *
 * Each end is a description (struct fd) whose data window maps the ring:
 * its header page P, then the data pages. The shadow page maps P once
 * more. So while nothing moves, P's map count is exactly twice the number
 * of descriptors, in all envs, that refer to either end:
 *
 *     maps(P) == 2 * (maps(R) + maps(W))      R, W: the two ends' pages
 *
 * and the other end of mine is gone, for good, when maps(P) == 2 *
 * maps(mine). The kernel keeps map counts exact and exports them
 * (UPAGE_TABLE), so this holds however an env lets go of an end: close,
 * exit, a crash, being destroyed.
 *
 * Why twice: descriptors come and go (fork, spawn, dup, close, the
 * kernel's teardown) with their pages mapped or unmapped in address order
 * -- data, description, shadow -- so while one such change is half done,
 * maps(P) is odd and cannot equal twice anything. A reader takes maps(P)
 * between two equal readings of maps(mine), so it never sees an end gone
 * that is not, and a conclusion that it is gone is checked once more
 * after a yield before it is acted on.
 *
 * The ring: rpos and wpos count bytes ever read and written (never
 * wrapping in practice); a reader owns rpos, a writer wpos, each side
 * serialized among its envs by a lock word holding the holder's id (a
 * dead holder's lock is taken over). Readers and writers wait by
 * yielding (fd_wait): only the calling thread waits.
 */
#include "libos.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define PIPE_PAGES	16			/* data pages: 64 KiB */
#define PIPE_SIZE	(PIPE_PAGES * PGSIZE)
#define PIPE_MAGIC	0x45504950		/* "PIPE" */
#define PIPE_PERM	(PERM_P | PERM_W | PERM_NX | PERM_SHARE)

struct pipe {
	uint32_t magic;
	uint32_t pad;
	volatile envid_t rlock;		/* the env reading now, or 0 */
	volatile envid_t wlock;		/* the env writing now, or 0 */
	volatile uint64_t rpos;		/* bytes read, ever */
	volatile uint64_t wpos;		/* bytes written, ever */
};

static struct pipe *
pipe_of(struct fd *fd)
{
	return fd_data(fd);
}

static uint8_t *
ring_of(struct fd *fd)
{
	return (uint8_t *)fd_data(fd) + PGSIZE;
}

static bool
env_alive(envid_t id)
{
	const volatile struct env_export *e = env_lookup(id);

	return e->id == id && e->status != ENV_FREE && e->status != ENV_ZOMBIE;
}

static void
pipe_lock(volatile envid_t *l)
{
	envid_t me = thisenv->id, cur;

	for (;;) {
		cur = 0;
		if (__atomic_compare_exchange_n(l, &cur, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		if (cur != me && !env_alive(cur) &&
		    __atomic_compare_exchange_n(l, &cur, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		fd_wait();
	}
}

static void
pipe_unlock(volatile envid_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static uint32_t
maps_of(const void *va)
{
	uint64_t pte = uvpt_pte((uintptr_t)va);

	return (pte & PERM_P) ? UPAGE_TABLE[pte_ppn(pte)].maps : 0;
}

/* One consistent look: is the other end of fd gone? */
static bool
peer_gone_now(struct fd *fd)
{
	uint32_t a, p, b;

	for (;;) {
		a = maps_of(fd);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		p = maps_of(pipe_of(fd));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		b = maps_of(fd);
		if (a == b)
			return p == 2 * a;
	}
}

/* Is the other end of fd gone? Once gone it never comes back (nobody
 * holds it to share it again), so a "yes" is confirmed after a yield. */
static bool
peer_gone(struct fd *fd)
{
	if (!peer_gone_now(fd))
		return false;
	sys_yield();
	return peer_gone_now(fd);
}

static size_t
ring_copy_out(struct fd *fd, uint64_t pos, void *buf, size_t n)
{
	size_t off = pos % PIPE_SIZE, first = PIPE_SIZE - off;

	if (first > n)
		first = n;
	memcpy(buf, ring_of(fd) + off, first);
	memcpy((uint8_t *)buf + first, ring_of(fd), n - first);
	return n;
}

static void
ring_copy_in(struct fd *fd, uint64_t pos, const void *buf, size_t n)
{
	size_t off = pos % PIPE_SIZE, first = PIPE_SIZE - off;

	if (first > n)
		first = n;
	memcpy(ring_of(fd) + off, buf, first);
	memcpy(ring_of(fd), (const uint8_t *)buf + first, n - first);
}

/* Up to n bytes, waiting until there is at least one; 0 at end of file
 * (the ring empty and no writer left). */
static ssize_t
pipe_read(struct fd *fd, void *buf, size_t n)
{
	struct pipe *p = pipe_of(fd);
	uint64_t r, w;
	ssize_t got = 0;

	pipe_lock(&p->rlock);
	for (;;) {
		r = p->rpos;
		w = __atomic_load_n(&p->wpos, __ATOMIC_ACQUIRE);
		if (w != r) {
			got = (ssize_t)ring_copy_out(fd, r, buf, w - r < n ? w - r : n);
			__atomic_store_n(&p->rpos, r + (uint64_t)got, __ATOMIC_RELEASE);
			break;
		}
		/* gone, and nothing was written just before it went */
		if (peer_gone(fd) && __atomic_load_n(&p->wpos, __ATOMIC_ACQUIRE) == r)
			break;
		if (fd->fd_flags & O_NONBLOCK) {
			got = -EAGAIN;
			break;
		}
		fd_wait();
	}
	pipe_unlock(&p->rlock);
	return got;
}

/* A writer waits for room. A ^C for it (signal.c) is taken with the
 * lock released, as its default ends the program, whose exit flushes
 * stdio into this same pipe. */
static void
write_wait(struct pipe *p)
{
	if (console_interrupt_pending()) {
		pipe_unlock(&p->wlock);
		console_interrupt_check();
		pipe_lock(&p->wlock);
		return;
	}
	fd_wait();
}

/* All n bytes (a pipe write is never short unless the readers go):
 * -EPIPE when no reader is left before any byte went in. */
static ssize_t
pipe_write(struct fd *fd, const void *buf, size_t n)
{
	struct pipe *p = pipe_of(fd);
	size_t done = 0, room, m;
	uint64_t w;

	pipe_lock(&p->wlock);
	while (done < n) {
		if (peer_gone(fd))
			break;
		w = p->wpos;
		room = PIPE_SIZE - (size_t)(w - __atomic_load_n(&p->rpos, __ATOMIC_ACQUIRE));
		if (room == 0) {
			if (fd->fd_flags & O_NONBLOCK)
				break;
			write_wait(p);
			continue;
		}
		m = n - done < room ? n - done : room;
		ring_copy_in(fd, w, (const uint8_t *)buf + done, m);
		__atomic_store_n(&p->wpos, w + m, __ATOMIC_RELEASE);
		done += m;
	}
	pipe_unlock(&p->wlock);
	if (done > 0)
		return (ssize_t)done;
	return (fd->fd_flags & O_NONBLOCK) && !peer_gone_now(fd) ? -EAGAIN : -EPIPE;
}

static int
pipe_fstat(struct fd *fd, struct stat *st)
{
	struct pipe *p = pipe_of(fd);

	st->st_mode = S_IFIFO | 0600;
	st->st_size = (off_t)(p->wpos - p->rpos);
	st->st_blksize = PIPE_SIZE;
	return 0;
}

static int
pipe_poll(struct fd *fd)
{
	struct pipe *p = pipe_of(fd);
	int bits = 0;

	if (p->wpos != p->rpos)
		bits |= FD_POLL_IN;
	if (p->wpos - p->rpos < PIPE_SIZE)
		bits |= FD_POLL_OUT;
	if (peer_gone_now(fd))
		bits |= FD_POLL_HUP;
	return bits;
}

static int
pipe_close(struct fd *fd, int last)
{
	return 0;	/* the unmapping that follows is the whole story */
}

const struct fd_dev fd_dev_pipe = {
	.dev_id = FD_DEV_PIPE,
	.dev_name = "pipe",
	.dev_read = pipe_read,
	.dev_write = pipe_write,
	.dev_close = pipe_close,
	.dev_fstat = pipe_fstat,
	.dev_poll = pipe_poll,
};

/* Maps the ring made at r's window into w's window, and each end's
 * shadow page onto the header. */
static int
pipe_map_ends(int r, int w)
{
	struct mmap_op ops[PIPE_PAGES + 3];
	struct mmap_batch b = { ops, PIPE_PAGES + 3, 0, false };
	size_t i;

	for (i = 0; i <= PIPE_PAGES; i++)
		batch_add(&b, MMAP_OP_MAP, 0, FD_DATA(w) + i * PGSIZE, PIPE_PERM,
			  0, FD_DATA(r) + i * PGSIZE);
	batch_add(&b, MMAP_OP_MAP, 0, FD_SHADOW(r), PIPE_PERM, 0, FD_DATA(r));
	batch_add(&b, MMAP_OP_MAP, 0, FD_SHADOW(w), PIPE_PERM, 0, FD_DATA(r));
	return batch_flush(&b);
}

/* POSIX pipe: fds[0] the read end, fds[1] the write end. -1 and errno
 * EMFILE or ENOMEM. */
int
pipe(int fds[2])
{
	struct fd *rfd, *wfd;
	struct pipe *p;
	int r, w, err;

	if ((r = fd_alloc(&fd_dev_pipe, O_RDONLY, &rfd)) < 0)
		return (int)posix_ret(r);
	if ((w = fd_alloc(&fd_dev_pipe, O_WRONLY, &wfd)) < 0) {
		close(r);
		return (int)posix_ret(w);
	}
	if ((err = fd_data_alloc(r, PIPE_PAGES + 1)) < 0 || pipe_map_ends(r, w) < 0) {
		close(r);
		close(w);
		return (int)posix_ret(err < 0 ? err : -ENOMEM);
	}
	p = pipe_of(rfd);
	p->magic = PIPE_MAGIC;
	fds[0] = r;
	fds[1] = w;
	return 0;
}
