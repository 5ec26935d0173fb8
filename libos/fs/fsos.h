/*
 * What libos/fs/ needs from the system under it: memory, the time, a
 * lock and formatted strings. fsos_host.c implements it on the host (for
 * mkfs, fsck and the tests), fsos_guest.c inside the library OS. Only the
 * headers differ here; no function body holds an #ifdef.
 */
#ifndef CHITIN_FS_OS_H
#define CHITIN_FS_OS_H

#ifdef FS_HOST
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#else
#include <chitin.h>
#endif
#include "kern/abi/error.h"

void *fsos_alloc(size_t n);		/* zeroed, or NULL */
void fsos_free(void *p);
uint64_t fsos_now(void);		/* seconds, for mtime */

/* The file system's lock: one per mounted file system, held across each
 * call. The guest's lives in memory shared by the envs that mount one
 * file system; the host's is a no-op (the tools are single-threaded). */
struct fsos_lock;
struct fsos_lock *fsos_lock_new(void);
void fsos_lock_free(struct fsos_lock *l);
void fsos_lock_acquire(struct fsos_lock *l);
void fsos_lock_release(struct fsos_lock *l);

#endif
