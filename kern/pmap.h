/*
 * Physical memory: the page allocator built from the E820 map, the direct
 * map of all RAM at KDIRECT, the kernel's page tables and the MMIO window.
 */
#ifndef CHITIN_KERN_PMAP_H
#define CHITIN_KERN_PMAP_H
#include "kernel.h"
#include "abi/memlayout.h"
#include "abi/bootinfo.h"
#include "abi/env.h"

/* Page-table entry bits (Intel SDM vol. 3A, 4.5) */
#define PTE_P		(1UL << 0)
#define PTE_W		(1UL << 1)
#define PTE_U		(1UL << 2)
#define PTE_PWT		(1UL << 3)
#define PTE_PCD		(1UL << 4)
#define PTE_A		(1UL << 5)
#define PTE_D		(1UL << 6)
#define PTE_PS		(1UL << 7)
#define PTE_G		(1UL << 8)
#define PTE_NX		(1UL << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000UL

/* The direct map: valid for every physical address below pmap_phys_top. */
#define KADDR(pa)	((void *)((uintptr_t)(pa) + KDIRECT))
physaddr_t PADDR(const void *kva);	/* direct map or kernel image VA */

/*
 * Two arrays describe physical page ppn: pages[ppn], private to the
 * kernel, and page_ex[ppn] (owner, map count, pin count, kind: PAGEK_* in
 * kern/abi/env.h), which every env reads at UPAGES. The kernel writes
 * page_ex only under page_lock (page_meta_lock).
 */
struct page {
	struct page *free_next;		/* on the free list (doubly linked so */
	struct page *free_prev;		/*  a given page can be taken in O(1)) */
	uint16_t flags;			/* PAGE_CHECKED during the boot check,
					 * PAGE_REGISTERED */
};

/* pages[].flags: held by the buffer-cache registry (kern/bcache.c); no
 * mapping of it may be made writable by a protection change. Set and
 * cleared with the registry's pin, under page_lock (uvm_page_register). */
#define PAGE_REGISTERED	2
/* pages[].flags: on the free list filled with PAGE_POISON_BYTE (kernels
 * built with PAGE_POISON); page_alloc checks the fill is intact. */
#define PAGE_POISONED	4
#define PAGE_POISON_BYTE	0x6b
/* The free page p still holds its poison fill (true when it was never
 * filled); false says something wrote to it after it was freed. */
bool page_poison_intact(const struct page *p);
/* KDEBUG_POISON: the checker catches a write into a freed page. */
int64_t page_poison_selftest(void);

extern struct page *pages;	/* pages[ppn] */
extern struct page_export *page_ex;	/* page_ex[ppn], exported */
extern size_t npages;		/* number of entries in pages[] */
extern physaddr_t pmap_phys_top;/* one past the highest RAM byte */
extern bool cpu_has_nx;

static inline physaddr_t page2pa(struct page *p) { return (physaddr_t)(p - pages) << PGSHIFT; }
static inline struct page *pa2page(physaddr_t pa) { return &pages[pa >> PGSHIFT]; }
static inline void *page2kva(struct page *p) { return KADDR(page2pa(p)); }
static inline struct page_export *page2ex(struct page *p) { return &page_ex[p - pages]; }
static inline ppn_t page2ppn(struct page *p) { return (ppn_t)(p - pages); }

void pmap_init(const struct bootinfo *bi);
void pmap_init_percpu(void);	/* load the kernel page table (APs) */
#define PAGE_ZERO	1	/* page_alloc: clear the page */
#define PAGE_USER	2	/* page_alloc: for an env; keeps a reserve for the kernel */
struct page *page_alloc(int flags);	/* kind PAGEK_KERNEL; NULL when out of memory */
void page_free(struct page *p);
void page_free_locked(struct page *p);	/* page_meta_lock held */
void page_meta_lock(void);		/* page_lock: page_ex updates */
void page_meta_unlock(void);
void page_set_kind(struct page *p, uint8_t kind);	/* PAGEK_*, of a kernel-held page */
struct page *page_alloc_specific(struct page *p);
struct page *page_alloc_contig_boot(size_t n);	/* boot only */	/* NULL unless p is free */
size_t page_free_count(void);
void *mmio_map(physaddr_t pa, size_t len);	/* uncached, in the MMIO window */
physaddr_t kern_pml4_pa(void);	/* the kernel's top-level page table */
void check_page_alloc(void);
void pmap_print_map(void);	/* the monitor's `mem` */

#endif

void pmap_copy_kernel_half(uint64_t *pml4);	/* slots 256-511 into an env's PML4 */

