/*
 * yieldto: directed yield hands the CPU to the named env first.
 *
 * The parent owns every slot of CPU 0 and pins itself and three children
 * there, so no child runs unless the parent gives it the CPU. It then
 * yields to child 3, then 1, then 2 (each until that child has printed),
 * while round robin would run them 1, 2, 3. The grader checks the order
 * of the children's lines; the parent checks it too.
 *
 * Then the refusals: yield_to a bad id is -E_BAD_ENV; to a blocked env it
 * is an ordinary yield (returns 0).
 */
#include <chitin.h>

#define NCHILD		3
#define SHARED_VA	0x10000000UL

struct shared {
	volatile int seq;		/* next position */
	volatile int pos[NCHILD + 1];	/* child k ran at pos[k] */
	volatile int done[NCHILD + 1];
};

static struct shared *sh = (struct shared *)SHARED_VA;

static void __attribute__((noreturn))
child(int k)
{
	int p = __atomic_fetch_add(&sh->seq, 1, __ATOMIC_SEQ_CST);

	sh->pos[k] = p;
	cprintf("yieldto: child %d ran at position %d\n", k, p);
	sh->done[k] = 1;
	exit(0);
}

static int
own_cpu0(void)
{
	for (int s = 0; s < SLICE_SLOTS; s++)
		if (sys_slice_acquire(0, 0, s) < 0)
			return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const int order[NCHILD] = { 3, 1, 2 };
	envid_t kid[NCHILD + 1];
	int64_t r;
	int bad = 0;

	if (sys_page_alloc(0, SHARED_VA, PERM_P | PERM_W | PERM_SHARE | PERM_NX, PPN_ANY) < 0 ||
	    sys_env_set_affinity(0, 1) < 0 || own_cpu0() < 0)
		panic("set-up");
	for (int k = 1; k <= NCHILD; k++) {
		if ((kid[k] = fork()) == 0)
			child(k);
		if (kid[k] < 0)
			panic("fork: %s", errstr(kid[k]));
	}
	for (int i = 0; i < NCHILD; i++) {
		int k = order[i];
		while (!sh->done[k])
			if ((r = sys_yield_to(kid[k])) < 0)
				panic("yield_to: %s", errstr(r));
	}
	for (int i = 0; i < NCHILD; i++)
		if (sh->pos[order[i]] != i) {
			cprintf("yieldto: FAIL, child %d ran at position %d, want %d\n",
				order[i], sh->pos[order[i]], i);
			bad = 1;
		}
	for (int k = 1; k <= NCHILD; k++)
		wait(kid[k], NULL);
	if ((r = sys_yield_to(0x7fffffff)) != -E_BAD_ENV) {
		cprintf("yieldto: FAIL, yield_to a bad id gave %ld\n", r);
		bad = 1;
	}
	if (!bad)
		cprintf("yieldto: ok, the named env ran first each time\n");
	return bad;
}
