/*
 * errno: the error of the last C-library call that failed.
 *
 * The values are Linux's numbers for the names a C programmer knows (net/
 * uses the same numbers, so a socket's error passes through unchanged).
 * The library OS's own calls (chitin.h) return -E_* codes from
 * kern/abi/error.h instead; errno_from_error() translates one to the
 * other, and the POSIX calls (read, open, spawn...) do so before they
 * return -1. strerror() (string.h) says what an errno value means,
 * errstr() (chitin.h) what an -E_* code means.
 *
 * errno is one word per env, not per thread: a program whose threads
 * both make failing calls must read it before the next one.
 */
#ifndef CHITIN_ERRNO_H
#define CHITIN_ERRNO_H

extern int errno;

#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EINTR		4
#define EIO		5
#define ENXIO		6
#define E2BIG		7
#define ENOEXEC		8
#define EBADF		9
#define ECHILD		10
#define EAGAIN		11
#define EWOULDBLOCK	EAGAIN
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define EXDEV		18
#define ENODEV		19
#define ENOTDIR		20
#define EISDIR		21
#define EINVAL		22
#define ENFILE		23
#define EMFILE		24
#define ENOTTY		25
#define EFBIG		27
#define ENOSPC		28
#define ESPIPE		29
#define EROFS		30
#define EMLINK		31
#define EPIPE		32
#define EDOM		33
#define ERANGE		34
#define EDEADLK		35
#define ENAMETOOLONG	36
#define ENOSYS		38
#define ENOTEMPTY	39
#define ELOOP		40
#define ENOTSOCK	88
#define EDESTADDRREQ	89
#define EMSGSIZE	90
#define EPROTOTYPE	91
#define ENOPROTOOPT	92
#define EPROTONOSUPPORT	93
#define ENOTSUP		95
#define EOPNOTSUPP	ENOTSUP
#define EAFNOSUPPORT	97
#define EADDRINUSE	98
#define EADDRNOTAVAIL	99
#define ENETDOWN	100
#define ENETUNREACH	101
#define ECONNABORTED	103
#define ECONNRESET	104
#define ENOBUFS		105
#define EISCONN		106
#define ENOTCONN	107
#define ETIMEDOUT	110
#define ECONNREFUSED	111
#define EHOSTUNREACH	113
#define EALREADY	114
#define EINPROGRESS	115
#define EDQUOT		122
#define ERRNO_MAX	128	/* every value above is below this */

/* The errno value for a library-OS error (-E_xxx or E_xxx); 0 for 0. */
int errno_from_error(long err);

#endif
