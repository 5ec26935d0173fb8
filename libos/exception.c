/*
 * Exceptions in user space: the kernel delivers every exception an env
 * causes to its upcall (upcall.S), which calls exception_dispatch here on
 * the exception stack. The library first takes the faults that are its
 * own business (copy-on-write after fork, a growing stack), then hands
 * the rest to the program's handler for that vector, else reports the
 * exception and exits.
 */
#include "libos.h"

static exception_handler_t handlers[NEXCEPTION];

static const char *const mnemonics[NEXCEPTION] = {
	[0] = "DE", [1] = "DB", [2] = "NMI", [3] = "BP", [4] = "OF",
	[5] = "BR", [6] = "UD", [7] = "NM", [8] = "DF", [9] = "CSO",
	[10] = "TS", [11] = "NP", [12] = "SS", [13] = "GP", [14] = "PF",
	[16] = "MF", [17] = "AC", [18] = "MC", [19] = "XM", [20] = "VE",
	[21] = "CP",
};

/* The mnemonic of an exception vector ("PF"), or "??". */
const char *
exception_mnemonic(int vector)
{
	if (vector < 0 || vector >= NEXCEPTION || mnemonics[vector] == NULL)
		return "??";
	return mnemonics[vector];
}

/* Installs h (NULL: none) for vector. The handler runs on the exception
 * stack and resumes the interrupted code by returning, after changing
 * utf->regs if it wants it resumed elsewhere. -E_INVAL: no such vector. */
int
set_exception_handler(int vector, exception_handler_t h)
{
	if (vector < 0 || vector >= NEXCEPTION)
		return -E_INVAL;
	handlers[vector] = h;
	return 0;
}

/* set_exception_handler(T_PF, h). */
int
set_pgfault_handler(exception_handler_t h)
{
	return set_exception_handler(T_PF, h);
}

/* Maps a fresh exception stack into env (0: me) and registers the upcall
 * on it. Returns 0 or the kernel's error. */
int
exception_init(envid_t env)
{
	struct mmap_op ops[UXSTACK_SIZE / PGSIZE];
	struct mmap_batch b = { ops, UXSTACK_SIZE / PGSIZE, 0, false };
	uintptr_t va;
	int r;

	for (va = UXSTACKTOP - UXSTACK_SIZE; va < UXSTACKTOP; va += PGSIZE)
		batch_add(&b, MMAP_OP_ALLOC, env, va, PERM_P | PERM_W | PERM_NX, 0, 0);
	if ((r = batch_flush(&b)) < 0)
		return r;
	return (int)sys_env_set_upcall(env, UPCALL_EXCEPTION,
				       (uintptr_t)upcall_entry, UXSTACKTOP);
}

/* Gives va's page to me alone and writable. If nobody else maps it and
 * it is mine, that is a protection change; else a copy, built at
 * ULIB_COW_TEMP. This path writes no global data: a fault inside it
 * would find ULIB_COW_TEMP in use. */
static int
cow_copy(uintptr_t va, uint64_t pte)
{
	uint64_t perm = (pte & PERM_USER_OK & ~PERM_COW) | PERM_P | PERM_W;
	const volatile struct page_export *pg = &UPAGE_TABLE[pte_ppn(pte)];
	struct mmap_op ops[2];
	int64_t r;

	if (pg->maps == 1 && pg->owner == thisenv->id &&
	    sys_page_protect(0, va, perm) == 0)
		return 0;
	r = sys_page_alloc(0, ULIB_COW_TEMP, PERM_P | PERM_W | PERM_NX, PPN_ANY);
	if (r < 0)
		return (int)r;
	memcpy((void *)ULIB_COW_TEMP, (const void *)va, PGSIZE);
	ops[0] = (struct mmap_op){ .op = MMAP_OP_MAP, .env = 0, .va = va,
		.perm = perm, .src_env = 0, .src_va = ULIB_COW_TEMP };
	ops[1] = (struct mmap_op){ .op = MMAP_OP_UNMAP, .env = 0,
		.va = ULIB_COW_TEMP };
	r = sys_mmap_batch(ops, 2);
	if (r != 2) {
		sys_page_unmap(0, ULIB_COW_TEMP);
		return r < 0 ? (int)r : -E_NO_MEM;
	}
	return 0;
}

/* Handles a write fault on a copy-on-write page. Returns false if the
 * fault is not one; exits if it is but no copy can be made. */
bool
cow_fault(struct utrapframe *utf)
{
	uintptr_t va = ROUNDDOWN(utf->fault_va, PGSIZE);
	uint64_t pte;
	int r;

	if (!(utf->err & PF_WRITE) || !(utf->err & PF_PRESENT))
		return false;
	pte = uvpt_pte(va);
	if (!(pte & PERM_P) || !(pte & PERM_COW))
		return false;
	if ((r = cow_copy(va, pte)) < 0) {
		cprintf("[%08x] copy-on-write fault at va 0x%lx: %s\n",
			thisenv->id, utf->fault_va, errstr(r));
		exit(EXIT_FAULT(T_PF));
	}
	return true;
}

/* Maps a fresh page under the main stack when the fault is a stack that
 * grew into its reserve. */
static bool
stack_grow(struct utrapframe *utf)
{
	uintptr_t va = utf->fault_va;

	if (va < USTACKTOP - USTACK_MAX || va >= USTACKTOP)
		return false;
	if (uvpt_pte(va) & PERM_P)
		return false;
	return sys_page_alloc(0, ROUNDDOWN(va, PGSIZE),
			      PERM_P | PERM_W | PERM_NX, PPN_ANY) >= 0;
}

static void __attribute__((noreturn))
unhandled(struct utrapframe *utf)
{
	cprintf("[%08x] unhandled exception vector %lu (#%s) at rip 0x%lx "
		"va 0x%lx err 0x%lx in %s\n",
		thisenv->id, utf->vector, exception_mnemonic((int)utf->vector),
		utf->regs.rip, utf->fault_va, utf->err, binaryname);
	exit(EXIT_FAULT((int)utf->vector));
}

/* Called by upcall_entry for every exception; returning resumes utf. */
void
exception_dispatch(struct utrapframe *utf)
{
	uint64_t v = utf->vector;

	if (v == UPCALL_VECTOR_REVOKE) {
		revoke_dispatch(utf);
		return;
	}
	if (v == T_PF && cow_fault(utf))
		return;
	if (v < NEXCEPTION && handlers[v] != NULL) {
		handlers[v](utf);
		return;
	}
	if (v == T_PF && stack_grow(utf))
		return;
	unhandled(utf);
}
