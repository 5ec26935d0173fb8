/*
 * The POSIX scalar types (libos). Sizes follow the x86-64 psABI as Linux
 * uses it, so code written for Linux reads the same here.
 */
#ifndef CHITIN_SYS_TYPES_H
#define CHITIN_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef int64_t off_t;
typedef int32_t pid_t;		/* an env id (envid_t) */
typedef uint32_t mode_t;
typedef uint32_t uid_t;		/* a principal */
typedef uint32_t gid_t;
typedef uint64_t ino_t;
typedef uint64_t dev_t;
typedef uint64_t nlink_t;
typedef int64_t blksize_t;
typedef int64_t blkcnt_t;
typedef int64_t time_t;		/* seconds since boot (there is no RTC) */
typedef int64_t suseconds_t;
typedef int64_t useconds_t;
typedef int64_t clock_t;

#endif
