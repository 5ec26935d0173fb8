/*
 * malloc's extras (libos/malloc.c), beside stdlib.h's malloc family.
 */
#ifndef CHITIN_MALLOC_H
#define CHITIN_MALLOC_H

#include <stdlib.h>

/* Gives back to the kernel the empty pages malloc keeps for reuse (at
 * most one per size class); 1 if it gave any. pad is ignored. */
int malloc_trim(size_t pad);
/* The bytes p may use (at least what was asked). */
size_t malloc_usable_size(void *p);
/* Pages the heap holds now: its objects' and its own bookkeeping. */
size_t malloc_heap_pages(void);

#endif
