/*
 * The formatting engine behind cprintf and snprintf: a subset of C's
 * printf, enough for programs and tests.
 *
 *   conversions  %d %i %u %x %X %o %p %s %c %%
 *   flags        '-' (left-justify), '0' (pad with zeros), '+', ' ', '#'
 *   width and precision, as numbers or '*'
 *   length       hh h l ll z (and j t, as 64-bit)
 *
 * An unknown conversion is printed as it was written, so a typo shows.
 */
#include "libos.h"

struct fmt_spec {
	bool left;		/* '-' */
	bool zero;		/* '0' */
	bool plus;		/* '+' */
	bool space;		/* ' ' */
	bool alt;		/* '#' */
	int width;		/* -1: none */
	int prec;		/* -1: none */
	int size;		/* bytes of the integer argument: 1, 2, 4 or 8 */
};

struct fmt_out {
	putch_t putch;
	void *arg;
};

static void
out_repeat(struct fmt_out *o, int c, int n)
{
	while (n-- > 0)
		o->putch(c, o->arg);
}

static void
out_str(struct fmt_out *o, const char *s, int n)
{
	while (n-- > 0)
		o->putch(*s++, o->arg);
}

/* Emit prefix ("-", "0x", ...) and digits, padded to the width. */
static void
out_padded(struct fmt_out *o, const struct fmt_spec *sp, const char *prefix,
	   const char *digits, int ndigits)
{
	int plen = (int)strlen(prefix);
	int zeros = sp->prec > ndigits ? sp->prec - ndigits : 0;
	int len = plen + zeros + ndigits;
	int pad = sp->width > len ? sp->width - len : 0;

	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		out_repeat(o, ' ', pad);
	out_str(o, prefix, plen);
	out_repeat(o, '0', zeros);
	out_str(o, digits, ndigits);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

/* Digits of v in base, most significant first, into buf (at least 23
 * bytes); returns how many. */
static int
utoa(uint64_t v, unsigned base, bool upper, char *buf)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, i;

	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void
fmt_unsigned(struct fmt_out *o, const struct fmt_spec *sp, uint64_t v,
	     unsigned base, bool upper, const char *prefix)
{
	char buf[24];
	int n = utoa(v, base, upper, buf);

	/* C: an explicit zero precision prints no digits for zero. */
	if (v == 0 && sp->prec == 0)
		n = 0;
	out_padded(o, sp, prefix, buf, n);
}

static void
fmt_signed(struct fmt_out *o, const struct fmt_spec *sp, int64_t v)
{
	const char *prefix = sp->plus ? "+" : sp->space ? " " : "";
	uint64_t mag = (uint64_t)v;

	if (v < 0) {
		prefix = "-";
		mag = -mag;
	}
	fmt_unsigned(o, sp, mag, 10, false, prefix);
}

static void
fmt_string(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	int n = 0, pad;

	if (s == NULL)
		s = "(null)";
	while (s[n] != '\0' && (sp->prec < 0 || n < sp->prec))
		n++;
	pad = sp->width > n ? sp->width - n : 0;
	if (!sp->left)
		out_repeat(o, ' ', pad);
	out_str(o, s, n);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

static uint64_t
arg_unsigned(va_list *ap, int size)
{
	switch (size) {
	case 8: return va_arg(*ap, uint64_t);
	case 2: return (uint16_t)va_arg(*ap, unsigned);
	case 1: return (uint8_t)va_arg(*ap, unsigned);
	default: return va_arg(*ap, unsigned);
	}
}

static int64_t
arg_signed(va_list *ap, int size)
{
	switch (size) {
	case 8: return va_arg(*ap, int64_t);
	case 2: return (int16_t)va_arg(*ap, int);
	case 1: return (int8_t)va_arg(*ap, int);
	default: return va_arg(*ap, int);
	}
}

/* Parse flags, width, precision and length at *fmt; leaves *fmt at the
 * conversion character. */
static void
parse_spec(const char **fmt, va_list *ap, struct fmt_spec *sp)
{
	const char *p = *fmt;

	*sp = (struct fmt_spec){ .width = -1, .prec = -1, .size = 4 };
	for (;; p++) {
		if (*p == '-') sp->left = true;
		else if (*p == '0') sp->zero = true;
		else if (*p == '+') sp->plus = true;
		else if (*p == ' ') sp->space = true;
		else if (*p == '#') sp->alt = true;
		else break;
	}
	if (*p == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		p++;
	} else {
		for (; *p >= '0' && *p <= '9'; p++)
			sp->width = (sp->width < 0 ? 0 : sp->width * 10) + (*p - '0');
	}
	if (*p == '.') {
		p++;
		sp->prec = 0;
		if (*p == '*') {
			sp->prec = va_arg(*ap, int);
			p++;
		} else {
			for (; *p >= '0' && *p <= '9'; p++)
				sp->prec = sp->prec * 10 + (*p - '0');
		}
	}
	for (;; p++) {
		if (*p == 'h') sp->size = sp->size == 2 ? 1 : 2;
		else if (*p == 'l' || *p == 'z' || *p == 'j' || *p == 't') sp->size = 8;
		else break;
	}
	*fmt = p;
}

/* Format one conversion c per sp. Returns false if c is not one. */
static bool
fmt_one(struct fmt_out *o, struct fmt_spec *sp, char c, va_list *ap)
{
	char ch;

	switch (c) {
	case 'd': case 'i':
		fmt_signed(o, sp, arg_signed(ap, sp->size));
		return true;
	case 'u':
		fmt_unsigned(o, sp, arg_unsigned(ap, sp->size), 10, false, "");
		return true;
	case 'x': case 'X':
		fmt_unsigned(o, sp, arg_unsigned(ap, sp->size), 16, c == 'X',
			     sp->alt ? (c == 'X' ? "0X" : "0x") : "");
		return true;
	case 'o':
		fmt_unsigned(o, sp, arg_unsigned(ap, sp->size), 8, false,
			     sp->alt ? "0" : "");
		return true;
	case 'p':
		fmt_unsigned(o, sp, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
		return true;
	case 's':
		fmt_string(o, sp, va_arg(*ap, const char *));
		return true;
	case 'c':
		ch = (char)va_arg(*ap, int);
		sp->prec = -1;
		out_padded(o, sp, "", &ch, 1);
		return true;
	case '%':
		o->putch('%', o->arg);
		return true;
	}
	return false;
}

/* Format fmt with ap, handing each character to putch(c, arg). */
void
vprintfmt(putch_t putch, void *arg, const char *fmt, va_list ap)
{
	struct fmt_out o = { putch, arg };
	struct fmt_spec sp;
	const char *start;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt != '\0') {
		if (*fmt != '%') {
			putch(*fmt++, arg);
			continue;
		}
		start = fmt++;
		parse_spec(&fmt, &aq, &sp);
		if (*fmt == '\0' || !fmt_one(&o, &sp, *fmt, &aq)) {
			/* Not a conversion: show it verbatim. */
			out_str(&o, start, (int)(fmt - start) + (*fmt != '\0'));
		}
		if (*fmt != '\0')
			fmt++;
	}
	va_end(aq);
}

struct sprint_buf {
	char *buf;
	size_t size;		/* room, including the NUL */
	size_t len;		/* characters formatted, stored or not */
};

static void
sprint_putch(int c, void *arg)
{
	struct sprint_buf *b = arg;

	if (b->len + 1 < b->size)
		b->buf[b->len] = (char)c;
	b->len++;
}

/* C's vsnprintf: at most n - 1 characters and a NUL into buf; returns
 * the length the whole output would have had. */
int
vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sprint_buf b = { buf, n, 0 };

	vprintfmt(sprint_putch, &b, fmt, ap);
	if (n > 0)
		buf[b.len < n ? b.len : n - 1] = '\0';
	return (int)b.len;
}

/* C's snprintf; see vsnprintf. */
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
