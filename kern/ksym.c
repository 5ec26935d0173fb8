/*
 * Symbol lookup over the kernel's own .symtab (ELF-64 Object File Format,
 * "Symbol Table"). The loader copies the whole ELF file into memory; the
 * page allocator reserves it, and here we only keep pointers into it.
 */
#include "ksym.h"
#include "pmap.h"
#include "string.h"
#include "console.h"

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

struct elf64_sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

#define SHT_SYMTAB	2
#define STT_FUNC	2

static const struct elf64_sym *syms;
static size_t nsyms;
static const char *strtab;
static uint64_t strtab_size;

/* True when [off, off+len) lies inside a file of size total. */
static bool
in_file(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

/* Finds .symtab and its string table; leaves lookups failing (no names in
 * backtraces) if the image is missing or malformed. */
void
ksym_init(physaddr_t elf_pa, uint64_t elf_size)
{
	const uint8_t *file = KADDR(elf_pa);
	const struct elf64_ehdr *eh = (const void *)file;

	if (!elf_pa || elf_size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) != 0)
		return;
	if (eh->shentsize != sizeof(struct elf64_shdr) ||
	    !in_file(eh->shoff, (uint64_t)eh->shnum * sizeof(struct elf64_shdr), elf_size))
		return;
	const struct elf64_shdr *sh = (const void *)(file + eh->shoff);
	for (int i = 0; i < eh->shnum; i++) {
		if (sh[i].type != SHT_SYMTAB || sh[i].link >= eh->shnum)
			continue;
		const struct elf64_shdr *st = &sh[sh[i].link];
		if (!in_file(sh[i].offset, sh[i].size, elf_size) ||
		    !in_file(st->offset, st->size, elf_size))
			return;
		syms = (const void *)(file + sh[i].offset);
		nsyms = sh[i].size / sizeof(struct elf64_sym);
		strtab = (const char *)(file + st->offset);
		strtab_size = st->size;
		return;
	}
}

size_t
ksym_count(void)
{
	return nsyms;
}

/* The function containing addr (or the nearest one below it), and the
 * offset of addr into it. */
const char *
ksym_lookup(uint64_t addr, uint64_t *offset)
{
	const struct elf64_sym *best = NULL;

	for (size_t i = 0; i < nsyms; i++) {
		const struct elf64_sym *s = &syms[i];
		if ((s->info & 0xf) != STT_FUNC || s->value > addr || s->name >= strtab_size)
			continue;
		if (!best || s->value > best->value)
			best = s;
	}
	if (!best || (best->size && addr - best->value > best->size + 0x1000))
		return NULL;
	if (offset)
		*offset = addr - best->value;
	return strtab + best->name;
}
