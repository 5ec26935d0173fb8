/*
 * slotown: owning slice slots, what is refused, and what the tools show.
 *
 *  1. The parent owns slot 5 of CPU 0; a child's attempts on it, on a CPU
 *     that does not exist and on a slot past the vector are refused
 *     (-E_BUSY, -E_RANGE, -E_RANGE), as are releasing the parent's slot
 *     and acquiring for the parent (not a descendant): -E_PERM, -E_BAD_ENV.
 *     The child gets a free slot; then the parent, asking for it, gets
 *     -E_BUSY.
 *  2. The parent owns slots 0-7 of CPU 0 and, if there is more than one
 *     CPU, 60-63 of the last; the child 8-11 of CPU 0 (acquired by the
 *     parent, its ancestor). `cpus` and `ps` then run; the grader matches
 *     their lines against the ids printed here.
 *  3. When the child dies its slots are free again; the parent releases
 *     its own and owns none.
 *
 * Prints "slotown: ok" at the end, or FAIL lines.
 */
#include <chitin.h>

static int bad;

static void
expect(const char *what, int64_t got, int64_t want)
{
	if (got == want)
		return;
	cprintf("slotown: FAIL, %s: got %ld (%s), want %ld (%s)\n", what, got,
		got < 0 ? errstr(got) : "ok", want, want < 0 ? errstr(want) : "ok");
	bad = 1;
}

/* The child: tries what it may not, takes slot 6, reports, waits. */
static void __attribute__((noreturn))
child(envid_t parent)
{
	int ncpu = (int)UCLOCK_PAGE->ncpu;

	expect("child acquires the parent's slot", sys_slice_acquire(0, 0, 5), -E_BUSY);
	expect("child acquires on a missing CPU", sys_slice_acquire(0, ncpu, 0), -E_RANGE);
	expect("child acquires on CPU -1", sys_slice_acquire(0, -1, 0), -E_RANGE);
	expect("child acquires slot SLICE_SLOTS", sys_slice_acquire(0, 0, SLICE_SLOTS), -E_RANGE);
	expect("child releases the parent's slot", sys_slice_release(0, 5), -E_PERM);
	expect("child acquires for the parent", sys_slice_acquire(parent, 0, 7), -E_BAD_ENV);
	expect("child acquires a free slot", sys_slice_acquire(0, 0, 6), 0);
	ipc_send(parent, (uint64_t)bad, NULL, 0);
	for (;;)
		ipc_recv(NULL, NULL, NULL);
}

static void
run(const char *prog)
{
	const char *argv[] = { prog, NULL };
	envid_t id = spawn(prog, argv);

	if (id < 0) {
		cprintf("slotown: FAIL, spawn %s: %s\n", prog, errstr(id));
		bad = 1;
		return;
	}
	wait(id, NULL);
}

static int
count_owned(envid_t who)
{
	int n = 0;

	for (uint32_t c = 0; c < UCLOCK_PAGE->ncpu && c < NCPU_EXPORT; c++)
		for (int s = 0; s < SLICE_SLOTS; s++)
			n += UCPU_TABLE[c].slot_owner[s] == who;
	return n;
}

int
main(int argc, char **argv)
{
	int ncpu = (int)UCLOCK_PAGE->ncpu, mine = 0, its = 0;
	envid_t me = thisenv->id, kid;

	expect("parent acquires slot 5", sys_slice_acquire(0, 0, 5), 0);
	expect("acquiring a slot one owns", sys_slice_acquire(0, 0, 5), 0);
	if ((kid = fork()) == 0)
		child(me);
	if (kid < 0)
		panic("fork: %s", errstr(kid));
	if (ipc_recv(NULL, NULL, NULL) != 0)
		bad = 1;
	expect("parent acquires the child's slot", sys_slice_acquire(0, 0, 6), -E_BUSY);
	expect("parent releases the child's slot", sys_slice_release(0, 6), 0);

	for (int s = 0; s < 8; s++)
		expect("parent acquires 0-7", sys_slice_acquire(0, 0, s), 0);
	for (int s = 8; s < 12; s++)
		expect("parent acquires 8-11 for the child", sys_slice_acquire(kid, 0, s), 0);
	mine = 8;
	its = 4;
	for (int s = 60; ncpu > 1 && s < 64; s++, mine++)
		expect("parent acquires 60-63 on the last CPU", sys_slice_acquire(0, ncpu - 1, s), 0);
	expect("parent's slots_owned", thisenv->slots_owned, mine);
	expect("child's slots_owned", env_lookup(kid)->slots_owned, its);
	expect("parent's slots in the vectors", count_owned(me), mine);
	cprintf("slotown: parent %08x owns %d slots, child %08x owns %d\n", me, mine, kid, its);
	run("cpus");
	run("ps");

	sys_env_destroy(kid);
	wait(kid, NULL);
	expect("the dead child's slots in the vectors", count_owned(kid), 0);
	for (int s = 0; s < 8; s++)
		expect("parent releases 0-7", sys_slice_release(0, s), 0);
	for (int s = 60; ncpu > 1 && s < 64; s++)
		expect("parent releases 60-63", sys_slice_release(ncpu - 1, s), 0);
	expect("releasing a free slot", sys_slice_release(0, 0), -E_NOT_FOUND);
	expect("parent's slots_owned after release", thisenv->slots_owned, 0);
	cprintf("slotown: %s\n", bad ? "FAIL" : "ok");
	return bad;
}
