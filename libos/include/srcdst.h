/*
 * The argument shape cp and mv share:
 *
 *   PROG SOURCE TARGET
 *   PROG SOURCE... DIRECTORY
 *
 * One copy of the rules (libos/srcdst.c), so the utilities agree on them.
 */
#ifndef CHITIN_SRCDST_H
#define CHITIN_SRCDST_H

/* Calls op(source, target) for each source: target is the last argument,
 * or the source's last path component inside it when it is a directory.
 * Prints usage (2) or "not a directory" (1) itself; otherwise returns 0
 * if every op returned 0, else 1. */
int each_source_to_target(int argc, char **argv, const char *prog,
			  int (*op)(const char *from, const char *to));

#endif
