/*
 * The C library's start and end around main (libmain.c calls them).
 */
#include "libos.h"

static bool libc_ending;

/* Before main: the descriptors (the console when none came), the
 * environment and working directory spawn handed over. */
void
libc_init(int argc, char **argv)
{
	fd_init();
	proc_init();
}

/* At exit: atexit functions, then every stream flushed, then every
 * descriptor closed. Once: an exit from inside (an atexit function, a
 * panic while flushing) goes straight out. */
void
libc_fini(void)
{
	if (libc_ending)
		return;
	libc_ending = true;
	atexit_run();
	stdio_flush_all();
	fd_close_all();
}
