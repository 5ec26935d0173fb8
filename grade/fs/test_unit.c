/*
 * Unit tests of libos/fs/ on the host: each call of fs.h, its errors,
 * permissions, big files through the double-indirect block, remounting.
 */
#include "fstest.h"

#define NBLK	8192	/* 32 MiB */

static struct rawdev *raw;
static struct tdev t;

static void
fresh(void)
{
	if (t.fs != NULL)
		CHECK_EQ(tdev_unmount(&t), 0);
	if (raw != NULL)
		raw->close(raw);
	raw = rawdev_mem(NBLK);
	CHECK_EQ(tdev_mkfs(raw, 0, 0), 0);
	CHECK_EQ(tdev_mount(&t, raw, 0, 0), 0);
}

static void
remount(uint32_t principal, int flags)
{
	CHECK_EQ(tdev_unmount(&t), 0);
	CHECK_EQ(tdev_mount(&t, raw, principal, flags), 0);
}

static int64_t
put_file(const char *path, const void *data, size_t n)
{
	struct fs_file *f;
	int64_t r = fs_open(t.fs, path, FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC, 0644, &f);

	if (r < 0)
		return r;
	r = fs_write(f, data, n);
	fs_close(f);
	return r;
}

static int64_t
get_file(const char *path, void *data, size_t n)
{
	struct fs_file *f;
	int64_t r = fs_open(t.fs, path, FS_O_RDONLY, 0, &f);

	if (r < 0)
		return r;
	r = fs_read(f, data, n);
	fs_close(f);
	return r;
}

