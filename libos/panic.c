/*
 * A program's panic: for the program's own broken invariants (and the
 * library's), never for a mistake the library can report as an error.
 */
#include "libos.h"

/* Prints "user panic in NAME [ENVID]: FILE:LINE: message" and exits with
 * EXIT_PANIC. */
void
_user_panic(const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cprintf("user panic in %s [%08x]: %s:%d: %s\n", binaryname,
		thisenv != NULL ? thisenv->id : sys_getenvid(), file, line, msg);
	exit(EXIT_PANIC);
}
