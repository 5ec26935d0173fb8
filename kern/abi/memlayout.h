/*
 * Chitin's x86-64 virtual address space. Every layout constant lives here.
 *
 *  0xffffffffffffffff +-----------------------------+
 *                     | kernel image (text RX,      |  kernel: per section
 *                     | rodata R, data/bss RW, NX   |  user:   --
 *                     | where not text)             |
 *  KERNLINK  ........ | (linked at KERNBASE+1 MiB)  |
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
 *                     |  user address space         |  (the environments
 *                     |  (laid out by the library   |   issue places the
 *                     |   OS; exports at fixed VAs) |   read-only exports)
 *  0                  +-----------------------------+
 */
#ifndef CHITIN_ABI_MEMLAYOUT_H
#define CHITIN_ABI_MEMLAYOUT_H

#define PGSHIFT		12
#define PGSIZE		4096
#define LPGSHIFT	21
#define LPGSIZE		0x200000	/* a 2 MiB "large" page */

#define KERNBASE	0xffffffff80000000
#define KERNLINK	0xffffffff80100000	/* the kernel's link address */
#define KERNLOAD_PA	0x100000		/* ... and its load address */

#define KDIRECT		0xffff800000000000
#define KDIRECT_SIZE	0x0000010000000000	/* up to 1 TiB of RAM */

#define MMIOBASE	0xffffff0000000000
#define MMIO_SIZE	0x0000000040000000	/* 1 GiB of device windows */

#define USERTOP		0x0000800000000000

#define KSTACK_SIZE	(4 * PGSIZE)	/* per-CPU kernel stack */
#define KISTACK_SIZE	(2 * PGSIZE)	/* per-CPU double-fault and NMI stacks */

#endif
