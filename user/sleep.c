/*
 * sleep: wait a while.
 *
 *   sleep SECONDS       a whole or decimal number (0.5)
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* SECONDS as nanoseconds; -1 if it is not a number. */
static long long
parse(const char *s)
{
	long long ns = 0, scale = 1000000000LL;
	bool digits = false;

	for (; isdigit((unsigned char)*s); s++, digits = true) {
		if (ns > 1000000LL * 1000000000LL)
			return -1;
		ns = ns * 10 + (*s - '0');
	}
	ns *= scale;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++, digits = true)
			ns += (*s - '0') * (scale /= 10);
	return digits && *s == '\0' ? ns : -1;
}

int
main(int argc, char **argv)
{
	struct timespec ts;
	long long ns;

	if (argc != 2 || (ns = parse(argv[1])) < 0) {
		fprintf(stderr, "usage: sleep seconds\n");
		return 2;
	}
	ts.tv_sec = (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	nanosleep(&ts, NULL);
	return 0;
}
