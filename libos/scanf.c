/*
 * C's sscanf, for the conversions small programs use: %d %i %u %x %o
 * (with hh h l ll z), %s, %c, %[...] sets, %n, %% and '*' to skip;
 * widths work. Returns the conversions assigned, or EOF when the input
 * ended before the first one.
 */
#include "libos.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static void
store_int(va_list *ap, int size, unsigned long long v)
{
	switch (size) {
	case 1: *va_arg(*ap, char *) = (char)v; break;
	case 2: *va_arg(*ap, short *) = (short)v; break;
	case 8: *va_arg(*ap, long long *) = (long long)v; break;
	default: *va_arg(*ap, int *) = (int)v; break;
	}
}

/* Whether c is in the set [...] at *fmt (just past the '['); leaves
 * *end after the closing ']'. */
static bool
in_set(const char *set, int c, const char **end)
{
	bool neg = false, hit = false;
	const char *p = set;

	if (*p == '^') {
		neg = true;
		p++;
	}
	if (*p == ']') {
		hit = c == ']';
		p++;
	}
	for (; *p != '\0' && *p != ']'; p++) {
		if (p[1] == '-' && p[2] != ']' && p[2] != '\0') {
			hit |= c >= (unsigned char)p[0] && c <= (unsigned char)p[2];
			p += 2;
		} else {
			hit |= c == (unsigned char)*p;
		}
	}
	*end = *p == ']' ? p + 1 : p;
	return hit != neg;
}

static int
scan_int(const char **sp, char conv, int width, unsigned long long *v)
{
	char buf[72], *end;
	const char *s = *sp;
	int base = conv == 'x' ? 16 : conv == 'o' ? 8 : conv == 'i' ? 0 : 10;
	size_t n = 0;

	while (isspace((unsigned char)*s))
		s++;
	while (s[n] != '\0' && n < sizeof(buf) - 1 && (width <= 0 || (int)n < width)) {
		buf[n] = s[n];
		n++;
	}
	buf[n] = '\0';
	*v = conv == 'd' || conv == 'i' ? (unsigned long long)strtoll(buf, &end, base)
					: strtoull(buf, &end, base);
	if (end == buf)
		return -1;
	*sp = s + (end - buf);
	return 0;
}

int
vsscanf(const char *s, const char *fmt, va_list ap)
{
	const char *start = s, *setend;
	int assigned = 0, width, size;
	unsigned long long v;
	bool skip;
	char *out;

	va_list aq;
	va_copy(aq, ap);
	for (; *fmt != '\0'; fmt++) {
		if (isspace((unsigned char)*fmt)) {
			while (isspace((unsigned char)*s))
				s++;
			continue;
		}
		if (*fmt != '%' || fmt[1] == '%') {
			if (*fmt == '%')
				fmt++;
			if (*s != *fmt)
				break;
			s++;
			continue;
		}
		fmt++;
		skip = *fmt == '*';
		if (skip)
			fmt++;
		for (width = 0; isdigit((unsigned char)*fmt); fmt++)
			width = width * 10 + (*fmt - '0');
		for (size = 4; *fmt == 'h' || *fmt == 'l' || *fmt == 'z' || *fmt == 'j'; fmt++)
			size = *fmt == 'h' ? (size == 2 ? 1 : 2) : 8;
		if (*fmt == 'n') {
			if (!skip)
				store_int(&aq, size, (unsigned long long)(s - start));
			continue;
		}
		if (*s == '\0')
			break;
		switch (*fmt) {
		case 'd': case 'i': case 'u': case 'x': case 'o':
			if (scan_int(&s, *fmt, width, &v) < 0)
				goto done;
			if (!skip) {
				store_int(&aq, size, v);
				assigned++;
			}
			break;
		case 'c':
			out = skip ? NULL : va_arg(aq, char *);
			for (width = width ? width : 1; width > 0 && *s != '\0'; width--, s++)
				if (out != NULL)
					*out++ = *s;
			assigned += !skip;
			break;
		case 's': case '[':
			if (*fmt == 's')
				while (isspace((unsigned char)*s))
					s++;
			out = skip ? NULL : va_arg(aq, char *);
			setend = fmt + 1;
			while (*s != '\0' && (width == 0 || width-- > 0) &&
			       (*fmt == 's' ? !isspace((unsigned char)*s)
					    : in_set(fmt + 1, (unsigned char)*s, &setend))) {
				if (out != NULL)
					*out++ = *s;
				s++;
			}
			if (*fmt == '[') {
				in_set(fmt + 1, 0, &setend);
				fmt = setend - 1;
			}
			if (out != NULL) {
				*out = '\0';
				assigned++;
			}
			break;
		default:
			goto done;
		}
	}
done:
	va_end(aq);
	if (assigned == 0 && *s == '\0' && *fmt != '\0')
		return EOF;
	return assigned;
}

int
sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsscanf(s, fmt, ap);
	va_end(ap);
	return r;
}
