/*
 * From the program's entry to main and back out: the environment the
 * library keeps (thisenv, binaryname), exit and wait.
 */
#include "libos.h"

const volatile struct env_export *thisenv;
const char *binaryname = "(unknown)";

/* Points thisenv at my entry in the exported env table; a forked child
 * calls it again, as its id differs from its parent's. */
void
libmain_set_thisenv(void)
{
	thisenv = env_lookup(sys_getenvid());
}

/* Maps the top USTACK_INITIAL_PAGES of the main stack where nobody has
 * yet (the kernel gives the first program only what argv needs), so that
 * system calls may take pointers into the stack from the start. Deeper
 * pages come on demand (exception.c). */
static int
stack_init(void)
{
	struct mmap_op ops[USTACK_INITIAL_PAGES];
	struct mmap_batch b = { ops, USTACK_INITIAL_PAGES, 0, false };
	uintptr_t va;
	int r;

	for (va = USTACKTOP - PGSIZE; va >= USTACKTOP - USTACK_INITIAL_PAGES * PGSIZE;
	     va -= PGSIZE) {
		if (uvpt_pte(va) & PERM_P)
			continue;
		r = batch_add(&b, MMAP_OP_ALLOC, 0, va, PERM_P | PERM_W | PERM_NX, 0, 0);
		if (r < 0)
			return r;
	}
	return batch_flush(&b);
}

/* The C entry, from _start: sets up the library, runs main, exits with
 * its answer. */
void
libmain(int argc, char **argv)
{
	int r;

	libmain_set_thisenv();
	if (argc > 0 && argv != NULL && argv[0] != NULL)
		binaryname = argv[0];
	if ((r = stack_init()) < 0)
		panic("cannot map the stack: %s", errstr(r));
	if ((r = exception_init(0)) < 0)
		panic("cannot set up the exception upcall: %s", errstr(r));
	console_interrupt_init();
	libc_init(argc, argv);
	exit(main(argc, argv));
}

/* Ends this env with status; the parent's wait reports it. The C
 * library's exit: atexit functions, streams flushed, descriptors closed
 * (libc_fini) first. */
void
exit(int status)
{
	libc_fini();
	sys_env_exit(status);
	for (;;)
		sys_env_destroy(0);
}

/* Waits for child (0: any child) to exit, and reaps it. Returns its id,
 * its exit status in *status (if status), or -E_CHILD when there is no
 * such child, -E_BAD_ENV when child is not mine. */
int
wait(envid_t child, int *status)
{
	int st = 0;
	int64_t r = sys_env_wait(child, &st);

	console_interrupt_check();	/* typed while I waited: mine too */
	if (r >= 0 && status != NULL)
		*status = st;
	return (int)r;
}
