/*
 * The one list of error codes shared by the kernel and the library OS.
 * System calls return -E_xxx; the X-macro yields the codes, their names
 * and their messages (libos strerror, tools), so they never drift apart.
 */
#ifndef CHITIN_ABI_ERROR_H
#define CHITIN_ABI_ERROR_H

/*       code  name            message */
#define ERROR_LIST(X) \
	X(1,  E_INVAL,        "invalid argument") \
	X(2,  E_BAD_ENV,      "no such environment, or not yours") \
	X(3,  E_NO_MEM,       "out of memory") \
	X(4,  E_NO_FREE_ENV,  "environment table full") \
	X(5,  E_FAULT,        "bad address") \
	X(6,  E_PERM,         "permission denied") \
	X(7,  E_IPC_NOT_RECV, "receiver is not waiting") \
	X(8,  E_BUSY,         "resource busy") \
	X(9,  E_NOSYS,        "no such system call") \
	X(10, E_RANGE,        "out of range") \
	X(11, E_EXISTS,       "already exists") \
	X(12, E_NOT_FOUND,    "not found") \
	X(13, E_AGAIN,        "try again") \
	X(14, E_NOT_MAPPED,   "no page mapped there") \
	X(15, E_QUOTA,        "quota exceeded") \
	X(16, E_NO_ENTRY,     "no entry point registered") \
	X(17, E_DEADLOCK,     "would wait on itself") \
	X(18, E_NOT_EXEC,     "not an executable") \
	X(19, E_CHILD,        "no child to wait for") \
	X(20, E_IO,           "input/output error") \
	X(21, E_NO_SPACE,     "no space left") \
	X(22, E_NOT_DIR,      "not a directory") \
	X(23, E_IS_DIR,       "is a directory") \
	X(24, E_NOT_EMPTY,    "directory not empty") \
	X(25, E_NAME_TOO_LONG,"name too long") \
	X(26, E_BAD_FD,       "bad file descriptor") \
	X(27, E_PIPE,         "broken pipe") \
	X(28, E_TOO_BIG,      "too big") \
	X(29, E_NOT_SUPP,     "not supported")

#ifndef __ASSEMBLER__
#define ERROR_ENUM(code, name, msg) name = code,
enum { ERROR_LIST(ERROR_ENUM) E_MAXERROR };
#undef ERROR_ENUM
#endif

#endif
