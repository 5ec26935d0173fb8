/*
 * What the host tests of libos/fs/ share: a file system on a memory
 * device in one call, and checks that count failures instead of
 * stopping (each test reports every failure it finds).
 */
#ifndef CHITIN_FS_TEST_H
#define CHITIN_FS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libos/fs/fs.h"
#include "libos/fs/host/hostdev.h"
#include "kern/abi/error.h"

extern int test_failures;

#define CHECK(cond) do { if (!(cond)) { test_failures++; \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { test_failures++; fprintf(stderr, "%s:%d: %s == %lld, want %lld (%s)\n", \
	__FILE__, __LINE__, #a, _a, _b, #b); } } while (0)

/* A device stack: raw store, ownership region, file system. */
struct tdev {
	struct rawdev *raw;
	struct blkmap *map;
	struct fs_blkdev *dev;
	struct fs *fs;
};

/* Formats raw (ownership region and file system) as principal 0 with
 * the given inode and log sizes (0: defaults). 0 or -E_*. */
int tdev_mkfs(struct rawdev *raw, uint32_t ninodes, uint32_t log_blocks);
/* Opens the region and mounts as principal with flags; prints the
 * reason on failure. */
int tdev_mount(struct tdev *t, struct rawdev *raw, uint32_t principal, int flags);
/* The same as principal 0, read-write, putting the reason for a failure
 * in err instead of printing it. */
int tdev_mount_quiet(struct tdev *t, struct rawdev *raw, char *err, size_t errlen);
/* Unmounts (clean) and closes the region; the raw store stays. */
int tdev_unmount(struct tdev *t);
/* Drops everything without writing (after a crash). */
void tdev_abandon(struct tdev *t);

/* A test binary's main runs the named tests and prints one line each;
 * returns the exit status. */
struct test_case {
	const char *name;
	void (*fn)(void);
};
int run_tests(const struct test_case *cases, int argc, char **argv);

/* Fills buf with bytes derived from (seed, offset): data that tells
 * where it came from. */
void pattern_fill(uint8_t *buf, size_t n, uint64_t seed, uint64_t off);

#endif
