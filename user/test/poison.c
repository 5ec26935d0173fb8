/*
 * poison: the kernel's freed-page poison check works (KDEBUG_POISON: a
 * freshly filled page passes, one flipped bit is caught), and pages this
 * env frees and allocates again come back zeroed, not holding the fill.
 */
#include "testutil.h"

#define VA	0x0000300000000000ULL

int
main(int argc, char **argv)
{
	int64_t r = sys_kdebug(KDEBUG_POISON, 0);
	volatile uint64_t *w = (volatile uint64_t *)VA;

	if (r != 0) {
		cprintf("poison: FAIL, KDEBUG_POISON %ld\n", r);
		return 1;
	}
	for (int i = 0; i < 1000; i++) {
		if ((r = sys_page_alloc(0, VA, PERM_P | PERM_W | PERM_U, PPN_ANY)) < 0) {
			cprintf("poison: FAIL, page_alloc: %s\n", errstr(r));
			return 1;
		}
		for (int k = 0; k < PGSIZE / 8; k += 64)
			if (w[k] != 0) {
				cprintf("poison: FAIL, new page holds %lx at %d\n", w[k], k * 8);
				return 1;
			}
		w[i % (PGSIZE / 8)] = 0x6b6b6b6b6b6b6b6bULL ^ (uint64_t)i;
		sys_page_unmap(0, VA);
	}
	cprintf("poison: ok, the check catches a stray write; 1000 pages freed and reused\n");
	return tu_audit("poison");
}
