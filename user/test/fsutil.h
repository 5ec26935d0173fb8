/*
 * What the file-system test programs share: the mounted file system,
 * checks that print a FAIL line, and time from the clock page.
 */
#ifndef CHITIN_USER_FSUTIL_H
#define CHITIN_USER_FSUTIL_H

#include <chitin.h>
#include "libos/fs/fs.h"

static int fu_fails __attribute__((unused));

#define FU_CHECK(name, cond, ...) do {					\
	if (!(cond)) {							\
		fu_fails++;						\
		cprintf("%s: FAIL line %d: ", name, __LINE__);		\
		cprintf(__VA_ARGS__);					\
		cprintf("\n");						\
	}								\
} while (0)

static inline uint64_t
fu_tsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Microseconds for tsc ticks. */
static inline uint64_t
fu_us(uint64_t ticks)
{
	const volatile struct clock_export *c = (const volatile struct clock_export *)UCLOCK;

	return c->tsc_hz ? ticks * 1000000 / c->tsc_hz : 0;
}

/* The file system, or exit with a FAIL line. */
static inline struct fs *
fu_mount(const char *name)
{
	char err[160];
	struct fs *fs = fs_system(err, sizeof(err));

	if (fs == NULL) {
		cprintf("%s: FAIL no file system: %s\n", name, err);
		exit(1);
	}
	return fs;
}

/* Fills buf with bytes that say where they are in file seed. */
static inline void
fu_pattern(uint8_t *buf, size_t n, uint32_t seed, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)((off + i) * 31 + seed + ((off + i) >> 12));
}

#endif
