/*
 * Starting the first env: the kernel loads one ELF program from the boot
 * archive (kern/abi/archive.h) with its arguments. Every later program
 * is loaded by the library OS itself (spawn), so this is the only ELF
 * loader in the kernel. The boot command line names it:
 *   init=NAME ARGS...   (the rest of the line is its argv; default "init")
 */
#include "env.h"
#include "uvm.h"
#include "export.h"
#include "cmdline.h"
#include "console.h"
#include "string.h"
#include "abi/archive.h"
#include "abi/error.h"

#define INIT_ARGV_MAX	64	/* words of init= (the line fits one stack page) */

struct elf_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD	1
#define PF_X	1
#define PF_W	2

/* The archive file called name, or NULL. */
static const uint8_t *
archive_lookup(const char *name, size_t *size)
{
	size_t total;
	const struct archive_header *h = export_archive(&total);
	const struct archive_entry *ents = (const void *)(h + 1);

	if (!h || total < sizeof(*h) || h->magic != ARCHIVE_MAGIC ||
	    h->count > (total - sizeof(*h)) / sizeof(*ents))
		return NULL;
	for (uint64_t i = 0; i < h->count; i++) {
		if (strncmp(ents[i].name, name, ARCHIVE_NAME_MAX) != 0)
			continue;
		if (ents[i].offset > total || ents[i].size > total - ents[i].offset)
			return NULL;
		*size = ents[i].size;
		return (const uint8_t *)h + ents[i].offset;
	}
	return NULL;
}

/* Copies len bytes of src to va in e (pages already mapped). */
static void
load_bytes(struct env *e, uintptr_t va, const void *src, size_t len)
{
	for (size_t done = 0; done < len;) {
		uintptr_t cur = va + done;
		size_t n = MIN(len - done, PGSIZE - (cur & (PGSIZE - 1)));
		struct page *pg = uvm_lookup(e, ROUNDDOWN(cur, PGSIZE), NULL);
		memcpy((uint8_t *)page2kva(pg) + (cur & (PGSIZE - 1)),
		       (const uint8_t *)src + done, n);
		done += n;
	}
}

static int
map_fresh(struct env *e, uintptr_t start, uintptr_t end, uint64_t perm)
{
	for (uintptr_t va = ROUNDDOWN(start, PGSIZE); va < end; va += PGSIZE) {
		if (uvm_lookup(e, va, NULL))
			continue;	/* shared with the previous segment */
		struct page *pg = uvm_page_alloc_for(e);
		if (!pg)
			return -E_NO_MEM;
		int r = uvm_insert(e, pg, va, perm);
		if (r < 0) {
			uvm_discard_unmapped(pg);
			return r;
		}
	}
	return 0;
}

static int
load_segment(struct env *e, const uint8_t *file, size_t size, const struct elf_phdr *ph)
{
	uint64_t perm = PERM_P | ((ph->flags & PF_W) ? PERM_W : 0) |
			((ph->flags & PF_X) ? 0 : PERM_NX);
	int r;

	if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset ||
	    ph->vaddr >= UTOP || ph->memsz > UTOP - ph->vaddr)
		return -E_NOT_EXEC;
	if ((r = map_fresh(e, ph->vaddr, ph->vaddr + ph->memsz, perm)) < 0)
		return r;
	load_bytes(e, ph->vaddr, file + ph->offset, ph->filesz);
	return 0;
}

static int
load_elf(struct env *e, const uint8_t *file, size_t size, uint64_t *entry)
{
	const struct elf_ehdr *eh = (const void *)file;

	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF\2\1", 6) != 0 ||
	    eh->machine != 62 || eh->type != 2 || eh->phentsize != sizeof(struct elf_phdr) ||
	    eh->phoff > size || eh->phnum > (size - eh->phoff) / sizeof(struct elf_phdr) ||
	    eh->entry >= UTOP)
		return -E_NOT_EXEC;
	const struct elf_phdr *ph = (const void *)(file + eh->phoff);
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		int r = load_segment(e, file, size, &ph[i]);
		if (r < 0)
			return r;
	}
	*entry = eh->entry;
	return 0;
}

/* Splits args into argv (in place); returns argc. */
static int
split_args(char *args, char **argv)
{
	int argc = 0;

	for (char *p = args; *p && argc < INIT_ARGV_MAX;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return argc;
}

/* One stack page below USTACKTOP: the strings, then argv[], then the
 * 16-byte aligned %rsp (pointing at argv[]). Sets rdi = argc, rsi = argv. */
static int
setup_stack(struct env *e, int argc, char **argv)
{
	uint64_t uargv[INIT_ARGV_MAX + 1];
	uintptr_t sp = USTACKTOP;
	int r;

	if ((r = map_fresh(e, USTACKTOP - PGSIZE, USTACKTOP, PERM_P | PERM_W | PERM_NX)) < 0)
		return r;
	for (int i = argc - 1; i >= 0; i--) {
		size_t n = strlen(argv[i]) + 1;
		sp -= n;
		load_bytes(e, sp, argv[i], n);
		uargv[i] = sp;
	}
	uargv[argc] = 0;
	sp = ROUNDDOWN(sp - (argc + 1) * sizeof(uint64_t), 16);
	load_bytes(e, sp, uargv, (argc + 1) * sizeof(uint64_t));
	e->tf.rdi = (uint64_t)argc;
	e->tf.rsi = sp;
	e->tf.rsp = sp;
	return 0;
}

/*
 * Creates the first env from the program named by init= (default
 * "init") and makes it runnable. Returns 0, or an error with a message
 * printed (no archive, no such program, not an ELF, no memory).
 */
int
env_create_from_archive(const char *args_in)
{
	char args[BOOT_CMDLINE_MAX], *argv[INIT_ARGV_MAX];
	const uint8_t *file;
	size_t size;
	uint64_t entry;
	struct env *e;
	int argc, r;

	strlcpy(args, args_in, sizeof(args));
	argc = split_args(args, argv);
	if (argc == 0)
		return -E_INVAL;
	if (!(file = archive_lookup(argv[0], &size))) {
		cprintf("init: no program '%s' in the boot archive\n", argv[0]);
		return -E_NOT_FOUND;
	}
	if ((r = env_alloc(&e, NULL)) < 0)
		return r;
	env_set_name(e, argv[0]);
	if ((r = load_elf(e, file, size, &entry)) < 0 || (r = setup_stack(e, argc, argv)) < 0) {
		cprintf("init: cannot load '%s': error %d\n", argv[0], r);
		env_destroy(e, -1);
		return r;
	}
	e->tf.rip = entry;
	initenv = e;
	cprintf("env [%08x] %s: started from the boot archive\n", e->id, argv[0]);
	env_set_status(e, ENV_RUNNABLE, WAIT_NONE);
	return 0;
}
