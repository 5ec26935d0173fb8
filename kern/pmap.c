/*
 * Physical memory and the kernel's page tables.
 *
 * Boot: the E820 map gives the RAM; a bump allocator just past the kernel
 * (and the copy of its ELF file) provides pages[] and the page-table pages;
 * then the kernel's own page tables replace the loader's:
 *   KDIRECT + pa  -> pa   for all RAM, 2 MiB pages, RW, NX
 *   KERNBASE + pa -> pa   for the first MiB (VGA, BIOS tables), RW, NX
 *   the kernel image      4 KiB pages: text RX, rodata R+NX, data/bss RW+NX
 *   MMIOBASE ...          device windows, added by mmio_map, uncached
 * and finally every usable page that nothing above claims goes on the free
 * list. Nothing below 1 MiB is ever handed out: the BIOS, the loader's
 * structures and the AP trampoline live there.
 */
#include "pmap.h"
#include "console.h"
#include "assert.h"
#include "string.h"
#include "spinlock.h"
#include "x86.h"
#include "abi/error.h"

#define LOWMEM_TOP	0x100000	/* below this: never allocated */
#define PAGE_KERNEL_RESERVE 256	/* pages user allocations cannot take */

struct page *pages;
struct page_export *page_ex;
size_t npages;
physaddr_t pmap_phys_top;
bool cpu_has_nx;

extern char kern_text_start[], kern_text_end[], kern_rodata_end[], kern_end[];

static uint64_t kern_pml4[512] __attribute__((aligned(PGSIZE)));
static struct bootinfo bootinfo;		/* our copy */
static physaddr_t boot_next, boot_start;	/* the bump allocator */
static physaddr_t page_ex_pa;			/* page_ex[], for the export */
static bool paging_ours;			/* our page tables are live */

static struct spinlock page_lock = SPINLOCK_INIT("page_lock", LOCK_RANK_PAGE);
static struct page *page_free_list;	/* guarded by page_lock */
static size_t nfree;			/* guarded by page_lock */
static uintptr_t mmio_next = MMIOBASE;	/* guarded by page_lock */

static const char *
e820_type_name(uint32_t type)
{
	switch (type) {
	case E820_USABLE:	return "usable";
	case E820_RESERVED:	return "reserved";
	case E820_ACPI_RECLAIM:	return "ACPI data";
	case E820_ACPI_NVS:	return "ACPI NVS";
	case E820_BAD:		return "unusable";
	default:		return "unknown";
	}
}

/* Physical to kernel virtual before our page tables exist: the loader maps
 * KERNBASE -> 0 for 2 GiB. Afterwards the direct map. */
static void *
boot_kva(physaddr_t pa)
{
	if (paging_ours)
		return KADDR(pa);
	assert(pa < 0x80000000UL);
	return (void *)(KERNBASE + pa);
}

physaddr_t
PADDR(const void *kva)
{
	uintptr_t va = (uintptr_t)kva;

	if (va >= KERNBASE)
		return va - KERNBASE;
	if (va >= KDIRECT && va < KDIRECT + KDIRECT_SIZE)
		return va - KDIRECT;
	panic("PADDR of a non-kernel address %p", kva);
}

/* The usable E820 range containing [pa, pa+len), or false. */
static bool
e820_usable(physaddr_t pa, uint64_t len)
{
	for (uint32_t i = 0; i < bootinfo.e820_count; i++) {
		const struct boot_e820 *e = &bootinfo.e820[i];
		if (e->type == E820_USABLE && pa >= e->addr && pa + len <= e->addr + e->len)
			return true;
	}
	return false;
}

/* Zeroed physical memory from just past the kernel, during boot only. */
static physaddr_t
boot_alloc(size_t bytes)
{
	physaddr_t pa = boot_next;

	bytes = ROUNDUP(bytes, PGSIZE);
	if (!e820_usable(pa, bytes))
		panic("boot_alloc: no usable RAM at %lx for %zu bytes", pa, bytes);
	boot_next += bytes;
	memset(boot_kva(pa), 0, bytes);
	return pa;
}

