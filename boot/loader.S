/*
 * The loader's assembly half. The boot sector jumps here (0000:7e00) in
 * 16-bit real mode with %dl = the BIOS boot drive.
 *
 * In real mode, while the BIOS is still usable, it opens the A20 gate and
 * reads the E820 memory map into e820_map[]. It then enters 32-bit
 * protected mode with flat segments and calls loadmain() (boot/loadmain.c),
 * which loads the kernel, fills the boot-info page and gets the CPU ready
 * for long mode (page tables in CR3, CR4.PAE, EFER.LME). Back here, it
 * turns paging on, which activates long mode, far-jumps to 64-bit code and
 * calls the kernel's entry point with %rdi = BOOTINFO_PA.
 *
 * Failures found in real mode (A20, E820) are only recorded; loadmain()
 * reports them on the screen and on COM1, so every loader error is seen on
 * a headless serial console too.
 *
 * Memory while the loader runs (all below 1 MiB, reported to the kernel
 * as loader_pa_start..loader_pa_end):
 *	0x1000 - 0x1fff		the boot-info page (BOOTINFO_PA)
 *	  ...  - 0x7bff		stack, growing down from STACK_TOP
 *	0x7c00 - 0x7dff		the boot sector
 *	0x7e00 - _end		this loader, then its bss: the long-mode page
 *				tables and a sector buffer (boot/loader.ld)
 */
#include "kern/abi/bootinfo.h"

#define STACK_TOP	0x7c00	/* also the kernel's stack at entry */

/* Selectors of the GDT below */
#define SEG_CODE32	0x08
#define SEG_DATA	0x10
#define SEG_CODE64	0x18

#define CR0_PE		0x00000001	/* SDM Vol 3A, "Control Registers" */
#define CR0_PG		0x80000000

#define E820_SMAP	0x534d4150	/* "SMAP", ACPI 6.5 15.1 */
#define E820_ENTRY	24		/* ACPI 3.0 entry with attributes */

/* For boot/loader.ld, which refuses a loader that does not fit its sectors. */
	.globl	loader_max_bytes
	.set	loader_max_bytes, BOOT_LOADER_SECTORS * 512

	.code16
	.section .text.entry, "ax"
	.globl	loader_start
loader_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$STACK_TOP, %sp
	sti				/* the BIOS services below need it */
	cld
	movb	%dl, boot_drive

	call	a20_enable
	call	e820_read

	/*
	 * Protected mode (SDM Vol 3A, "Switching to Protected Mode"): a
	 * GDT, CR0.PE, then a far jump to load %cs.
	 */
	cli
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$SEG_CODE32, $start32

/*
 * a20_test: ZF set if the A20 line is enabled. With A20 masked, ffff:0510
 * (0x100500) wraps around to 0000:0500, so a write to one shows in the
 * other. Both words are restored, the low one last, which is right
 * whether they alias or not. Clobbers %ax, %cx, %dx.
 */
a20_test:
	pushw	%ds
	pushw	%es
	xorw	%ax, %ax
	movw	%ax, %ds
	notw	%ax
	movw	%ax, %es
	movw	0x500, %cx
	movw	%es:0x510, %dx
	movw	$0x5aa5, 0x500
	movw	$0xa55a, %es:0x510
	cmpw	$0x5aa5, 0x500
	movw	%dx, %es:0x510
	movw	%cx, 0x500
	popw	%es
	popw	%ds
	ret

/*
 * a20_enable: open the A20 gate unless it is open already (SeaBIOS opens
 * it), first through System Control Port A (port 92h, "fast A20"), then
 * through the 8042 keyboard controller. Sets a20_enabled on success.
 */
a20_enable:
	call	a20_test
	je	a20_done

	/*
	 * Port 92h: bit 1 gates A20; bit 0 is a fast CPU reset, which must
	 * stay clear.
	 */
	inb	$0x92, %al
	orb	$0x02, %al
	andb	$0xfe, %al
	outb	%al, $0x92
	call	a20_test
	je	a20_done

	/*
	 * 8042 command D1h writes its output port: bit 1 is the A20 gate,
	 * bit 0 the (active-low) CPU reset, so write DFh.
	 */
	call	kbc_wait
	movb	$0xd1, %al
	outb	%al, $0x64
	call	kbc_wait
	movb	$0xdf, %al
	outb	%al, $0x60
	call	kbc_wait

	/* The gate follows the 8042 with some delay: poll for a while. */
	movl	$0x10000, %ebx
1:
	call	a20_test
	je	a20_done
	decl	%ebx
	jnz	1b
	ret
