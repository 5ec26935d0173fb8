/*
 * Raw block stores on the host: a file, memory, and memory that crashes
 * (hostdev.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libos/fs/host/hostdev.h"
#include "kern/abi/error.h"

#define BS	DISK_BLKSIZE

/* --- a file --- */

struct filedev {
	struct rawdev r;
	int fd;
};

static int
file_read(struct rawdev *r, uint64_t blk, uint32_t n, void *buf)
{
	struct filedev *f = (struct filedev *)r;
	size_t want = (size_t)n * BS;
	ssize_t got;

	if (blk >= r->nblocks || n > r->nblocks - blk)
		return -E_RANGE;
	got = pread(f->fd, buf, want, (off_t)(blk * BS));
	if (got < 0)
		return -E_IO;
	if ((size_t)got < want)		/* past the end of a sparse file */
		memset((uint8_t *)buf + got, 0, want - got);
	return 0;
}

static int
file_write(struct rawdev *r, uint64_t blk, uint32_t n, const void *buf)
{
	struct filedev *f = (struct filedev *)r;
	size_t want = (size_t)n * BS;

	if (blk >= r->nblocks || n > r->nblocks - blk)
		return -E_RANGE;
	if (pwrite(f->fd, buf, want, (off_t)(blk * BS)) != (ssize_t)want)
		return -E_IO;
	return 0;
}

static int
file_flush(struct rawdev *r)
{
	return 0;	/* the host's page cache is durable enough for images */
}

static void
file_close(struct rawdev *r)
{
	close(((struct filedev *)r)->fd);
	free(r);
}

struct rawdev *
rawdev_file(const char *path, uint64_t nblocks, int create)
{
	struct filedev *f = calloc(1, sizeof(*f));
	off_t size;

	if (f == NULL)
		return NULL;
	f->fd = open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0644);
	if (f->fd < 0 && !create && errno == EACCES)
		f->fd = open(path, O_RDONLY);
	if (f->fd < 0) {
		free(f);
		return NULL;
	}
	if (nblocks == 0) {
		size = lseek(f->fd, 0, SEEK_END);
		nblocks = size > 0 ? (uint64_t)size / BS : 0;
	} else if (create && ftruncate(f->fd, (off_t)(nblocks * BS)) < 0) {
		close(f->fd);
		free(f);
		return NULL;
	}
	f->r.read = file_read;
	f->r.write = file_write;
	f->r.flush = file_flush;
	f->r.close = file_close;
	f->r.nblocks = nblocks;
	return &f->r;
}

/* --- memory, and memory that crashes --- */

struct pending {
	uint64_t blk;
	uint8_t data[BS];
};

struct memdev {
	struct rawdev r;
	uint8_t *image;		/* durable */
	int crashy;		/* keep writes pending until flush */
	struct pending *pend;
	size_t npend, cap;
	long countdown;		/* calls until power loss; -1 never */
	long calls;		/* writes and flushes so far */
	int dead;
};

static int
mem_alive(struct memdev *m)
{
	if (m->dead)
		return 0;
	m->calls++;
	if (m->countdown > 0 && --m->countdown == 0)
		m->dead = 1;
	return !m->dead;
}

static int
mem_read(struct rawdev *r, uint64_t blk, uint32_t n, void *buf)
{
	struct memdev *m = (struct memdev *)r;
	uint32_t i;
	size_t p;

	if (blk >= r->nblocks || n > r->nblocks - blk)
		return -E_RANGE;
	if (m->dead)
		return -E_IO;
	memcpy(buf, m->image + blk * BS, (size_t)n * BS);
	for (p = 0; p < m->npend; p++)		/* later writes win */
		for (i = 0; i < n; i++)
			if (m->pend[p].blk == blk + i)
				memcpy((uint8_t *)buf + (size_t)i * BS, m->pend[p].data, BS);
	return 0;
}

static int
mem_write(struct rawdev *r, uint64_t blk, uint32_t n, const void *buf)
{
	struct memdev *m = (struct memdev *)r;
	uint32_t i;

	if (blk >= r->nblocks || n > r->nblocks - blk)
		return -E_RANGE;
	if (!mem_alive(m))
		return -E_IO;
	if (!m->crashy) {
		memcpy(m->image + blk * BS, buf, (size_t)n * BS);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (m->npend == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 64;
			struct pending *np = realloc(m->pend, cap * sizeof(*np));
			if (np == NULL)
				return -E_NO_MEM;
			m->pend = np;
			m->cap = cap;
		}
		m->pend[m->npend].blk = blk + i;
		memcpy(m->pend[m->npend].data, (const uint8_t *)buf + (size_t)i * BS, BS);
		m->npend++;
	}
	return 0;
}

static void
apply(struct memdev *m, size_t p, size_t bytes)
{
	memcpy(m->image + m->pend[p].blk * BS, m->pend[p].data, bytes);
}

static int
mem_flush(struct rawdev *r)
{
	struct memdev *m = (struct memdev *)r;
	size_t p;

	if (!mem_alive(m))
		return -E_IO;
	for (p = 0; p < m->npend; p++)
		apply(m, p, BS);
	m->npend = 0;
	return 0;
}

static void
mem_close(struct rawdev *r)
{
	struct memdev *m = (struct memdev *)r;

	free(m->image);
	free(m->pend);
	free(m);
}

static struct rawdev *
memdev_new(uint64_t nblocks, int crashy)
{
	struct memdev *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->image = calloc(nblocks, BS);
	if (m->image == NULL) {
		free(m);
		return NULL;
	}
	m->crashy = crashy;
	m->countdown = -1;
	m->r.read = mem_read;
	m->r.write = mem_write;
	m->r.flush = mem_flush;
	m->r.close = mem_close;
	m->r.nblocks = nblocks;
	return &m->r;
}

struct rawdev *
rawdev_mem(uint64_t nblocks)
{
	return memdev_new(nblocks, 0);
}

struct rawdev *
rawdev_crash(uint64_t nblocks)
{
	return memdev_new(nblocks, 1);
}

void
crashdev_arm(struct rawdev *r, long countdown)
{
	struct memdev *m = (struct memdev *)r;

	m->countdown = countdown <= 0 ? -1 : countdown;
}

long
crashdev_calls(struct rawdev *r)
{
	return ((struct memdev *)r)->calls;
}

int
crashdev_dead(struct rawdev *r)
{
	return ((struct memdev *)r)->dead;
}

size_t
crashdev_pending(struct rawdev *r)
{
	return ((struct memdev *)r)->npend;
}

uint8_t *
crashdev_image(struct rawdev *r)
{
	return ((struct memdev *)r)->image;
}

void
crashdev_crash(struct rawdev *r, int mode, uint64_t seed)
{
	struct memdev *m = (struct memdev *)r;
	size_t p, keep = m->npend ? rng_next(&seed) % (m->npend + 1) : 0;

	if (mode == CRASH_SUBSET) {
		for (p = 0; p < m->npend; p++)
			if (rng_next(&seed) & 1)
				apply(m, p, BS);
	} else if (mode == CRASH_PREFIX || mode == CRASH_TORN) {
		for (p = 0; p < keep; p++)
			apply(m, p, BS);
		if (mode == CRASH_TORN && keep < m->npend)
			apply(m, keep, DISK_SECTOR * (rng_next(&seed) % DISK_SECTORS_PER_BLOCK));
	}
	m->npend = 0;
	m->dead = 0;
	m->countdown = -1;
}
