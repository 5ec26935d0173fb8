/*
 * C's general utilities (libos): memory (malloc.c), numbers and sorting
 * (stdlib.c), the environment (proc.c), and leaving the program.
 */
#ifndef CHITIN_STDLIB_H
#define CHITIN_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS	0
#define EXIT_FAILURE	1
#define RAND_MAX	2147483647

/* --- memory (libos/malloc.c) ---
 * Pages come from the kernel as the heap grows and go back to it as soon
 * as nothing on them is in use. */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);
void *reallocarray(void *p, size_t count, size_t size);

/* --- numbers --- */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
int abs(int v);
long labs(long v);
long long llabs(long long v);
typedef struct { int quot, rem; } div_t;
typedef struct { long quot, rem; } ldiv_t;
div_t div(int num, int den);
ldiv_t ldiv(long num, long den);
int rand(void);
int rand_r(unsigned *seed);
void srand(unsigned seed);

void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *));

/* --- the environment: NAME=value strings, inherited by spawn --- */
char *getenv(const char *name);
int setenv(const char *name, const char *value, int overwrite);
int unsetenv(const char *name);
int putenv(char *string);
int clearenv(void);

/* --- leaving --- */
void exit(int status) __attribute__((noreturn));	/* atexit, flush, close */
void _Exit(int status) __attribute__((noreturn));	/* none of that */
void abort(void) __attribute__((noreturn));
int atexit(void (*fn)(void));

#endif
