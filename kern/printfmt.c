/*
 * The kernel's printf engine: %d %i %u %x %X %o %p %s %c %% with the flags
 * '-', '0', a width and a precision ('*' allowed), and the length
 * modifiers h, l, ll, z. Output goes through a per-call sink.
 */
#include "console.h"
#include "string.h"

struct sink {
	void (*put)(struct sink *s, char c);
	char *buf;		/* snprintf: the buffer */
	size_t size, len;	/* its size, and characters produced so far */
};

struct spec {
	bool left, zero;
	int width, prec;	/* prec < 0: none */
	int lmod;		/* 0, 'h', 'l' (long, long long, size_t) */
};

static void
emit_padded(struct sink *s, const char *str, size_t n, const struct spec *sp)
{
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;
	char fill = sp->zero && !sp->left ? '0' : ' ';

	if (!sp->left)
		while (pad-- > 0)
			s->put(s, fill);
	while (n--)
		s->put(s, *str++);
	if (sp->left)
		while (pad-- > 0)
			s->put(s, ' ');
}

static void
emit_number(struct sink *s, uint64_t v, int base, bool neg, bool upper,
	    const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	while (sp->prec > (int)sizeof(tmp) - i && i > 1)
		tmp[--i] = '0';
	if (neg && sp->zero && !sp->left && sp->width > 0) {
		struct spec narrower = *sp;
		s->put(s, '-');
		narrower.width--;
		emit_padded(s, tmp + i, sizeof(tmp) - i, &narrower);
		return;
	}
	if (neg)
		tmp[--i] = '-';
	emit_padded(s, tmp + i, sizeof(tmp) - i, sp);
}

static const char *
parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (*f - '0');
	if (*f == '.') {
		sp->prec = 0;
		if (*++f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			sp->prec = sp->prec * 10 + (*f - '0');
	}
	for (; *f == 'l' || *f == 'z' || *f == 'h'; f++)
		sp->lmod = *f == 'h' ? 'h' : 'l';
	return f;
}

static uint64_t
fetch_unsigned(const struct spec *sp, va_list *ap)
{
	if (sp->lmod == 'l')
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t
fetch_signed(const struct spec *sp, va_list *ap)
{
	if (sp->lmod == 'l')
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static void
format_one(struct sink *s, char conv, const struct spec *sp, va_list *ap)
{
	const char *str;
	int64_t v;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		v = fetch_signed(sp, ap);
		emit_number(s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, false, sp);
		break;
	case 'u':
		emit_number(s, fetch_unsigned(sp, ap), 10, false, false, sp);
		break;
	case 'x':
	case 'X':
		emit_number(s, fetch_unsigned(sp, ap), 16, false, conv == 'X', sp);
		break;
	case 'o':
		emit_number(s, fetch_unsigned(sp, ap), 8, false, false, sp);
		break;
	case 'p':
		s->put(s, '0');
		s->put(s, 'x');
		emit_number(s, (uintptr_t)va_arg(*ap, void *), 16, false, false, sp);
		break;
	case 's':
		str = va_arg(*ap, const char *);
		if (!str)
			str = "(null)";
		emit_padded(s, str, sp->prec >= 0 ? strnlen(str, sp->prec) : strlen(str), sp);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		emit_padded(s, &c, 1, sp);
		break;
	case '%':
		s->put(s, '%');
		break;
	default:
		s->put(s, '%');
		if (conv)
			s->put(s, conv);
		break;
	}
}

static void
vformat(struct sink *s, const char *fmt, va_list ap)
{
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			s->put(s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		format_one(s, *fmt, &sp, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
}

static void
put_buffer(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

/* Like C's vsnprintf: always terminates when n > 0 and returns the length
 * the full output would have had. */
int
vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sink s = { put_buffer, buf, n, 0 };

	vformat(&s, fmt, ap);
	if (n)
		buf[s.len < n ? s.len : n - 1] = '\0';
	return (int)s.len;
}

int
snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

static void
put_console(struct sink *s, char c)
{
	cons_putc(c);
	s->len++;
}

/* Prints under the console lock so lines from different CPUs do not mix. */
int
vcprintf(const char *fmt, va_list ap)
{
	struct sink s = { put_console, NULL, 0, 0 };

	cons_lock();
	vformat(&s, fmt, ap);
	cons_unlock();
	return (int)s.len;
}

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
