/*
 * The read-only exports: one page-table subtree (PML4 slot UEXPORTS_SLOT)
 * shared by every address space, mapping user-readable, never writable:
 * the clock page, the CPU table, the env table, the physical-page table
 * and the boot archive. The kernel writes them through the direct map.
 */
#ifndef CHITIN_KERN_EXPORT_H
#define CHITIN_KERN_EXPORT_H
#include "kernel.h"
#include "abi/env.h"

extern struct clock_export *clock_ex;
extern struct cpu_export *cpu_ex;

void export_init(physaddr_t archive_pa, uint64_t archive_size);
physaddr_t export_pdpt_pa(void);
void *export_alloc(size_t bytes, uintptr_t uva);	/* zeroed, mapped at uva */
void export_map(uintptr_t uva, physaddr_t pa, size_t len);	/* boot time only */
void export_tick(void);				/* refresh the clock page */
void export_console_interrupt(void);		/* count a ^C */
const void *export_archive(size_t *size);	/* the archive, kernel view */

#endif
