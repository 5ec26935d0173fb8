/*
 * malloc, free, calloc and realloc over pages of the heap window
 * (ULIB_HEAP, libos.h), given back to the kernel as soon as they hold
 * nothing.
 *
 * The window is managed a page at a time with a bitmap (bit set: page
 * mapped and in use). The bitmap itself lives in the first pages of the
 * window, each page of it mapped when the heap first grows into the part
 * it covers (HEAP_MAP_COVER pages). Every allocation starts with a
 * 64-byte header at the start of its page:
 *
 *   small (up to SMALL_MAX bytes): a slab page holding objects of one
 *       size class, a free list threaded through the free ones. Slabs
 *       with room sit on their class's list; a slab that empties is
 *       unmapped, except one per class kept for reuse (malloc_trim gives
 *       those back too).
 *   large: a run of pages, the header then the object; free unmaps the
 *       whole run at once.
 *
 * So free finds the header by rounding the pointer down to its page.
 * Threads: the heap's state is changed with preemption held off
 * (thread.h), which is all a single-CPU env needs.
 */
#include "libos.h"
#include <stdlib.h>
#include <malloc.h>
#include <errno.h>
#include <thread.h>

#define HEAP_PAGES	(ULIB_HEAP_MAX / PGSIZE)
#define HEAP_MAP_COVER	(PGSIZE * 8)		/* pages one bitmap page covers */
#define HEAP_MAP_PAGES	(HEAP_PAGES / HEAP_MAP_COVER)
#define HEAP_PERM	(PERM_P | PERM_W | PERM_NX)
#define HDR_SIZE	64
#define SLAB_MAGIC	0x51ab
#define RUN_MAGIC	0x7275
#define SMALL_MAX	2016
#define NCLASS		(sizeof(class_size) / sizeof(class_size[0]))

struct heap_hdr {
	uint16_t magic;			/* SLAB_MAGIC or RUN_MAGIC */
	uint16_t cls;			/* slab: its class */
	uint16_t nfree;			/* slab: free objects */
	uint16_t nobj;			/* slab: objects in all */
	uint32_t npages;		/* run: pages, header included */
	uint32_t pad;
	void *free;			/* slab: first free object */
	struct heap_hdr *next, *prev;	/* slab: its class's list */
	uint64_t reserved[2];
};
_Static_assert(sizeof(struct heap_hdr) <= HDR_SIZE, "header fits");

/* Object sizes: multiples of 16, the last ones what divides a page. */
static const uint16_t class_size[] = {
	16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 672, 1008, 1344, SMALL_MAX,
};

static struct heap_hdr *class_list[NCLASS];	/* slabs with room */
static uint8_t class_empty[NCLASS];		/* empty slabs kept (0 or 1) */
static uint64_t *const heap_map = (uint64_t *)ULIB_HEAP;
static size_t heap_top = HEAP_MAP_PAGES;	/* pages at and above: free */
static size_t heap_hint = HEAP_MAP_PAGES;	/* no free page below it */
static size_t heap_map_mapped;			/* bitmap pages mapped */
static size_t heap_pages;			/* pages mapped in all */

static inline uintptr_t
page_va(size_t pg)
{
	return ULIB_HEAP + pg * PGSIZE;
}

static inline bool
page_used(size_t pg)
{
	return (heap_map[pg / 64] >> (pg % 64)) & 1;
}

static void
mark(size_t pg, size_t n, bool used)
{
	for (; n > 0; n--, pg++) {
		if (used)
			heap_map[pg / 64] |= 1ULL << (pg % 64);
		else
			heap_map[pg / 64] &= ~(1ULL << (pg % 64));
	}
}

/* Maps the bitmap pages that cover pages below end. */
static int
map_cover(size_t end)
{
	size_t need = (end + HEAP_MAP_COVER - 1) / HEAP_MAP_COVER;

	while (heap_map_mapped < need) {
		if (sys_page_alloc(0, ULIB_HEAP + heap_map_mapped * PGSIZE,
				   HEAP_PERM, PPN_ANY) < 0)
			return -E_NO_MEM;
		heap_map_mapped++;
		heap_pages++;
	}
	return 0;
}

/* The first of n free pages in a row: the lowest fit below heap_top, or
 * at the top (taking in the free pages just below it). */
static size_t
find_run(size_t n)
{
	size_t pg = heap_hint, start, len = 0;

	while (pg < heap_top) {
		if (pg % 64 == 0 && heap_map[pg / 64] == ~0ULL) {
			pg += 64;
			len = 0;
			continue;
		}
		if (page_used(pg)) {
			len = 0;
		} else if (++len == n) {
			return pg + 1 - n;
		}
		pg++;
	}
	start = heap_top - len;
	return start;
}

