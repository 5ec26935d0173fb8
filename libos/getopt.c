/*
 * POSIX getopt: short options, clustered (-la), with arguments attached
 * (-n5) or following (-n 5); "--" ends the options. A leading ':' in
 * optstring makes a missing argument return ':' and keeps quiet.
 */
#include "libos.h"
#include <stdio.h>
#include <unistd.h>

char *optarg;
int optind = 1, opterr = 1, optopt;
static int optpos = 1;		/* index in argv[optind] of the next letter */

static int
opt_error(const char *optstring, char *const argv[], const char *what, int c)
{
	if (opterr && optstring[0] != ':')
		fprintf(stderr, "%s: %s -- '%c'\n", argv[0], what, c);
	return '?';
}

int
getopt(int argc, char *const argv[], const char *optstring)
{
	const char *arg, *spec;
	int c;

	if (optind == 0) {		/* the GNU way to start over */
		optind = 1;
		optpos = 1;
	}
	optarg = NULL;
	if (optind >= argc || argv[optind] == NULL)
		return -1;
	arg = argv[optind];
	if (arg[0] != '-' || arg[1] == '\0')
		return -1;
	if (arg[1] == '-' && arg[2] == '\0') {
		optind++;
		return -1;
	}
	c = arg[optpos++];
	spec = c == ':' ? NULL : strchr(optstring, c);
	if (arg[optpos] == '\0') {
		optind++;
		optpos = 1;
	}
	optopt = c;
	if (spec == NULL)
		return opt_error(optstring, argv, "unknown option", c);
	if (spec[1] != ':')
		return c;
	if (optpos > 1) {		/* the rest of this word */
		optarg = (char *)arg + optpos;
		optind++;
		optpos = 1;
	} else if (optind < argc) {
		optarg = argv[optind++];
	} else {
		opt_error(optstring, argv, "option needs an argument", c);
		return optstring[0] == ':' ? ':' : '?';
	}
	return c;
}
