/*
 * Crash consistency. Each trial formats a device that remembers what was
 * written since the last flush, runs random calls (with an fsync now and
 * then) on the file system and a model, and cuts the power at a random
 * moment: the writes since the last flush are all lost, or a random
 * prefix or subset of them survives, or a prefix with the last write torn
 * at a sector. Then it mounts again (replaying or discarding the log)
 * and checks that fsck finds nothing wrong, and that the file system is
 * the model as it was at some commit no older than the last fsync that
 * returned: same names, types and sizes, and each block of each file
 * holding that sector of some version the file had since then (file
 * data is written in place, not through the log, and a torn write leaves
 * sectors of two versions in a block).
 */
#include "check.h"
#include "libos/fs/host/fsck.h"

#define TRIAL_OPS	120
#define DEV_BLOCKS	4096

struct history {
	struct model *s[TRIAL_OPS + 2];	/* the state after each call */
	int n;
	uint8_t cand[TRIAL_OPS + 2];	/* may be the committed state */
	int synced;			/* the last state an fsync made durable */
};

static void
report(void *arg, const char *msg)
{
	if ((*(int *)arg)++ < 5)
		fprintf(stderr, "  fsck: %s\n", msg);
}

static void
snap(struct history *h, struct model *m)
{
	h->s[h->n] = calloc(1, sizeof(struct model));
	model_copy(h->s[h->n], m);
	h->n++;
}

static struct mnode *
by_id(struct model *m, uint32_t id)
{
	int i;

	for (i = 1; i < MODEL_MAX; i++)
		if (m->n[i].path[0] && m->n[i].id == id)
			return &m->n[i];
	return NULL;
}

/* A disk writes a sector or not: a block written in place and torn by the
 * crash holds sectors of two versions. */
#define SECTOR	DISK_SECTOR

/* Whether sector j (len bytes) of file id equals that sector in one of
 * the states k..n-1. */
static int
block_in_some_version(struct history *h, int k, uint32_t id, uint64_t j,
		      const uint8_t *got, size_t len)
{
	static uint8_t want[SECTOR];
	int v;

	for (v = k; v < h->n; v++) {
		struct mnode *n = by_id(h->s[v], id);
		uint64_t off = j * SECTOR, have;
		if (n == NULL || n->dir)
			continue;
		memset(want, 0, len);
		have = off < n->size ? n->size - off : 0;
		if (have > len)
			have = len;
		if (have)
			memcpy(want, n->data + off, have);
		if (memcmp(want, got, len) == 0)
			return 1;
	}
	return 0;
}

static int verbose;
#define WHY(...) (verbose ? fprintf(stderr, "  state %d: ", k), fprintf(stderr, __VA_ARGS__), 0 : 0)

/* Whether the mounted fs is state k (see the top of the file). */
static int
matches(struct fs *fs, struct history *h, int k)
{
	static uint8_t buf[1 << 18];
	struct model *m = h->s[k];
	struct fs_stat st;
	int i, entries = 0, want = 0;

	for (i = 1; i < MODEL_MAX; i++) {
		struct mnode *n = &m->n[i];
		struct fs_file *f;
		uint64_t j;
		if (!n->path[0])
			continue;
		want++;
		if (fs_stat(fs, n->path, &st) < 0 || (st.type == FS_T_DIR) != n->dir)
			return WHY("%s missing or of another type\n", n->path);
		if (n->dir)
			continue;
		if (st.size != n->size || n->size > sizeof(buf))
			return WHY("%s size %llu, model %zu\n", n->path,
				   (unsigned long long)st.size, n->size);
		if (fs_open(fs, n->path, FS_O_RDONLY, 0, &f) < 0)
			return 0;
		int64_t r = fs_pread(f, buf, n->size, 0);
		fs_close(f);
		if (r != (int64_t)n->size)
			return 0;
		for (j = 0; j * SECTOR < n->size; j++) {
			size_t len = n->size - j * SECTOR < SECTOR ? n->size - j * SECTOR : SECTOR;
			if (!block_in_some_version(h, k, n->id, j, buf + j * SECTOR, len))
				return WHY("%s sector %llu matches no version\n", n->path,
					   (unsigned long long)j);
		}
	}
	/* nothing more than the model has */
	struct fs_dir *d;
	struct fs_dirent de;
	static char stack[64][256];
	int sp = 0;
	strcpy(stack[sp++], "/");
	while (sp > 0) {
		char dir[256];
		strcpy(dir, stack[--sp]);
		if (fs_opendir(fs, dir, &d) < 0)
			return 0;
		while (fs_readdir(d, &de) == 1) {
			entries++;
			if (de.type == FS_T_DIR && sp < 64)
				snprintf(stack[sp++], 256, "%.180s/%s",
					 strcmp(dir, "/") ? dir : "", de.name);
		}
		fs_closedir(d);
	}
	if (entries != want)
		return WHY("%d entries, model %d\n", entries, want);
	return 1;
}

static uint64_t total_replayed, total_leaks, total_orphans, trials_replayed, total_died;

static const char *const crash_names[] = { "drop-all", "prefix", "subset", "torn" };

/* One trial; 0 when it passed. The power is cut after cut device calls
 * (0: never; the trial runs to the end and the crash comes then). */
