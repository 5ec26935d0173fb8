/*
 * testmalloc: malloc, free and realloc under stress, and every page goes
 * back to the kernel.
 *
 *   testmalloc [OPS]    default 100000
 *
 * A pseudo-random sequence of operations on up to SLOTS live blocks:
 * sizes from 1 byte to 64 KiB (mostly small), frees and reallocs in
 * random order. Each block is filled with a pattern of its own, checked
 * before it is freed or after it moved. At the end everything is freed,
 * and the heap must hold no more pages than when it started; the env's
 * own page count must be back too.
 */
#include "testutil.h"
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS	512

struct block {
	uint8_t *p;
	size_t n;
	uint8_t seed;
};

static struct block blocks[SLOTS];
static uint64_t rng = 7;
static int fails;

static uint32_t
next(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng >> 33);
}

static size_t
random_size(void)
{
	switch (next() % 8) {
	case 0: return 1 + next() % 65536;		/* large runs */
	case 1: case 2: return 1 + next() % 4096;
	default: return 1 + next() % 256;		/* mostly small */
	}
}

static void
fill(struct block *b)
{
	for (size_t i = 0; i < b->n; i++)
		b->p[i] = (uint8_t)(b->seed + i * 7);
}

static bool
intact(const struct block *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b->p[i] != (uint8_t)(b->seed + i * 7))
			return false;
	return true;
}

static void
check(struct block *b, const char *when)
{
	if (b->p != NULL && !intact(b, b->n) && fails++ < 5)
		cprintf("testmalloc: FAIL, block of %zu bytes changed %s\n", b->n, when);
}

static void
one_op(void)
{
	struct block *b = &blocks[next() % SLOTS];
	size_t n, keep;
	uint8_t *q;

	if (b->p == NULL) {
		b->n = random_size();
		b->seed = (uint8_t)next();
		if ((b->p = next() % 4 ? malloc(b->n) : calloc(1, b->n)) == NULL) {
			fails++;
			return;
		}
		fill(b);
	} else if (next() % 3 == 0) {
		n = random_size();
		keep = n < b->n ? n : b->n;
		if ((q = realloc(b->p, n)) == NULL) {
			fails++;
			return;
		}
		b->p = q;
		if (!intact(b, keep) && fails++ < 5)
			cprintf("testmalloc: FAIL, realloc lost the contents\n");
		b->n = n;
		fill(b);
	} else {
		check(b, "before free");
		free(b->p);
		b->p = NULL;
	}
}

int
main(int argc, char **argv)
{
	long ops = argc > 1 ? strtol(argv[1], NULL, 10) : 100000, i;
	uint64_t pages0, heap0, heap_peak = 0;

	if (ops <= 0) {
		fprintf(stderr, "usage: testmalloc [ops]\n");
		return 2;
	}
	heap0 = malloc_heap_pages();
	pages0 = thisenv->pages;
	for (i = 0; i < ops; i++) {
		one_op();
		if (malloc_heap_pages() > heap_peak)
			heap_peak = malloc_heap_pages();
	}
	for (i = 0; i < SLOTS; i++) {
		check(&blocks[i], "at the end");
		free(blocks[i].p);
		blocks[i].p = NULL;
	}
	free((void *)0x1234);	/* not a block: reported, ignored */
	malloc_trim(0);
	if (malloc_heap_pages() > heap0 + 1) {
		cprintf("testmalloc: FAIL, the heap kept %lu pages (%lu at the start)\n",
			(unsigned long)malloc_heap_pages(), (unsigned long)heap0);
		fails++;
	}
	if (thisenv->pages > pages0 + 1) {
		cprintf("testmalloc: FAIL, I own %lu pages, %lu at the start\n",
			(unsigned long)thisenv->pages, (unsigned long)pages0);
		fails++;
	}
	cprintf("testmalloc: %ld operations, heap peak %lu pages, %lu now\n", ops,
		(unsigned long)heap_peak, (unsigned long)malloc_heap_pages());
	if (fails == 0)
		cprintf("testmalloc: ok\n");
	return tu_audit("testmalloc") || fails != 0;
}
