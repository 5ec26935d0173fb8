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

/* Each block carries its size in front, so that the tests can tell what
 * the stack holds (hostglue_bytes_in_use). */
#define GLUE_HDR	16		/* keeps the block 16-byte aligned */

static uint64_t bytes_in_use;

void *
netglue_alloc(size_t n)
{
	uint8_t *p = calloc(1, GLUE_HDR + (n ? n : 1));

	if (p == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	bytes_in_use += n;
	return p + GLUE_HDR;
}

void
netglue_free(void *q)
{
	uint8_t *p = q;
	size_t n;

	if (p == NULL)
		return;
	p -= GLUE_HDR;
	memcpy(&n, p, sizeof(n));
	bytes_in_use -= n;
	free(p);
}

uint64_t
hostglue_bytes_in_use(void)
{
	return bytes_in_use;
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
