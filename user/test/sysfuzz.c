/*
 * sysfuzz: hostile system calls. Several workers (forked, so they run on
 * several CPUs) issue random calls with random and adversarial arguments:
 * kernel addresses, non-canonical and unaligned pointers, huge lengths,
 * stale, foreign and random env ids, every permission bit. Each worker
 * keeps itself alive (calls that would rewrite its own code, stack or
 * handlers get arena or non-user addresses instead); everything else is
 * fair game. At the end the kernel's page-accounting audit must pass and
 * the free page count must be what it was before.
 *
 *   sysfuzz [calls-per-worker [workers [seed]]]
 *
 * The seed is printed so a failing run can be repeated.
 */
#include <chitin.h>

#define ARENA		0x0000100000000000ULL	/* where workers map their own pages */
#define ARENA_PAGES	512
#define MAX_KIDS	16

static uint64_t rng_state;
static envid_t self, parent, kids[MAX_KIDS], stale[MAX_KIDS];
static int nkids, nstale;
static uint64_t result_counts[E_MAXERROR + 1], ok_count;

static uint64_t
rnd(void)
{
	/* xorshift64* (Vigna), good enough and reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t
pick(const uint64_t *v, size_t n)
{
	return v[rnd() % n];
}

/* Addresses a user must never reach, and valid-looking ones. */
static uint64_t
any_address(void)
{
	static const uint64_t bad[] = {
		0, 1, 0xfff, 0x1000, KERNLINK, KERNBASE, KDIRECT, KDIRECT + 0x100000,
		MMIOBASE, 0xfffffffffffff000ULL, 0x8000000000000000ULL, USERTOP,
		USERTOP - PGSIZE, UTOP, UTOP - PGSIZE, UVPT, UENVS, UPAGES, UCLOCK,
		UARCHIVE, ARENA + 1, ARENA + PGSIZE - 1, ~0ULL,
	};

	switch (rnd() % 4) {
	case 0:
		return pick(bad, sizeof(bad) / sizeof(bad[0]));
	case 1:
		return rnd();
	default:
		return ARENA + (rnd() % ARENA_PAGES) * PGSIZE;
	}
}

/* An address that is safe to change in this worker's own address space:
 * the arena, or something the kernel must refuse anyway. */
static uint64_t
self_address(void)
{
	uint64_t va = any_address();

	if (va < UTOP && (va < ARENA || va >= ARENA + ARENA_PAGES * PGSIZE))
		va = ARENA + (va % ARENA_PAGES) * PGSIZE + (va & 1);
	return va;
}

static uint64_t
any_env(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return (uint64_t)self;
	case 2: return (uint64_t)parent;
	case 3: return nkids ? (uint64_t)kids[rnd() % nkids] : 1;
	case 4: return nstale ? (uint64_t)stale[rnd() % nstale] : 2;
	case 5: return rnd() % NENV;
	case 6: return (uint64_t)-1;
	default: return rnd();
	}
}

static bool
is_self(uint64_t env)
{
	return env == 0 || (envid_t)env == self;
}

static uint64_t
any_perm(void)
{
	static const uint64_t perms[] = {
		PERM_P, PERM_P | PERM_W, PERM_P | PERM_W | PERM_NX, PERM_P | PERM_COW,
		PERM_P | PERM_SHARE | PERM_W, 0, PERM_W, 0x80 /* PS */, 0x10 /* PCD */,
		0x100 /* G */, ~0ULL,
	};
	return rnd() % 4 ? pick(perms, sizeof(perms) / sizeof(perms[0])) : rnd();
}

static uint64_t
any_len(void)
{
	static const uint64_t lens[] = { 0, 1, 7, PGSIZE, PGSIZE + 1, 1ULL << 32, ~0ULL,
					 UTOP, 0x7fffffffffffffffULL };
	return pick(lens, sizeof(lens) / sizeof(lens[0]));
}

static int64_t
raw_syscall(uint64_t num, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
	    uint64_t a5, uint64_t a6)
{
	int64_t ret;
	register uint64_t r10 asm("r10") = a4;
	register uint64_t r8 asm("r8") = a5;
	register uint64_t r9 asm("r9") = a6;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(num), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
		     : "rcx", "r11", "memory");
	return ret;
}

static void
note_result(int64_t r)
{
	if (r >= 0)
		ok_count++;
	else if (-r <= E_MAXERROR)
		result_counts[-r]++;
}

static void
track_kid(int64_t r)
{
	if (r > 0 && nkids < MAX_KIDS)
		kids[nkids++] = (envid_t)r;
	else if (r > 0)
		sys_env_destroy((envid_t)r);
}

static void
forget_kid(int i)
{
	if (nstale < MAX_KIDS)
		stale[nstale++] = kids[i];
	kids[i] = kids[--nkids];
}

/* A batch of mapping operations with adversarial fields. */
static int64_t
fuzz_batch(void)
{
	static struct mmap_op ops[8];
	size_t n = rnd() % 9;

	for (size_t i = 0; i < n; i++) {
		ops[i].op = (uint32_t)(rnd() % 6);
		ops[i].env = (envid_t)any_env();
		ops[i].va = is_self((uint64_t)ops[i].env) ? self_address() : any_address();
		ops[i].perm = any_perm();
		ops[i].src_env = (envid_t)any_env();
		ops[i].src_va = any_address();
	}
	if (rnd() % 8 == 0)
		return raw_syscall(SYS_mmap_batch, any_address(), rnd() % 1024, 0, 0, 0, 0);
	return raw_syscall(SYS_mmap_batch, (uint64_t)ops, rnd() % 16 == 0 ? rnd() : n, 0, 0, 0, 0);
}

