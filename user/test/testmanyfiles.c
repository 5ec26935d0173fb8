/*
 * testmanyfiles: 300 files in one directory, each holding its own name:
 * created, listed, checked, removed. Then the cost of opening a cached
 * file. Ends with "testmanyfiles: ok".
 */
#include "fsutil.h"

#define N "testmanyfiles"
#define COUNT	300

int
main(int argc, char **argv)
{
	struct fs *fs = fu_mount(N);
	struct fs_file *f;
	struct fs_dir *d;
	struct fs_dirent de;
	char name[64], buf[64];
	int i, listed = 0;
	uint64_t t0, t;

	FU_CHECK(N, fs_mkdir(fs, "/many", 0755) == 0, "mkdir: %s", fs_last_error(fs));
	for (i = 0; i < COUNT && fu_fails == 0; i++) {
		snprintf(name, sizeof(name), "/many/file%d", i);
		FU_CHECK(N, fs_open(fs, name, FS_O_WRONLY | FS_O_CREAT | FS_O_EXCL, 0644, &f) == 0,
			 "create %s: %s", name, fs_last_error(fs));
		if (fu_fails)
			break;
		fs_write(f, name, strlen(name));
		fs_close(f);
	}
	FU_CHECK(N, fs_opendir(fs, "/many", &d) == 0, "opendir");
	while (fs_readdir(d, &de) == 1)
		listed++;
	fs_closedir(d);
	FU_CHECK(N, listed == COUNT, "listed %d of %d", listed, COUNT);
	for (i = 0; i < COUNT; i += 17) {
		snprintf(name, sizeof(name), "/many/file%d", i);
		memset(buf, 0, sizeof(buf));
		FU_CHECK(N, fs_open(fs, name, FS_O_RDONLY, 0, &f) == 0 &&
			 fs_read(f, buf, sizeof(buf)) == (int64_t)strlen(name) &&
			 strcmp(buf, name) == 0, "%s holds '%s'", name, buf);
		fs_close(f);
	}
	/* the cost of opening a file whose blocks are cached */
	t0 = fu_tsc();
	for (i = 0; i < 1000; i++) {
		fs_open(fs, "/many/file150", FS_O_RDONLY, 0, &f);
		fs_close(f);
	}
	t = fu_tsc() - t0;
	cprintf(N ": cached open+close of /many/file150: %lu ns\n", fu_us(t));
	for (i = 0; i < COUNT; i++) {
		snprintf(name, sizeof(name), "/many/file%d", i);
		FU_CHECK(N, fs_unlink(fs, name) == 0, "unlink %s", name);
	}
	FU_CHECK(N, fs_rmdir(fs, "/many") == 0, "rmdir");
	if (fu_fails == 0)
		cprintf(N ": ok\n");
	return fu_fails != 0;
}
