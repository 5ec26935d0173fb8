/*
 * Limits of the integer types (x86-64 LP64) and of the library OS.
 */
#ifndef CHITIN_LIMITS_H
#define CHITIN_LIMITS_H

#define CHAR_BIT	8
#define SCHAR_MIN	(-128)
#define SCHAR_MAX	127
#define UCHAR_MAX	255
#define CHAR_MIN	SCHAR_MIN
#define CHAR_MAX	SCHAR_MAX
#define SHRT_MIN	(-32768)
#define SHRT_MAX	32767
#define USHRT_MAX	65535
#define INT_MIN		(-INT_MAX - 1)
#define INT_MAX		2147483647
#define UINT_MAX	4294967295U
#define LONG_MIN	(-LONG_MAX - 1L)
#define LONG_MAX	9223372036854775807L
#define ULONG_MAX	18446744073709551615UL
#define LLONG_MIN	(-LLONG_MAX - 1LL)
#define LLONG_MAX	9223372036854775807LL
#define ULLONG_MAX	18446744073709551615ULL
#define SSIZE_MAX	LONG_MAX

#define PATH_MAX	1024	/* a path, NUL included (the library's paths) */
#define NAME_MAX	56	/* a file name (FS_NAME_MAX) */
#define OPEN_MAX	64	/* descriptors per env (FD_MAX) */
#define PIPE_BUF	4096	/* a pipe write this long is never interleaved */
#define ARG_MAX		65536	/* argv strings and array, for spawn */

#endif
