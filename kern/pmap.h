/*
 * Physical memory: the page allocator built from the E820 map, the direct
 * map of all RAM at KDIRECT, the kernel's page tables and the MMIO window.
 */
#ifndef CHITIN_KERN_PMAP_H
#define CHITIN_KERN_PMAP_H
#include "kernel.h"
#include "abi/memlayout.h"
#include "abi/bootinfo.h"

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

/* One entry per physical page; the environments issue extends it and
 * exports it read-only. */
struct page {
	struct page *free_next;		/* on the free list */
	uint32_t refs;			/* users of the page; 0 when free */
	uint16_t kind;			/* PAGE_* below */
	uint16_t flags;
};
enum page_kind {
	PAGE_HOLE = 0,	/* not RAM, or reserved by the firmware */
	PAGE_FREE,	/* on the free list */
	PAGE_KERNEL,	/* the kernel image, its page tables, per-CPU stacks */
	PAGE_BOOT,	/* loader, boot info, low memory below 1 MiB */
	PAGE_ALLOC,	/* handed out by page_alloc */
};

extern struct page *pages;	/* pages[ppn] */
extern size_t npages;		/* number of entries in pages[] */
extern physaddr_t pmap_phys_top;/* one past the highest RAM byte */
extern bool cpu_has_nx;

static inline physaddr_t page2pa(struct page *p) { return (physaddr_t)(p - pages) << PGSHIFT; }
static inline struct page *pa2page(physaddr_t pa) { return &pages[pa >> PGSHIFT]; }
static inline void *page2kva(struct page *p) { return KADDR(page2pa(p)); }

void pmap_init(const struct bootinfo *bi);
void pmap_init_percpu(void);	/* load the kernel page table (APs) */
#define PAGE_ZERO	1
struct page *page_alloc(int flags);	/* NULL when out of memory */
void page_free(struct page *p);
size_t page_free_count(void);
void *mmio_map(physaddr_t pa, size_t len);	/* uncached, in the MMIO window */
physaddr_t kern_pml4_pa(void);	/* the kernel's top-level page table */
void check_page_alloc(void);
void pmap_print_map(void);	/* the monitor's `mem` */

#endif
