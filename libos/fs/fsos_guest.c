/*
 * fsos.h inside the library OS: a small heap for the file system (libos
 * has no malloc yet), the time from the clock page, and an in-process
 * lock that does nothing (an env runs one thread; the lock between envs
 * is the device's, guest.c).
 *
 * The heap lives in its own window of the library's corner of the
 * address space (libos.h): FS_HEAP_BASE, FS_HEAP_MAX bytes, pages mapped
 * as it grows. Blocks of exactly one page (buffer-cache data) come from
 * the upper half, page-aligned, so the kernel's disk calls move them by
 * DMA; everything else is first-fit with a header in the lower half.
 */
#include "libos/libos.h"
#include "libos/fs/fsos.h"

#define FS_HEAP_BASE	(ULIB_BASE + 0x100000000ULL)
#define FS_HEAP_MAX	0x40000000ULL
#define HEAP_PERM	(PERM_P | PERM_W | PERM_U | PERM_NX)

struct hblk {
	size_t size;		/* bytes after the header */
	size_t free;
};

#define PAGES_BASE	(FS_HEAP_BASE + FS_HEAP_MAX / 2)

static uintptr_t heap_top = FS_HEAP_BASE;	/* small blocks mapped below */
static uintptr_t pages_top = PAGES_BASE;	/* pages mapped below */
static void *free_pages;			/* list of free single pages */

/* Maps pages from *top on to cover bytes more, below limit. */
static int
grow(uintptr_t *top, size_t bytes, uintptr_t limit)
{
	uintptr_t end = ROUNDUP(*top + bytes, PGSIZE);

	if (end > limit)
		return -E_NO_MEM;
	for (; *top < end; *top += PGSIZE)
		if (sys_page_alloc(0, *top, HEAP_PERM, PPN_ANY) < 0)
			return -E_NO_MEM;
	return 0;
}

static int
heap_grow(size_t bytes)
{
	return grow(&heap_top, bytes, PAGES_BASE);
}

static void *
page_alloc(void)
{
	void *p = free_pages;

	if (p != NULL) {
		free_pages = *(void **)p;
	} else {
		if (grow(&pages_top, PGSIZE, FS_HEAP_BASE + FS_HEAP_MAX) < 0)
			return NULL;
		p = (void *)(pages_top - PGSIZE);
	}
	memset(p, 0, PGSIZE);
	return p;
}

/* First fit over the blocks below heap_top; grows when none fits. */
static void *
small_alloc(size_t n)
{
	uintptr_t p = FS_HEAP_BASE;
	struct hblk *b;

	n = ROUNDUP(n, 16);
	for (; p < heap_top; p += sizeof(*b) + b->size) {
		b = (struct hblk *)p;
		if (!b->free || b->size < n)
			continue;
		if (b->size >= n + sizeof(*b) + 64) {
			struct hblk *rest = (struct hblk *)(p + sizeof(*b) + n);
			rest->size = b->size - n - sizeof(*b);
			rest->free = 1;
			b->size = n;
		}
		b->free = 0;
		memset(b + 1, 0, n);
		return b + 1;
	}
	return NULL;
}

void *
fsos_alloc(size_t n)
{
	struct hblk *b;
	void *p;

	if (n == PGSIZE)
		return page_alloc();
	if ((p = small_alloc(n)) != NULL)
		return p;
	/* a new block at the top: whole pages, header first */
	n = ROUNDUP(n + sizeof(*b), PGSIZE) - sizeof(*b);
	b = (struct hblk *)heap_top;
	if (heap_grow(n + sizeof(*b)) < 0)
		return NULL;
	b->size = n;
	b->free = 0;
	return b + 1;
}

void
fsos_free(void *p)
{
	struct hblk *b;

	if (p == NULL)
		return;
	if ((uintptr_t)p >= PAGES_BASE) {
		*(void **)p = free_pages;
		free_pages = p;
		return;
	}
	b = (struct hblk *)p - 1;
	b->free = 1;
}

uint64_t
fsos_now(void)
{
	const volatile struct clock_export *c = (const volatile struct clock_export *)UCLOCK;
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	if (c->tsc_hz == 0)
		return 0;
	return ((((uint64_t)hi << 32) | lo) - c->boot_tsc) / c->tsc_hz;
}

struct fsos_lock {
	int held;
};

static struct fsos_lock the_lock;

struct fsos_lock *
fsos_lock_new(void)
{
	return &the_lock;
}

void
fsos_lock_free(struct fsos_lock *l)
{
}

void
fsos_lock_acquire(struct fsos_lock *l)
{
	l->held++;
}

void
fsos_lock_release(struct fsos_lock *l)
{
	l->held--;
}