/* One random call. Calls that would block this worker for ever (recv,
 * pct_return, blocking cgetc) or end it (exit, destroying itself) are
 * made only in forms the kernel must refuse. */
static void
fuzz_one(void)
{
	uint64_t env = any_env(), num = rnd() % (NSYSCALLS + 4);
	int64_t r;

	switch (num) {
	case SYS_env_exit:
	case SYS_ipc_recv:
	case SYS_pct_return:
	case SYS_kdebug:
		return;
	case SYS_cgetc:
		r = raw_syscall(num, 0, 0, 0, 0, 0, 0);
		break;
	case SYS_cputs:
		r = raw_syscall(num, any_address(), any_len(), 0, 0, 0, 0);
		break;
	case SYS_env_exofork:
		r = raw_syscall(num, 0, 0, 0, 0, 0, 0);
		if (r == 0)
			sys_env_exit(0);	/* the child, if it is ever run */
		track_kid(r);
		break;
	case SYS_env_destroy:
		if (is_self(env))
			env = nkids ? (uint64_t)kids[0] : (uint64_t)parent;
		r = raw_syscall(num, env, 0, 0, 0, 0, 0);
		for (int i = 0; i < nkids; i++)
			if ((uint64_t)kids[i] == env && r == 0)
				forget_kid(i);
		break;
	case SYS_env_set_upcall:
		r = raw_syscall(num, env, rnd() % 5, is_self(env) ? UTOP + rnd() % 4096 : any_address(),
				any_address(), 0, 0);
		break;
	case SYS_env_set_regs:
		r = raw_syscall(num, env, rnd() % 2 ? any_address() : ARENA, 0, 0, 0, 0);
		break;
	case SYS_env_wait:
		/* never a live child of ours: that would wait for ever */
		env = nstale ? (uint64_t)stale[rnd() % nstale] : (uint64_t)self;
		r = raw_syscall(num, env, any_address(), 0, 0, 0, 0);
		break;
	case SYS_page_alloc:
		r = raw_syscall(num, env, is_self(env) ? self_address() : any_address(), any_perm(),
				rnd() % 3 ? PPN_ANY : rnd() % (UCLOCK_PAGE->npages + 16), 0, 0);
		break;
	case SYS_page_map:
		r = raw_syscall(num, any_env(), any_address(), env,
				is_self(env) ? self_address() : any_address(), any_perm(), 0);
		break;
	case SYS_page_unmap:
	case SYS_page_protect:
		r = raw_syscall(num, env, is_self(env) ? self_address() : any_address(), any_perm(),
				0, 0, 0);
		break;
	case SYS_mmap_batch:
		r = fuzz_batch();
		break;
	case SYS_mem_revoke:
		/* mostly small requests with deadlines that pass during the
		 * run, so aborts happen while the others call on */
		r = raw_syscall(num, env, rnd() % 4 ? rnd() % 8 : rnd(),
				rnd() % 4 ? rnd() % 2000 : rnd(), 0, 0, 0);
		break;
	default:
		r = raw_syscall(num, env, any_address(), rnd() % 8 ? rnd() % 64 : rnd(),
				any_address(), any_perm(), rnd());
		break;
	}
	note_result(r);
}

static void
worker(uint64_t seed, long calls)
{
	rng_state = seed;
	self = sys_getenvid();
	parent = thisenv->parent;
	for (long i = 0; i < calls; i++)
		fuzz_one();
	for (int i = 0; i < nkids; i++)
		sys_env_destroy(kids[i]);
	for (int p = 0; p < ARENA_PAGES; p++)
		sys_page_unmap(0, ARENA + (uint64_t)p * PGSIZE);
	for (int i = 0; i < MAX_KIDS; i++)		/* reap what we created */
		if (sys_env_wait(0, NULL) < 0)
			break;
	cprintf("sysfuzz: worker %08x done: %lu calls succeeded, %lu bad address, "
		"%lu invalid, %lu bad env\n", self, ok_count, result_counts[E_FAULT],
		result_counts[E_INVAL], result_counts[E_BAD_ENV]);
}

int
main(int argc, char **argv)
{
	long calls = argc > 1 ? strtol(argv[1], NULL, 0) : 20000;
	long workers = argc > 2 ? strtol(argv[2], NULL, 0) : 4;
	uint64_t seed = argc > 3 ? (uint64_t)strtol(argv[3], NULL, 0) : 0;
	int64_t before, after, audit;
	int status;

	if (!seed) {
		uint32_t lo, hi;
		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
		seed = ((uint64_t)hi << 32 | lo) | 1;
	}
	cprintf("sysfuzz: seed %lu, %ld workers x %ld calls\n", seed, workers, calls);
	/* Free pages plus the pages this env owns: the copy-on-write faults
	 * fork causes here move pages between the two, nothing else may. */
	before = sys_kdebug(KDEBUG_FREE, 0) + (int64_t)thisenv->pages;
	for (long w = 0; w < workers; w++) {
		envid_t id = fork();
		if (id < 0)
			panic("fork: %s", errstr(id));
		if (id == 0) {
			worker(seed + (uint64_t)w * 0x9e3779b97f4a7c15ULL, calls);
			exit(0);
		}
	}
	for (long w = 0; w < workers; w++)
		if (wait(0, &status) < 0)
			break;
	after = sys_kdebug(KDEBUG_FREE, 0) + (int64_t)thisenv->pages;
	audit = sys_kdebug(KDEBUG_AUDIT, 0);
	if (audit == 0 && after == before)
		cprintf("sysfuzz: ok, kernel survived, audit clean, %ld free+own pages before and after\n",
			before);
	else
		cprintf("sysfuzz: FAIL, audit %ld problems, free+own pages %ld before, %ld after\n",
			audit, before, after);
	return 0;
}
