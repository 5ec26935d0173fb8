/*
 * df: the data disks and their blocks, from the kernel's exported disk
 * table (UDISKS): no system call.
 *
 *   df
 */
#include <chitin.h>
#include <stdio.h>

static const char *
state_name(uint32_t s)
{
	switch (s) {
	case DISK_READY: return "ready";
	case DISK_NO_SUPER: return "no map";
	case DISK_CORRUPT: return "corrupt";
	case DISK_FAILED: return "failed";
	}
	return "?";
}

int
main(int argc, char **argv)
{
	const volatile struct disk_export *d;
	uint64_t kib, used, avail;
	int i, n = 0;

	if (argc > 1) {
		fprintf(stderr, "usage: df\n");
		return 2;
	}
	printf("%-6s %-16s %10s %10s %10s %5s  %s\n", "DISK", "LABEL", "KiB", "used",
	       "free", "use%", "on");
	for (i = 0; i < NDISK; i++) {
		d = &UDISK_TABLE[i];
		if (d->state == DISK_ABSENT)
			continue;
		n++;
		if (d->state != DISK_READY) {
			printf("%-6s %-16s %10lu %10s %10s %5s  (%s)\n", (const char *)d->name, "-",
			       (unsigned long)(d->sectors / 2), "-", "-", "-", state_name(d->state));
			continue;
		}
		kib = d->nblocks * (DISK_BLKSIZE / 1024);
		avail = d->free_blocks * (DISK_BLKSIZE / 1024);
		used = kib - avail;
		printf("%-6s %-16s %10lu %10lu %10lu %4lu%%  %s\n", (const char *)d->name,
		       d->label[0] ? (const char *)d->label : "-", (unsigned long)kib,
		       (unsigned long)used, (unsigned long)avail,
		       (unsigned long)(kib ? used * 100 / kib : 0), d->fs_root ? "/" : "");
	}
	if (n == 0)
		printf("(no disks)\n");
	return 0;
}
