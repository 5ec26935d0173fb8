/*
 * The boot archive: user programs the loader brings along with the kernel,
 * exported read-only at UARCHIVE so the library OS can spawn from it
 * before any file system exists. Built by user/mkarchive.sh.
 *
 *   struct archive_header, then count struct archive_entry, then the
 *   files, each starting on a page boundary (offsets from the header).
 */
#ifndef CHITIN_ABI_ARCHIVE_H
#define CHITIN_ABI_ARCHIVE_H

#define ARCHIVE_MAGIC		0x315643524b484321ULL	/* "!CHKRCV1" little-endian */
#define ARCHIVE_NAME_MAX	48

#ifndef __ASSEMBLER__
#include <stdint.h>

struct archive_header {
	uint64_t magic;		/* ARCHIVE_MAGIC */
	uint64_t count;		/* entries that follow */
	uint64_t size;		/* bytes of the whole archive */
	uint64_t reserved;
};

struct archive_entry {
	char name[ARCHIVE_NAME_MAX];	/* NUL-terminated */
	uint64_t offset;		/* from the start of the header */
	uint64_t size;			/* bytes */
};
#endif

#endif
