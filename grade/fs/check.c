/*
 * The random operations and the model comparison (check.h).
 */
#include "check.h"

static const char *const names[] = { "a", "b", "c", "x", "y" };

static void
random_path(uint64_t *rng, char *buf)
{
	int pick = rng_next(rng) % 20, i;
	int depth = pick < 10 ? 1 : pick < 17 ? 2 : 3;

	buf[0] = '\0';
	for (i = 0; i < depth; i++) {
		strcat(buf, "/");
		strcat(buf, names[rng_next(rng) % 5]);
	}
}

static int
fs_put(struct fs *fs, const char *path, int flags, const uint8_t *buf,
       size_t n, uint64_t off)
{
	struct fs_file *f;
	int64_t r = fs_open(fs, path, flags, 0644, &f);

	if (r < 0)
		return (int)r;
	if (n > 0)
		r = fs_pwrite(f, buf, n, off);
	fs_close(f);
	return r < 0 ? (int)r : 0;
}

static int
fs_trunc(struct fs *fs, const char *path, uint64_t size)
{
	struct fs_file *f;
	int r = fs_open(fs, path, FS_O_RDWR, 0, &f);

	if (r < 0)
		return r;
	r = fs_ftruncate(f, size);
	fs_close(f);
	return r;
}

/* Reads a random range of path and compares it with the model. */
static int
read_check(struct fs *fs, struct model *m, const char *path, uint64_t *rng,
	   int *mismatch)
{
	static uint8_t buf[200000];
	struct fs_file *f;
	struct mnode *n;
	int r = model_open_file(m, path), got;
	uint64_t off, len;

	got = fs_open(fs, path, FS_O_RDONLY, 0, &f);
	if ((got < 0 ? got : 0) != r) {
		*mismatch = 1;
		return got;
	}
	if (got < 0)
		return got;
	n = model_find(m, path);
	off = rng_next(rng) % (n->size + 100);
	len = rng_next(rng) % 20000;
	int64_t rd = fs_pread(f, buf, len, off);
	uint64_t want = off >= n->size ? 0 : (n->size - off < len ? n->size - off : len);
	fs_close(f);
	if (rd != (int64_t)want || (want && memcmp(buf, n->data + off, want) != 0))
		*mismatch = 1;
	return 0;
}

int
random_op(struct fs *fs, struct model *m, uint64_t *rng, int *mismatch,
	  char *name, size_t namelen, int allow_big)
{
	static uint8_t buf[300000];
	char a[MODEL_PATH], b[MODEL_PATH];
	int op = rng_next(rng) % 100, got, want;
	uint64_t off, len, size;

	random_path(rng, a);
	random_path(rng, b);
	*mismatch = 0;
	off = rng_next(rng) % (allow_big ? 120000 : 20000);
	len = rng_next(rng) % (rng_next(rng) % 8 == 0 && allow_big ? 250000 : 9000);
	pattern_fill(buf, len, rng_next(rng), off);
	if (op < 20) {
		if (!allow_big)
			len = 0;	/* one step: the crash test snapshots each */
		snprintf(name, namelen, "create %s, write %llu at %llu", a,
			 (unsigned long long)len, (unsigned long long)off);
		want = model_create(m, a);
		if (want == 0)
			model_pwrite(m, a, buf, len, off);
		got = fs_put(fs, a, FS_O_RDWR | FS_O_CREAT, buf, len, off);
	} else if (op < 40) {
		snprintf(name, namelen, "write %s %llu at %llu", a,
			 (unsigned long long)len, (unsigned long long)off);
		want = model_pwrite(m, a, buf, len, off);
		got = fs_put(fs, a, FS_O_RDWR, buf, len, off);
	} else if (op < 50) {
		size = rng_next(rng) % (allow_big ? 150000 : 30000);
		snprintf(name, namelen, "truncate %s %llu", a, (unsigned long long)size);
		want = model_truncate(m, a, size);
		got = fs_trunc(fs, a, size);
	} else if (op < 60) {
		snprintf(name, namelen, "rename %s %s", a, b);
		want = model_rename(m, a, b);
		got = fs_rename(fs, a, b);
	} else if (op < 68) {
		snprintf(name, namelen, "unlink %s", a);
		want = model_unlink(m, a);
		got = fs_unlink(fs, a);
	} else if (op < 78) {
		snprintf(name, namelen, "mkdir %s", a);
		want = model_mkdir(m, a);
		got = fs_mkdir(fs, a, 0755);
	} else if (op < 85) {
		snprintf(name, namelen, "rmdir %s", a);
		want = model_rmdir(m, a);
		got = fs_rmdir(fs, a);
	} else {
		snprintf(name, namelen, "read %s", a);
		return read_check(fs, m, a, rng, mismatch);
	}
	if (got != want)
		*mismatch = 1;
	return got;
}

static int
compare_file(struct fs *fs, const struct mnode *n, const char *when)
{
	static uint8_t buf[1 << 20];
	struct fs_file *f;
	struct fs_stat st;
	int64_t r;

	if (fs_open(fs, n->path, FS_O_RDONLY, 0, &f) < 0) {
		fprintf(stderr, "%s: %s: cannot open: %s\n", when, n->path, fs_last_error(fs));
		return 1;
	}
	fs_fstat(f, &st);
	r = fs_pread(f, buf, sizeof(buf), 0);
	fs_close(f);
	if (st.size != n->size || r != (int64_t)n->size ||
	    (n->size && memcmp(buf, n->data, n->size) != 0)) {
		fprintf(stderr, "%s: %s: size %llu (read %lld), model %zu, or bytes differ\n",
			when, n->path, (unsigned long long)st.size, (long long)r, n->size);
		return 1;
	}
	return 0;
}

/* Counts entries under dir, recursively, checking each is in the model. */
static int
walk_fs(struct fs *fs, struct model *m, const char *dir, int *count, const char *when)
{
	struct fs_dir *d;
	struct fs_dirent de;
	char path[256];
	int bad = 0;

	if (fs_opendir(fs, dir, &d) < 0) {
		fprintf(stderr, "%s: opendir %s: %s\n", when, dir, fs_last_error(fs));
		return 1;
	}
	while (fs_readdir(d, &de) == 1) {
		struct mnode *n;
		snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", de.name);
		(*count)++;
		n = model_find(m, path);
		if (n == NULL || n->dir != (de.type == FS_T_DIR)) {
			fprintf(stderr, "%s: %s in the file system, not (so) in the model\n",
				when, path);
			bad++;
			continue;
		}
		if (n->dir)
			bad += walk_fs(fs, m, path, count, when);
	}
	fs_closedir(d);
	return bad;
}

int
compare_fs(struct fs *fs, struct model *m, const char *when)
{
	int i, count = 0, want = 0, bad;

	bad = walk_fs(fs, m, "/", &count, when);
	for (i = 1; i < MODEL_MAX; i++) {
		const struct mnode *n = &m->n[i];
		if (!n->path[0])
			continue;
		want++;
		if (!n->dir && bad < 5)
			bad += compare_file(fs, n, when);
	}
	if (count != want) {
		fprintf(stderr, "%s: %d entries in the file system, %d in the model\n",
			when, count, want);
		bad++;
	}
	return bad;
}