static int
trial(uint64_t seed, long cut)
{
	struct history *h = calloc(1, sizeof(*h));
	struct model *m = calloc(1, sizeof(*m));
	struct rawdev *raw = rawdev_crash(DEV_BLOCKS);
	struct fs_stats st;
	struct tdev t;
	uint64_t rng = seed * 7919 + 1, commits;
	int flags = rng_next(&rng) % 4 == 0 ? FS_MNT_SYNC : 0;
	uint32_t logb = rng_next(&rng) % 2 ? 16 : 0;
	int mode = rng_next(&rng) % 4, i, k, mismatch, bad = 0, nprob = 0;
	char what[160];
	struct fsck_result res;

	model_init(m);
	if (tdev_mkfs(raw, 256, logb) < 0 || tdev_mount(&t, raw, 0, flags) < 0)
		return 1;
	snap(h, m);
	h->cand[0] = 1;
	long base = crashdev_calls(raw);
	crashdev_arm(raw, cut > 0 ? cut : -1);
	for (i = 0; i < TRIAL_OPS && !crashdev_dead(raw); i++) {
		fs_get_stats(t.fs, &st);
		commits = st.commits;
		int r = random_op(t.fs, m, &rng, &mismatch, what, sizeof(what), 0);
		if (verbose)
			fprintf(stderr, "op %d: %s -> %d%s\n", i, what, r,
				crashdev_dead(raw) ? " (device dead)" : "");
		snap(h, m);
		fs_get_stats(t.fs, &st);
		if (crashdev_dead(raw))
			mismatch = 0;	/* the call failed with the device */
		if (mismatch) {
			fprintf(stderr, "seed %llu: %s disagrees with the model\n",
				(unsigned long long)seed, what);
			bad = 1;
			break;
		}
		if (st.commits != commits || crashdev_dead(raw))
			h->cand[h->n - 2] = h->cand[h->n - 1] = 1;
		if (rng_next(&rng) % 10 == 0 && fs_sync(t.fs) == 0) {
			h->cand[h->n - 1] = 1;
			h->synced = h->n - 1;
		} else if (crashdev_dead(raw)) {
			h->cand[h->n - 1] = 1;
		}
	}
	total_died += crashdev_dead(raw);
	if (cut < 0) {		/* counting: how many calls the trial makes */
		tdev_abandon(&t);
		bad = -(int)(crashdev_calls(raw) - base);
		goto out;
	}
	crashdev_crash(raw, mode, rng_next(&rng));
	tdev_abandon(&t);
	if (!bad && tdev_mount(&t, raw, 0, 0) < 0) {
		fprintf(stderr, "seed %llu: mount after the crash failed\n",
			(unsigned long long)seed);
		bad = 1;
	}
	if (!bad) {
		for (k = h->n - 1; k >= h->synced; k--)
			if (h->cand[k] && matches(t.fs, h, k))
				break;
		struct fs_stats rs;
		fs_get_stats(t.fs, &rs);
		total_replayed += rs.replayed;
		trials_replayed += rs.replayed > 0;
		total_leaks += rs.leaks_freed;
		total_orphans += rs.orphans_freed;
		if (verbose) {
			fprintf(stderr, "recovery: replayed %llu, leaks %llu, orphans %llu; err '%s'\n",
				(unsigned long long)rs.replayed, (unsigned long long)rs.leaks_freed,
				(unsigned long long)rs.orphans_freed, fs_last_error(t.fs));
		}
		if (k < h->synced) {
			fprintf(stderr, "seed %llu (%s, %s): no commit state since the last "
				"fsync (state %d of %d) matches\n", (unsigned long long)seed,
				crash_names[mode], flags ? "sync" : "group", h->synced, h->n);
			bad = 1;
		}
		tdev_unmount(&t);
		if (blkmap_open(raw, 0, &t.map, &t.dev, &(uint64_t){0}, what, sizeof(what)) == 0) {
			fsck_check(t.dev, t.map, report, &nprob, &res);
			blkmap_discard(t.map);
			if (res.problems) {
				fprintf(stderr, "seed %llu: fsck found %llu problems after "
					"recovery\n", (unsigned long long)seed,
					(unsigned long long)res.problems);
				bad = 1;
			}
		}
	}
out:
	for (i = 0; i < h->n; i++) {
		model_free(h->s[i]);
		free(h->s[i]);
	}
	free(h);
	model_free(m);
	free(m);
	raw->close(raw);
	return bad;
}

static int ntrials = 400;

static void
test_crash(void)
{
	int i, failed = 0;

	for (i = 0; i < ntrials; i++) {
		/* A first run counts the device calls; the second cuts the
		 * power at a random one of them, or (1 in 8) not at all. */
		uint64_t rng = 77 + i;
		long calls = -trial(1000 + i, -1);
		long cut = calls > 0 && rng_next(&rng) % 8 ? 1 + (long)(rng_next(&rng) % calls) : 0;
		failed += trial(1000 + i, cut) != 0;
	}
	printf("crash: %d trials, %d failed; power cut during a call in %llu; "
	       "log replayed in %llu (%llu blocks); %llu leaked blocks and %llu "
	       "unlinked inodes freed at mount\n", ntrials, failed,
	       (unsigned long long)total_died, (unsigned long long)trials_replayed,
	       (unsigned long long)total_replayed, (unsigned long long)total_leaks,
	       (unsigned long long)total_orphans);
	CHECK_EQ(failed, 0);
}

int
main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "crash_recovery", test_crash },
		{ NULL, NULL },
	};
	if (getenv("CRASH_SEED")) {
		verbose = 1;
		return trial(strtoull(getenv("CRASH_SEED"), NULL, 0),
			     strtol(getenv("CRASH_CUT") ? getenv("CRASH_CUT") : "0", NULL, 0));
	}
	if (getenv("CRASH_TRIALS"))
		ntrials = atoi(getenv("CRASH_TRIALS"));
	return run_tests(cases, argc, argv);
}
