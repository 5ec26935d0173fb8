/*
 * Reading this env's own page tables through the self-map at UVPT
 * (kern/abi/memlayout.h): no system call, and never a fault, because each
 * level is read only after the level above says it is present.
 */
#include "libos.h"

#define PTE_PS		0x080	/* a large page: no lower table (SDM 3A, 4.5) */
#define PTE_ADDR	0x000ffffffffff000ULL

static inline uint64_t
uvpt_entry(uintptr_t table, uintptr_t index)
{
	return ((const volatile uint64_t *)table)[index];
}

static inline uint64_t
pml4e(uintptr_t va)
{
	return uvpt_entry(UVPT_PML4, (va >> 39) & 0x1ff);
}

static inline uint64_t
pdpte(uintptr_t va)
{
	return uvpt_entry(UVPT_PDPT, (va >> 30) & 0x3ffff);
}

static inline uint64_t
pde(uintptr_t va)
{
	return uvpt_entry(UVPT_PD, (va >> 21) & 0x7ffffff);
}

/* The PTE that maps va (below USERTOP), or 0 when some level above it is
 * missing. Large pages are not the library's to meet: they read as 0. */
uint64_t
uvpt_pte(uintptr_t va)
{
	uint64_t e;

	if (va >= USERTOP)
		return 0;
	if (!(pml4e(va) & PERM_P))
		return 0;
	e = pdpte(va);
	if (!(e & PERM_P) || (e & PTE_PS))
		return 0;
	e = pde(va);
	if (!(e & PERM_P) || (e & PTE_PS))
		return 0;
	return uvpt_entry(UVPT_PT, (va >> 12) & 0xfffffffffULL);
}

/* The physical page number in a PTE. */
ppn_t
pte_ppn(uint64_t pte)
{
	return (pte & PTE_ADDR) >> PGSHIFT;
}

/* Calls fn(va, pte, arg) for each present page in [start, end), in
 * address order, skipping whole missing tables. Stops early, returning
 * fn's value, when fn returns non-zero; else returns 0. */
int
uvpt_walk(uintptr_t start, uintptr_t end, uvpt_fn_t fn, void *arg)
{
	uintptr_t va = ROUNDDOWN(start, PGSIZE);
	uint64_t e;
	int r;

	if (end > UTOP)
		end = UTOP;
	while (va < end) {
		if (!(pml4e(va) & PERM_P)) {
			va = ROUNDDOWN(va, 1ULL << 39) + (1ULL << 39);
			continue;
		}
		e = pdpte(va);
		if (!(e & PERM_P) || (e & PTE_PS)) {
			va = ROUNDDOWN(va, 1ULL << 30) + (1ULL << 30);
			continue;
		}
		e = pde(va);
		if (!(e & PERM_P) || (e & PTE_PS)) {
			va = ROUNDDOWN(va, LPGSIZE) + LPGSIZE;
			continue;
		}
		e = uvpt_entry(UVPT_PT, (va >> 12) & 0xfffffffffULL);
		if ((e & PERM_P) && (r = fn(va, e, arg)) != 0)
			return r;
		va += PGSIZE;
	}
	return 0;
}
