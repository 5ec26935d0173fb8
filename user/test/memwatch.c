/*
 * memwatch: the kernel's page counts on demand, for soaks driven by the
 * grader. Each line typed on the console (the grader's send step) prints
 *
 *   memwatch: free N audit A
 *
 * N the free physical pages now, A the number of problems the kernel's
 * page-accounting audit found (0: consistent). The first such reading is
 * the baseline. A line "w SECS" waits until the free count is back at the
 * baseline, checking every 100 ms for at most SECS seconds (timers such
 * as TCP's TIME_WAIT give pages back some time after a load stops), then
 * prints the reading with ", baseline B after T ms". A line "q" or end of
 * input ends it. Its own pages do not change between lines, so readings
 * differ only by what other envs and the kernel took or gave back.
 */
#include <chitin.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char line[64];
	int64_t baseline = -1, free_now;
	long secs, ms;
	size_t n;
	int c;

	cprintf("memwatch: ready\n");
	for (;;) {
		n = 0;
		while ((c = getchar()) != '\n' && c != EOF && c >= 0)
			if (n < sizeof(line) - 1)
				line[n++] = (char)c;
		line[n] = 0;
		if (line[0] == 'q' || (n == 0 && (c == EOF || c < 0)))
			break;
		free_now = sys_kdebug(KDEBUG_FREE, 0);
		if (line[0] == 'w' && baseline >= 0) {
			secs = strtol(line + 1, NULL, 0);
			for (ms = 0; free_now != baseline && ms < secs * 1000; ms += 100) {
				usleep(100000);
				free_now = sys_kdebug(KDEBUG_FREE, 0);
			}
			cprintf("memwatch: free %ld audit %ld, baseline %ld after %ld ms\n", free_now,
				sys_kdebug(KDEBUG_AUDIT, 0), baseline, ms);
			continue;
		}
		if (baseline < 0)
			baseline = free_now;
		cprintf("memwatch: free %ld audit %ld\n", free_now, sys_kdebug(KDEBUG_AUDIT, 0));
	}
	return 0;
}
