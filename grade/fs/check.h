/*
 * Comparing a mounted file system with a model (model.h), and the random
 * operations that both the model test and the crash test run.
 */
#ifndef CHITIN_FS_CHECK_H
#define CHITIN_FS_CHECK_H

#include "fstest.h"
#include "model.h"

/* Compares every path, type, size and byte; prints differences (at most
 * a few) and returns how many there were. */
int compare_fs(struct fs *fs, struct model *m, const char *when);

/* One random call on both fs and m; the two results must agree. Returns
 * the fs result; *mismatch is set when they disagree. name gets what
 * was done (for messages). */
int random_op(struct fs *fs, struct model *m, uint64_t *rng, int *mismatch,
	      char *name, size_t namelen, int allow_big);

#endif
