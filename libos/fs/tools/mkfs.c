/*
 * mkfs: makes a Chitin data-disk image: the kernel's ownership region
 * (kern/abi/disk.h) and an empty file system, then copies files in
 * through the library file system itself.
 *
 *   obj/fs/mkfs [-b BLOCKS | -m MIB] [-i INODES] [-l LOGBLOCKS] [-o OWNER]
 *               [-L LABEL] IMAGE [DEST=SRC | DEST/ ...]
 *
 * DEST=SRC copies host file SRC to DEST (parents are made); DEST/ makes a
 * directory. Files get mode 0755 when SRC is executable, else 0644.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libos/fs/host/hostdev.h"
#include "kern/abi/error.h"

static int
mkdirs(struct fs *fs, const char *path, int last_too)
{
	char buf[1024];
	size_t i, n = strlen(path);
	int r;

	if (n >= sizeof(buf))
		return -E_NAME_TOO_LONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && !(last_too && buf[i] == '\0'))
			continue;
		char c = buf[i];
		buf[i] = '\0';
		r = fs_mkdir(fs, buf, 0755);
		buf[i] = c;
		if (r < 0 && r != -E_EXISTS)
			return r;
	}
	return 0;
}

static int
copy_in(struct fs *fs, const char *dest, const char *src)
{
	static char data[1 << 16];
	struct fs_file *f;
	struct stat st;
	FILE *in;
	size_t n;
	int r;

	if ((in = fopen(src, "rb")) == NULL || fstat(fileno(in), &st) < 0) {
		fprintf(stderr, "mkfs: %s: %s\n", src, strerror(errno));
		return -E_IO;
	}
	if ((r = mkdirs(fs, dest, 0)) < 0 ||
	    (r = fs_open(fs, dest, FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC,
			 (st.st_mode & 0100) ? 0755 : 0644, &f)) < 0) {
		fprintf(stderr, "mkfs: %s: %s\n", dest, fs_last_error(fs));
		fclose(in);
		return r;
	}
	while ((n = fread(data, 1, sizeof(data), in)) > 0) {
		int64_t w = fs_write(f, data, n);
		if (w != (int64_t)n) {
			fprintf(stderr, "mkfs: %s: %s\n", dest, fs_last_error(fs));
			r = w < 0 ? (int)w : -E_NO_SPACE;
			break;
		}
	}
	fs_close(f);
	fclose(in);
	return r;
}

static int
populate(struct blkmap *map, struct fs_blkdev *dev, uint32_t owner, int argc,
	 char **argv)
{
	struct fs_mount_opts mo = { owner, 0, 0 };
	struct fs *fs;
	char err[200];
	int i, r = 0;

	if ((r = fs_mount(&fs, dev, &mo, err, sizeof(err))) < 0) {
		fprintf(stderr, "mkfs: mount: %s\n", err);
		return r;
	}
	for (i = 0; i < argc && r == 0; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL && argv[i][0] && argv[i][strlen(argv[i]) - 1] == '/') {
			r = mkdirs(fs, argv[i], 1);
		} else if (eq == NULL) {
			fprintf(stderr, "mkfs: '%s' is neither DEST=SRC nor DEST/\n", argv[i]);
			r = -E_INVAL;
		} else {
			*eq = '\0';
			r = copy_in(fs, argv[i], eq + 1);
		}
	}
	if (fs_unmount(fs) < 0 && r == 0)
		r = -E_IO;
	return r;
}

int
main(int argc, char **argv)
{
	struct fs_format_opts fo = { 0, 0, 0, 0755 };
	uint64_t nblocks = 16384, bad;
	const char *label = "chitin-data";
	struct rawdev *raw;
	struct blkmap *map;
	struct fs_blkdev *dev;
	char err[200];
	int c, r;

	while ((c = getopt(argc, argv, "b:m:i:l:o:L:")) != -1) {
		switch (c) {
		case 'b': nblocks = strtoull(optarg, NULL, 0); break;
		case 'm': nblocks = strtoull(optarg, NULL, 0) * 256; break;
		case 'i': fo.ninodes = strtoul(optarg, NULL, 0); break;
		case 'l': fo.log_blocks = strtoul(optarg, NULL, 0); break;
		case 'o': fo.owner = strtoul(optarg, NULL, 0); break;
		case 'L': label = optarg; break;
		default:
			fprintf(stderr, "usage: mkfs [-b BLOCKS|-m MIB] [-i INODES] "
				"[-l LOGBLOCKS] [-o OWNER] [-L LABEL] IMAGE [DEST=SRC|DEST/]...\n");
			return 2;
		}
	}
	if (optind >= argc || nblocks < 64 || nblocks > DISK_MAX_BLOCKS) {
		fprintf(stderr, "mkfs: need an image, and 64..%u blocks\n", DISK_MAX_BLOCKS);
		return 2;
	}
	if ((raw = rawdev_file(argv[optind], nblocks, 1)) == NULL) {
		fprintf(stderr, "mkfs: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if ((r = blkmap_format(raw, label)) < 0 ||
	    (r = blkmap_open(raw, fo.owner, &map, &dev, &bad, err, sizeof(err))) < 0) {
		fprintf(stderr, "mkfs: cannot write the ownership region (%d)\n", r);
		raw->close(raw);
		return 1;
	}
	if ((r = fs_format(dev, &fo)) < 0)
		fprintf(stderr, "mkfs: format failed (%d): too small, or bad -i/-l\n", r);
	else
		blkmap_set_fs_root(map, dev->first);
	if (r == 0)
		r = populate(map, dev, fo.owner, argc - optind - 1, argv + optind + 1);
	if (blkmap_close(map) < 0 && r == 0)
		r = -E_IO;
	raw->close(raw);
	return r < 0 ? 1 : 0;
}
