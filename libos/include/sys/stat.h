/*
 * File status (libos/fdfile.c and every descriptor's fstat).
 */
#ifndef CHITIN_SYS_STAT_H
#define CHITIN_SYS_STAT_H

#include <sys/types.h>
#include <time.h>

#define S_IFMT		0170000
#define S_IFIFO		0010000
#define S_IFCHR		0020000
#define S_IFDIR		0040000
#define S_IFREG		0100000
#define S_IFSOCK	0140000
#define S_ISFIFO(m)	(((m) & S_IFMT) == S_IFIFO)
#define S_ISCHR(m)	(((m) & S_IFMT) == S_IFCHR)
#define S_ISDIR(m)	(((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m)	(((m) & S_IFMT) == S_IFREG)
#define S_ISSOCK(m)	(((m) & S_IFMT) == S_IFSOCK)
#define S_IRWXU		0700
#define S_IRUSR		0400
#define S_IWUSR		0200
#define S_IXUSR		0100
#define S_IRWXG		0070
#define S_IRGRP		0040
#define S_IWGRP		0020
#define S_IXGRP		0010
#define S_IRWXO		0007
#define S_IROTH		0004
#define S_IWOTH		0002
#define S_IXOTH		0001

struct stat {
	dev_t st_dev;		/* FD_DEV_* of the descriptor's device */
	ino_t st_ino;
	mode_t st_mode;		/* S_IF* | permission bits */
	nlink_t st_nlink;
	uid_t st_uid;		/* owner principal */
	gid_t st_gid;
	off_t st_size;		/* bytes; a pipe: bytes waiting in it */
	blksize_t st_blksize;
	blkcnt_t st_blocks;	/* 512-byte units */
	struct timespec st_mtim;
	struct timespec st_atim;
	struct timespec st_ctim;
};
#define st_mtime	st_mtim.tv_sec
#define st_atime	st_atim.tv_sec
#define st_ctime	st_ctim.tv_sec

int stat(const char *path, struct stat *st);
int lstat(const char *path, struct stat *st);	/* no links: stat */
int fstat(int fd, struct stat *st);
int mkdir(const char *path, mode_t mode);
mode_t umask(mode_t mask);

#endif
