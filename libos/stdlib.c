/*
 * C's general utilities: string-to-number conversions, sorting and
 * searching, pseudo-random numbers, and leaving the program (exit itself
 * is libmain.c's; it calls libc_fini, which runs the atexit functions).
 */
#include "libos.h"
#include <stdlib.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

static int
digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * The engine of the strto* family: skips space, takes a sign and (base 0
 * or 16) a 0x prefix, then digits. The magnitude saturates at limit (with
 * ERANGE); *neg says whether there was a '-'. *end (if end) gets where
 * parsing stopped: s itself when there were no digits.
 */
static unsigned long long
parse_unsigned(const char *s, char **end, int base, unsigned long long limit,
	       bool *neg)
{
	const char *p = s;
	unsigned long long v = 0;
	bool any = false, over = false;
	int d;

	*neg = false;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		if (end != NULL)
			*end = (char *)s;
		return 0;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (; (d = digit_value(*p)) < base; p++, any = true) {
		if (v > (limit - (unsigned)d) / (unsigned)base)
			over = true;
		else
			v = v * base + d;
	}
	if (end != NULL)
		*end = (char *)(any ? p : s);
	if (over) {
		errno = ERANGE;
		return limit;
	}
	return v;
}

/* C's strtoll: out-of-range values give LLONG_MIN/MAX and ERANGE. */
long long
strtoll(const char *s, char **end, int base)
{
	bool neg;
	unsigned long long lim = (unsigned long long)LLONG_MAX + 1;
	unsigned long long v = parse_unsigned(s, end, base, lim, &neg);

	if (!neg && v == lim) {
		errno = ERANGE;
		return LLONG_MAX;
	}
	return neg ? (long long)(0 - v) : (long long)v;
}

/* C's strtol (long is 64 bits here). */
long
strtol(const char *s, char **end, int base)
{
	return (long)strtoll(s, end, base);
}

/* C's strtoull: a '-' negates the value, as C says. */
unsigned long long
strtoull(const char *s, char **end, int base)
{
	bool neg;
	unsigned long long v = parse_unsigned(s, end, base, ULLONG_MAX, &neg);

	return neg ? 0 - v : v;
}

unsigned long
strtoul(const char *s, char **end, int base)
{
	return (unsigned long)strtoull(s, end, base);
}

int
atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long
atol(const char *s)
{
	return strtol(s, NULL, 10);
}

long long
atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}

int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }
long long llabs(long long v) { return v < 0 ? -v : v; }

div_t
div(int num, int den)
{
	return (div_t){ num / den, num % den };
}

ldiv_t
ldiv(long num, long den)
{
	return (ldiv_t){ num / den, num % den };
}

/* --- sorting: heapsort, O(n log n) always and no recursion --- */

static void
swap_bytes(char *a, char *b, size_t size)
{
	char t;

	while (size-- > 0) {
		t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Moves element i down the heap of n elements until it is in place. */
static void
sift_down(char *base, size_t i, size_t n, size_t size,
	  int (*cmp)(const void *, const void *))
{
	size_t child;

	while ((child = 2 * i + 1) < n) {
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + i * size, base + child * size) >= 0)
			return;
		swap_bytes(base + i * size, base + child * size, size);
		i = child;
	}
}

/* C's qsort (not stable). */
void
qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base;
	size_t i;

	if (n < 2 || size == 0)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp);
	for (i = n - 1; i > 0; i--) {
		swap_bytes(b, b + i * size, size);
		sift_down(b, 0, i, size, cmp);
	}
}

/* C's bsearch over a sorted array. */
void *
bsearch(const void *key, const void *base, size_t n, size_t size,
	int (*cmp)(const void *, const void *))
{
	const char *b = base;
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = cmp(key, b + mid * size);
		if (c == 0)
			return (void *)(b + mid * size);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* --- pseudo-random numbers: a 64-bit LCG (Knuth's MMIX constants), the
 * high bits returned --- */

static uint64_t rand_state = 1;

int
rand_r(unsigned *seed)
{
	uint64_t x = *seed * 6364136223846793005ULL + 1442695040888963407ULL;

	*seed = (unsigned)(x >> 32);
	return (int)(x >> 33);
}

int
rand(void)
{
	rand_state = rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int)(rand_state >> 33);
}

void
srand(unsigned seed)
{
	rand_state = seed;
}

/* --- leaving --- */

#define ATEXIT_MAX	32
static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_n;

/* C's atexit: fn runs at exit, the last registered first. -1 when the
 * table (ATEXIT_MAX) is full. */
int
atexit(void (*fn)(void))
{
	if (atexit_n == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_n++] = fn;
	return 0;
}

/* Runs (and forgets) the atexit functions; one that calls exit does not
 * run the others twice. */
void
atexit_run(void)
{
	while (atexit_n > 0)
		atexit_fns[--atexit_n]();
}

/* C's _Exit: ends the env now, nothing flushed or closed (the kernel
 * unmaps everything, which closes the descriptors all the same). */
void
_Exit(int status)
{
	sys_env_exit(status);
	for (;;)
		sys_env_destroy(0);
}

/* C's abort: a message, then the panic status (no core dumps here). */
void
abort(void)
{
	cprintf("%s: abort\n", binaryname);
	_Exit(EXIT_PANIC);
}

/* POSIX _exit: _Exit. */
void
_exit(int status)
{
	_Exit(status);
}
