/*
 * The boot-info structure: what the boot loader (boot/) hands the kernel.
 *
 * The loader fills it at physical address BOOTINFO_PA and jumps to the
 * kernel's ELF entry point in 64-bit long mode with %rdi = BOOTINFO_PA.
 * The kernel copies it before it reuses any memory below 1 MiB.
 *
 * Boot disk layout (512-byte sectors, LBA):
 *   0                         boot sector (boot/boot.S), loads the loader
 *   BOOT_LOADER_LBA ...       the loader (at most BOOT_LOADER_SECTORS)
 *   BOOT_CMDLINE_LBA ...      the boot command line, NUL-terminated
 *                             (BOOT_CMDLINE_MAX bytes, written by
 *                             grade/mkimage.py without rebuilding anything)
 *   BOOT_TABLE_LBA            struct boot_table: where the kernel and the
 *                             boot archive are (written by boot/mkimage.sh)
 *   BOOT_KERNEL_LBA ...       the kernel ELF64 file, whole
 *   table.archive_lba ...     the boot archive (kern/abi/archive.h), if any
 *
 * It is part of kern/abi/ because it is an interface the kernel exports
 * to another program (the loader), like the system-call ABI; boot/ includes
 * nothing else from kern/.
 */
#ifndef CHITIN_ABI_BOOTINFO_H
#define CHITIN_ABI_BOOTINFO_H

#define BOOT_LOADER_LBA		1
#define BOOT_LOADER_SECTORS	60	/* loaded at 0x7e00; ends below 0xf600 */
#define BOOT_CMDLINE_LBA	62
#define BOOT_CMDLINE_MAX	1024	/* two sectors, including the NUL */
#define BOOT_KERNEL_LBA		64
#define BOOT_TABLE_LBA		61
#define BOOT_TABLE_MAGIC	0x4c42544e54494843ULL	/* "CHITNTBL" */

#define BOOTINFO_PA		0x1000	/* one page: 0x1000-0x1fff */
#define BOOTINFO_MAGIC		0x43484954494e4249ULL	/* "CHITINBI" */
#define BOOT_E820_MAX		64

/* E820 types (ACPI spec, "System Address Map Interfaces") */
#define E820_USABLE		1
#define E820_RESERVED		2
#define E820_ACPI_RECLAIM	3
#define E820_ACPI_NVS		4
#define E820_BAD		5

#ifndef __ASSEMBLER__
#include <stdint.h>

struct boot_e820 {
	uint64_t addr;			/* first byte */
	uint64_t len;			/* length in bytes */
	uint32_t type;			/* E820_* */
	uint32_t attr;			/* ACPI 3.0 extended attributes */
} __attribute__((packed));

/* Sector BOOT_TABLE_LBA of the disk. */
struct boot_table {
	uint64_t magic;			/* BOOT_TABLE_MAGIC */
	uint64_t kernel_lba;		/* BOOT_KERNEL_LBA */
	uint64_t kernel_bytes;
	uint64_t archive_lba;		/* 0 when there is no archive */
	uint64_t archive_bytes;
};

struct bootinfo {
	uint64_t magic;			/* BOOTINFO_MAGIC */
	uint32_t boot_drive;		/* BIOS drive number (0x80 = first disk) */
	uint32_t e820_count;		/* entries used in e820[] */
	struct boot_e820 e820[BOOT_E820_MAX];	/* as the BIOS reported it */
	uint64_t kernel_pa_start;	/* lowest physical byte of the loaded kernel */
	uint64_t kernel_pa_end;		/* one past its highest byte (incl. bss) */
	uint64_t elf_pa;		/* the whole kernel ELF file (symbols for */
	uint64_t elf_size;		/*  backtraces), page-aligned copy */
	uint64_t loader_pa_start;	/* memory the loader used (page tables, */
	uint64_t loader_pa_end;		/*  its code, this page): below 1 MiB */
	uint64_t archive_pa;		/* the boot archive, page-aligned, */
	uint64_t archive_size;		/*  0 when the image has none */
	char cmdline[BOOT_CMDLINE_MAX];	/* NUL-terminated boot command line */
};

_Static_assert(sizeof(struct bootinfo) <= 4096, "bootinfo fits one page");
#endif

#endif
