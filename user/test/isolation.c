/*
 * isolation: an env may act only on itself and its descendants, only on
 * physical pages it was given, never on the exported tables, and never
 * through a kernel address. A child (the attacker) tries everything it
 * must not do against its parent and its sibling; each attempt must be
 * refused with an error, and afterwards both must be intact and the
 * kernel's page accounting clean.
 */
#include "testutil.h"

#define SCRATCH		0x10000000UL	/* the attacker's own page */
#define TARGET_VA	0x20000000UL	/* where it tries to put pages */
#define KPTR		KERNLINK	/* a kernel address, as a pointer */

static int attempts, refusals;

static void
attempt(const char *what, int64_t r)
{
	attempts++;
	if (r < 0) {
		refusals++;
		cprintf("isolation: %s: refused (%s)\n", what, errstr(r));
	} else {
		cprintf("isolation: FAIL, %s: allowed (%ld)\n", what, r);
	}
}

/* One mmap_batch op: "allowed" if the kernel applied it. */
static int64_t
batch_one(uint32_t op, envid_t env, uintptr_t va, uint64_t perm, envid_t src,
	  uintptr_t src_va)
{
	struct mmap_op o = { .op = op, .env = env, .va = va, .perm = perm,
		.src_env = src, .src_va = src_va };
	int64_t r = sys_mmap_batch(&o, 1);

	if (r != 0)
		return r == 1 ? 0 : r;
	/* Not applied: the single call says why. */
	switch (op) {
	case MMAP_OP_ALLOC: return sys_page_alloc(env, va, perm, PPN_ANY);
	case MMAP_OP_MAP: return sys_page_map(src, src_va, env, va, perm);
	case MMAP_OP_UNMAP: return sys_page_unmap(env, va);
	default: return sys_page_protect(env, va, perm);
	}
}

/* Everything an env may do to its own descendants, tried on t. */
static void
against(const char *who, envid_t t)
{
	struct user_regs regs = { 0 };
	char what[80];

#define TRY(desc, call) \
	do { snprintf(what, sizeof(what), "%s %s", desc, who); attempt(what, call); } while (0)
	TRY("alloc a page in", sys_page_alloc(t, TARGET_VA, PERM_P | PERM_W, PPN_ANY));
	TRY("map my page into", sys_page_map(0, SCRATCH, t, TARGET_VA, PERM_P | PERM_W));
	TRY("map a page out of", sys_page_map(t, UTEXT, 0, TARGET_VA, PERM_P));
	TRY("unmap the text of", sys_page_unmap(t, UTEXT));
	TRY("make writable the text of", sys_page_protect(t, UTEXT, PERM_P | PERM_W));
	TRY("batch-map my page into", batch_one(MMAP_OP_MAP, t, TARGET_VA, PERM_P, 0, SCRATCH));
	TRY("batch-unmap the text of", batch_one(MMAP_OP_UNMAP, t, UTEXT, 0, 0, 0));
	TRY("stop", sys_env_set_status(t, ENV_NOT_RUNNABLE));
	TRY("destroy", sys_env_destroy(t));
	TRY("set the upcall of", sys_env_set_upcall(t, UPCALL_EXCEPTION, 0, 0));
	TRY("set the registers of", sys_env_set_regs(t, &regs));
	TRY("rename", sys_env_set_name(t, "pwned"));
	TRY("reap", sys_env_wait(t, NULL));
#undef TRY
}

/* Physical pages that are not mine to take, by number. */
static void
foreign_pages(void)
{
	uint64_t npages = UCLOCK_PAGE->npages, ppn, kpage = 0, ptpage = 0;

	for (ppn = 0; ppn < npages && (!kpage || !ptpage); ppn++) {
		if (!kpage && UPAGE_TABLE[ppn].kind == PAGEK_KERNEL)
			kpage = ppn;
		if (!ptpage && UPAGE_TABLE[ppn].kind == PAGEK_PAGETABLE)
			ptpage = ppn;
	}
	attempt("alloc my parent's text page by number",
		sys_page_alloc(0, TARGET_VA, PERM_P | PERM_W, pte_ppn(uvpt_pte(UTEXT))));
	attempt("alloc a kernel page by number",
		sys_page_alloc(0, TARGET_VA, PERM_P | PERM_W, kpage));
	attempt("alloc a page-table page by number",
		sys_page_alloc(0, TARGET_VA, PERM_P | PERM_W, ptpage));
	attempt("alloc a page beyond RAM", sys_page_alloc(0, TARGET_VA, PERM_P, npages + 5));
	attempt("make my parent's read-only text writable",
		sys_page_protect(0, UTEXT, PERM_P | PERM_W));
	attempt("map my parent's read-only text writable",
		sys_page_map(0, UTEXT, 0, TARGET_VA, PERM_P | PERM_W));
}

