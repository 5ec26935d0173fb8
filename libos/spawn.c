/*
 * spawn: start a program from the boot archive in a new child, loading
 * its ELF image in user space. The child's pages are allocated in the
 * child (so they are charged to it), mapped here for a moment at
 * ULIB_SPAWN_TEMP to be filled, then given their final permissions:
 * text read-only and executable, rodata read-only, data and bss writable,
 * everything not executable NX. The child starts at the ELF entry as the
 * kernel starts the first program: %rdi = argc, %rsi = argv, %rsp a
 * 16-byte aligned stack holding the argv strings and array.
 *
 * The ELF file is untrusted input: every offset and size is checked
 * against the file and the address space before anything is mapped.
 */
#include "libos.h"
#include "elf.h"
#include "libos/fs/fs.h"

#define SPAWN_PHNUM_MAX		32
#define SPAWN_ARG_PAGES_MAX	16	/* argv strings and array */
#define SPAWNL_ARGS_MAX		64
#define PAGE_DEFAULT		(PERM_P | PERM_W | PERM_NX)

struct spawn {
	envid_t child;
	const uint8_t *file;
	size_t size;
	struct mmap_batch b;
};

static struct mmap_op spawn_ops[2 * ULIB_SPAWN_PAGES];

static inline uintptr_t
temp_va(size_t i)
{
	return ULIB_SPAWN_TEMP + i * PGSIZE;
}

/* Allocates n pages in the child at va.. and maps them at temp_va(0..). */
static int
chunk_map(struct spawn *s, uintptr_t va, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		batch_add(&s->b, MMAP_OP_ALLOC, s->child, va + i * PGSIZE,
			  PAGE_DEFAULT, 0, 0);
		batch_add(&s->b, MMAP_OP_MAP, 0, temp_va(i), PAGE_DEFAULT,
			  s->child, va + i * PGSIZE);
	}
	return batch_flush(&s->b);
}

/* Unmaps the n temporary pages and gives the child's pages perm. */
static int
chunk_finish(struct spawn *s, uintptr_t va, size_t n, uint64_t perm)
{
	size_t i;

	for (i = 0; i < n; i++) {
		batch_add(&s->b, MMAP_OP_UNMAP, 0, temp_va(i), 0, 0, 0);
		if (perm != PAGE_DEFAULT)
			batch_add(&s->b, MMAP_OP_PROTECT, s->child,
				  va + i * PGSIZE, perm, 0, 0);
	}
	return batch_flush(&s->b);
}

/* Whatever the temporary window still maps, after a failure. */
static void
temp_clear(void)
{
	size_t i;

	for (i = 0; i < ULIB_SPAWN_PAGES; i++)
		if (uvpt_pte(temp_va(i)) & PERM_P)
			sys_page_unmap(0, temp_va(i));
}

static uint64_t
segment_perm(uint32_t flags)
{
	uint64_t perm = PERM_P;

	if (flags & PF_W)
		perm |= PERM_W;
	if (!(flags & PF_X))
		perm |= PERM_NX;
	return perm;
}

/* Fills the temporary copy of the child's page at va from ph. */
static void
page_fill(const struct spawn *s, const struct elf64_phdr *ph, uintptr_t va,
	  uint8_t *dst)
{
	uintptr_t lo = va > ph->p_vaddr ? va : ph->p_vaddr;
	uintptr_t hi = ph->p_vaddr + ph->p_filesz;

	if (hi > va + PGSIZE)
		hi = va + PGSIZE;
	if (lo >= hi) {
		memset(dst, 0, PGSIZE);
		return;
	}
	memset(dst, 0, lo - va);
	memcpy(dst + (lo - va), s->file + ph->p_offset + (lo - ph->p_vaddr),
	       hi - lo);
	memset(dst + (hi - va), 0, va + PGSIZE - hi);
}

static int
segment_load(struct spawn *s, const struct elf64_phdr *ph)
{
	uintptr_t va = ROUNDDOWN(ph->p_vaddr, PGSIZE);
	uintptr_t end = ROUNDUP(ph->p_vaddr + ph->p_memsz, PGSIZE);
	size_t n, i;
	int r;

	for (; va < end; va += n * PGSIZE) {
		n = (end - va) / PGSIZE;
		if (n > ULIB_SPAWN_PAGES)
			n = ULIB_SPAWN_PAGES;
		if ((r = chunk_map(s, va, n)) < 0)
			return r;
		for (i = 0; i < n; i++)
			page_fill(s, ph, va + i * PGSIZE, (uint8_t *)temp_va(i));
		if ((r = chunk_finish(s, va, n, segment_perm(ph->p_flags))) < 0)
			return r;
	}
	return 0;
}

