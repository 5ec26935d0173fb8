/*
 * fsos.h on the host: malloc, time(), and a lock that does nothing (mkfs,
 * fsck and the tests use one thread).
 */
#include <stdlib.h>
#include <time.h>
#include "libos/fs/fsos.h"

struct fsos_lock {
	int held;
};

void *
fsos_alloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

void
fsos_free(void *p)
{
	free(p);
}

uint64_t
fsos_now(void)
{
	return (uint64_t)time(NULL);
}

struct fsos_lock *
fsos_lock_new(void)
{
	return calloc(1, sizeof(struct fsos_lock));
}

void
fsos_lock_free(struct fsos_lock *l)
{
	free(l);
}

void
fsos_lock_acquire(struct fsos_lock *l)
{
	l->held++;
}

void
fsos_lock_release(struct fsos_lock *l)
{
	l->held--;
}
