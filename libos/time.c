/*
 * Time from the clock page (kern/abi/env.h): the TSC, its rate, and the
 * TSC at boot. Sleeping yields the CPU until the time has come (a
 * thread sleeps alone when there are threads); the kernel has no timer
 * for envs to block on.
 */
#include "libos.h"
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <thread.h>

uint64_t
time_tsc_hz(void)
{
	uint64_t hz = UCLOCK_PAGE->tsc_hz;

	return hz != 0 ? hz : 1000000000ULL;	/* before calibration: a guess */
}

static uint64_t
tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000000ULL / time_tsc_hz());
}

/* Nanoseconds since boot. */
uint64_t
time_ns(void)
{
	return tsc_to_ns(tsc_now() - UCLOCK_PAGE->boot_tsc);
}

time_t
time(time_t *t)
{
	time_t now = (time_t)(time_ns() / 1000000000ULL);

	if (t != NULL)
		*t = now;
	return now;
}

/* C's clock: the CPU time this env has run, in CLOCKS_PER_SEC units. */
clock_t
clock(void)
{
	return (clock_t)(tsc_to_ns(thisenv->cycles) / (1000000000ULL / CLOCKS_PER_SEC));
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t ns;

	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
		ns = time_ns();
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
		ns = tsc_to_ns(thisenv->cycles);
		break;
	default:
		return (int)posix_ret(-EINVAL);
	}
	ts->tv_sec = (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
	return 0;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	uint64_t ns = time_ns();

	tv->tv_sec = (time_t)(ns / 1000000000ULL);
	tv->tv_usec = (suseconds_t)(ns % 1000000000ULL / 1000);
	return 0;
}

double
difftime(time_t a, time_t b)
{
	return (double)(a - b);
}

/* Waits ns nanoseconds: a sleeping thread when there are others, else
 * yields until the time has come. */
static void
sleep_ns(uint64_t ns)
{
	uint64_t end = time_ns() + ns;

	if (thread_count() > 1) {
		thread_sleep_us(ns / 1000);
		return;
	}
	while (time_ns() < end) {
		console_interrupt_check();	/* sleep 100 stops at ^C */
		sys_yield();
	}
}

int
nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (req == NULL || req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L)
		return (int)posix_ret(-EINVAL);
	sleep_ns((uint64_t)req->tv_sec * 1000000000ULL + (uint64_t)req->tv_nsec);
	if (rem != NULL)
		rem->tv_sec = rem->tv_nsec = 0;
	return 0;
}

unsigned
sleep(unsigned seconds)
{
	sleep_ns((uint64_t)seconds * 1000000000ULL);
	return 0;
}

int
usleep(useconds_t us)
{
	if (us < 0)
		return (int)posix_ret(-EINVAL);
	sleep_ns((uint64_t)us * 1000);
	return 0;
}

static bool
leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The calendar date of t seconds after 1970-01-01 (boot, here);
 * before that reads as that day. */
struct tm *
gmtime_r(const time_t *t, struct tm *tm)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t secs = *t > 0 ? *t : 0, days = secs / 86400;
	long y = 1970;
	int m, len;

	secs %= 86400;
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	tm->tm_wday = (int)((days + 4) % 7);	/* 1970-01-01 was a Thursday */
	while (days >= (leap(y) ? 366 : 365)) {
		days -= leap(y) ? 366 : 365;
		y++;
	}
	tm->tm_year = (int)(y - 1900);
	tm->tm_yday = (int)days;
	for (m = 0; m < 11; m++) {
		len = mdays[m] + (m == 1 && leap(y));
		if (days < len)
			break;
		days -= len;
	}
	tm->tm_mon = m;
	tm->tm_mday = (int)days + 1;
	tm->tm_isdst = 0;
	return tm;
}

struct tm *
gmtime(const time_t *t)
{
	static struct tm tm;

	return gmtime_r(t, &tm);
}

/* C's strftime, for %Y %m %d %H %M %S %j %e %b %a %T %F and %%. */
size_t
strftime(char *buf, size_t n, const char *fmt, const struct tm *tm)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const wday[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	size_t len = 0;
	int w;

	for (; *fmt != '\0' && len < n; fmt++) {
		if (*fmt != '%' || fmt[1] == '\0') {
			buf[len++] = *fmt;
			continue;
		}
		fmt++;
		switch (*fmt) {
		case 'Y': w = snprintf(buf + len, n - len, "%d", tm->tm_year + 1900); break;
		case 'm': w = snprintf(buf + len, n - len, "%02d", tm->tm_mon + 1); break;
		case 'd': w = snprintf(buf + len, n - len, "%02d", tm->tm_mday); break;
		case 'e': w = snprintf(buf + len, n - len, "%2d", tm->tm_mday); break;
		case 'H': w = snprintf(buf + len, n - len, "%02d", tm->tm_hour); break;
		case 'M': w = snprintf(buf + len, n - len, "%02d", tm->tm_min); break;
		case 'S': w = snprintf(buf + len, n - len, "%02d", tm->tm_sec); break;
		case 'j': w = snprintf(buf + len, n - len, "%03d", tm->tm_yday + 1); break;
		case 'b': w = snprintf(buf + len, n - len, "%s", mon[tm->tm_mon % 12]); break;
		case 'a': w = snprintf(buf + len, n - len, "%s", wday[tm->tm_wday % 7]); break;
		case 'T': w = snprintf(buf + len, n - len, "%02d:%02d:%02d",
				       tm->tm_hour, tm->tm_min, tm->tm_sec); break;
		case 'F': w = snprintf(buf + len, n - len, "%d-%02d-%02d",
				       tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday); break;
		default: w = snprintf(buf + len, n - len, "%c", *fmt); break;
		}
		if (w < 0 || (size_t)w >= n - len)
			return 0;
		len += (size_t)w;
	}
	if (len >= n)
		return 0;
	buf[len] = '\0';
	return len;
}
