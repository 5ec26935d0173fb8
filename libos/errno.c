/*
 * errno: the C library's error word, its messages (strerror), and the
 * translation from the library OS's -E_* codes (kern/abi/error.h).
 */
#include "libos.h"
#include <errno.h>

int errno;

/* E_xxx -> errno, indexed by the code. */
static const unsigned char errno_of_code[] = {
	[E_INVAL] = EINVAL,		[E_BAD_ENV] = ESRCH,
	[E_NO_MEM] = ENOMEM,		[E_NO_FREE_ENV] = EAGAIN,
	[E_FAULT] = EFAULT,		[E_PERM] = EACCES,
	[E_IPC_NOT_RECV] = EAGAIN,	[E_BUSY] = EBUSY,
	[E_NOSYS] = ENOSYS,		[E_RANGE] = ERANGE,
	[E_EXISTS] = EEXIST,		[E_NOT_FOUND] = ENOENT,
	[E_AGAIN] = EAGAIN,		[E_NOT_MAPPED] = EFAULT,
	[E_QUOTA] = EDQUOT,		[E_NO_ENTRY] = ENOSYS,
	[E_DEADLOCK] = EDEADLK,		[E_NOT_EXEC] = ENOEXEC,
	[E_CHILD] = ECHILD,		[E_IO] = EIO,
	[E_NO_SPACE] = ENOSPC,		[E_NOT_DIR] = ENOTDIR,
	[E_IS_DIR] = EISDIR,		[E_NOT_EMPTY] = ENOTEMPTY,
	[E_NAME_TOO_LONG] = ENAMETOOLONG, [E_BAD_FD] = EBADF,
	[E_PIPE] = EPIPE,		[E_TOO_BIG] = EFBIG,
	[E_NOT_SUPP] = ENOTSUP,
};

static const char *const errno_msgs[ERRNO_MAX] = {
	[0] = "Success",
	[EPERM] = "Operation not permitted",
	[ENOENT] = "No such file or directory",
	[ESRCH] = "No such process",
	[EINTR] = "Interrupted",
	[EIO] = "Input/output error",
	[ENXIO] = "No such device or address",
	[E2BIG] = "Argument list too long",
	[ENOEXEC] = "Not an executable",
	[EBADF] = "Bad file descriptor",
	[ECHILD] = "No child processes",
	[EAGAIN] = "Resource temporarily unavailable",
	[ENOMEM] = "Out of memory",
	[EACCES] = "Permission denied",
	[EFAULT] = "Bad address",
	[EBUSY] = "Resource busy",
	[EEXIST] = "File exists",
	[EXDEV] = "Cross-device link",
	[ENODEV] = "No such device",
	[ENOTDIR] = "Not a directory",
	[EISDIR] = "Is a directory",
	[EINVAL] = "Invalid argument",
	[ENFILE] = "Too many open files in system",
	[EMFILE] = "Too many open files",
	[ENOTTY] = "Not a terminal",
	[EFBIG] = "File too large",
	[ENOSPC] = "No space left on device",
	[ESPIPE] = "Illegal seek",
	[EROFS] = "Read-only file system",
	[EMLINK] = "Too many links",
	[EPIPE] = "Broken pipe",
	[EDOM] = "Argument out of domain",
	[ERANGE] = "Result out of range",
	[EDEADLK] = "Deadlock avoided",
	[ENAMETOOLONG] = "File name too long",
	[ENOSYS] = "Function not implemented",
	[ENOTEMPTY] = "Directory not empty",
	[ELOOP] = "Too many levels of links",
	[ENOTSOCK] = "Not a socket",
	[EDESTADDRREQ] = "Destination address required",
	[EMSGSIZE] = "Message too long",
	[EPROTOTYPE] = "Wrong protocol type for socket",
	[ENOPROTOOPT] = "Protocol not available",
	[EPROTONOSUPPORT] = "Protocol not supported",
	[ENOTSUP] = "Operation not supported",
	[EAFNOSUPPORT] = "Address family not supported",
	[EADDRINUSE] = "Address in use",
	[EADDRNOTAVAIL] = "Address not available",
	[ENETDOWN] = "Network is down",
	[ENETUNREACH] = "Network unreachable",
	[ECONNABORTED] = "Connection aborted",
	[ECONNRESET] = "Connection reset by peer",
	[ENOBUFS] = "No buffer space available",
	[EISCONN] = "Already connected",
	[ENOTCONN] = "Not connected",
	[ETIMEDOUT] = "Connection timed out",
	[ECONNREFUSED] = "Connection refused",
	[EHOSTUNREACH] = "Host unreachable",
	[EALREADY] = "Operation already in progress",
	[EINPROGRESS] = "Operation in progress",
	[EDQUOT] = "Quota exceeded",
};

/* See errno.h. An unknown code is EIO: something failed. */
int
errno_from_error(long err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return 0;
	if (err < (long)sizeof(errno_of_code) && errno_of_code[err] != 0)
		return errno_of_code[err];
	return EIO;
}

/* C's strerror: the message of errno value errnum. The buffer for an
 * unknown one is shared (not thread-safe, as C allows). */
char *
strerror(int errnum)
{
	static char unknown[32];

	if (errnum >= 0 && errnum < ERRNO_MAX && errno_msgs[errnum] != NULL)
		return (char *)errno_msgs[errnum];
	snprintf(unknown, sizeof(unknown), "Unknown error %d", errnum);
	return unknown;
}

/* See libos.h. */
long
posix_ret(long r)
{
	if (r >= 0)
		return r;
	errno = (int)-r;
	return -1;
}

/* See libos.h. */
long
posix_ret_e(long r)
{
	if (r >= 0)
		return r;
	errno = errno_from_error(r);
	return -1;
}