static void
e820_scan(void)
{
	uint64_t usable = 0;

	for (uint32_t i = 0; i < bootinfo.e820_count; i++) {
		const struct boot_e820 *e = &bootinfo.e820[i];
		cprintf("e820: [mem 0x%016lx-0x%016lx] %s\n", e->addr,
			e->addr + e->len - 1, e820_type_name(e->type));
		if (e->type == E820_USABLE)
			usable += e->len;
		if (e->type == E820_USABLE || e->type == E820_ACPI_RECLAIM ||
		    e->type == E820_ACPI_NVS)
			pmap_phys_top = MAX(pmap_phys_top, e->addr + e->len);
	}
	pmap_phys_top = ROUNDUP(MAX(pmap_phys_top, (physaddr_t)LPGSIZE), LPGSIZE);
	if (pmap_phys_top > KDIRECT_SIZE)
		pmap_phys_top = KDIRECT_SIZE;
	npages = pmap_phys_top >> PGSHIFT;
	cprintf("mem: %lu MiB usable in the E820 map, highest RAM at 0x%lx\n",
		usable >> 20, pmap_phys_top);
}

/* The entry of table `t` at `idx`, creating the next-level table. */
static uint64_t *
pt_next(uint64_t *t, int idx)
{
	if (!(t[idx] & PTE_P)) {
		physaddr_t pa = paging_ours ? page2pa(page_alloc(PAGE_ZERO)) : boot_alloc(PGSIZE);
		t[idx] = pa | PTE_P | PTE_W;
	}
	assert(!(t[idx] & PTE_PS));
	return boot_kva(t[idx] & PTE_ADDR_MASK);
}

/* The level-1 PTE of va in the kernel page tables, creating tables. */
static uint64_t *
pt_walk_create(uintptr_t va)
{
	uint64_t *pdpt = pt_next(kern_pml4, (va >> 39) & 511);
	uint64_t *pd = pt_next(pdpt, (va >> 30) & 511);
	uint64_t *pt = pt_next(pd, (va >> 21) & 511);
	return &pt[(va >> 12) & 511];
}

static void
map_4k_range(uintptr_t va, physaddr_t pa, size_t len, uint64_t perm)
{
	for (size_t off = 0; off < len; off += PGSIZE)
		*pt_walk_create(va + off) = (pa + off) | perm | PTE_P;
}

static uint64_t
nx(void)
{
	return cpu_has_nx ? PTE_NX : 0;
}

