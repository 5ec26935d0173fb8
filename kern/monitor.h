/* The kernel monitor: a command prompt on the console for students. */
#ifndef CHITIN_KERN_MONITOR_H
#define CHITIN_KERN_MONITOR_H
#include "kernel.h"

void monitor(void) __attribute__((noreturn));
void monitor_run_line(char *line);	/* one command line */
void reboot(void) __attribute__((noreturn));

#endif
