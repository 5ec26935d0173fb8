/* Kernel symbol names for backtraces, read from the copy of the kernel's
 * ELF file that the loader leaves in memory (bootinfo elf_pa). */
#ifndef CHITIN_KERN_KSYM_H
#define CHITIN_KERN_KSYM_H
#include "kernel.h"

void ksym_init(physaddr_t elf_pa, uint64_t elf_size);
const char *ksym_lookup(uint64_t addr, uint64_t *offset);	/* NULL: unknown */
size_t ksym_count(void);

#endif
