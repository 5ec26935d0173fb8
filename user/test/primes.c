/*
 * primes: the sieve of Eratosthenes as a pipeline of envs joined by IPC.
 * The first env generates 2..LIMIT; each filter env prints the first
 * number it gets (a prime), forks the next filter when a number passes
 * it, and forwards the numbers its prime does not divide. A 0 at the end
 * runs down the chain; each filter waits for its child and exits with
 * the count of primes from it on, so the generator learns the total.
 */
#include "testutil.h"

#define LIMIT		1000
#define PRIMES_BELOW	168	/* pi(1000) */

static int
filter(void)
{
	envid_t next = 0;
	uint64_t p, n;
	int status;

	p = ipc_recv(NULL, NULL, NULL);
	if (p == 0)
		return 0;
	cprintf("primes: %lu\n", p);
	while ((n = ipc_recv(NULL, NULL, NULL)) != 0) {
		if (n % p == 0)
			continue;
		if (next == 0) {
			if ((next = fork()) < 0)
				panic("fork: %s", errstr(next));
			if (next == 0)
				return filter();
		}
		ipc_send(next, n, NULL, 0);
	}
	if (next == 0)
		return 1;
	ipc_send(next, 0, NULL, 0);
	if (wait(next, &status) != next || status < 0)
		panic("filter %08x: status %d", next, status);
	return status + 1;
}

int
main(int argc, char **argv)
{
	envid_t first;
	uint64_t n;
	int status;

	if ((first = fork()) < 0)
		panic("fork: %s", errstr(first));
	if (first == 0)
		exit(filter());
	for (n = 2; n <= LIMIT; n++)
		ipc_send(first, n, NULL, 0);
	ipc_send(first, 0, NULL, 0);
	if (wait(first, &status) != first || status != PRIMES_BELOW) {
		cprintf("primes: FAIL, %d primes below %d, want %d\n", status, LIMIT,
			PRIMES_BELOW);
		return 1;
	}
	cprintf("primes: ok, %d primes below %d through a pipeline of %d envs\n",
		status, LIMIT, status);
	return tu_audit("primes");
}
