/*
 * The file-system checker behind obj/fs/fsck and the tests: reads an
 * image through its ownership region and reports every inconsistency it
 * finds, one line each, never trusting a byte of it.
 */
#ifndef CHITIN_FS_FSCK_H
#define CHITIN_FS_FSCK_H

#include "libos/fs/host/hostdev.h"

struct fsck_result {
	uint64_t problems;	/* inconsistencies found */
	uint64_t inodes;	/* in use */
	uint64_t files, dirs;
	uint64_t blocks;	/* referenced by inodes */
	int fatal;		/* the superblock is unusable: nothing checked */
	int log_state;		/* FS_LOG_*, or -1 if the header is bad */
};

/* Called with each problem's text ("inode 5: ..."). */
typedef void (*fsck_report_t)(void *arg, const char *msg);

/* Checks the file system on dev (whose ownership map is map). */
void fsck_check(struct fs_blkdev *dev, struct blkmap *map, fsck_report_t report,
		void *arg, struct fsck_result *res);

#endif
