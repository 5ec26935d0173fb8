/*
 * Chitin's x86-64 virtual address space. Every layout constant lives here.
 *
 *  0xffffffffffffffff +-----------------------------+
 *                     | kernel image (text RX,      |  kernel: per section
 *                     | rodata R, data/bss RW, NX   |  user:   --
 *                     | where not text); KERNBASE   |
 *  KERNLINK  ........ | + [0, 1 MiB) = low memory   |
 *  KERNBASE           +-----------------------------+ 0xffffffff80000000
 *                     | MMIO window (LAPIC, IOAPIC, |  kernel: RW, uncached
 *                     | device BARs), 4 KiB pages   |  user:   --
 *  MMIOBASE           +-----------------------------+ 0xffffff0000000000
 *                     |            unused           |
 *                     +-----------------------------+ KDIRECT + KDIRECT_SIZE
 *                     | direct map of physical      |  kernel: RW, NX
 *                     | memory: VA = KDIRECT + PA   |  user:   --
 *  KDIRECT            +-----------------------------+ 0xffff800000000000
 *                     |   non-canonical hole        |
 *  USERTOP            +-----------------------------+ 0x0000800000000000
 *                     | UVPT: this env's page tables|  kernel: --
 *                     | through a self-map (PML4    |  user:   R
 *                     | slot 255)                   |
 *  UVPT               +-----------------------------+ 0x00007f8000000000
 *                     | read-only exports, the same |  user:   R
 *                     | in every env (PML4 slot 254)|
 *                     |  UARCHIVE boot archive      |
 *                     |  UBLKMAP  disk block maps   |
 *                     |  UPAGES   physical pages    |
 *                     |  UBCACHE  buffer-cache reg. |
 *                     |  UDISKS   disks             |
 *                     |  UNICS    NICs, channels    |
 *                     |  UENVS    environments      |
 *                     |  UCLOCK   clock page        |
 *  UTOP = UEXPORTS    +-----------------------------+ 0x00007f0000000000
 *                     | the env's own memory: laid  |  user:   as the
 *                     | out by its library OS. The  |  library OS maps it
 *                     | defaults of libos:          |
 *                     |  UXSTACKTOP exception stack |
 *                     |  USTACKTOP  program stack   |
 *                     |  UTEXT      program text    |
 *  0                  +-----------------------------+
 *
 * System calls accept user addresses only in [0, UTOP): the exports and
 * the page tables can never be mapped writable, moved or unmapped.
 */
#ifndef CHITIN_ABI_MEMLAYOUT_H
#define CHITIN_ABI_MEMLAYOUT_H

#define PGSHIFT		12
#define PGSIZE		4096
#define LPGSHIFT	21
#define LPGSIZE		0x200000	/* a 2 MiB "large" page */

/* Kernel half */
#define KERNBASE	0xffffffff80000000
#define KERNLINK	0xffffffff80100000	/* the kernel's link address */
#define KERNLOAD_PA	0x100000		/* ... and its load address */
#define KDIRECT		0xffff800000000000
#define KDIRECT_SIZE	0x0000010000000000	/* up to 1 TiB of RAM */
#define MMIOBASE	0xffffff0000000000
#define MMIO_SIZE	0x0000000040000000	/* 1 GiB of device windows */
#define KSTACK_SIZE	(4 * PGSIZE)	/* per-CPU kernel stack */
#define KISTACK_SIZE	(2 * PGSIZE)	/* per-CPU double-fault and NMI stacks */

/* User half */
#define USERTOP		0x0000800000000000
#define UVPT		0x00007f8000000000	/* PML4 slot 255: the self-map */
#define UVPT_SLOT	255
#define UEXPORTS	0x00007f0000000000	/* PML4 slot 254: the exports */
#define UEXPORTS_SLOT	254
#define UTOP		UEXPORTS	/* user-managed memory ends here */

#define UCLOCK		(UEXPORTS + 0x00000000)	/* struct clock_export, 1 page */
#define UCPUS		(UEXPORTS + 0x00001000)	/* struct cpu_export[NCPU_EXPORT] */
#define UENVS		(UEXPORTS + 0x00200000)	/* struct env_export[NENV] */
#define UNICS		(UEXPORTS + 0x01000000)	/* struct nic_exports (abi/nic.h) */
#define UNICS_MAX	0x0000000000100000
#define UPAGES		(UEXPORTS + 0x40000000)	/* struct page_export[npages] */
#define UPAGES_MAX	0x0000000400000000	/* 16 GiB: RAM up to 8 TiB */
#define UDISKS		(UEXPORTS + 0x10000000)	/* struct disk_export[NDISK] (kern/abi/disk.h) */
#define UBCACHE		(UEXPORTS + 0x10200000)	/* struct bcache_export[BCACHE_SLOTS] */
#define UBLKMAP		(UEXPORTS + 0x2000000000ULL)	/* disk d's ownership map at */
#define UBLKMAP_STRIDE	0x0000000040000000	/*  UBLKMAP + d * UBLKMAP_STRIDE */
#define UARCHIVE	(UEXPORTS + 0x8000000000ULL / 2)	/* the boot archive */
#define UARCHIVE_MAX	0x0000000040000000

/* The self-map: the PTE of va is UVPT_PTE(va), and so on up. */
#define UVPT_PT		UVPT
#define UVPT_PD		(UVPT + ((uint64_t)UVPT_SLOT << 30))
#define UVPT_PDPT	(UVPT_PD + ((uint64_t)UVPT_SLOT << 21))
#define UVPT_PML4	(UVPT_PDPT + ((uint64_t)UVPT_SLOT << 12))

/* libos defaults (any library OS may choose others) */
#define UTEXT		0x0000000000400000	/* programs are linked here */
#define USTACKTOP	0x00007e0000000000	/* the main stack grows down */
#define USTACK_MAX	(8UL << 20)
#define UXSTACKTOP	0x00007e8000000000	/* the exception stack */
#define UXSTACK_SIZE	(4 * PGSIZE)

#endif
