/*
 * Reading directories of the file system (libos/fdfile.c).
 */
#ifndef CHITIN_DIRENT_H
#define CHITIN_DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN	0
#define DT_DIR		4
#define DT_REG		8

struct dirent {
	ino_t d_ino;
	unsigned char d_type;	/* DT_* */
	char d_name[64];	/* NUL-terminated, at most NAME_MAX */
};

typedef struct stdio_dir DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);		/* NULL at the end (errno 0) or on error */
int closedir(DIR *d);

#endif
