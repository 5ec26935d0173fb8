/*
 * The boot sector: the first 512 bytes of the disk, which the BIOS loads
 * at 0x7c00 and enters in 16-bit real mode with %dl = the boot drive.
 *
 * All it does is read the loader (boot/loader.S, BOOT_LOADER_SECTORS
 * sectors from LBA BOOT_LOADER_LBA) to 0x7e00 with the BIOS Enhanced Disk
 * Drive read, and jump to it with %dl unchanged. On a read error it
 * prints a line through the BIOS teletype and halts.
 */
#include "kern/abi/bootinfo.h"

#define LOADER_ADDR	0x7e00	/* right after this sector; see boot/loader.ld */

	.code16
	.section .text
	.globl	start
start:
	/*
	 * Some BIOSes enter at 07c0:0000 rather than 0000:7c00; the far
	 * jump makes %cs 0 so that our link address (0x7c00) is right.
	 */
	ljmp	$0, $1f
1:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$start, %sp		/* the stack grows down from 0x7c00 */
	sti
	cld

	/*
	 * Extended Read (int 13h AH=42h), "BIOS Enhanced Disk Drive
	 * Services" (T13/1572D) 4.2: %dl = drive, %ds:%si = the disk
	 * address packet. The BIOS passed the drive in %dl; keep it.
	 */
	movw	$dap, %si
	movb	$0x42, %ah
	int	$0x13
	jc	read_failed
	ljmp	$0, $LOADER_ADDR

read_failed:
	movw	$msg_read, %si
1:
	lodsb
	testb	%al, %al
	jz	halt
	movb	$0x0e, %ah		/* teletype output, page %bh */
	xorw	%bx, %bx
	int	$0x10
	jmp	1b
halt:
	cli
	hlt
	jmp	halt

	/* The disk address packet, EDD 3.0 table 3 (16-byte form). */
	.p2align 2
dap:
	.byte	16			/* packet size */
	.byte	0			/* reserved */
	.word	BOOT_LOADER_SECTORS	/* blocks to transfer (at most 127) */
	.word	LOADER_ADDR, 0		/* buffer offset, segment */
	.quad	BOOT_LOADER_LBA		/* starting LBA */

msg_read:
	.asciz	"boot: cannot read the loader (int 13h AH=42h)\r\n"

	/* The BIOS boots a sector only if it ends in 55h AAh. */
	.org	510
	.byte	0x55, 0xaa
