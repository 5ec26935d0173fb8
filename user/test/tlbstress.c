/*
 * tlbstress: envs on every CPU change mappings in another env while that
 * env, running on another CPU, reads through them. No read may ever go
 * through a stale translation, and the page accounting is exact after.
 *
 * A chain E0 -> E1 -> ... -> E(n-1), one env per CPU (at least two),
 * each pinned to its CPU: E(i) maps pages of its own into its child at
 * IN_VA, replacing or removing the last one, while reading what its
 * parent maps at its own IN_VA. Page g of link i holds one word,
 * MAGIC << 32 | g, and after each change has returned the mapper
 * publishes valid[i] = g: every page older than g is gone from the
 * child's page table by then, and the kernel must have shot down every
 * TLB entry for it. So a reader that reads valid[i] = m and then
 * successfully reads IN_VA must see MAGIC and a generation >= m. The
 * mapper keeps its last RING pages mapped at home, so a stale entry
 * would show an old generation rather than a freed page's junk; older
 * pages are freed and reused (junk fails the MAGIC check).
 *
 * Reads that fault (IN_VA unmapped at that moment) are expected and
 * counted. The RUN_MS window opens once every env of the chain is up (on
 * a busy emulator the forks alone can take that long), and E0 then ends
 * it. An env leaves only after its parent has stopped mapping into it,
 * so that no mapper ever finds its child gone. E0 collects everyone's
 * counts, then runs the kernel's audit and compares free pages with
 * before.
 *
 * Prints "tlbstress: ok ..." or "tlbstress: FAIL ...".
 */
#include <chitin.h>
#include <thread.h>

#define RUN_MS		1500
#define NENVS_MAX	16
#define MAGIC		0xc0ffee00UL
#define SHARED_VA	0x10000000UL
#define IN_VA		0x20000000UL	/* where my parent maps into me */
#define RING_VA		0x30000000UL	/* my own pages, mapped into my child */
#define RING		16
#define READS_PER_MAP	64
#define PERM_RW		(PERM_P | PERM_W | PERM_NX)

struct stats {
	volatile uint64_t maps, unmaps, reads, faults, stale;
	volatile uint64_t stale_word, stale_min;	/* the first stale read */
	volatile int done;
	volatile int up;		/* running its loop */
	volatile int stopped;		/* maps no more into its child */
};

struct shared {
	volatile uint64_t valid[NENVS_MAX];	/* link i: E(i) -> E(i+1) */
	volatile int stop;
	volatile int n;
	struct stats st[NENVS_MAX];
};

static struct shared *sh = (struct shared *)SHARED_VA;
static volatile uint64_t rd_resume;
static volatile int rd_faulted;

/* A fault on IN_VA ends the read; any other is a real bug. */
static void
pgfault(struct utrapframe *utf)
{
	if ((utf->fault_va & ~(uint64_t)(PGSIZE - 1)) == IN_VA && !(utf->err & PF_WRITE)) {
		rd_faulted = 1;
		utf->regs.rip = rd_resume;
		return;
	}
	cprintf("tlbstress: FAIL, page fault at va 0x%lx rip 0x%lx err 0x%lx\n",
		utf->fault_va, utf->regs.rip, utf->err);
	exit(1);
}

/* One read of IN_VA: true and the word, or false if it faulted. */
static bool
read_in(uint64_t *word)
{
	uint64_t w = 0;

	rd_faulted = 0;
	asm volatile("leaq 1f(%%rip), %%rax\n\t"
		     "movq %%rax, %[res]\n\t"
		     "movq (%[va]), %[w]\n"
		     "1:\n"
		     : [w] "+r" (w), [res] "=m" (rd_resume)
		     : [va] "r" (IN_VA)
		     : "rax", "memory");
	*word = w;
	return !rd_faulted;
}

static void
reader_step(int me)
{
	struct stats *st = &sh->st[me];
	uint64_t m = __atomic_load_n(&sh->valid[me - 1], __ATOMIC_ACQUIRE), w;

	st->reads++;
	if (!read_in(&w)) {
		st->faults++;
		return;
	}
	if ((w >> 32) != MAGIC || (w & 0xffffffff) < m) {
		if (st->stale++ == 0) {
			st->stale_word = w;
			st->stale_min = m;
		}
	}
}

/* Generation g of my link: a fresh page in ring slot g % RING (the page
 * there before is dropped), then mapped into the child, or, every fourth
 * time, the child's mapping removed. Then published. */
static int
mapper_step(int me, envid_t child, uint64_t g)
{
	uintptr_t va = RING_VA + (g % RING) * PGSIZE;
	struct stats *st = &sh->st[me];
	int64_t r;

	if ((r = sys_page_alloc(0, va, PERM_RW, PPN_ANY)) < 0)
		return (int)r;
	*(volatile uint64_t *)va = MAGIC << 32 | g;
	if (g % 4 == 0) {
		r = sys_page_unmap(child, IN_VA);
		st->unmaps++;
	} else {
		r = sys_page_map(0, va, child, IN_VA, PERM_P | PERM_NX);
		st->maps++;
	}
	if (r < 0)
		return (int)r;
	__atomic_store_n(&sh->valid[me], g, __ATOMIC_RELEASE);
	return 0;
}

