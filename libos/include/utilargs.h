/*
 * Argument shapes several utilities share, one copy of each rule
 * (libos/utilargs.c) so the utilities agree on them:
 *
 *   PROG SOURCE TARGET | PROG SOURCE... DIRECTORY    (cp, mv)
 *   PROG [-n N | -N] [FILE...]                        (head, tail)
 */
#ifndef CHITIN_UTILARGS_H
#define CHITIN_UTILARGS_H

/* Calls op(source, target) for each source: target is the last argument,
 * or the source's last path component inside it when it is a directory.
 * Prints usage (2) or "not a directory" (1) itself; otherwise returns 0
 * if every op returned 0, else 1. */
int each_source_to_target(int argc, char **argv, const char *prog,
			  int (*op)(const char *from, const char *to));

/* Reads a leading "-n N" or "-N" (N >= 0) into *n, which keeps its
 * default otherwise. Returns the index of the first file argument, or -1
 * after printing "usage: PROG [-n lines] [file...]" for a bad count or
 * an unknown option. */
int line_count_args(int argc, char **argv, const char *prog, long *n);

#endif
