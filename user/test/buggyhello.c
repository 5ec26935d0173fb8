/*
 * buggyhello: a system call given an unmapped user address, or a buffer
 * that runs off the end of mapped memory, returns an error; the program
 * goes on.
 */
#include "testutil.h"

#define UNMAPPED	0x10000000UL

extern char end[];	/* user.ld: the end of bss */

/* A child that has exited, reaped with status pointing at bad: the
 * error, after which a good pointer must still get the status. */
static int64_t
wait_bad_status(int *bad)
{
	envid_t child = fork();
	int64_t r;
	int st = 0;

	if (child == 0)
		exit(7);
	if (child < 0)
		panic("fork: %s", errstr(child));
	while (env_lookup(child)->status != ENV_ZOMBIE)
		sys_yield();
	r = sys_env_wait(child, bad);
	if (r >= 0)
		return 0;
	if (wait(child, &st) != child || st != 7)
		cprintf("buggyhello: FAIL, child not reaped after the refusal (status %d)\n", st);
	return r;
}

int
main(int argc, char **argv)
{
	char *data_end = (char *)(((uintptr_t)end + PGSIZE - 1) & ~(uintptr_t)(PGSIZE - 1));
	size_t ok = 0, n = 0;
	int64_t r;

	if (uvpt_pte((uintptr_t)data_end) & PERM_P) {
		cprintf("buggyhello: FAIL, the page after bss is mapped\n");
		return 1;
	}
	memset(data_end - 16, 'x', 16);

	n++;
	if ((r = sys_cputs((const char *)1, 1)) < 0)
		ok++, cprintf("buggyhello: sys_cputs(0x1, 1): refused (%s)\n", errstr(r));
	n++;
	if ((r = sys_cputs((const char *)UNMAPPED, 10)) < 0)
		ok++, cprintf("buggyhello: sys_cputs(unmapped 0x%lx): refused (%s)\n",
			      UNMAPPED, errstr(r));
	/* 16 bytes of bss, then the unmapped page after it. */
	n++;
	if ((r = sys_cputs(data_end - 16, 32)) < 0)
		ok++, cprintf("buggyhello: sys_cputs(across the end of bss 0x%lx): "
			      "refused (%s)\n", (uintptr_t)data_end, errstr(r));
	n++;
	if ((r = wait_bad_status((int *)UNMAPPED)) < 0)
		ok++, cprintf("buggyhello: sys_env_wait(status unmapped): refused (%s)\n",
			      errstr(r));
	n++;
	if ((r = sys_env_set_name(0, (const char *)UNMAPPED)) < 0)
		ok++, cprintf("buggyhello: sys_env_set_name(unmapped): refused (%s)\n",
			      errstr(r));
	if (ok == n)
		cprintf("buggyhello: ok, all %zu bad pointers refused\n", n);
	else
		cprintf("buggyhello: FAIL, %zu of %zu refused\n", ok, n);
	return tu_audit("buggyhello") | (ok != n);
}