/* The exports and the page tables: never mapped, moved or writable. */
static void
exports(void)
{
	attempt("map the env table writable", sys_page_map(0, UENVS, 0, TARGET_VA, PERM_P | PERM_W));
	attempt("map the env table read-only", sys_page_map(0, UENVS, 0, TARGET_VA, PERM_P));
	attempt("make the env table writable", sys_page_protect(0, UENVS, PERM_P | PERM_W));
	attempt("alloc over the env table", sys_page_alloc(0, UENVS, PERM_P | PERM_W, PPN_ANY));
	attempt("unmap the env table", sys_page_unmap(0, UENVS));
	attempt("map the page-table export writable",
		sys_page_map(0, UVPT_PML4, 0, TARGET_VA, PERM_P | PERM_W));
	attempt("make my page tables writable", sys_page_protect(0, UVPT_PML4, PERM_P | PERM_W));
	attempt("batch-alloc over the page tables",
		batch_one(MMAP_OP_ALLOC, 0, UVPT, PERM_P | PERM_W, 0, 0));
	attempt("make the clock page writable", sys_page_protect(0, UCLOCK, PERM_P | PERM_W));
	attempt("map a page at a kernel address", sys_page_map(0, SCRATCH, 0, KPTR, PERM_P));
	attempt("alloc a page at a kernel address", sys_page_alloc(0, KPTR, PERM_P, PPN_ANY));
	attempt("alloc at an unaligned address", sys_page_alloc(0, TARGET_VA + 8, PERM_P, PPN_ANY));
	attempt("alloc with cache-disable and global bits",
		sys_page_alloc(0, TARGET_VA, PERM_P | 0x10 | 0x100, PPN_ANY));
	attempt("alloc without the present bit", sys_page_alloc(0, TARGET_VA, PERM_W, PPN_ANY));
}

/* Kernel addresses (and other memory the kernel must not write for me)
 * in every pointer argument. */
static void
pointers(void)
{
	envid_t kid = sys_env_exofork();
	int64_t r;

	if (kid == 0)
		exit(0);	/* never runs: it stays not runnable */
	attempt("print from a kernel address", sys_cputs((const char *)KPTR, 16));
	attempt("set a child's registers from a kernel address",
		sys_env_set_regs(kid, (const struct user_regs *)KPTR));
	attempt("name myself from a kernel address", sys_env_set_name(0, (const char *)KPTR));
	attempt("batch ops at a kernel address", sys_mmap_batch((const struct mmap_op *)KPTR, 1));
	attempt("upcall entry in the kernel",
		sys_env_set_upcall(0, UPCALL_EXCEPTION, KPTR, UXSTACKTOP));
	attempt("upcall stack in the kernel",
		sys_env_set_upcall(0, UPCALL_PCT, UTEXT, KERNBASE + PGSIZE));
	sys_env_destroy(kid);
	r = sys_env_wait(kid, (int *)KPTR);
	attempt("exit status into a kernel address", r);
	r = sys_env_wait(kid, (int *)UENVS);
	attempt("exit status into the env table", r);
	r = sys_env_wait(kid, (int *)UTEXT);
	attempt("exit status into my read-only text", r);
	wait(kid, NULL);
}

static int
attacker(envid_t parent, envid_t sibling)
{
	int64_t r = sys_page_alloc(0, SCRATCH, PERM_P | PERM_W | PERM_NX, PPN_ANY);

	if (r < 0)
		panic("sys_page_alloc: %s", errstr(r));
	against("my parent", parent);
	against("my sibling", sibling);
	foreign_pages();
	exports();
	pointers();
	cprintf("isolation: %d of %d attempts refused\n", refusals, attempts);
	return attempts - refusals;
}

static bool
intact(envid_t id, const char *name)
{
	const volatile struct env_export *e = env_lookup(id);

	return e->id == id && e->status != ENV_ZOMBIE && e->status != ENV_FREE &&
	       strcmp((const char *)e->name, name) == 0;
}

int
main(int argc, char **argv)
{
	envid_t me = thisenv->id, sibling, attack;
	int status = -1;

	if ((sibling = fork()) < 0)
		panic("fork: %s", errstr(sibling));
	if (sibling == 0)
		for (;;)
			ipc_recv(NULL, NULL, NULL);
	if ((attack = fork()) < 0)
		panic("fork: %s", errstr(attack));
	if (attack == 0)
		return attacker(me, sibling);
	wait(attack, &status);
	if (status != 0 || !intact(me, binaryname) || !intact(sibling, binaryname)) {
		cprintf("isolation: FAIL, %d attempts allowed, or a victim harmed\n", status);
		return 1;
	}
	sys_env_destroy(sibling);
	wait(sibling, NULL);
	cprintf("isolation: ok, every attempt refused; parent and sibling intact\n");
	return tu_audit("isolation");
}