static void
test_create_read(void)
{
	char buf[64];
	struct fs_stat st;

	fresh();
	CHECK_EQ(put_file("/hello", "hello, world", 12), 12);
	CHECK_EQ(get_file("/hello", buf, sizeof(buf)), 12);
	CHECK(memcmp(buf, "hello, world", 12) == 0);
	CHECK_EQ(fs_stat(t.fs, "/hello", &st), 0);
	CHECK_EQ(st.size, 12);
	CHECK_EQ(st.type, FS_T_FILE);
	CHECK_EQ(st.mode, 0644);
	remount(0, 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(get_file("hello", buf, sizeof(buf)), 12);
	CHECK(memcmp(buf, "hello, world", 12) == 0);
	CHECK_EQ(get_file("/nothere", buf, 1), -E_NOT_FOUND);
}

static void
test_seek_pread(void)
{
	struct fs_file *f;
	char buf[32];

	fresh();
	CHECK_EQ(fs_open(t.fs, "/f", FS_O_RDWR | FS_O_CREAT, 0600, &f), 0);
	CHECK_EQ(fs_write(f, "0123456789", 10), 10);
	CHECK_EQ(fs_lseek(f, 2, FS_SEEK_SET), 2);
	CHECK_EQ(fs_read(f, buf, 3), 3);
	CHECK(memcmp(buf, "234", 3) == 0);
	CHECK_EQ(fs_lseek(f, -1, FS_SEEK_END), 9);
	CHECK_EQ(fs_read(f, buf, 10), 1);
	CHECK_EQ(buf[0], '9');
	CHECK_EQ(fs_read(f, buf, 10), 0);
	CHECK_EQ(fs_lseek(f, -100, FS_SEEK_CUR), -E_INVAL);
	CHECK_EQ(fs_pwrite(f, "ab", 2, 20), 2);
	CHECK_EQ(fs_pread(f, buf, 32, 8), 14);
	CHECK(memcmp(buf, "89\0\0\0\0\0\0\0\0\0\0ab", 14) == 0);
	CHECK_EQ(fs_lseek(f, 0, FS_SEEK_CUR), 10);
	CHECK_EQ(fs_lseek(f, 0, 7), -E_INVAL);
	fs_close(f);
}

static void
test_truncate(void)
{
	struct fs_file *f;
	struct fs_stat st;
	uint8_t data[20000], buf[20000];

	fresh();
	pattern_fill(data, sizeof(data), 1, 0);
	CHECK_EQ(put_file("/t", data, sizeof(data)), sizeof(data));
	CHECK_EQ(fs_open(t.fs, "/t", FS_O_RDWR, 0, &f), 0);
	CHECK_EQ(fs_ftruncate(f, 5000), 0);
	CHECK_EQ(fs_fstat(f, &st), 0);
	CHECK_EQ(st.size, 5000);
	/* growing again shows zeros, not the old bytes */
	CHECK_EQ(fs_ftruncate(f, 9000), 0);
	CHECK_EQ(fs_pread(f, buf, sizeof(buf), 0), 9000);
	CHECK(memcmp(buf, data, 5000) == 0);
	for (int i = 5000; i < 9000; i++)
		if (buf[i] != 0) {
			CHECK(buf[i] == 0);
			break;
		}
	CHECK_EQ(fs_pwrite(f, "x", 1, 12000), 1);
	CHECK_EQ(fs_pread(f, buf, sizeof(buf), 0), 12001);
	CHECK(buf[11000] == 0 && buf[12000] == 'x');
	CHECK_EQ(fs_ftruncate(f, 0), 0);
	CHECK_EQ(fs_pread(f, buf, 10, 0), 0);
	fs_close(f);
	CHECK_EQ(fs_open(t.fs, "/t", FS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(fs_ftruncate(f, 0), -E_BAD_FD);
	CHECK_EQ(fs_write(f, "a", 1), -E_BAD_FD);
	fs_close(f);
}

static void
test_dirs(void)
{
	struct fs_dir *d;
	struct fs_dirent de;
	struct fs_stat st;
	int n = 0, r;

	fresh();
	CHECK_EQ(fs_mkdir(t.fs, "/a", 0755), 0);
	CHECK_EQ(fs_mkdir(t.fs, "/a", 0755), -E_EXISTS);
	CHECK_EQ(fs_mkdir(t.fs, "/a/b", 0755), 0);
	CHECK_EQ(fs_mkdir(t.fs, "/x/y", 0755), -E_NOT_FOUND);
	CHECK_EQ(put_file("/a/b/f", "z", 1), 1);
	CHECK_EQ(put_file("/a/g", "zz", 2), 2);
	CHECK_EQ(fs_stat(t.fs, "/a/b/../g", &st), 0);
	CHECK_EQ(st.size, 2);
	CHECK_EQ(fs_stat(t.fs, "/a/./b/f", &st), 0);
	CHECK_EQ(fs_stat(t.fs, "/..", &st), 0);
	CHECK_EQ(st.ino, FS_ROOT_INO);
	CHECK_EQ(fs_stat(t.fs, "/a/g/h", &st), -E_NOT_DIR);
	CHECK_EQ(fs_rmdir(t.fs, "/a"), -E_NOT_EMPTY);
	CHECK_EQ(fs_rmdir(t.fs, "/a/g"), -E_NOT_DIR);
	CHECK_EQ(fs_unlink(t.fs, "/a/b"), -E_IS_DIR);
	CHECK_EQ(fs_rmdir(t.fs, "/"), -E_BUSY);
	CHECK_EQ(fs_opendir(t.fs, "/a", &d), 0);
	while ((r = fs_readdir(d, &de)) == 1) {
		n++;
		CHECK(strcmp(de.name, "b") == 0 || strcmp(de.name, "g") == 0);
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(n, 2);
	fs_closedir(d);
	CHECK_EQ(fs_unlink(t.fs, "/a/b/f"), 0);
	CHECK_EQ(fs_rmdir(t.fs, "/a/b"), 0);
	CHECK_EQ(fs_stat(t.fs, "/a/b", &st), -E_NOT_FOUND);
	CHECK_EQ(fs_open(t.fs, "/a", FS_O_RDONLY, 0, &(struct fs_file *){0}), -E_IS_DIR);
	char longname[80];
	memset(longname, 'n', sizeof(longname));
	longname[0] = '/';
	longname[79] = '\0';
	CHECK_EQ(fs_mkdir(t.fs, longname, 0755), -E_NAME_TOO_LONG);
	longname[FS_NAME_MAX + 1] = '\0';
	CHECK_EQ(fs_mkdir(t.fs, longname, 0755), 0);
	remount(0, 0);
	CHECK_EQ(fs_stat(t.fs, longname, &st), 0);
	CHECK_EQ(st.type, FS_T_DIR);
}

static void
test_rename(void)
{
	struct fs_stat st;
	char buf[8];

	fresh();
	CHECK_EQ(put_file("/a", "A", 1), 1);
	CHECK_EQ(put_file("/b", "B", 1), 1);
	CHECK_EQ(fs_rename(t.fs, "/a", "/b"), 0);
	CHECK_EQ(fs_stat(t.fs, "/a", &st), -E_NOT_FOUND);
	CHECK_EQ(get_file("/b", buf, 8), 1);
	CHECK_EQ(buf[0], 'A');
	CHECK_EQ(fs_mkdir(t.fs, "/d", 0755), 0);
	CHECK_EQ(fs_mkdir(t.fs, "/d/e", 0755), 0);
	CHECK_EQ(fs_rename(t.fs, "/d", "/d/e/f"), -E_INVAL);
	CHECK_EQ(fs_rename(t.fs, "/b", "/d"), -E_IS_DIR);
	CHECK_EQ(fs_rename(t.fs, "/d", "/b"), -E_NOT_DIR);
	CHECK_EQ(fs_rename(t.fs, "/b", "/d/e/c"), 0);
	CHECK_EQ(fs_rename(t.fs, "/d/e", "/e2"), 0);
	CHECK_EQ(get_file("/e2/c", buf, 8), 1);
	CHECK_EQ(fs_stat(t.fs, "/e2/..", &st), 0);
	CHECK_EQ(st.ino, FS_ROOT_INO);
	CHECK_EQ(fs_mkdir(t.fs, "/e3", 0755), 0);
	CHECK_EQ(fs_rename(t.fs, "/e2", "/d"), 0);	/* over an empty dir */
	CHECK_EQ(fs_rename(t.fs, "/e3", "/d"), -E_NOT_EMPTY);
	CHECK_EQ(fs_rename(t.fs, "/d", "/d"), 0);
	CHECK_EQ(get_file("/d/c", buf, 8), 1);
	remount(0, 0);
	CHECK_EQ(get_file("/d/c", buf, 8), 1);
}

static void
test_permissions(void)
{
	struct fs_file *f;
	struct fs_stat st;

	fresh();
	CHECK_EQ(fs_mkdir(t.fs, "/pub", 0777), 0);
	CHECK_EQ(fs_mkdir(t.fs, "/priv", 0700), 0);
	CHECK_EQ(put_file("/pub/r", "r", 1), 1);
	CHECK_EQ(fs_open(t.fs, "/pub/secret", FS_O_RDWR | FS_O_CREAT, 0600, &f), 0);
	CHECK_EQ(fs_write(f, "s", 1), 1);
	fs_close(f);
	/* Principal 7 does not own the file system: read-only, by mode. */
	remount(7, 0);
	CHECK_EQ(fs_open(t.fs, "/pub/r", FS_O_RDONLY, 0, &f), 0);
	fs_close(f);
	CHECK_EQ(fs_open(t.fs, "/pub/r", FS_O_WRONLY, 0, &f), -E_PERM);
	CHECK_EQ(fs_open(t.fs, "/pub/secret", FS_O_RDONLY, 0, &f), -E_PERM);
	CHECK_EQ(fs_stat(t.fs, "/priv/x", &st), -E_PERM);
	CHECK_EQ(fs_mkdir(t.fs, "/pub/x", 0755), -E_PERM);
	CHECK_EQ(fs_unlink(t.fs, "/pub/r"), -E_PERM);
	/* The device refuses the private file's data block to principal 7
	 * even when the library is bypassed. */
	uint8_t blk[4096];
	uint32_t b, secret_blk = 0;
	for (b = t.dev->first; b < t.dev->nblocks; b++) {
		const struct blk_entry *e = blkmap_entry(t.map, b);
		if ((e->flags & BLKF_USED) && e->mode == 0600)
			secret_blk = b;
	}
	CHECK(secret_blk != 0);
	CHECK_EQ(t.dev->ops->read(t.dev, secret_blk, 1, blk), -E_PERM);
	remount(0, FS_MNT_RDONLY);
	CHECK_EQ(fs_mkdir(t.fs, "/ro", 0755), -E_PERM);
	CHECK_EQ(fs_open(t.fs, "/pub/secret", FS_O_RDONLY, 0, &f), 0);
	fs_close(f);
	remount(0, 0);
}

static void
test_bigfile(void)
{
	/* Past the single-indirect range (12 + 1024 blocks) into the
	 * double-indirect one, sparse, and a 1 GiB offset. */
	static uint8_t chunk[65536], back[65536];
	struct fs_file *f;
	struct fs_stat st;
	uint64_t off;

	fresh();
	CHECK_EQ(fs_open(t.fs, "/big", FS_O_RDWR | FS_O_CREAT, 0644, &f), 0);
	for (off = 0; off < 6 * 1024 * 1024; off += sizeof(chunk)) {
		pattern_fill(chunk, sizeof(chunk), 42, off);
		CHECK_EQ(fs_write(f, chunk, sizeof(chunk)), sizeof(chunk));
	}
	pattern_fill(chunk, 4096, 43, 0);
	CHECK_EQ(fs_pwrite(f, chunk, 4096, (1ULL << 30) + 12345), 4096);
	CHECK_EQ(fs_fstat(f, &st), 0);
	CHECK_EQ(st.size, (1ULL << 30) + 12345 + 4096);
	fs_close(f);
	remount(0, 0);
	CHECK_EQ(fs_open(t.fs, "/big", FS_O_RDONLY, 0, &f), 0);
	for (off = 0; off < 6 * 1024 * 1024; off += sizeof(chunk)) {
		pattern_fill(chunk, sizeof(chunk), 42, off);
		CHECK_EQ(fs_read(f, back, sizeof(back)), sizeof(back));
		if (memcmp(chunk, back, sizeof(chunk)) != 0) {
			CHECK(!"big file data differs");
			break;
		}
	}
	CHECK_EQ(fs_pread(f, back, 100, 512ULL << 20), 100);
	CHECK(back[0] == 0 && back[99] == 0);
	pattern_fill(chunk, 4096, 43, 0);
	CHECK_EQ(fs_pread(f, back, 8192, (1ULL << 30) + 12345), 4096);
	CHECK(memcmp(chunk, back, 4096) == 0);
	fs_close(f);
	CHECK_EQ(fs_unlink(t.fs, "/big"), 0);
	remount(0, 0);
	CHECK_EQ(fs_stat(t.fs, "/big", &st), -E_NOT_FOUND);
	/* everything came back: the same big file fits again */
	CHECK_EQ(fs_open(t.fs, "/big2", FS_O_RDWR | FS_O_CREAT, 0644, &f), 0);
	for (off = 0; off < 6 * 1024 * 1024; off += sizeof(chunk))
		CHECK_EQ(fs_write(f, chunk, sizeof(chunk)), sizeof(chunk));
	fs_close(f);
}

static void
test_full_disk(void)
{
	static uint8_t chunk[65536];
	struct fs_file *f;
	int64_t r, total = 0;

	fresh();
	CHECK_EQ(fs_open(t.fs, "/fill", FS_O_RDWR | FS_O_CREAT, 0644, &f), 0);
	while ((r = fs_write(f, chunk, sizeof(chunk))) == sizeof(chunk))
		total += r;
	CHECK(r >= 0 || r == -E_NO_SPACE);
	CHECK(total > 20 * 1024 * 1024);
	CHECK_EQ(fs_write(f, chunk, sizeof(chunk)), -E_NO_SPACE);
	CHECK_EQ(put_file("/g", "x", 1), -E_NO_SPACE);
	fs_close(f);
	CHECK_EQ(fs_sync(t.fs), 0);
	CHECK_EQ(fs_unlink(t.fs, "/fill"), 0);
	CHECK_EQ(put_file("/g", "x", 1), 1);
	remount(0, 0);
}

static void
test_many_files(void)
{
	char name[32];
	struct fs_stat st;
	int i;

	fresh();
	CHECK_EQ(fs_mkdir(t.fs, "/many", 0755), 0);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "/many/f%d", i);
		CHECK_EQ(put_file(name, name, strlen(name)), (int64_t)strlen(name));
	}
	remount(0, 0);
	for (i = 0; i < 1000; i += 7) {
		snprintf(name, sizeof(name), "/many/f%d", i);
		CHECK_EQ(fs_stat(t.fs, name, &st), 0);
		CHECK_EQ(st.size, strlen(name));
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "/many/f%d", i);
		CHECK_EQ(fs_unlink(t.fs, name), 0);
	}
	CHECK_EQ(fs_rmdir(t.fs, "/many"), 0);
}

static void
test_stale_handle(void)
{
	struct fs_file *f;
	char c;

	fresh();
	CHECK_EQ(put_file("/s", "s", 1), 1);
	CHECK_EQ(fs_open(t.fs, "/s", FS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(fs_unlink(t.fs, "/s"), 0);
	CHECK_EQ(put_file("/s2", "t", 1), 1);	/* may reuse the inode */
	CHECK_EQ(fs_read(f, &c, 1), -E_NOT_FOUND);
	fs_close(f);
}

static void
test_sync_mount(void)
{
	struct fs_stats st;

	fresh();
	remount(0, FS_MNT_SYNC);
	fs_get_stats(t.fs, &st);
	uint64_t before = st.commits;
	CHECK_EQ(put_file("/x", "x", 1), 1);
	fs_get_stats(t.fs, &st);
	CHECK(st.commits >= before + 2);
}

static void
test_finish(void)
{
	CHECK_EQ(tdev_unmount(&t), 0);
	raw->close(raw);
	raw = NULL;
}

int
main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "create_read", test_create_read },
		{ "seek_pread", test_seek_pread },
		{ "truncate", test_truncate },
		{ "dirs", test_dirs },
		{ "rename", test_rename },
		{ "permissions", test_permissions },
		{ "bigfile", test_bigfile },
		{ "full_disk", test_full_disk },
		{ "many_files", test_many_files },
		{ "stale_handle", test_stale_handle },
		{ "sync_mount", test_sync_mount },
		{ "finish", test_finish },
		{ NULL, NULL },
	};
	return run_tests(cases, argc, argv);
}
