/* Kernel self-tests chosen with `test=<name>` on the boot command line. */
#ifndef CHITIN_KERN_SELFTEST_H
#define CHITIN_KERN_SELFTEST_H
#include "kernel.h"

void selftest_run(const char *name);	/* unknown names are reported */

#endif