static void
phdr_get(const struct spawn *s, const struct elf64_ehdr *eh, size_t i,
	 struct elf64_phdr *ph)
{
	/* memcpy: the file need not keep the table aligned. */
	memcpy(ph, s->file + eh->e_phoff + i * sizeof(*ph), sizeof(*ph));
}

/* A loadable segment must lie in the file, above page 0 and below the
 * library's windows, and start at or after the page where the previous
 * one (*prev_end) ended: the loader never maps one page twice. */
static bool
phdr_ok(const struct spawn *s, const struct elf64_phdr *ph, uintptr_t *prev_end)
{
	if (ph->p_offset > s->size || ph->p_filesz > s->size - ph->p_offset)
		return false;
	if (ph->p_filesz > ph->p_memsz || ph->p_memsz > ULIB_BASE)
		return false;
	if (ph->p_vaddr < PGSIZE || ph->p_vaddr > ULIB_BASE - ph->p_memsz)
		return false;
	if (ROUNDDOWN(ph->p_vaddr, PGSIZE) < *prev_end)
		return false;
	*prev_end = ROUNDUP(ph->p_vaddr + ph->p_memsz, PGSIZE);
	return true;
}

/* Checks the ELF header, every program header, and that the entry lies
 * in an executable segment. Returns 0 or -E_NOT_EXEC. */
