/*
 * net/netglue.h on a POSIX host: the C library's allocator and clock,
 * /dev/urandom (or a seeded generator for reproducible tests), stderr.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include "net/netglue.h"
#include "net/host/hostglue.h"

static uint64_t (*clock_hook)(void);
static uint64_t seed_state;
static int verbose = -1;

void
hostglue_set_clock(uint64_t (*now_us)(void))
{
	clock_hook = now_us;
}

void
hostglue_set_seed(uint64_t seed)
{
	seed_state = seed;
}

void
hostglue_set_verbose(int on)
{
	verbose = on;
}

uint64_t
netglue_now_us(void)
{
	struct timespec ts;

	if (clock_hook)
		return clock_hook();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void *
netglue_alloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

void
netglue_free(void *p)
{
	free(p);
}

/* splitmix64 */
static uint64_t
next_seeded(void)
{
	uint64_t z = (seed_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
netglue_random(void *buf, size_t n)
{
	uint8_t *p = buf;
	uint64_t r;
	int fd;

	if (seed_state == 0) {
		fd = open("/dev/urandom", O_RDONLY);
		if (fd >= 0 && read(fd, buf, n) == (ssize_t)n) {
			close(fd);
			return;
		}
		if (fd >= 0)
			close(fd);
		seed_state = (uint64_t)time(NULL) | 1;
	}
	while (n > 0) {
		r = next_seeded();
		size_t k = n < 8 ? n : 8;
		memcpy(p, &r, k);
		p += k;
		n -= k;
	}
}

void
netglue_log(const char *msg)
{
	if (verbose < 0)
		verbose = getenv("NET_LOG") != NULL;
	if (verbose)
		fprintf(stderr, "net: %s\n", msg);
}
