/*
 * evilhello: a system call given a kernel address to print from must
 * refuse with an error, not print kernel memory and not fault in the
 * kernel. Every kernel region is tried, and ranges that start in user
 * space and run into the kernel or out of the canonical half.
 */
#include "testutil.h"

struct attempt {
	const char *what;
	uintptr_t buf;
	size_t len;
};

static const struct attempt attempts[] = {
	{ "kernel text", KERNLINK, 100 },
	{ "kernel base", KERNBASE, 100 },
	{ "direct map", KDIRECT + 0x100000, 100 },
	{ "MMIO window", MMIOBASE, 100 },
	{ "top of memory", 0xfffffffffffff000ULL, 0x1000 },
	{ "non-canonical", 0x8000000000000000ULL, 100 },
	{ "page tables (UVPT)", UVPT_PML4 - 16, 100 },
	{ "user range into the kernel", UTEXT, (size_t)(KERNLINK - UTEXT + 100) },
	{ "length wrapping around", UTEXT, (size_t)-1 },
};

int
main(int argc, char **argv)
{
	size_t i, ok = 0, n = sizeof(attempts) / sizeof(attempts[0]);
	int64_t r;

	for (i = 0; i < n; i++) {
		r = sys_cputs((const char *)attempts[i].buf, attempts[i].len);
		if (r < 0) {
			cprintf("evilhello: sys_cputs(%s 0x%lx, %zu): refused (%s)\n",
				attempts[i].what, attempts[i].buf, attempts[i].len,
				errstr(r));
			ok++;
		} else {
			cprintf("\nevilhello: FAIL, sys_cputs(%s 0x%lx) returned %ld\n",
				attempts[i].what, attempts[i].buf, r);
		}
	}
	if (ok == n)
		cprintf("evilhello: ok, all %zu kernel pointers refused\n", n);
	else
		cprintf("evilhello: FAIL, %zu of %zu refused\n", ok, n);
	return tu_audit("evilhello") | (ok != n);
}