static int
elf_check(const struct spawn *s, struct elf64_ehdr *eh)
{
	struct elf64_phdr ph;
	uintptr_t prev_end = 0;
	bool entry_ok = false;
	size_t i;

	if (s->size < sizeof(*eh))
		return -E_NOT_EXEC;
	memcpy(eh, s->file, sizeof(*eh));
	if (eh->e_magic != ELF_MAGIC || eh->e_class != ELFCLASS64 ||
	    eh->e_data != ELFDATA2LSB || eh->e_type != ET_EXEC ||
	    eh->e_machine != EM_X86_64 || eh->e_version != EV_CURRENT)
		return -E_NOT_EXEC;
	if (eh->e_phentsize != sizeof(ph) || eh->e_phnum == 0 ||
	    eh->e_phnum > SPAWN_PHNUM_MAX || eh->e_phoff > s->size ||
	    eh->e_phnum * sizeof(ph) > s->size - eh->e_phoff)
		return -E_NOT_EXEC;
	for (i = 0; i < eh->e_phnum; i++) {
		phdr_get(s, eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (!phdr_ok(s, &ph, &prev_end))
			return -E_NOT_EXEC;
		if ((ph.p_flags & PF_X) && eh->e_entry >= ph.p_vaddr &&
		    eh->e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;
	}
	return entry_ok ? 0 : -E_NOT_EXEC;
}

static int
elf_load(struct spawn *s, const struct elf64_ehdr *eh)
{
	struct elf64_phdr ph;
	size_t i;
	int r;

	for (i = 0; i < eh->e_phnum; i++) {
		phdr_get(s, eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if ((r = segment_load(s, &ph)) < 0)
			return r;
	}
	return 0;
}

/* Builds the child's stack: the argv strings at the top, the argv array
 * below them, and sets regs to start there. */
static int
stack_build(struct spawn *s, const char *const *argv, struct user_regs *regs)
{
	size_t argc, strbytes = 0, npages, i, len;
	uintptr_t base, str, arr;
	int r;

	for (argc = 0; argv[argc] != NULL; argc++)
		strbytes += strlen(argv[argc]) + 1;
	npages = ROUNDUP(strbytes + (argc + 1) * 8 + 16, PGSIZE) / PGSIZE;
	if (npages > SPAWN_ARG_PAGES_MAX)
		return -E_TOO_BIG;
	if (npages < USTACK_INITIAL_PAGES)
		npages = USTACK_INITIAL_PAGES;
	base = USTACKTOP - npages * PGSIZE;
	if ((r = chunk_map(s, base, npages)) < 0)
		return r;
	/* child address X is at X - base + ULIB_SPAWN_TEMP here */
	str = USTACKTOP - strbytes;
	arr = ROUNDDOWN(str, 8) - (argc + 1) * 8;
	for (i = 0; i < argc; i++) {
		len = strlen(argv[i]) + 1;
		memcpy((char *)(str - base + ULIB_SPAWN_TEMP), argv[i], len);
		((uint64_t *)(arr - base + ULIB_SPAWN_TEMP))[i] = str;
		str += len;
	}
	((uint64_t *)(arr - base + ULIB_SPAWN_TEMP))[argc] = 0;
	memset(regs, 0, sizeof(*regs));
	regs->rsp = ROUNDDOWN(arr, 16);
	regs->rdi = argc;
	regs->rsi = arr;
	return chunk_finish(s, base, npages, PAGE_DEFAULT);
}

static const char *
path_base(const char *path)
{
	const char *slash;

	while ((slash = strchr(path, '/')) != NULL && slash[1] != '\0')
		path = slash + 1;
	return path;
}

/* Fills the new child s->child and starts it. */
static int
spawn_child(struct spawn *s, const struct elf64_ehdr *eh,
	    const char *const *argv, const char *name)
{
	struct user_regs regs;
	int r;

	if ((r = elf_load(s, eh)) < 0 || (r = stack_build(s, argv, &regs)) < 0)
		return r;
	regs.rip = eh->e_entry;
	regs.rflags = 0x202;	/* IF, and the reserved bit 1 */
	if ((r = (int)sys_env_set_regs(s->child, &regs)) < 0)
		return r;
	sys_env_set_name(s->child, name);
	if (spawn_child_hook != NULL && (r = spawn_child_hook(s->child)) < 0)
		return r;
	return (int)sys_env_set_status(s->child, ENV_RUNNABLE);
}

/* What the C library gives each child before it runs: descriptors and
 * environment (proc.c sets it). */
int (*spawn_child_hook)(envid_t child);

/* Starts the program path (its last component names it in the boot
 * archive) in a new child with argv (NULL-terminated; NULL means just
 * the name). Returns the child's id, or -E_NOT_FOUND (no such program),
 * -E_NOT_EXEC (not a valid ELF64 executable for this address space),
 * -E_TOO_BIG (argv too long), -E_NO_FREE_ENV, -E_NO_MEM, -E_QUOTA. */
static envid_t
spawn_file(const void *file, size_t size, const char *path, const char **argv)
{
	static struct spawn s;
	const char *name = path_base(path);
	const char *only_name[2] = { name, NULL };
	struct elf64_ehdr eh;
	int r;

	s.b = (struct mmap_batch){ spawn_ops, 2 * ULIB_SPAWN_PAGES, 0, false };
	s.file = file;
	s.size = size;
	if ((r = elf_check(&s, &eh)) < 0)
		return r;
	s.child = sys_env_exofork();
	if (s.child < 0)
		return s.child;
	if (s.child == 0) {
		/* Not reached: the child starts at the program's entry, with
		 * the registers spawn_child gives it. */
		exit(EXIT_PANIC);
	}
	r = spawn_child(&s, &eh, argv != NULL ? argv : only_name, name);
	if (r < 0) {
		temp_clear();
		sys_env_destroy(s.child);
		wait(s.child, NULL);
		return r;
	}
	return s.child;
}

/* Starts the program at path: from the file system (a bare name is
 * /bin/NAME there) when there is one and it holds the file, else from the
 * boot archive. */
envid_t
spawn(const char *path, const char **argv)
{
	const void *file;
	size_t size;
	envid_t r;

	if (fs_spawn_load(path, &file, &size) == 0) {
		r = spawn_file(file, size, path, argv);
		fs_spawn_release(file);
		return r;
	}
	if ((file = archive_find(path_base(path), &size)) == NULL)
		return -E_NOT_FOUND;
	return spawn_file(file, size, path, argv);
}

/* spawn with the arguments listed, ending with NULL. */
envid_t
spawnl(const char *path, const char *arg0, ...)
{
	const char *argv[SPAWNL_ARGS_MAX + 1];
	va_list ap;
	size_t n = 0;

	va_start(ap, arg0);
	argv[0] = arg0;
	while (argv[n] != NULL) {
		if (++n == SPAWNL_ARGS_MAX) {
			va_end(ap);
			return -E_TOO_BIG;
		}
		argv[n] = va_arg(ap, const char *);
	}
	va_end(ap);
	return spawn(path, argv);
}
