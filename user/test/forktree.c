/*
 * forktree: a binary tree of envs three levels deep, made with fork: each
 * env prints its path from the root ('' for the root, then '0', '1',
 * '00', ...), forks its two children and waits for them.
 */
#include "testutil.h"

#define DEPTH	3

static char path[DEPTH + 1];

/* Runs the subtree at path; returns how many envs it had. */
static int
forktree(size_t len)
{
	envid_t kids[2];
	int total = 1, status, i;

	cprintf("forktree: %08x: I am '%s'\n", thisenv->id, path);
	if (len == DEPTH)
		return total;
	for (i = 0; i < 2; i++) {
		path[len] = (char)('0' + i);
		path[len + 1] = '\0';
		kids[i] = fork();
		if (kids[i] == 0)
			exit(forktree(len + 1));
		if (kids[i] < 0)
			panic("fork: %s", errstr(kids[i]));
	}
	path[len] = '\0';
	for (i = 0; i < 2; i++) {
		if (wait(kids[i], &status) != kids[i] || status <= 0)
			panic("child %08x: status %d", kids[i], status);
		total += status;
	}
	return total;
}

int
main(int argc, char **argv)
{
	int n = forktree(0);
	int want = (1 << (DEPTH + 1)) - 1;

	if (n == want)
		cprintf("forktree: ok, %d envs\n", n);
	else
		cprintf("forktree: FAIL, %d envs, want %d\n", n, want);
	return tu_audit("forktree") | (n != want);
}
