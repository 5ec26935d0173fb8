/*
 * Console output and input through the kernel's console calls.
 *
 * Output is collected per line: each completed line (or a full buffer, or
 * what is left at the end of one call) is one sys_cputs, so lines printed
 * by envs running at once on several CPUs do not interleave mid-line.
 */
#include "libos.h"

#define CONS_BUF	256

struct cons_buf {
	char buf[CONS_BUF];
	size_t len;
	int count;		/* characters printed by this call */
};

static void
cons_flush(struct cons_buf *b)
{
	if (b->len > 0)
		sys_cputs(b->buf, b->len);
	b->len = 0;
}

static void
cons_putch(int c, void *arg)
{
	struct cons_buf *b = arg;

	b->buf[b->len++] = (char)c;
	b->count++;
	if (c == '\n' || b->len == CONS_BUF)
		cons_flush(b);
}

/* printf to the console; returns the characters printed. */
int
vcprintf(const char *fmt, va_list ap)
{
	struct cons_buf b;

	b.len = 0;
	b.count = 0;
	vprintfmt(cons_putch, &b, fmt, ap);
	cons_flush(&b);
	return b.count;
}

/* printf to the console; returns the characters printed. */
int
cprintf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vcprintf(fmt, ap);
	va_end(ap);
	return r;
}

/* The next console character, waiting for one; a negative -E_* if the
 * kernel refuses (e.g. another env holds the console). stdio's getchar
 * reads stdin, which is the console through its descriptor (fdcons.c). */
int (*getchar_hook)(void);

int
cgetchar(void)
{
	int64_t r;

	do	/* a wakeup that found the character taken says try again */
		r = getchar_hook ? getchar_hook() : sys_cgetc(1);
	while (r == -E_AGAIN);
	return r < 0 ? (int)r : (int)(r & 0xff);
}