/* n fresh pages mapped and marked; their first page number, or 0. */
static size_t
pages_get(size_t n)
{
	struct mmap_op ops[64];
	struct mmap_batch b = { ops, 64, 0, false };
	size_t start = find_run(n), i;

	if (n == 0 || start + n > HEAP_PAGES || map_cover(start + n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (batch_add(&b, MMAP_OP_ALLOC, 0, page_va(start + i), HEAP_PERM, 0, 0) < 0)
			break;
	if (i < n || batch_flush(&b) < 0) {
		for (i = 0; i < n; i++)	/* those that were mapped go back */
			if (uvpt_pte(page_va(start + i)) & PERM_P)
				sys_page_unmap(0, page_va(start + i));
		return 0;
	}
	mark(start, n, true);
	if (start + n > heap_top)
		heap_top = start + n;
	if (start == heap_hint)
		heap_hint = start + n;
	heap_pages += n;
	return start;
}

/* Unmaps n pages from pg and marks them free. */
static void
pages_put(size_t pg, size_t n)
{
	struct mmap_op ops[64];
	struct mmap_batch b = { ops, 64, 0, false };
	size_t i;

	for (i = 0; i < n; i++)
		batch_add(&b, MMAP_OP_UNMAP, 0, page_va(pg + i), 0, 0, 0);
	batch_flush(&b);
	mark(pg, n, false);
	heap_pages -= n;
	if (pg < heap_hint)
		heap_hint = pg;
	while (heap_top > HEAP_MAP_PAGES && !page_used(heap_top - 1))
		heap_top--;
}

static int
class_of(size_t n)
{
	size_t c;

	for (c = 0; c < NCLASS; c++)
		if (n <= class_size[c])
			return (int)c;
	return -1;
}

static void
list_remove(struct heap_hdr *h)
{
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		class_list[h->cls] = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

static void
list_push(struct heap_hdr *h)
{
	h->prev = NULL;
	h->next = class_list[h->cls];
	if (h->next != NULL)
		h->next->prev = h;
	class_list[h->cls] = h;
}

/* A new slab of class c on its list, or NULL. */
static struct heap_hdr *
slab_new(int c)
{
	size_t pg = pages_get(1), i;
	struct heap_hdr *h;
	char *obj;

	if (pg == 0)
		return NULL;
	h = (struct heap_hdr *)page_va(pg);
	h->magic = SLAB_MAGIC;
	h->cls = (uint16_t)c;
	h->nobj = (uint16_t)((PGSIZE - HDR_SIZE) / class_size[c]);
	h->nfree = h->nobj;
	h->free = NULL;
	for (i = h->nobj; i-- > 0;) {
		obj = (char *)h + HDR_SIZE + i * class_size[c];
		*(void **)obj = h->free;
		h->free = obj;
	}
	class_empty[c]++;
	list_push(h);
	return h;
}

static void *
small_alloc(int c)
{
	struct heap_hdr *h = class_list[c];
	void *obj;

	if (h == NULL && (h = slab_new(c)) == NULL)
		return NULL;
	if (h->nfree == h->nobj)
		class_empty[c]--;
	obj = h->free;
	h->free = *(void **)obj;
	if (--h->nfree == 0)
		list_remove(h);
	return obj;
}

static void
small_free(struct heap_hdr *h, void *obj)
{
	int c = h->cls;

	*(void **)obj = h->free;
	h->free = obj;
	if (h->nfree++ == 0)
		list_push(h);
	if (h->nfree < h->nobj)
		return;
	if (class_empty[c] == 0) {
		class_empty[c] = 1;	/* keep one for the next malloc */
		return;
	}
	list_remove(h);
	pages_put(((uintptr_t)h - ULIB_HEAP) / PGSIZE, 1);
}

static void *
large_alloc(size_t n)
{
	size_t npages = (n + HDR_SIZE + PGSIZE - 1) / PGSIZE, pg;
	struct heap_hdr *h;

	if (n > ULIB_HEAP_MAX || (pg = pages_get(npages)) == 0)
		return NULL;
	h = (struct heap_hdr *)page_va(pg);
	h->magic = RUN_MAGIC;
	h->npages = (uint32_t)npages;
	return (char *)h + HDR_SIZE;
}

/* The header of allocation p, or NULL (and a complaint) when p is not
 * one of malloc's. */
static struct heap_hdr *
header_of(void *p, const char *who)
{
	uintptr_t va = (uintptr_t)p;
	struct heap_hdr *h = (struct heap_hdr *)ROUNDDOWN(va, PGSIZE);
	size_t pg = (va - ULIB_HEAP) / PGSIZE;

	if (va < ULIB_HEAP + HEAP_MAP_PAGES * PGSIZE || va >= ULIB_HEAP + ULIB_HEAP_MAX ||
	    pg >= heap_top || !page_used(pg))
		goto bad;
	if (h->magic == RUN_MAGIC && va == (uintptr_t)h + HDR_SIZE)
		return h;
	if (h->magic == SLAB_MAGIC && va >= (uintptr_t)h + HDR_SIZE &&
	    (va - (uintptr_t)h - HDR_SIZE) % class_size[h->cls] == 0)
		return h;
bad:
	cprintf("%s: %s: %p is not an allocation; ignored\n", binaryname, who, p);
	return NULL;
}

/* C's malloc: n bytes aligned to 16, or NULL (errno ENOMEM). */
void *
malloc(size_t n)
{
	int c = class_of(n == 0 ? 1 : n);
	void *p;

	thread_preempt_disable();
	p = c >= 0 ? small_alloc(c) : large_alloc(n);
	thread_preempt_enable();
	if (p == NULL)
		errno = ENOMEM;
	return p;
}

/* C's free: NULL does nothing; a pointer malloc did not give is reported
 * and ignored. */
void
free(void *p)
{
	struct heap_hdr *h;

	if (p == NULL)
		return;
	thread_preempt_disable();
	if ((h = header_of(p, "free")) != NULL) {
		if (h->magic == SLAB_MAGIC)
			small_free(h, p);
		else
			pages_put(((uintptr_t)h - ULIB_HEAP) / PGSIZE, h->npages);
	}
	thread_preempt_enable();
}

/* C's calloc: count * size zeroed bytes; NULL on overflow. */
void *
calloc(size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(count * size)) != NULL)
		memset(p, 0, count * size);
	return p;
}

static size_t
usable(const struct heap_hdr *h)
{
	if (h->magic == SLAB_MAGIC)
		return class_size[h->cls];
	return (size_t)h->npages * PGSIZE - HDR_SIZE;
}

/* A run grown in place to npages when the pages after it are free. */
static bool
run_grow(struct heap_hdr *h, size_t npages)
{
	size_t pg = ((uintptr_t)h - ULIB_HEAP) / PGSIZE, i;
	size_t more = npages - h->npages, at = pg + h->npages;

	if (at + more > HEAP_PAGES || map_cover(at + more) < 0)
		return false;
	for (i = 0; i < more; i++)
		if (at + i < heap_top && page_used(at + i))
			return false;
	for (i = 0; i < more; i++) {
		if (sys_page_alloc(0, page_va(at + i), HEAP_PERM, PPN_ANY) < 0) {
			while (i-- > 0)
				sys_page_unmap(0, page_va(at + i));
			return false;
		}
	}
	mark(at, more, true);
	heap_pages += more;
	if (at + more > heap_top)
		heap_top = at + more;
	h->npages = (uint32_t)npages;
	return true;
}

/* Resizes in place when the block allows; false when it must move. */
static bool
resize_in_place(struct heap_hdr *h, size_t n)
{
	size_t npages = (n + HDR_SIZE + PGSIZE - 1) / PGSIZE;
	size_t pg = ((uintptr_t)h - ULIB_HEAP) / PGSIZE;

	if (h->magic == SLAB_MAGIC)
		return n <= class_size[h->cls] && (h->cls == 0 || n > class_size[h->cls - 1] / 2);
	if (n <= SMALL_MAX / 2)
		return false;		/* far smaller: move it to a slab */
	if (npages < h->npages) {
		pages_put(pg + npages, h->npages - npages);
		h->npages = (uint32_t)npages;
		return true;
	}
	return npages == h->npages || run_grow(h, npages);
}

/* C's realloc: the block resized (moved if it must), its contents kept
 * up to the smaller size; NULL (p untouched) when there is no memory. */
void *
realloc(void *p, size_t n)
{
	struct heap_hdr *h;
	void *q;
	bool done;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	thread_preempt_disable();
	h = header_of(p, "realloc");
	done = h != NULL && resize_in_place(h, n);
	thread_preempt_enable();
	if (h == NULL)
		return NULL;
	if (done)
		return p;
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, usable(h) < n ? usable(h) : n);
	free(p);
	return q;
}

/* BSD reallocarray: realloc(p, count * size), NULL on overflow. */
void *
reallocarray(void *p, size_t count, size_t size)
{
	if (size != 0 && count > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, count * size);
}

/* See malloc.h. */
size_t
malloc_usable_size(void *p)
{
	struct heap_hdr *h;

	if (p == NULL || (h = header_of(p, "malloc_usable_size")) == NULL)
		return 0;
	return usable(h);
}

/* See malloc.h. */
int
malloc_trim(size_t pad)
{
	struct heap_hdr *h, *next;
	int gave = 0;
	size_t c;

	thread_preempt_disable();
	for (c = 0; c < NCLASS; c++) {
		for (h = class_list[c]; h != NULL; h = next) {
			next = h->next;
			if (h->nfree != h->nobj)
				continue;
			list_remove(h);
			pages_put(((uintptr_t)h - ULIB_HEAP) / PGSIZE, 1);
			class_empty[c]--;
			gave = 1;
		}
	}
	thread_preempt_enable();
	return gave;
}

/* See malloc.h. */
size_t
malloc_heap_pages(void)
{
	return heap_pages;
}
