/*
 * The parts of ELF64 the loader reads (System V gABI, "ELF-64 Object File
 * Format" 1.5, and the x86-64 psABI).
 */
#ifndef CHITIN_LIBOS_ELF_H
#define CHITIN_LIBOS_ELF_H

#include <stdint.h>

#define ELF_MAGIC	0x464c457fU	/* "\x7fELF" read little-endian */
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define EM_X86_64	62

#define PT_LOAD		1
#define PF_X		1
#define PF_W		2
#define PF_R		4

struct elf64_ehdr {
	uint32_t e_magic;
	uint8_t e_class;
	uint8_t e_data;
	uint8_t e_ident_version;
	uint8_t e_osabi;
	uint8_t e_pad[8];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

#endif
