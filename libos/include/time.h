/*
 * Time from the clock page (libos/time.c): no system call. There is no
 * real-time clock, so "now" is the time since boot; CLOCK_REALTIME and
 * time() count from the boot too.
 */
#ifndef CHITIN_TIME_H
#define CHITIN_TIME_H

#include <sys/types.h>

#define CLOCKS_PER_SEC	1000000
#define CLOCK_REALTIME	0
#define CLOCK_MONOTONIC	1
#define CLOCK_PROCESS_CPUTIME_ID 2
typedef int clockid_t;

struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

struct tm {
	int tm_sec, tm_min, tm_hour;
	int tm_mday, tm_mon, tm_year;	/* year - 1900 */
	int tm_wday, tm_yday, tm_isdst;
};

time_t time(time_t *t);
clock_t clock(void);			/* CPU time this env has run */
int clock_gettime(clockid_t id, struct timespec *ts);
int nanosleep(const struct timespec *req, struct timespec *rem);
double difftime(time_t a, time_t b);
struct tm *gmtime(const time_t *t);	/* from 1970-01-01, as if boot were then */
struct tm *gmtime_r(const time_t *t, struct tm *out);
size_t strftime(char *buf, size_t n, const char *fmt, const struct tm *tm);

/* Chitin's own: the TSC and its rate, and the time since boot in units. */
uint64_t time_ns(void);			/* nanoseconds since boot */
uint64_t time_tsc_hz(void);

#endif
