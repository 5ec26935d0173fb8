/* panic and assert: for the kernel's own invariants only. Nothing a user
 * program or a packet controls may reach them. */
#ifndef CHITIN_KERN_ASSERT_H
#define CHITIN_KERN_ASSERT_H
#include "kernel.h"

void _panic(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void _warn(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void backtrace_from(uint64_t rbp);	/* the frame-pointer chain from rbp */

#define panic(...)	_panic(__FILE__, __LINE__, __VA_ARGS__)
#define warn(...)	_warn(__FILE__, __LINE__, __VA_ARGS__)
#define assert(x)	do { if (!(x)) panic("assertion failed: %s", #x); } while (0)
#define static_assert	_Static_assert

#endif