a20_done:
	movb	$1, a20_enabled
	ret

/*
 * kbc_wait: wait (boundedly: there may be no 8042) until the 8042's input
 * buffer is empty, status bit 1 of port 64h.
 */
kbc_wait:
	movl	$0x100000, %ecx
1:
	inb	$0x64, %al
	testb	$0x02, %al
	jz	2f
	decl	%ecx
	jnz	1b
2:
	ret

/*
 * e820_read: the BIOS memory map, int 15h EAX=E820h (ACPI 6.5 15.1,
 * "INT 15H, E820H - Query System Address Map"), into e820_map[] and
 * e820_count. We ask for the 24-byte ACPI 3.0 entries; a BIOS that
 * returns only 20 bytes leaves the attribute word as we preset it, 1
 * ("enabled"), which the spec says to assume then. Zero-length entries
 * are dropped. A carry, a wrong signature or a zero continuation ends the
 * list; loadmain() reports an empty one.
 */
e820_read:
	xorl	%ebx, %ebx
	movw	$e820_map, %di		/* %es is 0; the map lies below 64 KiB */
1:
	movl	$1, %es:20(%di)
	movl	$0xe820, %eax
	movl	$E820_ENTRY, %ecx
	movl	$E820_SMAP, %edx
	int	$0x15
	jc	3f
	cmpl	$E820_SMAP, %eax
	jne	3f
	movl	%es:8(%di), %eax
	orl	%es:12(%di), %eax
	jz	2f
	addw	$E820_ENTRY, %di
	incl	e820_count
	cmpl	$BOOT_E820_MAX, e820_count
	jae	3f
2:
	testl	%ebx, %ebx
	jnz	1b
3:
	ret

	.code32
start32:
	movw	$SEG_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$STACK_TOP, %esp

	/* The bss (page tables, buffers) was never loaded: clear it for C. */
	movl	$__bss_start, %edi
	movl	$_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	movzbl	boot_drive, %eax
	pushl	%eax
	call	loadmain		/* the kernel's entry in %edx:%eax */

	/*
	 * With CR4.PAE, CR3 and EFER.LME set by loadmain(), setting CR0.PG
	 * activates IA-32e mode (SDM Vol 3A, "Initializing IA-32e Mode");
	 * this code is identity mapped, as that section requires. We are then in compatibility
	 * mode until the far jump loads a 64-bit code segment.
	 */
	movl	%cr0, %ecx
	orl	$CR0_PG, %ecx
	movl	%ecx, %cr0
	ljmpl	$SEG_CODE64, $start64

	.code64
start64:
	/*
	 * The upper halves of the registers are undefined in 32-bit
	 * modes (SDM Vol 1, "General-Purpose Registers in 64-Bit Mode");
	 * rebuild the 64-bit entry from the low halves.
	 */
	movl	%eax, %eax
	shlq	$32, %rdx
	orq	%rdx, %rax

	/*
	 * The kernel's entry state (see kern/abi/bootinfo.h): %rdi = the
	 * boot info, a stack below the boot sector, %rbp = 0 to end
	 * backtraces, interrupts off. "call" leaves %rsp as a C function
	 * expects it (16-byte aligned before the call).
	 */
	movq	$STACK_TOP, %rsp
	xorl	%ebp, %ebp
	movl	$BOOTINFO_PA, %edi
	call	*%rax
1:
	cli				/* the kernel must not return */
	hlt
	jmp	1b

/*
 * The GDT: flat 4 GiB code and data for protected mode and a 64-bit code
 * segment for long mode (SDM Vol 3A, "Segment Descriptors"; L=1 with D=0
 * selects 64-bit code, "Code-Segment Descriptor in 64-bit Mode"). The kernel loads
 * its own GDT; this one lives in loader memory.
 */
	.p2align 3
gdt:
	.quad	0			/* null */
	.quad	0x00cf9a000000ffff	/* SEG_CODE32: G=1 D=1 P=1 DPL0 code RX */
	.quad	0x00cf92000000ffff	/* SEG_DATA:   G=1 B=1 P=1 DPL0 data RW */
	.quad	0x00af9a000000ffff	/* SEG_CODE64: G=1 L=1 P=1 DPL0 code RX */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

/* Found in real mode, read by loadmain(); in .data so the bss clear spares it. */
	.data
	.p2align 2
	.globl	e820_map, e820_count, a20_enabled
e820_count:
	.long	0
a20_enabled:
	.byte	0
boot_drive:
	.byte	0
	.p2align 3
e820_map:
	.space	BOOT_E820_MAX * E820_ENTRY
