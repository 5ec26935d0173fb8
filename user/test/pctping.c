/*
 * pctping: protected control transfer round trips. The child serves calls
 * (pct_serve); the parent calls it ROUNDS times with six words derived
 * from the round number. The server checks every word it gets and the
 * caller id, and answers six words derived from them plus its count of
 * bad arguments; the caller checks every answer. Then the cost of one
 * round trip, in TSC cycles.
 */
#include "testutil.h"

#define ROUNDS	1000

static envid_t caller_want;
static uint64_t served, bad_args;

static uint64_t
word(uint64_t round, int i)
{
	return round * 0x9e3779b97f4a7c15ULL + (uint64_t)i * 0x1000001ULL;
}

static void
serve(envid_t caller, struct pct_args *a)
{
	int i;

	for (i = 0; i < 5; i++)
		if (a->a[i] != word(a->a[5], i))
			bad_args++;
	if (caller != caller_want || a->a[5] != served)
		bad_args++;
	served++;
	for (i = 0; i < 5; i++)
		a->a[i] = ~a->a[i];
	a->a[5] = bad_args;
}

/* One call for round r; returns the kernel's error or how many answers
 * were wrong. */
static int64_t
ping(envid_t server, uint64_t r)
{
	struct pct_args a;
	int64_t err;
	int i, bad = 0;

	for (i = 0; i < 5; i++)
		a.a[i] = word(r, i);
	a.a[5] = r;
	if ((err = pct_call(server, &a)) < 0)
		return err;
	for (i = 0; i < 5; i++)
		bad += a.a[i] != ~word(r, i);
	return bad + (a.a[5] != 0);
}

/* The first call, once the server waits for calls: its exported record
 * says so (blocked in pct_return). A server that dies first, or never
 * gets there within 30 s, fails the test. */
static int64_t
first_ping(envid_t server)
{
	const volatile struct env_export *e = &UENV_TABLE[ENVX(server)];
	uint64_t limit = __builtin_ia32_rdtsc() + 30 * UCLOCK_PAGE->tsc_hz;

	while (!(e->id == server && e->status == ENV_NOT_RUNNABLE &&
		 e->wait == WAIT_PCT_SERVE)) {
		if (e->id != server || e->status == ENV_ZOMBIE ||
		    __builtin_ia32_rdtsc() > limit)
			return -E_NO_ENTRY;
		sys_yield();
	}
	return ping(server, 0);
}

int
main(int argc, char **argv)
{
	envid_t server;
	uint64_t r, t0, t1;
	int64_t res;

	caller_want = thisenv->id;
	if ((server = fork()) < 0)
		panic("fork: %s", errstr(server));
	if (server == 0)
		panic("pct_serve: %s", errstr(pct_serve(serve)));
	if ((res = first_ping(server)) != 0) {
		cprintf("pctping: FAIL, first call: %ld (%s)\n", res, res < 0 ? errstr(res) : "bad answers");
		return 1;
	}
	t0 = __builtin_ia32_rdtsc();
	for (r = 1; r < ROUNDS; r++)
		if ((res = ping(server, r)) != 0) {
			cprintf("pctping: FAIL, round %lu: %ld (%s)\n", r, res,
				res < 0 ? errstr(res) : "bad answers");
			return 1;
		}
	t1 = __builtin_ia32_rdtsc();
	cprintf("pctping: ok, %d round trips, arguments and answers checked both ways\n",
		ROUNDS);
	cprintf("pctping: %lu cycles per round trip\n", (t1 - t0) / (ROUNDS - 1));
	sys_env_destroy(server);
	wait(server, NULL);
	return tu_audit("pctping");
}
