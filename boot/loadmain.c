/*
 * The loader's C half, called by boot/loader.S in 32-bit protected mode
 * with flat segments, interrupts off and A20 (we hope) open.
 *
 * It reads the boot command line, the boot table, the kernel's ELF64
 * file and the boot archive from the boot disk by ATA PIO, loads the
 * kernel's segments at their physical addresses, and fills the boot-info
 * page. Physical memory after it is done, all in usable E820 RAM:
 *
 *	kernel_pa_start .. kernel_pa_end	the segments (bss zeroed)
 *	elf_pa .. + elf_size			the whole ELF file, for the
 *						kernel's symbol table; the first
 *						page above the segments
 *	archive_pa .. + archive_size		the boot archive, if any; the
 *						first page above the ELF copy
 *
 * It then readies the CPU for long mode; loader.S turns paging on and
 * enters the kernel.
 *
 * Any failure is printed on the VGA text screen and on COM1, and the CPU
 * halts: there is nobody to return an error to.
 */
#include <stddef.h>
#include <stdint.h>

#include "kern/abi/bootinfo.h"
#include "kern/abi/memlayout.h"

#define LOWMEM_END	0x100000	/* the kernel may not load below 1 MiB */
#define SECTSIZE	512

/* Left by loader.S's real-mode part. */
extern struct boot_e820 e820_map[BOOT_E820_MAX];
extern uint32_t e820_count;
extern uint8_t a20_enabled;
extern char _end[];			/* the end of the loader's bss */

uint64_t loadmain(uint32_t drive);

/* ---------------------------------------------------------------------
 * Small pieces of a C library and of the CPU
 */

/* GCC may emit calls to these even in freestanding code. */
void *
memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	while (n-- > 0)
		*d++ = (uint8_t)c;
	return dst;
}

void *
memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
insw(uint16_t port, void *dst, uint32_t count)
{
	__asm__ volatile("cld; rep insw"
			 : "+D"(dst), "+c"(count)
			 : "d"(port)
			 : "memory");
}

