/*
 * The kernel console. Output goes to COM1 (what the grader and
 * `make qemu-nox` read) and to the VGA text screen (what `make qemu`
 * shows). Input comes from COM1 and the PS/2 keyboard, by interrupt once
 * the IOAPIC routes them and by polling before that.
 */
#include "console.h"
#include "cpu.h"
#include "spinlock.h"
#include "x86.h"
#include "trap.h"
#include "string.h"
#include "lapic.h"
#include "ioapic.h"
#include "abi/memlayout.h"
#include "export.h"

/* 16550 UART registers, offsets from the base port */
#define COM1		0x3f8
#define UART_DATA	0	/* RBR/THR; DLL when DLAB=1 */
#define UART_IER	1	/* DLM when DLAB=1 */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */

/* VGA text mode: 80x25 cells of (attribute << 8 | character) at 0xb8000.
 * Reached through KERNBASE, which maps low memory in both the loader's
 * and the kernel's page tables. */
#define VGA_COLS	80
#define VGA_ROWS	25
#define VGA_ATTR	0x0700	/* light grey on black */
#define VGA_CRTC	0x3d4

static bool serial_present;
static uint16_t *vga = (uint16_t *)(KERNBASE + 0xb8000);
static int vga_pos;

/* Input ring filled by the interrupt handlers and by polling. */
/* Room for a long pasted or typed line (shell-console types 4200 bytes)
 * while the shell is still busy with the last command: with 256 bytes
 * the end of such a line was dropped (seen once in CI). */
#define INBUF_SIZE	8192
static volatile char inbuf[INBUF_SIZE];
static volatile uint32_t in_head, in_tail;

/* The console lock: a spin lock that the holding CPU may take again. */
static volatile int cons_owner = -1;
static int cons_depth;

static void
serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x80);	/* DLAB: set the divisor */
	outb(COM1 + UART_DATA, 1);	/* 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0x07);	/* enable and clear the FIFOs */
	outb(COM1 + UART_MCR, 0x0b);	/* DTR, RTS, OUT2 (routes the IRQ) */
	/* A missing UART reads back 0xff. */
	serial_present = inb(COM1 + UART_LSR) != 0xff;
	(void)inb(COM1 + UART_DATA);
}

