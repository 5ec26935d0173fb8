/*
 * fscorrupt: mounts a data disk whose file system is damaged. The mount
 * must fail with a reason (or, if it succeeds, every call must return),
 * and the program and the system go on: it then spawns hello from the
 * boot archive. Ends with "fscorrupt: still running".
 */
#include "fsutil.h"

int
main(int argc, char **argv)
{
	char err[160];
	struct fs *fs = fs_system(err, sizeof(err));
	struct fs_stat st;
	envid_t h;
	int status = -1;

	if (fs == NULL) {
		cprintf("fscorrupt: mount refused: %s\n", err);
	} else {
		if (fs_last_error(fs)[0])
			cprintf("fscorrupt: mounted with a warning: %s\n", fs_last_error(fs));
		cprintf("fscorrupt: mounted; stat / says %d, stat /bin/hello says %d (%s)\n",
			fs_stat(fs, "/", &st), fs_stat(fs, "/bin/hello", &st), fs_last_error(fs));
	}
	h = spawnl("hello", "hello", NULL);
	if (h > 0)
		wait(h, &status);
	cprintf("fscorrupt: still running (hello exited %d)\n", status);
	return 0;
}
