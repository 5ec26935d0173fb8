/*
 * testbigfile: a file that needs the single and the double indirect
 * block: 6 MiB written in 64 KiB writes and read back, and a block past
 * 1 GiB. Reports write and read throughput. Ends with "testbigfile: ok".
 */
#include "fsutil.h"

#define N "testbigfile"
#define SIZE	(6u << 20)
#define CHUNK	(64u << 10)

static uint8_t chunk[CHUNK], back[CHUNK];

int
main(int argc, char **argv)
{
	struct fs *fs = fu_mount(N);
	struct fs_file *f;
	struct fs_stat st;
	uint64_t off, t0, tw, tr;

	FU_CHECK(N, fs_open(fs, "/big", FS_O_RDWR | FS_O_CREAT | FS_O_TRUNC, 0644, &f) == 0,
		 "open: %s", fs_last_error(fs));
	t0 = fu_tsc();
	for (off = 0; off < SIZE; off += CHUNK) {
		fu_pattern(chunk, CHUNK, 5, off);
		if (fs_write(f, chunk, CHUNK) != CHUNK) {
			FU_CHECK(N, 0, "write at %lu: %s", off, fs_last_error(fs));
			break;
		}
	}
	FU_CHECK(N, fs_fsync(f) == 0, "fsync");
	tw = fu_tsc() - t0;
	fu_pattern(chunk, 4096, 6, 0);
	FU_CHECK(N, fs_pwrite(f, chunk, 4096, (1ULL << 30) + 123) == 4096, "pwrite past 1 GiB");
	FU_CHECK(N, fs_fstat(f, &st) == 0 && st.size == (1ULL << 30) + 123 + 4096, "size");
	t0 = fu_tsc();
	for (off = 0; off < SIZE; off += CHUNK) {
		fu_pattern(chunk, CHUNK, 5, off);
		if (fs_pread(f, back, CHUNK, off) != CHUNK || memcmp(chunk, back, CHUNK) != 0) {
			FU_CHECK(N, 0, "data at %lu differs", off);
			break;
		}
	}
	tr = fu_tsc() - t0;
	fu_pattern(chunk, 4096, 6, 0);
	FU_CHECK(N, fs_pread(f, back, 4096, (1ULL << 30) + 123) == 4096 &&
		 memcmp(chunk, back, 4096) == 0, "block past 1 GiB differs");
	FU_CHECK(N, fs_pread(f, back, 10, 512ULL << 20) == 10 && back[0] == 0, "hole");
	fs_close(f);
	FU_CHECK(N, fs_unlink(fs, "/big") == 0, "unlink");
	cprintf(N ": wrote %u KiB in %lu us (%lu KiB/s), read in %lu us (%lu KiB/s)\n",
		SIZE >> 10, fu_us(tw), fu_us(tw) ? (uint64_t)(SIZE >> 10) * 1000000 / fu_us(tw) : 0,
		fu_us(tr), fu_us(tr) ? (uint64_t)(SIZE >> 10) * 1000000 / fu_us(tr) : 0);
	if (fu_fails == 0)
		cprintf(N ": ok\n");
	return fu_fails != 0;
}