static inline void
cpuid(uint32_t leaf, uint32_t *a, uint32_t *d)
{
	uint32_t b, c;

	__asm__ volatile("cpuid" : "=a"(*a), "=b"(b), "=c"(c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

static inline uint64_t
rdmsr(uint32_t msr)
{
	uint64_t v;

	__asm__ volatile("rdmsr" : "=A"(v) : "c"(msr));
	return v;
}

static inline void
wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "A"(v));
}

/* ---------------------------------------------------------------------
 * Reporting a failure: VGA text screen and COM1, then halt
 */

#define VGA_TEXT	((volatile uint16_t *)0xb8000)
#define VGA_COLS	80
#define VGA_ROWS	25
#define VGA_ATTR	0x4f00		/* white on red */
#define BDA_CURSOR_ROW	"0x451"		/* BIOS data area: page 0's cursor */
#define COM1		0x3f8

/*
 * Program COM1 for 115200 8N1, no interrupts (16550: the divisor latch
 * is reached through LCR bit 7). Done at every boot, not only to report
 * a failure: Bochs honours the word length, whose reset value is 5 bits,
 * so the kernel's first lines would be garbled if it printed before
 * programming the UART itself.
 */
static void
com1_init(void)
{
	outb(COM1 + 1, 0x00);		/* IER: no interrupts */
	outb(COM1 + 3, 0x80);		/* LCR: divisor latch access */
	outb(COM1 + 0, 0x01);		/* DLL: 115200 / 1 */
	outb(COM1 + 1, 0x00);		/* DLM */
	outb(COM1 + 3, 0x03);		/* LCR: 8 bits, no parity, 1 stop */
	outb(COM1 + 4, 0x03);		/* MCR: DTR, RTS */
}

static void
com1_putc(char c)
{
	int i;

	/* LSR bit 5: transmit holding register empty. Bounded: no UART? */
	for (i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

static void
fail_puts(const char *s, int *col)
{
	for (; *s != '\0'; s++) {
		VGA_TEXT[(*col)++] = VGA_ATTR | (uint8_t)*s;
		com1_putc(*s);
	}
}

/*
 * The row of the BIOS's text cursor. Read with an instruction because
 * GCC flags any C access to the first 4 KiB as a null-pointer deref.
 */
static int
bios_cursor_row(void)
{
	uint8_t row;

	__asm__ volatile("movb " BDA_CURSOR_ROW ", %0" : "=q"(row));
	return row < VGA_ROWS ? row : VGA_ROWS - 1;
}

/*
 * Print "boot: <why>" on COM1 and on the screen, on the line where the
 * BIOS left its cursor (in the BIOS data area), below its messages; halt.
 */
static void __attribute__((noreturn))
fail(const char *why)
{
	int col = bios_cursor_row() * VGA_COLS;

	fail_puts("boot: ", &col);
	fail_puts(why, &col);
	while (col % VGA_COLS != 0)
		VGA_TEXT[col++] = VGA_ATTR | ' ';
	com1_putc('\r');
	com1_putc('\n');
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---------------------------------------------------------------------
 * The CPU: long mode and NX (AMD APM Vol 3, "CPUID"; SDM Vol 2A, CPUID)
 */

#define EFLAGS_ID	(1u << 21)	/* writable iff CPUID exists */
#define CPUID_EXT_LM	(1u << 29)	/* 80000001h EDX: long mode */
#define CPUID_EXT_NX	(1u << 20)	/* 80000001h EDX: execute disable */

static int
cpuid_supported(void)
{
	uint32_t before, after;

	__asm__ volatile("pushfl; popl %0; movl %0, %1; xorl %2, %1;"
			 "pushl %1; popfl; pushfl; popl %1; pushl %0; popfl"
			 : "=&r"(before), "=&r"(after)
			 : "i"(EFLAGS_ID));
	return ((before ^ after) & EFLAGS_ID) != 0;
}

/* CPUID 80000001h EDX, or 0 if that leaf does not exist. */
static uint32_t
cpuid_ext_features(void)
{
	uint32_t max, edx;

	if (!cpuid_supported())
		return 0;
	cpuid(0x80000000, &max, &edx);
	if (max < 0x80000001 || max > 0x8000ffff)
		return 0;
	cpuid(0x80000001, &max, &edx);
	return edx;
}

/* ---------------------------------------------------------------------
 * ATA PIO on the primary IDE channel, master device (ATA/ATAPI-6,
 * T13/1410D: the commands READ SECTORS, READ MULTIPLE, SET MULTIPLE MODE
 * and IDENTIFY DEVICE; the "PIO data-in" and "Non-data" protocols)
 */

#define ATA_DATA	0x1f0
#define ATA_COUNT	0x1f2
#define ATA_LBA0	0x1f3
#define ATA_LBA1	0x1f4
#define ATA_LBA2	0x1f5
#define ATA_DEVICE	0x1f6
#define ATA_STATUS	0x1f7		/* read */
#define ATA_COMMAND	0x1f7		/* write */
#define ATA_CONTROL	0x3f6		/* write: device control */
#define ATA_ALTSTATUS	0x3f6		/* read: status without side effects */

#define ATA_ST_ERR	0x01
#define ATA_ST_DRQ	0x08
#define ATA_ST_DF	0x20
#define ATA_ST_DRDY	0x40
#define ATA_ST_BSY	0x80

#define ATA_DEV_LBA	0xe0		/* LBA, master (bits 7, 5 obsolete: 1) */
#define ATA_CTL_NIEN	0x02		/* mask INTRQ */
#define ATA_CMD_READ	0x20		/* READ SECTORS */
#define ATA_CMD_READ_MULT 0xc4		/* READ MULTIPLE */
#define ATA_CMD_SET_MULT 0xc6		/* SET MULTIPLE MODE */
#define ATA_CMD_IDENTIFY 0xec		/* IDENTIFY DEVICE */
#define ATA_ID_MULT_MAX	47		/* IDENTIFY word: max block in 7:0 */
#define ATA_MAX_XFER	256		/* sectors per command (count 0) */
#define ATA_LBA28_END	(1u << 28)

#define ATA_SPIN	10000000	/* status polls before we give up */

/* Sectors per DRQ data block; more than 1 once READ MULTIPLE is on. */
static uint32_t ata_block = 1;

/* Wait until the device is not busy and ready to accept a command. */
static void
ata_wait_ready(void)
{
	uint32_t i;
	uint8_t s;

	for (i = 0; i < ATA_SPIN; i++) {
		s = inb(ATA_STATUS);
		if (s == 0xff)
			fail("no IDE disk on the primary channel");
		if ((s & (ATA_ST_BSY | ATA_ST_DRDY)) == ATA_ST_DRDY)
			return;
	}
	fail("IDE disk not ready (timeout)");
}

/* Wait until a non-data command is done; return the final status. */
static uint8_t
ata_wait_idle(void)
{
	uint32_t i;
	uint8_t s;

	for (i = 0; i < ATA_SPIN; i++) {
		s = inb(ATA_STATUS);
		if (!(s & ATA_ST_BSY))
			return s;
	}
	fail("IDE command timeout");
}

/* Wait until the device has a data block for us (DRQ), or failed. */
static void
ata_wait_data(void)
{
	uint32_t i;
	uint8_t s;

	for (i = 0; i < ATA_SPIN; i++) {
		s = inb(ATA_STATUS);
		if (s & ATA_ST_BSY)
			continue;
		if (s & (ATA_ST_ERR | ATA_ST_DF))
			fail("IDE read error");
		if (s & ATA_ST_DRQ)
			return;
	}
	fail("IDE read timeout");
}

/* Select the master, with the top bits of lba; wait until it is ready. */
static void
ata_select(uint32_t lba)
{
	ata_wait_ready();
	outb(ATA_DEVICE, ATA_DEV_LBA | ((lba >> 24) & 0x0f));
	/* 400 ns for the selection to settle: four status reads. */
	(void)inb(ATA_ALTSTATUS);
	(void)inb(ATA_ALTSTATUS);
	(void)inb(ATA_ALTSTATUS);
	(void)inb(ATA_ALTSTATUS);
	ata_wait_ready();
}

/*
 * Turn on READ MULTIPLE with the largest power-of-two block the drive
 * allows (IDENTIFY word 47; 16 on QEMU and Bochs). Why: QEMU fetches one
 * DRQ block per backend request and we poll the status until it is there,
 * several hundred polls each under TCG, so 16-sector blocks load the
 * kernel several times faster than READ SECTORS. A drive that refuses
 * keeps READ SECTORS.
 */
static void
ata_use_multiple(void)
{
	uint16_t id[SECTSIZE / 2];
	uint32_t max, block;

	ata_select(0);
	outb(ATA_COMMAND, ATA_CMD_IDENTIFY);
	ata_wait_data();
	insw(ATA_DATA, id, SECTSIZE / 2);
	max = id[ATA_ID_MULT_MAX] & 0xff;
	for (block = 1; block * 2 <= max; block *= 2)
		;
	if (block < 2)
		return;
	ata_select(0);
	outb(ATA_COUNT, (uint8_t)block);
	outb(ATA_COMMAND, ATA_CMD_SET_MULT);
	if (!(ata_wait_idle() & (ATA_ST_ERR | ATA_ST_DF)))
		ata_block = block;
}

/* Issue one read of n (1..256) sectors from lba. */
static void
ata_command(uint32_t lba, uint32_t n)
{
	ata_select(lba);
	outb(ATA_COUNT, (uint8_t)n);	/* 256 is written as 0 */
	outb(ATA_LBA0, (uint8_t)lba);
	outb(ATA_LBA1, (uint8_t)(lba >> 8));
	outb(ATA_LBA2, (uint8_t)(lba >> 16));
	outb(ATA_COMMAND, ata_block > 1 ? ATA_CMD_READ_MULT : ATA_CMD_READ);
}

/*
 * Get the boot disk ready for disk_read(). Its interrupts are masked
 * (nIEN) while we poll, so that no stale IRQ 14 waits for the kernel.
 */
static void
disk_init(void)
{
	outb(ATA_CONTROL, ATA_CTL_NIEN);
	ata_use_multiple();
}

/*
 * Give the disk back in its power-on state but for the multiple-mode
 * block size, which a driver using READ MULTIPLE sets for itself anyway.
 */
static void
disk_done(void)
{
	(void)inb(ATA_STATUS);
	outb(ATA_CONTROL, 0);
}

/* Read nsect sectors from lba to dst. */
static void
disk_read(uint32_t lba, uint32_t nsect, void *dst)
{
	uint8_t *p = dst;
	uint32_t n, done, k;

	if (lba >= ATA_LBA28_END || nsect > ATA_LBA28_END - lba)
		fail("disk read beyond LBA28");
	while (nsect > 0) {
		n = nsect < ATA_MAX_XFER ? nsect : ATA_MAX_XFER;
		ata_command(lba, n);
		for (done = 0; done < n; done += k, p += k * SECTSIZE) {
			k = n - done < ata_block ? n - done : ata_block;
			ata_wait_data();
			insw(ATA_DATA, p, k * SECTSIZE / 2);
		}
		lba += n;
		nsect -= n;
	}
}

/* ---------------------------------------------------------------------
 * The E820 map: where may we put things?
 */

#define PA_LIMIT	0x100000000ULL	/* protected mode reaches 4 GiB */
#define PGROUNDUP(a)	(((a) + PGSIZE - 1) & ~(uint64_t)(PGSIZE - 1))

/*
 * Is [pa, pa + len) below 4 GiB and covered by usable E820 entries
 * (which may abut)?
 */
static int
loadable(uint64_t pa, uint64_t len)
{
	const struct boot_e820 *e;
	uint64_t end = pa + len;
	uint32_t i;
	int progress = 1;

	if (pa >= PA_LIMIT || len > PA_LIMIT - pa)
		return 0;
	while (pa < end && progress) {
		progress = 0;
		for (i = 0; i < e820_count; i++) {
			e = &e820_map[i];
			if (e->type == E820_USABLE && e->addr <= pa &&
			    pa < e->addr + e->len) {
				pa = e->addr + e->len;
				progress = 1;
			}
		}
	}
	return pa >= end;
}

/* ---------------------------------------------------------------------
 * The kernel's ELF64 file (System V gABI, "Object Files"; the x86-64
 * psABI for EM_X86_64)
 */

struct elf64_ehdr {
	uint8_t e_ident[16];		/* magic, class, data, version ... */
	uint16_t e_type;		/* ET_EXEC */
	uint16_t e_machine;		/* EM_X86_64 */
	uint32_t e_version;
	uint64_t e_entry;		/* virtual address of the entry */
	uint64_t e_phoff;		/* file offset of the program headers */
	uint64_t e_shoff;		/* file offset of the section headers */
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;		/* size of one program header */
	uint16_t e_phnum;
	uint16_t e_shentsize;		/* size of one section header */
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;		/* PT_LOAD ... */
	uint32_t p_flags;
	uint64_t p_offset;		/* file offset of the segment */
	uint64_t p_vaddr;
	uint64_t p_paddr;		/* where we load it */
	uint64_t p_filesz;		/* bytes in the file ... */
	uint64_t p_memsz;		/* ... and in memory (the rest is bss) */
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");

#define ELF_MAGIC	0x464c457f	/* "\x7fELF" little-endian */
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define EM_X86_64	62
#define PT_LOAD		1
#define ELF_SHDR_SIZE	64

#define ELF_HDR_SECTORS	8		/* headers must lie in the first 4 KiB */
#define ELF_PHNUM_MAX	32
#define ELF_FILE_MAX	0x40000000	/* 1 GiB: keeps all sums in 32 bits */
/* The first sectors of the file: ELF header and program headers. */
static uint8_t elf_head[ELF_HDR_SECTORS * SECTSIZE];

static const struct elf64_phdr *
elf_phdr(const struct elf64_ehdr *eh, uint32_t i)
{
	return (const struct elf64_phdr *)(elf_head + (uint32_t)eh->e_phoff +
					   i * sizeof(struct elf64_phdr));
}

/* Check the ELF header; return it. */
static const struct elf64_ehdr *
elf_check_header(void)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)elf_head;
	uint64_t phend;

	if (*(const uint32_t *)eh->e_ident != ELF_MAGIC)
		fail("kernel is not an ELF file");
	if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB ||
	    eh->e_type != ET_EXEC || eh->e_machine != EM_X86_64)
		fail("kernel is not an x86-64 ELF64 executable");
	if (eh->e_phentsize != sizeof(struct elf64_phdr) ||
	    eh->e_phnum == 0 || eh->e_phnum > ELF_PHNUM_MAX)
		fail("kernel ELF: bad program header count or size");
	phend = eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize;
	if (eh->e_phoff > sizeof(elf_head) || phend > sizeof(elf_head))
		fail("kernel ELF: program headers not in the first 4 KiB");
	if (eh->e_shnum != 0 && (eh->e_shentsize != ELF_SHDR_SIZE ||
				 eh->e_shoff >= ELF_FILE_MAX))
		fail("kernel ELF: bad section header table");
	return eh;
}

/*
 * Is the entry point inside a loaded segment, at a virtual address our
 * page tables map to that segment's physical address?
 */
static int
elf_entry_mapped(const struct elf64_ehdr *eh)
{
	const struct elf64_phdr *ph;
	uint64_t va = eh->e_entry, pa;
	uint32_t i;

	if (va >= KERNBASE)
		pa = va - KERNBASE;
	else
		pa = va;
	for (i = 0; i < eh->e_phnum; i++) {
		ph = elf_phdr(eh, i);
		if (ph->p_type == PT_LOAD && ph->p_vaddr <= va &&
		    va - ph->p_vaddr < ph->p_memsz &&
		    ph->p_paddr + (va - ph->p_vaddr) == pa)
			return 1;
	}
	return 0;
}

/*
 * Check every PT_LOAD segment: in RAM above 1 MiB and below 4 GiB, and
 * within the file. Set the kernel's physical extent in bi and return the
 * file's size: the furthest of its segments, headers and section table.
 */
static uint32_t
elf_check_segments(const struct elf64_ehdr *eh, struct bootinfo *bi)
{
	const struct elf64_phdr *ph;
	uint64_t size, lo = PA_LIMIT, hi = 0;
	uint32_t i;

	size = eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize;
	if (eh->e_shnum != 0)
		size = eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;
	for (i = 0; i < eh->e_phnum; i++) {
		ph = elf_phdr(eh, i);
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_offset >= ELF_FILE_MAX ||
		    ph->p_filesz >= ELF_FILE_MAX || ph->p_memsz >= ELF_FILE_MAX)
			fail("kernel ELF: bad segment sizes");
		if (ph->p_paddr < LOWMEM_END ||
		    !loadable(ph->p_paddr, ph->p_memsz))
			fail("kernel ELF: segment not in usable RAM above 1 MiB");
		if (ph->p_offset + ph->p_filesz > size)
			size = ph->p_offset + ph->p_filesz;
		if (ph->p_paddr < lo)
			lo = ph->p_paddr;
		if (ph->p_paddr + ph->p_memsz > hi)
			hi = ph->p_paddr + ph->p_memsz;
	}
	if (hi == 0)
		fail("kernel ELF: no loadable segment");
	if (size > ELF_FILE_MAX)
		fail("kernel ELF: file too large");
	bi->kernel_pa_start = lo;
	bi->kernel_pa_end = hi;
	return (uint32_t)size;
}

/* Copy each PT_LOAD segment from the file image to p_paddr; zero its bss. */
static void
elf_load_segments(const struct elf64_ehdr *eh, const uint8_t *file)
{
	const struct elf64_phdr *ph;
	uint8_t *dst;
	uint32_t i;

	for (i = 0; i < eh->e_phnum; i++) {
		ph = elf_phdr(eh, i);
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		dst = (uint8_t *)(uintptr_t)ph->p_paddr;
		memcpy(dst, file + (uint32_t)ph->p_offset, (uint32_t)ph->p_filesz);
		memset(dst + (uint32_t)ph->p_filesz, 0,
		       (uint32_t)(ph->p_memsz - ph->p_filesz));
	}
}

/*
 * Load the kernel: read the whole file to the first page above its
 * highest segment (where it stays, for the kernel's symbol table), then
 * copy the segments down from it. Below the copy, so they never overlap.
 * Return the entry point.
 */
static uint64_t
kernel_load(struct bootinfo *bi, const struct boot_table *t)
{
	const struct elf64_ehdr *eh;
	uint32_t size, nsect;
	uint64_t elf_pa;

	disk_read((uint32_t)t->kernel_lba, ELF_HDR_SECTORS, elf_head);
	eh = elf_check_header();
	size = elf_check_segments(eh, bi);
	if (!elf_entry_mapped(eh))
		fail("kernel ELF: entry point not in a loaded, mapped segment");
	if (t->kernel_bytes != 0 && size > t->kernel_bytes)
		fail("kernel ELF: larger than the file on the disk");

	nsect = (size + SECTSIZE - 1) / SECTSIZE;
	elf_pa = PGROUNDUP(bi->kernel_pa_end);
	if (!loadable(elf_pa, (uint64_t)nsect * SECTSIZE))
		fail("no usable RAM for the kernel's ELF file");
	disk_read((uint32_t)t->kernel_lba, nsect, (void *)(uintptr_t)elf_pa);
	elf_load_segments(eh, (const uint8_t *)(uintptr_t)elf_pa);

	bi->elf_pa = elf_pa;
	bi->elf_size = size;
	return eh->e_entry;
}

/* ---------------------------------------------------------------------
 * The boot table and the boot archive
 */

/*
 * Where the kernel and the boot archive are: the boot table, if the
 * image has one (boot/mkimage.sh writes it); else the kernel at
 * BOOT_KERNEL_LBA, its size unknown, and no archive.
 */
static void
table_read(struct boot_table *t)
{
	uint8_t sect[SECTSIZE] __attribute__((aligned(8)));

	disk_read(BOOT_TABLE_LBA, 1, sect);
	memcpy(t, sect, sizeof(*t));
	if (t->magic != BOOT_TABLE_MAGIC) {
		memset(t, 0, sizeof(*t));
		t->kernel_lba = BOOT_KERNEL_LBA;
	}
	if (t->kernel_lba >= ATA_LBA28_END || t->archive_lba >= ATA_LBA28_END)
		fail("boot table: LBA beyond LBA28");
}

/*
 * Read the boot archive, if any, to the first page after the kernel's
 * ELF copy. The kernel checks its contents; we check only that it fits.
 */
static void
archive_load(struct bootinfo *bi, const struct boot_table *t)
{
	uint64_t pa, len;

	if (t->archive_lba == 0 || t->archive_bytes == 0)
		return;
	if (t->archive_bytes > UARCHIVE_MAX)
		fail("boot archive: larger than UARCHIVE_MAX");
	len = (t->archive_bytes + SECTSIZE - 1) & ~(uint64_t)(SECTSIZE - 1);
	pa = PGROUNDUP(bi->elf_pa + bi->elf_size);
	if (!loadable(pa, len))
		fail("no usable RAM for the boot archive");
	disk_read((uint32_t)t->archive_lba, (uint32_t)(len / SECTSIZE),
		  (void *)(uintptr_t)pa);
	bi->archive_pa = pa;
	bi->archive_size = t->archive_bytes;
}

/* ---------------------------------------------------------------------
 * Long mode: page tables and control registers (SDM Vol 3A, "4-Level
 * Paging and 5-Level Paging" and "Initializing IA-32e Mode")
 */

#define PTE_P		0x001		/* present */
#define PTE_W		0x002		/* writable */
#define PTE_PS		0x080		/* in a PD entry: a 2 MiB page */
#define PT_ENTRIES	512

#define IDMAP_GIB	4		/* identity map of 0-4 GiB */
#define HIGH_GIB	2		/* KERNBASE -> 0 for 2 GiB */
#define PML4_INDEX(va)	(((va) >> 39) & (PT_ENTRIES - 1))
#define PDPT_INDEX(va)	(((va) >> 30) & (PT_ENTRIES - 1))

#define CR4_PAE		(1u << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1u << 8)
#define EFER_NXE	(1u << 11)

/* In the bss, so they fall inside the loader's reported memory. */
static uint64_t pml4[PT_ENTRIES] __attribute__((aligned(PGSIZE)));
static uint64_t pdpt_low[PT_ENTRIES] __attribute__((aligned(PGSIZE)));
static uint64_t pdpt_high[PT_ENTRIES] __attribute__((aligned(PGSIZE)));
static uint64_t pd[IDMAP_GIB][PT_ENTRIES] __attribute__((aligned(PGSIZE)));

/*
 * Identity-map physical 0-4 GiB with 2 MiB pages, and map KERNBASE to
 * physical 0 for 2 GiB by sharing the first two page directories.
 */
static void
paging_build(void)
{
	uint32_t g, i;

	for (g = 0; g < IDMAP_GIB; g++) {
		for (i = 0; i < PT_ENTRIES; i++)
			pd[g][i] = ((uint64_t)(g * PT_ENTRIES + i) << LPGSHIFT) |
				   PTE_P | PTE_W | PTE_PS;
		pdpt_low[g] = (uintptr_t)pd[g] | PTE_P | PTE_W;
	}
	for (g = 0; g < HIGH_GIB; g++)
		pdpt_high[PDPT_INDEX(KERNBASE) + g] =
			(uintptr_t)pd[g] | PTE_P | PTE_W;
	pml4[0] = (uintptr_t)pdpt_low | PTE_P | PTE_W;
	pml4[PML4_INDEX(KERNBASE)] = (uintptr_t)pdpt_high | PTE_P | PTE_W;
}

/*
 * Everything for long mode but CR0.PG, which loader.S sets: PAE, CR3,
 * EFER.LME, and EFER.NXE where the CPU has NX (setting NXE on a CPU
 * without it faults).
 */
static void
longmode_prepare(uint32_t ext_features)
{
	uint32_t cr4;
	uint64_t efer;

	paging_build();
	__asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("movl %0, %%cr4" : : "r"(cr4 | CR4_PAE));
	__asm__ volatile("movl %0, %%cr3" : : "r"(pml4) : "memory");
	efer = rdmsr(MSR_EFER) | EFER_LME;
	if (ext_features & CPUID_EXT_NX)
		efer |= EFER_NXE;
	wrmsr(MSR_EFER, efer);
}

/* ---------------------------------------------------------------------
 * The boot-info page
 */

/*
 * Start the boot-info page: the BIOS's findings and our own footprint,
 * which is everything from the boot-info page to the end of our bss
 * (the stack and the boot sector lie in between).
 */
static struct bootinfo *
bootinfo_init(uint32_t drive)
{
	struct bootinfo *bi = (struct bootinfo *)BOOTINFO_PA;
	uint32_t i;

	memset(bi, 0, sizeof(*bi));
	bi->boot_drive = drive;
	bi->e820_count = e820_count;
	for (i = 0; i < e820_count; i++)
		bi->e820[i] = e820_map[i];
	bi->loader_pa_start = BOOTINFO_PA;
	bi->loader_pa_end = PGROUNDUP((uintptr_t)_end);
	return bi;
}

/* The command line, NUL-terminated whatever the disk holds. */
static void
cmdline_read(struct bootinfo *bi)
{
	_Static_assert(BOOT_CMDLINE_MAX % SECTSIZE == 0, "whole sectors");
	disk_read(BOOT_CMDLINE_LBA, BOOT_CMDLINE_MAX / SECTSIZE, bi->cmdline);
	bi->cmdline[BOOT_CMDLINE_MAX - 1] = '\0';
}

/*
 * Called once from loader.S with the BIOS boot drive. Returns the
 * kernel's entry point with the CPU ready for CR0.PG; does not return
 * on failure.
 */
uint64_t
loadmain(uint32_t drive)
{
	struct bootinfo *bi;
	uint32_t ext_features;
	struct boot_table table;
	uint64_t entry;

	com1_init();
	ext_features = cpuid_ext_features();
	if (!(ext_features & CPUID_EXT_LM))
		fail("this CPU has no 64-bit long mode");
	if (!a20_enabled)
		fail("cannot enable the A20 line");
	if (e820_count == 0)
		fail("the BIOS gave no E820 memory map");

	bi = bootinfo_init(drive);
	disk_init();
	cmdline_read(bi);
	table_read(&table);
	entry = kernel_load(bi, &table);
	archive_load(bi, &table);
	disk_done();
	longmode_prepare(ext_features);
	bi->magic = BOOTINFO_MAGIC;	/* last: the page is complete */
	return entry;
}
