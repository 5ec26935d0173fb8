/* The boot command line: space-separated words, each `key=value` or a bare
 * `key`. Written into the boot image by boot/setcmdline.sh. */
#ifndef CHITIN_KERN_CMDLINE_H
#define CHITIN_KERN_CMDLINE_H
#include "kernel.h"

void cmdline_init(const char *text);
const char *cmdline_text(void);
/* Copies the value of key into out (NUL-terminated, truncated to n);
 * returns false when key is absent. A bare word has the value "". */
bool cmdline_get(const char *key, char *out, size_t n);
/* The rest of the line after `key=` (for init=PROG ARGS...), or NULL. */
const char *cmdline_rest(const char *key);

#endif
