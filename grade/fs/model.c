/*
 * The model file system (model.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "kern/abi/error.h"

void
model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->n[0].path, "/");
	m->n[0].dir = 1;
	m->next_id = 1;
}

void
model_free(struct model *m)
{
	int i;

	for (i = 0; i < MODEL_MAX; i++)
		free(m->n[i].data);
	memset(m, 0, sizeof(*m));
}

void
model_copy(struct model *dst, const struct model *src)
{
	int i;

	*dst = *src;
	for (i = 0; i < MODEL_MAX; i++) {
		dst->n[i].data = NULL;
		if (src->n[i].path[0] && src->n[i].size) {
			dst->n[i].data = malloc(src->n[i].size);
			memcpy(dst->n[i].data, src->n[i].data, src->n[i].size);
		}
	}
}

struct mnode *
model_find(struct model *m, const char *path)
{
	int i;

	for (i = 0; i < MODEL_MAX; i++)
		if (m->n[i].path[0] && strcmp(m->n[i].path, path) == 0)
			return &m->n[i];
	return NULL;
}

int
model_prefix(struct model *m, const char *path)
{
	char buf[MODEL_PATH];
	const char *p;

	for (p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		struct mnode *d;
		memcpy(buf, path, p - path);
		buf[p - path] = '\0';
		d = model_find(m, buf);
		if (d == NULL)
			return -E_NOT_FOUND;
		if (!d->dir)
			return -E_NOT_DIR;
	}
	return 0;
}

static struct mnode *
slot(struct model *m, const char *path, int dir)
{
	int i;

	for (i = 0; i < MODEL_MAX; i++)
		if (!m->n[i].path[0]) {
			memset(&m->n[i], 0, sizeof(m->n[i]));
			strcpy(m->n[i].path, path);
			m->n[i].dir = dir;
			m->n[i].id = m->next_id++;
			return &m->n[i];
		}
	return NULL;
}

int
model_create(struct model *m, const char *path)
{
	struct mnode *n;
	int r;

	if ((r = model_prefix(m, path)) < 0)
		return r;
	if ((n = model_find(m, path)) != NULL)
		return n->dir ? -E_IS_DIR : 0;
	return slot(m, path, 0) ? 0 : -E_NO_SPACE;
}

int
model_open_file(struct model *m, const char *path)
{
	struct mnode *n;
	int r;

	if ((r = model_prefix(m, path)) < 0)
		return r;
	if ((n = model_find(m, path)) == NULL)
		return -E_NOT_FOUND;
	return n->dir ? -E_IS_DIR : 0;
}

static void
resize(struct mnode *n, uint64_t size)
{
	if (size > n->size) {
		n->data = realloc(n->data, size);
		memset(n->data + n->size, 0, size - n->size);
	}
	n->size = size;
}

int
model_pwrite(struct model *m, const char *path, const uint8_t *buf, size_t len,
	     uint64_t off)
{
	int r = model_open_file(m, path);
	struct mnode *n;

	if (r < 0)
		return r;
	n = model_find(m, path);
	if (len == 0)
		return 0;
	if (off + len > n->size)
		resize(n, off + len);
	memcpy(n->data + off, buf, len);
	return 0;
}

int
model_truncate(struct model *m, const char *path, uint64_t size)
{
	int r = model_open_file(m, path);

	if (r == 0)
		resize(model_find(m, path), size);
	return r;
}

int
model_unlink(struct model *m, const char *path)
{
	struct mnode *n;
	int r;

	if ((r = model_prefix(m, path)) < 0)
		return r;
	if ((n = model_find(m, path)) == NULL)
		return -E_NOT_FOUND;
	if (n->dir)
		return -E_IS_DIR;
	free(n->data);
	memset(n, 0, sizeof(*n));
	return 0;
}

int
model_mkdir(struct model *m, const char *path)
{
	int r;

	if ((r = model_prefix(m, path)) < 0)
		return r;
	if (model_find(m, path) != NULL)
		return -E_EXISTS;
	return slot(m, path, 1) ? 0 : -E_NO_SPACE;
}

static int
has_children(struct model *m, const char *path)
{
	size_t len = strlen(path);
	int i;

	for (i = 0; i < MODEL_MAX; i++)
		if (m->n[i].path[0] && strncmp(m->n[i].path, path, len) == 0 &&
		    m->n[i].path[len] == '/')
			return 1;
	return 0;
}

int
model_rmdir(struct model *m, const char *path)
{
	struct mnode *n;
	int r;

	if ((r = model_prefix(m, path)) < 0)
		return r;
	if ((n = model_find(m, path)) == NULL)
		return -E_NOT_FOUND;
	if (!n->dir)
		return -E_NOT_DIR;
	if (has_children(m, path))
		return -E_NOT_EMPTY;
	memset(n, 0, sizeof(*n));
	return 0;
}

int
model_rename(struct model *m, const char *from, const char *to)
{
	size_t flen = strlen(from);
	struct mnode *a, *b;
	int i, r;

	if ((r = model_prefix(m, from)) < 0)
		return r;
	if ((a = model_find(m, from)) == NULL)
		return -E_NOT_FOUND;
	if ((r = model_prefix(m, to)) < 0)
		return r;
	b = model_find(m, to);
	if (a == b)
		return 0;
	if (a->dir && strncmp(to, from, flen) == 0 && to[flen] == '/')
		return -E_INVAL;
	if (b != NULL) {
		if (!a->dir && b->dir)
			return -E_IS_DIR;
		if (a->dir && !b->dir)
			return -E_NOT_DIR;
		if (b->dir && has_children(m, to))
			return -E_NOT_EMPTY;
		if (strlen(to) + 1 > MODEL_PATH)
			return -E_INVAL;
		free(b->data);
		memset(b, 0, sizeof(*b));
	}
	for (i = 0; i < MODEL_MAX; i++) {
		struct mnode *n = &m->n[i];
		char buf[2 * MODEL_PATH];
		if (!n->path[0] || strncmp(n->path, from, flen) != 0 ||
		    (n->path[flen] != '\0' && n->path[flen] != '/'))
			continue;
		snprintf(buf, sizeof(buf), "%s%s", to, n->path + flen);
		if (strlen(buf) >= MODEL_PATH)
			buf[MODEL_PATH - 1] = '\0';	/* paths stay short in tests */
		strcpy(n->path, buf);
	}
	return 0;
}
