/*
 * exhaust: a child takes environments until the table is full and pages
 * until memory is gone, each time getting an error rather than a crash;
 * then it is destroyed, and every page it held must be free again (the
 * kernel's free count back where it started, and the page audit clean).
 *
 *   exhaust            the test (spawns the two below)
 *   exhaust noop       does nothing: a first spawn, so that the page
 *                      tables spawn needs here exist before the count
 *   exhaust child      the greedy one
 */
#include "testutil.h"

#define GREED_VA	0x100000000UL	/* where the child maps what it takes */

/* Exoforks (never-run) children until refused; returns how many. */
static int
take_envs(int64_t *err)
{
	int n = 0;
	envid_t id;

	while ((id = sys_env_exofork()) > 0)
		n++;
	if (id == 0)
		exit(0);	/* not reached: nobody makes them runnable */
	*err = id;
	return n;
}

/* Allocates pages, a batch at a time, until refused; returns how many. */
static uint64_t
take_pages(int64_t *err)
{
	static struct mmap_op ops[MMAP_BATCH_MAX];
	uintptr_t va = GREED_VA;
	uint64_t n = 0;
	int64_t done;
	size_t i;

	for (;;) {
		for (i = 0; i < MMAP_BATCH_MAX; i++)
			ops[i] = (struct mmap_op){ .op = MMAP_OP_ALLOC,
				.va = va + i * PGSIZE, .perm = PERM_P | PERM_W | PERM_NX };
		done = sys_mmap_batch(ops, MMAP_BATCH_MAX);
		if (done < 0) {
			*err = done;
			return n;
		}
		n += (uint64_t)done;
		va += (uint64_t)done * PGSIZE;
		if (done < MMAP_BATCH_MAX) {
			*err = sys_page_alloc(0, va, PERM_P | PERM_W | PERM_NX, PPN_ANY);
			return n;
		}
	}
}

static int __attribute__((noreturn))
child_side(void)
{
	int64_t env_err = 0, page_err = 0;
	int envs = take_envs(&env_err);
	uint64_t pages = take_pages(&page_err);

	cprintf("exhaust: child made %d envs, then: %s\n", envs, errstr(env_err));
	cprintf("exhaust: child took %lu pages, then: %s\n", pages, errstr(page_err));
	ipc_send(thisenv->parent, envs > 0 && env_err == -E_NO_FREE_ENV &&
		 pages > 0 && (page_err == -E_NO_MEM || page_err == -E_QUOTA), NULL, 0);
	for (;;)
		ipc_recv(NULL, NULL, NULL);	/* wait to be destroyed */
}

/* Destroys the envs the kernel gave me when the child died (its
 * children are orphans, adopted by the first env); returns how many. */
static int
destroy_adopted(envid_t me)
{
	int i, n = 0;
	envid_t id;

	for (i = 0; i < NENV; i++) {
		id = UENV_TABLE[i].id;
		if (id == 0 || id == me || UENV_TABLE[i].parent != me)
			continue;
		if (sys_env_destroy(id) == 0)
			n++;
		wait(id, NULL);
	}
	return n;
}

static int
run_child(const char *arg, int *status)
{
	envid_t child = spawnl("exhaust", "exhaust", arg, NULL);

	if (child < 0)
		panic("spawn: %s", errstr(child));
	if (strcmp(arg, "child") == 0) {
		if (ipc_recv(NULL, NULL, NULL) != 1)
			cprintf("exhaust: FAIL, the child was not refused as it should be\n");
		sys_env_destroy(child);
	}
	return wait(child, status) == child ? 0 : -1;
}

int
main(int argc, char **argv)
{
	int64_t before, after;
	int status, adopted;

	if (argc > 1)
		return strcmp(argv[1], "child") == 0 ? child_side() : 0;
	run_child("noop", &status);
	before = sys_kdebug(KDEBUG_FREE, 0);
	if (run_child("child", &status) < 0 || status != -1) {
		cprintf("exhaust: FAIL, child not destroyed (status %d)\n", status);
		return 1;
	}
	adopted = destroy_adopted(thisenv->id);
	after = sys_kdebug(KDEBUG_FREE, 0);
	cprintf("exhaust: child destroyed; %d orphaned envs destroyed; "
		"free pages before %ld, after %ld\n", adopted, before, after);
	if (before != after) {
		cprintf("exhaust: FAIL, %ld pages leaked\n", before - after);
		return 1;
	}
	cprintf("exhaust: ok, every page came back\n");
	return tu_audit("exhaust");
}
