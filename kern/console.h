/* The kernel console: COM1 and the VGA text screen for output, serial and
 * PS/2 keyboard for input. */
#ifndef CHITIN_KERN_CONSOLE_H
#define CHITIN_KERN_CONSOLE_H
#include "kernel.h"

void cons_init(void);
void cons_putc(int c);
int cons_getc(void);		/* next input character, or -1 if none */
bool cons_has_input(void);	/* a character is waiting */
int cons_getc_wait(void);	/* blocks (halting) until a character arrives */
void cons_irq_init(void);	/* route serial/keyboard interrupts once IOAPIC is up */
void cons_lock(void);		/* recursive on one CPU, so a fault inside */
void cons_unlock(void);		/*  cprintf can still print its report */
void cons_break_lock(void);	/* panic: take the console whoever holds it */

int cprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vcprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

#endif
