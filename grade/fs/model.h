/*
 * An in-memory model of a file system: paths, types and contents, with
 * the errors fs.h promises for each call. The model test runs random
 * calls on both and compares; the crash test keeps snapshots of it.
 */
#ifndef CHITIN_FS_MODEL_H
#define CHITIN_FS_MODEL_H

#include <stdint.h>
#include <stddef.h>

#define MODEL_MAX	512
#define MODEL_PATH	64

struct mnode {
	char path[MODEL_PATH];	/* "/a/b"; "" = unused slot */
	int dir;
	uint32_t id;		/* follows the file through renames */
	uint8_t *data;
	size_t size;
};

struct model {
	struct mnode n[MODEL_MAX];
	uint32_t next_id;
};

void model_init(struct model *m);
void model_free(struct model *m);
void model_copy(struct model *dst, const struct model *src);
struct mnode *model_find(struct model *m, const char *path);
/* The error path resolution gives for path's parent directories (0 if
 * they exist). */
int model_prefix(struct model *m, const char *path);

/* Each returns what fs.h's call returns (0 or -E_*), and changes the
 * model when it succeeds. */
int model_create(struct model *m, const char *path);	/* open O_CREAT */
int model_open_file(struct model *m, const char *path);	/* open existing, RDWR */
int model_pwrite(struct model *m, const char *path, const uint8_t *buf, size_t n,
		 uint64_t off);
int model_truncate(struct model *m, const char *path, uint64_t size);
int model_unlink(struct model *m, const char *path);
int model_mkdir(struct model *m, const char *path);
int model_rmdir(struct model *m, const char *path);
int model_rename(struct model *m, const char *from, const char *to);

#endif
