/*
 * testfile: the basic calls on the data disk's file system: create,
 * write, seek, read, pread, stat, truncate, readdir, rename, unlink, and
 * a program that mkfs put in /bin, byte for byte the boot archive's copy.
 * Ends with "testfile: ok" or FAIL lines.
 */
#include "fsutil.h"

#define N "testfile"
static const char msg[] = "This is the NEW message of the day!\n";

static void
basic(struct fs *fs)
{
	struct fs_file *f;
	struct fs_stat st;
	char buf[128];
	int64_t r;

	fs_mkdir(fs, "/tf", 0755);
	r = fs_open(fs, "/tf/motd", FS_O_RDWR | FS_O_CREAT | FS_O_TRUNC, 0644, &f);
	FU_CHECK(N, r == 0, "open: %s", fs_last_error(fs));
	if (r < 0)
		return;
	FU_CHECK(N, fs_write(f, msg, sizeof(msg) - 1) == sizeof(msg) - 1, "write");
	FU_CHECK(N, fs_lseek(f, 0, FS_SEEK_SET) == 0, "lseek");
	memset(buf, 0, sizeof(buf));
	FU_CHECK(N, fs_read(f, buf, sizeof(buf)) == sizeof(msg) - 1, "read");
	FU_CHECK(N, memcmp(buf, msg, sizeof(msg) - 1) == 0, "read back differs");
	FU_CHECK(N, fs_pread(f, buf, 3, 12) == 3 && memcmp(buf, "NEW", 3) == 0, "pread");
	FU_CHECK(N, fs_fstat(f, &st) == 0 && st.size == sizeof(msg) - 1, "fstat");
	FU_CHECK(N, fs_ftruncate(f, 7) == 0, "ftruncate");
	FU_CHECK(N, fs_fstat(f, &st) == 0 && st.size == 7, "size after truncate");
	FU_CHECK(N, fs_fsync(f) == 0, "fsync");
	fs_close(f);
	FU_CHECK(N, fs_rename(fs, "/tf/motd", "/tf/motd2") == 0, "rename");
	FU_CHECK(N, fs_stat(fs, "/tf/motd", &st) == -E_NOT_FOUND, "old name still there");
	FU_CHECK(N, fs_stat(fs, "/tf/motd2", &st) == 0 && st.size == 7, "stat new name");
}

static void
listing(struct fs *fs)
{
	struct fs_dir *d;
	struct fs_dirent de;
	int found = 0;

	FU_CHECK(N, fs_opendir(fs, "/tf", &d) == 0, "opendir");
	while (fs_readdir(d, &de) == 1)
		found += strcmp(de.name, "motd2") == 0;
	fs_closedir(d);
	FU_CHECK(N, found == 1, "readdir found motd2 %d times", found);
	FU_CHECK(N, fs_unlink(fs, "/tf/motd2") == 0, "unlink");
	FU_CHECK(N, fs_rmdir(fs, "/tf") == 0, "rmdir: %s", fs_last_error(fs));
}

/* /bin/hello, as mkfs put it there, is the boot archive's hello. */
static void
program(struct fs *fs)
{
	static uint8_t buf[256 * 1024];
	size_t asize;
	const void *a = archive_find("hello", &asize);
	struct fs_file *f;
	int64_t r;

	FU_CHECK(N, fs_open(fs, "/bin/hello", FS_O_RDONLY, 0, &f) == 0, "open /bin/hello");
	r = fs_read(f, buf, sizeof(buf));
	fs_close(f);
	FU_CHECK(N, a != NULL && r == (int64_t)asize && memcmp(a, buf, asize) == 0,
		 "/bin/hello (%ld bytes) is not the archive's (%lu)", r, asize);
}

/* hello-fs is only in the file system: spawn must find it there. */
static void
spawn_from_fs(void)
{
	envid_t e = spawnl("hello-fs", "hello-fs", NULL);
	int status = -1;

	FU_CHECK(N, e > 0, "spawn hello-fs: %d", e);
	if (e > 0)
		wait(e, &status);
	FU_CHECK(N, status == 0, "hello-fs exited %d", status);
}

int
main(int argc, char **argv)
{
	struct fs *fs = fu_mount(N);

	basic(fs);
	listing(fs);
	program(fs);
	spawn_from_fs();
	if (fu_fails == 0)
		cprintf(N ": ok\n");
	return fu_fails != 0;
}
