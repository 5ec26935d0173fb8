/*
 * Building the export subtree. Its tables are kernel pages; its leaves
 * are user-readable (PTE_U), never writable, never executable.
 */
#include "export.h"
#include "pmap.h"
#include "cpu.h"
#include "timer.h"
#include "assert.h"
#include "string.h"
#include "console.h"

struct clock_export *clock_ex;
struct cpu_export *cpu_ex;

static uint64_t *export_pdpt;
static const void *archive_kva;
static size_t archive_bytes;

/* The next-level table under t[idx], made a kernel page if absent. */
static uint64_t *
export_table(uint64_t *t, int idx)
{
	if (!(t[idx] & PTE_P)) {
		struct page *pg = page_alloc(PAGE_ZERO);
		if (!pg)
			panic("export: out of memory building the exports");
		t[idx] = page2pa(pg) | PTE_P | PTE_U;
	}
	return KADDR(t[idx] & PTE_ADDR_MASK);
}

/* Maps [pa, pa+len) read-only for users at uva (inside the exports).
 * Panics when out of memory for the tables: boot time only. */
void
export_map(uintptr_t uva, physaddr_t pa, size_t len)
{
	assert(uva >= UEXPORTS && uva + len <= UVPT);
	for (size_t off = 0; off < len; off += PGSIZE) {
		uintptr_t va = uva + off;
		uint64_t *pd = export_table(export_pdpt, (va >> 30) & 511);
		uint64_t *pt = export_table(pd, (va >> 21) & 511);
		pt[(va >> 12) & 511] = (pa + off) | PTE_P | PTE_U | (cpu_has_nx ? PTE_NX : 0);
	}
}

/* Physically contiguous zeroed pages for an export, mapped at uva. Only
 * at boot, while the free list still hands out ascending pages; all are
 * taken before any is mapped, since mapping allocates page tables. */
void *
export_alloc(size_t bytes, uintptr_t uva)
{
	size_t n = ROUNDUP(bytes, PGSIZE) / PGSIZE;
	struct page *first = page_alloc_contig_boot(n);

	for (size_t i = 0; i < n; i++)
		page2ex(first + i)->kind = PAGEK_EXPORT;
	export_map(uva, page2pa(first), n * PGSIZE);
	return page2kva(first);
}

physaddr_t
export_pdpt_pa(void)
{
	return PADDR(export_pdpt);
}

const void *
export_archive(size_t *size)
{
	*size = archive_bytes;
	return archive_kva;
}

/* Builds the export subtree; runs once on the BSP after pmap_init. */
void
export_init(physaddr_t archive_pa, uint64_t archive_size)
{
	struct page *pg = page_alloc(PAGE_ZERO);

	assert(pg);
	export_pdpt = page2kva(pg);
	clock_ex = export_alloc(sizeof(*clock_ex), UCLOCK);
	cpu_ex = export_alloc(sizeof(struct cpu_export) * NCPU_EXPORT, UCPUS);
	export_map(UPAGES, PADDR(page_ex), ROUNDUP(npages * sizeof(struct page_export), PGSIZE));
	if (archive_size && archive_size <= UARCHIVE_MAX) {
		export_map(UARCHIVE, archive_pa, ROUNDUP(archive_size, PGSIZE));
		archive_kva = KADDR(archive_pa);
		archive_bytes = archive_size;
	}
	clock_ex->tsc_hz = tsc_hz;
	clock_ex->timer_hz = TIMER_HZ;
	clock_ex->slice_us = SLICE_US;
	clock_ex->grace_us = SLICE_GRACE_US;
	clock_ex->nenv = NENV;
	clock_ex->npages = npages;
	clock_ex->archive_size = archive_bytes;
}

/* A ^C reached the console: counted where every env can see it, since
 * the program it should stop is usually not the one reading the console
 * (a runaway `yes`). The library OS turns a change into SIGINT. Counted
 * even when the input queue is full and the byte itself is dropped. */
void
export_console_interrupt(void)
{
	if (clock_ex != NULL)
		clock_ex->cons_intr++;
}

/* The BSP's timer tick: the clock page's counters. */
void
export_tick(void)
{
	clock_ex->ticks++;
	clock_ex->free_pages = page_free_count();
}
