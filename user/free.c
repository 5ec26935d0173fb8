/*
 * free: physical memory by use and by owner, from the kernel's exported
 * page table (UPAGES): no system call.
 *
 *   free
 */
#include <chitin.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const kind_names[] = {
	[PAGEK_HOLE] = "hole", [PAGEK_FREE] = "free", [PAGEK_KERNEL] = "kernel",
	[PAGEK_BOOT] = "boot", [PAGEK_USER] = "user", [PAGEK_PAGETABLE] = "pagetable",
	[PAGEK_EXPORT] = "export",
};
#define NKIND	(sizeof(kind_names) / sizeof(kind_names[0]))

static uint64_t by_kind[NKIND];
static uint64_t by_env[NENV];		/* user and page-table pages, by slot */

int
main(int argc, char **argv)
{
	uint64_t npages = UCLOCK_PAGE->npages, total = 0, i, other = 0;
	const volatile struct page_export *p;
	const volatile struct env_export *e;
	envid_t owner;

	if (argc > 1) {
		fprintf(stderr, "usage: free\n");
		return 2;
	}
	for (i = 0; i < npages; i++) {
		p = &UPAGE_TABLE[i];
		if (p->kind < NKIND)
			by_kind[p->kind]++;
		if (p->kind == PAGEK_HOLE)
			continue;
		total++;
		owner = p->owner;
		if ((p->kind == PAGEK_USER || p->kind == PAGEK_PAGETABLE) && owner != 0) {
			if (UENV_TABLE[ENVX(owner)].id == owner)
				by_env[ENVX(owner)]++;
			else
				other++;
		}
	}
	printf("%-10s %10s %10s\n", "", "pages", "KiB");
	printf("%-10s %10lu %10lu\n", "total", total, total * 4);
	for (i = 1; i < NKIND; i++)
		printf("%-10s %10lu %10lu\n", kind_names[i], by_kind[i], by_kind[i] * 4);
	printf("\n%-8s %-16s %10s %10s\n", "ENV", "NAME", "pages", "KiB");
	for (i = 0; i < NENV; i++) {
		e = &UENV_TABLE[i];
		if (by_env[i] == 0)
			continue;
		printf("%08x %-16s %10lu %10lu\n", e->id, (const char *)e->name, by_env[i],
		       by_env[i] * 4);
	}
	if (other > 0)
		printf("%-8s %-16s %10lu %10lu\n", "-", "(owner gone)", other, other * 4);
	return 0;
}
