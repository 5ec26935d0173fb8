/*
 * C's assert: a failed assertion is the program's bug, reported like a
 * panic (file, line, the expression) and the program exits with
 * EXIT_PANIC. NDEBUG turns it off. chitin.h defines the same macro.
 */
#undef assert
#ifdef NDEBUG
#define assert(x)	((void)0)
#else
#include <chitin.h>
#define assert(x)	do { if (!(x)) panic("assertion failed: %s", #x); } while (0)
#endif