/* E(me): makes its child (unless last), then maps and reads until stop. */
static int
run_env(int me)
{
	envid_t child = 0;
	uint64_t g = 0;
	int status = 0, r;

	if (me + 1 < sh->n) {
		if ((child = fork()) == 0)
			return run_env(me + 1);
		if (child < 0)
			return 1;
		sys_env_set_affinity(child, 1ULL << ((me + 1) % UCLOCK_PAGE->ncpu));
	}
	sh->st[me].up = 1;
	while (!sh->stop) {
		if (child && (r = mapper_step(me, child, ++g)) < 0) {
			cprintf("tlbstress: FAIL, E%d: map generation %lu: %s\n", me, g, errstr(r));
			sh->stop = 1;
			status = 1;
		}
		for (int i = 0; me > 0 && i < READS_PER_MAP; i++)
			reader_step(me);
	}
	sh->st[me].stopped = 1;
	while (!sh->st[me - 1].stopped)
		sys_yield();
	if (child && wait(child, &r) >= 0)
		status |= r;
	sh->st[me].done = 1;
	return status;
}

static int
report(int n)
{
	uint64_t maps = 0, unmaps = 0, reads = 0, faults = 0, stale = 0;
	int bad = 0;

	for (int i = 0; i < n; i++) {
		struct stats *st = &sh->st[i];
		maps += st->maps;
		unmaps += st->unmaps;
		reads += st->reads;
		faults += st->faults;
		stale += st->stale;
		if (st->stale) {
			cprintf("tlbstress: FAIL, E%d read %lu stale words; first %lx when %lu "
				"was the oldest valid generation\n", i, st->stale, st->stale_word,
				st->stale_min);
			bad = 1;
		}
		if (i > 0 && st->reads == st->faults) {
			cprintf("tlbstress: FAIL, E%d never read a mapped page\n", i);
			bad = 1;
		}
	}
	cprintf("tlbstress: %d envs on %u CPUs: %lu maps, %lu unmaps, %lu reads "
		"(%lu faulted), %lu stale\n", n, UCLOCK_PAGE->ncpu, maps, unmaps, reads,
		faults, stale);
	return bad;
}

/* Waits until every env of the chain runs its loop, or one failed. */
static void
chain_wait_up(int n)
{
	for (int i = 1; i < n && !sh->stop; i++)
		while (!sh->st[i].up && !sh->stop)
			sys_yield();
}

/* Unmaps my ring (and so frees its pages). */
static void
ring_clear(void)
{
	for (int k = 0; k < RING; k++)
		sys_page_unmap(0, RING_VA + k * PGSIZE);
}

/* One fork and a copy-on-write fault before the baseline is taken: the
 * library's first copy creates page tables for its copy window
 * (ULIB_COW_TEMP) that then stay, and are no leak. */
volatile int tlb_warm;

static void
warm_up(void)
{
	envid_t id = fork();

	if (id == 0)
		exit(0);
	if (id < 0)
		panic("fork: %s", errstr(id));
	tlb_warm = 1;
	wait(id, NULL);
}

int
main(int argc, char **argv)
{
	int ncpu = (int)UCLOCK_PAGE->ncpu, status, bad;
	int64_t free0, free1, audit;
	uint64_t until;
	envid_t e1;

	if (sys_page_alloc(0, SHARED_VA, PERM_RW | PERM_SHARE, PPN_ANY) < 0 ||
	    sys_page_alloc(0, RING_VA, PERM_RW, PPN_ANY) < 0 ||
	    sys_env_set_affinity(0, 1) < 0 || set_pgfault_handler(pgfault) < 0)
		panic("set-up");
	ring_clear();		/* its page table stays: the baseline has it */
	warm_up();
	sh->n = ncpu < 2 ? 2 : ncpu > NENVS_MAX ? NENVS_MAX : ncpu;
	free0 = sys_kdebug(KDEBUG_FREE, 0);
	if ((e1 = fork()) == 0)
		exit(run_env(1));
	if (e1 < 0)
		panic("fork: %s", errstr(e1));
	sys_env_set_affinity(e1, 1ULL << (1 % ncpu));
	chain_wait_up(sh->n);
	until = tsc_now() + tsc_from_us(RUN_MS * 1000);
	while (tsc_now() < until && !sh->stop) {
		if (mapper_step(0, e1, sh->st[0].maps + sh->st[0].unmaps + 1) < 0)
			break;
	}
	sh->stop = 1;
	sh->st[0].stopped = 1;
	wait(e1, &status);
	ring_clear();
	bad = report(sh->n) | (status != 0);
	free1 = sys_kdebug(KDEBUG_FREE, 0);
	audit = sys_kdebug(KDEBUG_AUDIT, 0);
	if (free1 != free0 || audit != 0) {
		cprintf("tlbstress: FAIL, %ld free pages before, %ld after; audit %ld\n",
			free0, free1, audit);
		bad = 1;
	}
	cprintf("tlbstress: %s\n", bad ? "FAIL" : "ok");
	return bad;
}