static void
map_direct(void)
{
	for (physaddr_t pa = 0; pa < pmap_phys_top; pa += LPGSIZE) {
		uintptr_t va = KDIRECT + pa;
		uint64_t *pdpt = pt_next(kern_pml4, (va >> 39) & 511);
		uint64_t *pd = pt_next(pdpt, (va >> 30) & 511);
		pd[(va >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | nx();
	}
}

/* The image with W^X: text RX, rodata R, data and bss RW. */
static void
map_kernel_image(void)
{
	uintptr_t text = (uintptr_t)kern_text_start, etext = (uintptr_t)kern_text_end;
	uintptr_t erodata = (uintptr_t)kern_rodata_end, end = ROUNDUP((uintptr_t)kern_end, PGSIZE);

	map_4k_range(KERNBASE, 0, LOWMEM_TOP, PTE_W | PTE_G | nx());
	map_4k_range(text, text - KERNBASE, etext - text, PTE_G);
	map_4k_range(etext, etext - KERNBASE, erodata - etext, PTE_G | nx());
	map_4k_range(erodata, erodata - KERNBASE, end - erodata, PTE_W | PTE_G | nx());
}

physaddr_t
kern_pml4_pa(void)
{
	return PADDR(kern_pml4);
}

/* Every address space shares the kernel half: the kernel's PML4 slots
 * are all created at boot, so copying them once is enough. */
void
pmap_copy_kernel_half(uint64_t *pml4)
{
	memcpy(pml4 + 256, kern_pml4 + 256, 256 * sizeof(uint64_t));
}

/* Loads the kernel page table on this CPU. */
void
pmap_init_percpu(void)
{
	lcr3(kern_pml4_pa());
}

static void
free_list_push(struct page *p)
{
	p->free_prev = NULL;
	p->free_next = page_free_list;
	if (page_free_list)
		page_free_list->free_prev = p;
	page_free_list = p;
	nfree++;
}

static void
free_list_remove(struct page *p)
{
	if (p->free_prev)
		p->free_prev->free_next = p->free_next;
	else
		page_free_list = p->free_next;
	if (p->free_next)
		p->free_next->free_prev = p->free_prev;
	p->free_next = p->free_prev = NULL;
	nfree--;
	assert(page2ex(p)->kind == PAGEK_FREE);
	*page2ex(p) = (struct page_export){ .kind = PAGEK_KERNEL };
}

static void
mark_range(physaddr_t start, physaddr_t end, int kind)
{
	start = ROUNDDOWN(start, PGSIZE);
	end = MIN(ROUNDUP(end, PGSIZE), pmap_phys_top);
	for (physaddr_t pa = start; pa < end; pa += PGSIZE)
		page_ex[pa >> PGSHIFT].kind = kind;
}

/* Classify every page, then put the free ones on the free list. Reserved
 * E820 ranges win over usable ones that overlap them. */
static void
page_init(void)
{
	for (uint32_t i = 0; i < bootinfo.e820_count; i++) {
		const struct boot_e820 *e = &bootinfo.e820[i];
		if (e->type == E820_USABLE)
			mark_range(ROUNDUP(e->addr, PGSIZE), ROUNDDOWN(e->addr + e->len, PGSIZE), PAGEK_FREE);
	}
	for (uint32_t i = 0; i < bootinfo.e820_count; i++) {
		const struct boot_e820 *e = &bootinfo.e820[i];
		if (e->type != E820_USABLE)
			mark_range(e->addr, e->addr + e->len, PAGEK_HOLE);
	}
	mark_range(0, LOWMEM_TOP, PAGEK_BOOT);
	mark_range(bootinfo.kernel_pa_start, bootinfo.kernel_pa_end, PAGEK_KERNEL);
	mark_range(bootinfo.elf_pa, bootinfo.elf_pa + bootinfo.elf_size, PAGEK_KERNEL);
	mark_range(boot_start, boot_next, PAGEK_KERNEL);
	mark_range(page_ex_pa, page_ex_pa + npages * sizeof(struct page_export), PAGEK_EXPORT);
	mark_range(bootinfo.archive_pa, bootinfo.archive_pa + bootinfo.archive_size, PAGEK_EXPORT);
	paging_ours = true;	/* from here on, page tables come from page_alloc */
	for (size_t i = npages; i-- > 0;) {
		if (page_ex[i].kind == PAGEK_FREE)
			free_list_push(&pages[i]);
	}
}

/*
 * Sets up physical memory management from the boot info: reads the E820
 * map, builds pages[] and the kernel page tables, switches to them and
 * fills the free list. Runs once on the BSP with interrupts off.
 */
void
pmap_init(const struct bootinfo *bi)
{
	uint32_t edx;

	bootinfo = *bi;
	cpuid(0x80000001, 0, NULL, NULL, NULL, &edx);
	cpu_has_nx = edx & (1u << 20);
	if (cpu_has_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	e820_scan();
	boot_start = boot_next = ROUNDUP(MAX(MAX(bootinfo.kernel_pa_end,
		bootinfo.elf_pa + bootinfo.elf_size),
		bootinfo.archive_pa + bootinfo.archive_size), PGSIZE);
	pages = boot_kva(boot_alloc(npages * sizeof(struct page)));
	page_ex_pa = boot_alloc(npages * sizeof(struct page_export));
	page_ex = boot_kva(page_ex_pa);
	map_direct();
	map_kernel_image();
	pt_next(kern_pml4, (MMIOBASE >> 39) & 511);	/* every kernel PML4 slot exists */
	pages = KADDR(PADDR(pages));
	page_ex = KADDR(page_ex_pa);
	lcr3(kern_pml4_pa());
	page_init();
	cprintf("pmap: direct map of 0-0x%lx at 0x%lx, kernel W^X, NX %s\n",
		pmap_phys_top, (uint64_t)KDIRECT, cpu_has_nx ? "on" : "not supported");
	cprintf("mem: %lu MiB usable, %zu pages free\n",
		(uint64_t)(nfree * PGSIZE) >> 20, nfree);
}

/*
 * A free physical page of kind PAGEK_KERNEL (zeroed with PAGE_ZERO), or
 * NULL when none is left. With PAGE_USER, NULL already when only the
 * kernel's reserve is left: an env that takes all memory must not leave
 * the kernel unable to build page tables or destroy it.
 */
#ifndef PAGE_POISON
#define PAGE_POISON	0
#endif
#define POISON_WORD	(0x0101010101010101ULL * PAGE_POISON_BYTE)

bool
page_poison_intact(const struct page *p)
{
	const uint64_t *w = page2kva((struct page *)p);

	if (!(p->flags & PAGE_POISONED))
		return true;
	for (size_t i = 0; i < PGSIZE / 8; i++)
		if (w[i] != POISON_WORD)
			return false;
	return true;
}

/* With PAGE_POISON: a page just off the free list must still hold its
 * fill; anything else is a use after free, which must not go on. */
static void
poison_check(struct page *p)
{
	if (!PAGE_POISON)
		return;
	if (!page_poison_intact(p)) {
		const uint64_t *w = page2kva(p);
		size_t i = 0;
		while (w[i] == POISON_WORD)
			i++;
		panic("page_alloc: page %lx written after it was freed (offset %#zx: %lx)",
		      page2pa(p), i * 8, w[i]);
	}
	p->flags &= ~PAGE_POISONED;
}

int64_t
page_poison_selftest(void)
{
	struct page *p = page_alloc(0);
	int64_t r = 0;
	uint64_t *w;

	if (!PAGE_POISON)
		return -E_INVAL;
	if (!p)
		return -E_NO_MEM;
	w = page2kva(p);
	memset(w, PAGE_POISON_BYTE, PGSIZE);
	p->flags |= PAGE_POISONED;
	if (!page_poison_intact(p))
		r |= 1;			/* a clean fill must pass */
	w[PGSIZE / 8 - 3] ^= 1 << 5;	/* one bit, as a stray store would */
	if (page_poison_intact(p))
		r |= 2;			/* and a changed one must not */
	p->flags &= ~PAGE_POISONED;
	page_free(p);
	return r;
}

struct page *
page_alloc(int flags)
{
	struct page *p;

	spin_lock(&page_lock);
	p = page_free_list;
	if ((flags & PAGE_USER) && nfree <= PAGE_KERNEL_RESERVE)
		p = NULL;
	if (p)
		free_list_remove(p);
	spin_unlock(&page_lock);
	if (p)
		poison_check(p);
	if (p && (flags & PAGE_ZERO))
		memset(page2kva(p), 0, PGSIZE);
	return p;
}

/* Takes the given page off the free list (zeroed, kind PAGEK_KERNEL), so
 * a library OS can choose physical pages (page colouring); NULL if the
 * page is not free or only the kernel's reserve is left. */
struct page *
page_alloc_specific(struct page *p)
{
	bool ok;

	spin_lock(&page_lock);
	ok = page2ex(p)->kind == PAGEK_FREE && nfree > PAGE_KERNEL_RESERVE;
	if (ok)
		free_list_remove(p);
	spin_unlock(&page_lock);
	if (!ok)
		return NULL;
	poison_check(p);
	memset(page2kva(p), 0, PGSIZE);
	return p;
}

/*
 * n physically contiguous zeroed pages (kind PAGEK_KERNEL), for tables
 * sized by the machine. Boot only: the free list still hands out
 * ascending pages then. Panics if memory is short or fragmented.
 */
struct page *
page_alloc_contig_boot(size_t n)
{
	struct page *first = NULL;

	for (size_t i = 0; i < n; i++) {
		struct page *pg = page_alloc(PAGE_ZERO);
		if (!pg || (i > 0 && pg != first + i))
			panic("page_alloc_contig_boot: no %zu contiguous pages", n);
		if (i == 0)
			first = pg;
	}
	return first;
}

/* Returns a page from page_alloc to the free list. Freeing anything else,
 * or freeing twice, is a kernel bug. */
/* page_lock also guards page_ex: uvm.c's updates of owners, map and pin
 * counts hold it across a check and the change (a page shared by envs on
 * several CPUs, or pinned by a NIC and a disk at once). */
void
page_meta_lock(void)
{
	spin_lock(&page_lock);
}

void
page_meta_unlock(void)
{
	spin_unlock(&page_lock);
}

/* Sets the kind of a page that only the kernel holds (a block map's
 * page becomes PAGEK_EXPORT, and PAGEK_KERNEL again before it is freed):
 * page_ex is written under page_lock only. */
void
page_set_kind(struct page *p, uint8_t kind)
{
	spin_lock(&page_lock);
	page2ex(p)->kind = kind;
	spin_unlock(&page_lock);
}

/* page_free with page_lock held. */
void
page_free_locked(struct page *p)
{
	if (p < pages || p >= pages + npages)
		panic("page_free: %p is not a page", p);
	struct page_export *x = page2ex(p);
	if (x->kind == PAGEK_FREE || x->kind == PAGEK_HOLE || x->kind == PAGEK_BOOT ||
	    x->maps || x->pins)
		panic("page_free: page %lx is not free-able (kind %d, %d maps, %d pins)",
		      page2pa(p), x->kind, x->maps, x->pins);
	*x = (struct page_export){ .kind = PAGEK_FREE };
	if (PAGE_POISON) {
		/* under the lock: no one can take it before it is filled */
		memset(page2kva(p), PAGE_POISON_BYTE, PGSIZE);
		p->flags |= PAGE_POISONED;
	}
	free_list_push(p);
}

void
page_free(struct page *p)
{
	spin_lock(&page_lock);
	page_free_locked(p);
	spin_unlock(&page_lock);
}

size_t
page_free_count(void)
{
	return nfree;
}

/*
 * Maps [pa, pa+len) uncached into the MMIO window and returns the virtual
 * address of pa. Windows are never unmapped (devices live as long as the
 * kernel does).
 */
void *
mmio_map(physaddr_t pa, size_t len)
{
	physaddr_t base = ROUNDDOWN(pa, PGSIZE);
	size_t span = ROUNDUP(pa + len, PGSIZE) - base;
	uintptr_t va;

	spin_lock(&page_lock);
	va = mmio_next;
	mmio_next += span + PGSIZE;	/* an unmapped page between windows */
	spin_unlock(&page_lock);
	assert(mmio_next <= MMIOBASE + MMIO_SIZE);
	map_4k_range(va, base, span, PTE_W | PTE_PCD | PTE_PWT | nx());
	return (void *)(va + (pa - base));
}

static const char *const kind_names[] = {
	[PAGEK_HOLE] = "hole", [PAGEK_FREE] = "free", [PAGEK_KERNEL] = "kernel",
	[PAGEK_BOOT] = "boot/low", [PAGEK_USER] = "user", [PAGEK_PAGETABLE] = "pagetable",
	[PAGEK_EXPORT] = "export",
};

/* The monitor's `mem`: the E820 map, then runs of pages by kind. */
void
pmap_print_map(void)
{
	size_t counts[ARRAY_SIZE(kind_names)] = { 0 };

	for (uint32_t i = 0; i < bootinfo.e820_count; i++) {
		const struct boot_e820 *e = &bootinfo.e820[i];
		cprintf("e820: [mem 0x%016lx-0x%016lx] %s\n", e->addr,
			e->addr + e->len - 1, e820_type_name(e->type));
	}
	cprintf("physical pages by kind:\n");
	for (size_t i = 0; i < npages;) {
		size_t j = i;
		while (j < npages && page_ex[j].kind == page_ex[i].kind)
			j++;
		counts[page_ex[i].kind] += j - i;
		cprintf("  0x%010lx-0x%010lx %-9s %7zu pages\n", (uint64_t)i << PGSHIFT,
			((uint64_t)j << PGSHIFT) - 1, kind_names[page_ex[i].kind], j - i);
		i = j;
	}
	cprintf("total: %zu free (%zu MiB), %zu user, %zu page tables, %zu kernel, %zu export, %zu boot/low\n",
		counts[PAGEK_FREE], counts[PAGEK_FREE] >> 8, counts[PAGEK_USER],
		counts[PAGEK_PAGETABLE], counts[PAGEK_KERNEL], counts[PAGEK_EXPORT],
		counts[PAGEK_BOOT]);
}

#define PAGE_CHECKED	1	/* flags bit used by check_page_alloc */

static void
check_one_page(struct page *p)
{
	physaddr_t pa = page2pa(p);

	assert(pa >= LOWMEM_TOP && pa < pmap_phys_top);
	assert(!(pa >= bootinfo.kernel_pa_start && pa < bootinfo.kernel_pa_end));
	assert(!(pa >= bootinfo.elf_pa && pa < bootinfo.elf_pa + bootinfo.elf_size));
	assert(!(pa >= bootinfo.archive_pa && pa < bootinfo.archive_pa + bootinfo.archive_size));
	assert(!(pa >= boot_start && pa < boot_next));
	assert(e820_usable(pa, PGSIZE));
	assert(!(p->flags & PAGE_CHECKED));	/* never handed out twice */
	p->flags |= PAGE_CHECKED;
	*(uint64_t *)page2kva(p) = pa;	/* detects two pages aliasing */
}

/*
 * Boot self-check: allocate every free page, checking that none is handed
 * out twice or lies in the kernel, the boot structures or a hole; then
 * free them all and check the count is back. Prints "check_page_alloc: ok".
 */
void
check_page_alloc(void)
{
	size_t before = page_free_count(), got = 0;
	struct page *list = NULL, *p;

	while ((p = page_alloc(0)) != NULL) {
		check_one_page(p);
		p->free_next = list;
		list = p;
		got++;
	}
	assert(got == before && page_free_count() == 0);
	assert(page_alloc(0) == NULL);
	while ((p = list) != NULL) {
		list = p->free_next;
		assert(*(uint64_t *)page2kva(p) == page2pa(p));
		p->flags &= ~PAGE_CHECKED;
		page_free(p);
	}
	assert(page_free_count() == before);
	p = page_alloc(PAGE_ZERO);
	assert(p && ((uint64_t *)page2kva(p))[0] == 0 && ((uint64_t *)page2kva(p))[511] == 0);
	page_free(p);
	cprintf("check_page_alloc: ok, %zu pages allocated and freed\n", got);
}
