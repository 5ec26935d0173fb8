/*
 * ps: every environment, read straight from the kernel's read-only
 * environment table (UENVS) and slice vectors (UCPUS) without a system
 * call: who runs, who owns what. Output goes to stdout (a pipe works).
 */
#include <chitin.h>
#include <stdio.h>

static const char *const status_names[] = {
	[ENV_FREE] = "free", [ENV_RUNNABLE] = "ready", [ENV_RUNNING] = "run",
	[ENV_NOT_RUNNABLE] = "blocked", [ENV_ZOMBIE] = "zombie",
};

static const char *const wait_names[] = {
	[WAIT_NONE] = "", [WAIT_IPC_RECV] = "ipc", [WAIT_PCT_REPLY] = "pct-call",
	[WAIT_PCT_SERVE] = "pct-serve", [WAIT_CHILD] = "wait", [WAIT_CONSOLE] = "tty",
	[WAIT_DISK] = "disk", [WAIT_NIC] = "nic",
};
#define NWAIT	(sizeof(wait_names) / sizeof(wait_names[0]))

static void
print_env(const volatile struct env_export *e)
{
	uint64_t mhz = UCLOCK_PAGE->tsc_hz / 1000000;
	char where[8];

	if (e->cpu >= 0)
		snprintf(where, sizeof(where), "%d", e->cpu);
	else
		snprintf(where, sizeof(where), "-");
	printf("%08x %08x %4u %-7s %-9s %3s %5u %9lu %8lu %6lu  %s\n",
		e->id, e->parent, e->principal,
		e->status < 5 ? status_names[e->status] : "?",
		e->wait < NWAIT ? wait_names[e->wait] : "?", where, e->slots_owned,
		mhz ? e->cycles / mhz / 1000 : 0, e->slices, e->pages, (const char *)e->name);
}

/* The envs that were asked to give pages back (kern/revoke.c), after the
 * table: how many requests, what they returned in time, what the kernel
 * took when a deadline passed, and a request still pending. */
static void
print_revocations(void)
{
	uint64_t mhz = UCLOCK_PAGE->tsc_hz / 1000000, now = 0;
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	now = ((uint64_t)hi << 32) | lo;
	for (int i = 0; i < NENV; i++) {
		const volatile struct env_export *e = &UENV_TABLE[i];
		uint64_t deadline = e->revoke_deadline;
		if (e->status == ENV_FREE || e->revoke_requests == 0)
			continue;
		printf("revoke %08x: %u requests, %lu pages returned, %u aborts, %lu pages taken",
		       e->id, e->revoke_requests, e->revoke_returned, e->revoke_aborts,
		       e->revoke_taken);
		if (deadline && mhz)
			printf("; pending: keep %lu, %ld ms left", e->revoke_target,
			       (long)((int64_t)(deadline - now) / (int64_t)mhz / 1000));
		printf("\n");
	}
}

int
main(int argc, char **argv)
{
	int n = 0;

	if (argc > 1) {
		fprintf(stderr, "usage: ps\n");
		return 2;
	}
	printf("ENV      PARENT   USER STATE   WAIT      CPU SLOTS   CPU(ms)   SLICES  PAGES  NAME\n");
	for (int i = 0; i < NENV; i++) {
		const volatile struct env_export *e = &UENV_TABLE[i];
		if (e->status == ENV_FREE)
			continue;
		print_env(e);
		n++;
	}
	printf("%d environments, %lu free pages\n", n, UCLOCK_PAGE->free_pages);
	print_revocations();
	return 0;
}
