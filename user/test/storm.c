/*
 * storm: soaks that must leave the kernel as they found it.
 *
 *   storm fork ROUNDS WIDTH   ROUNDS times: fork WIDTH children at once
 *                             (copy-on-write), each writes its stack, a
 *                             heap page and a global, forks a grandchild
 *                             every fourth round, and exits with a status
 *                             the parent checks.
 *   storm ipc MSGS SENDERS    SENDERS children each send MSGS messages to
 *                             the parent, every fourth with a page whose
 *                             contents carry the value; the parent checks
 *                             each sender's sequence and each page.
 *
 * Before and after, free pages plus the pages this env owns (copy-on-write
 * faults move pages between the two, nothing else may) must be equal, and
 * the kernel's audit must be clean. The parent prints one line with the
 * counts: "storm: fork ok ..." or "storm: ... FAIL ...".
 */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>

#define RECV_VA		0x0000200000000000ULL	/* where received pages land */
#define MAX_WIDTH	64

static volatile uint64_t global_word;

static int64_t
accounted(void)
{
	return sys_kdebug(KDEBUG_FREE, 0) + (int64_t)thisenv->pages;
}

/* The child of one fork round: touch memory, maybe fork once more. */
static int
fork_child(long round, long k)
{
	volatile uint64_t stack_word = (uint64_t)round * 1000 + (uint64_t)k;
	uint64_t *heap = malloc(PGSIZE);
	int status;

	if (!heap)
		return 100;
	heap[0] = stack_word;
	heap[PGSIZE / 8 - 1] = stack_word;
	global_word = stack_word;
	if (round % 4 == 0 && k == 0) {
		envid_t g = fork();
		if (g < 0)
			return 101;
		if (g == 0)
			exit(global_word == stack_word ? 7 : 102);
		if (wait(g, &status) != g || status != 7)
			return 103;
	}
	if (heap[0] != stack_word || heap[PGSIZE / 8 - 1] != stack_word ||
	    global_word != stack_word)
		return 104;
	free(heap);
	return (int)((round + k) % 50) + 1;
}

static int
fork_storm(long rounds, long width)
{
	envid_t kid[MAX_WIDTH];
	long forks = 0, bad = 0;
	int status;

	for (long r = 0; r < rounds; r++) {
		for (long k = 0; k < width; k++) {
			kid[k] = fork();
			if (kid[k] < 0) {
				cprintf("storm: fork FAIL: fork: %s\n", errstr(kid[k]));
				return -1;
			}
			if (kid[k] == 0)
				exit(fork_child(r, k));
			forks++;
		}
		for (long k = 0; k < width; k++)
			if (wait(kid[k], &status) != kid[k] || status != (int)((r + k) % 50) + 1) {
				if (bad++ < 5)
					cprintf("storm: fork child %ld.%ld status %d\n", r, k, status);
			}
	}
	if (bad) {
		cprintf("storm: fork FAIL: %ld children ended wrongly\n", bad);
		return -1;
	}
	return forks + (rounds + 3) / 4;	/* and one grandchild every fourth round */
}

static void
ipc_sender(envid_t to, long idx, long msgs)
{
	uint64_t *pg = (uint64_t *)(RECV_VA + PGSIZE);

	for (long i = 0; i < msgs; i++) {
		uint64_t v = (uint64_t)idx << 32 | (uint64_t)i;
		if (i % 4 == 0) {
			int64_t r = sys_page_alloc(0, (uintptr_t)pg, PERM_P | PERM_W | PERM_U, PPN_ANY);
			if (r < 0)
				panic("page_alloc: %s", errstr(r));
			pg[0] = v;
			pg[PGSIZE / 8 - 1] = ~v;
			ipc_send(to, v, pg, PERM_P | PERM_U);
			sys_page_unmap(0, (uintptr_t)pg);
		} else {
			ipc_send(to, v, NULL, 0);
		}
	}
}

static int
ipc_storm(long msgs, long senders)
{
	envid_t kid[MAX_WIDTH];
	uint64_t next[MAX_WIDTH];
	long got = 0, bad = 0, pages = 0;
	int status;

	for (long k = 0; k < senders; k++) {
		kid[k] = fork();
		if (kid[k] < 0) {
			cprintf("storm: ipc FAIL: fork: %s\n", errstr(kid[k]));
			return -1;
		}
		if (kid[k] == 0) {
			ipc_sender(thisenv->parent, k, msgs);
			exit(0);
		}
		next[k] = 0;
	}
	while (got < msgs * senders) {
		envid_t from;
		uint64_t perm = 0, v = ipc_recv(&from, (void *)RECV_VA, &perm);
		long k = (long)(v >> 32);
		uint64_t seq = v & 0xffffffffULL;

		got++;
		if (k < 0 || k >= senders || from != kid[k] || seq != next[k]) {
			if (bad++ < 5)
				cprintf("storm: ipc %lx from %08x out of order\n", v, from);
			continue;
		}
		next[k]++;
		if (seq % 4 == 0) {
			const uint64_t *pg = (const uint64_t *)RECV_VA;
			if (!(perm & PERM_P) || pg[0] != v || pg[PGSIZE / 8 - 1] != ~v) {
				if (bad++ < 5)
					cprintf("storm: ipc %lx: page wrong (perm %lx)\n", v, perm);
			}
			pages++;
		} else if (perm & PERM_P) {
			bad++;
		}
	}
	sys_page_unmap(0, RECV_VA);
	for (long k = 0; k < senders; k++)
		if (wait(kid[k], &status) != kid[k] || status != 0)
			bad++;
	if (bad) {
		cprintf("storm: ipc FAIL: %ld wrong of %ld messages\n", bad, got);
		return -1;
	}
	cprintf("storm: ipc %ld messages (%ld with a page) from %ld senders\n", got, pages, senders);
	return got;
}

int
main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "fork";
	long n = argc > 2 ? strtol(argv[2], NULL, 0) : 20;
	long width = argc > 3 ? strtol(argv[3], NULL, 0) : 8;
	int64_t before, after, audit;
	long done;

	if (width < 1 || width > MAX_WIDTH) {
		cprintf("storm: FAIL: width %ld not in 1..%d\n", width, MAX_WIDTH);
		return 1;
	}
	before = accounted();
	if (strcmp(what, "fork") == 0)
		done = fork_storm(n, width);
	else if (strcmp(what, "ipc") == 0)
		done = ipc_storm(n, width);
	else {
		cprintf("storm: FAIL: usage: storm fork|ipc N WIDTH\n");
		return 1;
	}
	if (done < 0)
		return 1;
	after = accounted();
	audit = sys_kdebug(KDEBUG_AUDIT, 0);
	if (audit == 0 && after == before) {
		cprintf("storm: %s ok, %ld %s, audit clean, %ld free+own pages before and after\n",
			what, done, what[0] == 'f' ? "envs" : "messages", before);
		return 0;
	}
	cprintf("storm: %s FAIL, audit %ld problems, free+own pages %ld before, %ld after\n",
		what, audit, before, after);
	return 1;
}