static void
serial_putc(int c)
{
	int spins;

	if (!serial_present)
		return;
	for (spins = 0; !(inb(COM1 + UART_LSR) & LSR_THRE) && spins < 100000; spins++)
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

static void
vga_cursor(void)
{
	outb(VGA_CRTC, 14);
	outb(VGA_CRTC + 1, (uint8_t)(vga_pos >> 8));
	outb(VGA_CRTC, 15);
	outb(VGA_CRTC + 1, (uint8_t)vga_pos);
}

static void
vga_putc(int c)
{
	if (c == '\n') {
		vga_pos += VGA_COLS - vga_pos % VGA_COLS;
	} else if (c == '\b') {
		if (vga_pos > 0)
			vga[--vga_pos] = VGA_ATTR | ' ';
	} else if (c == '\r') {
		vga_pos -= vga_pos % VGA_COLS;
	} else {
		vga[vga_pos++] = VGA_ATTR | (uint8_t)c;
	}
	if (vga_pos >= VGA_COLS * VGA_ROWS) {
		memmove(vga, vga + VGA_COLS, (VGA_ROWS - 1) * VGA_COLS * 2);
		for (int i = 0; i < VGA_COLS; i++)
			vga[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
		vga_pos -= VGA_COLS;
	}
	vga_cursor();
}

static void
vga_init(void)
{
	for (int i = 0; i < VGA_COLS * VGA_ROWS; i++)
		vga[i] = VGA_ATTR | ' ';
	vga_pos = 0;
	vga_cursor();
}

void
cons_init(void)
{
	serial_init();
	vga_init();
}

void
cons_putc(int c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
	vga_putc(c);
}

void
cons_lock(void)
{
	int me = this_cpu()->id;

	irq_save_disable();
	if (cons_owner == me) {
		cons_depth++;
		return;
	}
	while (!__sync_bool_compare_and_swap(&cons_owner, -1, me))
		cpu_relax();
	cons_depth = 1;
}

void
cons_unlock(void)
{
	if (--cons_depth == 0)
		__atomic_store_n(&cons_owner, -1, __ATOMIC_RELEASE);
	irq_restore();
}

void
cons_break_lock(void)
{
	cons_owner = -1;
	cons_depth = 0;
}

/* PS/2 scan code set 1 to ASCII, unshifted and shifted, for make codes
 * 0x00-0x39 (the main block). */
static const char kbd_plain[0x3a] =
	"\0\0331234567890-=\b\tqwertyuiop[]\n\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
static const char kbd_shift[0x3a] =
	"\0\033!@#$%^&*()_+\b\tQWERTYUIOP{}\n\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";
static bool kbd_shifted, kbd_ctrl;

/* One scan code to a character, or -1. */
static int
kbd_decode(uint8_t sc)
{
	bool release = sc & 0x80;
	uint8_t code = sc & 0x7f;

	if (code == 0x2a || code == 0x36) {
		kbd_shifted = !release;
		return -1;
	}
	if (code == 0x1d) {
		kbd_ctrl = !release;
		return -1;
	}
	if (release || code >= sizeof(kbd_plain))
		return -1;
	int c = (kbd_shifted ? kbd_shift : kbd_plain)[code];
	if (kbd_ctrl && c >= 'a' && c <= 'z')
		c -= 'a' - 1;
	return c ? c : -1;
}

static void
inbuf_put(int c)
{
	if (c == 0x03)
		export_console_interrupt();
	if (c < 0 || in_head - in_tail >= INBUF_SIZE)
		return;
	inbuf[in_head % INBUF_SIZE] = (char)c;
	__atomic_store_n(&in_head, in_head + 1, __ATOMIC_RELEASE);
}

/* Drain both devices into the ring. Runs from the interrupt handlers and
 * from cons_getc, always under the console lock. */
static void
cons_poll(void)
{
	while (serial_present && (inb(COM1 + UART_LSR) & LSR_DR)) {
		int c = inb(COM1 + UART_DATA);
		inbuf_put(c == 0x7f ? '\b' : c);
	}
	/* status bit 0: output buffer full; bit 5: the byte is from the mouse */
	while ((inb(0x64) & 0x21) == 0x01)
		inbuf_put(kbd_decode(inb(0x60)));
}

int
cons_getc(void)
{
	int c = -1;

	cons_lock();
	cons_poll();
	if (in_tail != in_head)
		c = (uint8_t)inbuf[in_tail++ % INBUF_SIZE];
	cons_unlock();
	return c;
}

/* Input is waiting (polled like cons_getc, not taken). */
bool
cons_has_input(void)
{
	bool any;

	cons_lock();
	cons_poll();
	any = in_tail != in_head;
	cons_unlock();
	return any;
}

/* Waits with hlt: the timer tick or the console interrupt wakes us. */
int
cons_getc_wait(void)
{
	int c;

	while ((c = cons_getc()) < 0) {
		asm volatile("sti; hlt; cli" ::: "memory");
	}
	return c;
}

static void
cons_intr(struct trapframe *tf)
{
	cons_lock();
	cons_poll();
	cons_unlock();
	lapic_eoi();
}

void
cons_irq_init(void)
{
	trap_set_handler(T_IRQ0 + IRQ_COM1, cons_intr);
	trap_set_handler(T_IRQ0 + IRQ_KBD, cons_intr);
	outb(COM1 + UART_IER, 0x01);	/* interrupt on received data */
	ioapic_route(IRQ_COM1, T_IRQ0 + IRQ_COM1, bsp->apic_id);
	ioapic_route(IRQ_KBD, T_IRQ0 + IRQ_KBD, bsp->apic_id);
}
