/*
 * The string and memory functions of the C library, freestanding.
 *
 * memset and memcpy use the string instructions: fast on every CPU with
 * ERMSB (Intel SDM vol. 1, 7.3.9.3), and the compiler cannot turn them
 * back into calls to themselves, as it may a plain loop.
 */
#include "libos.h"
#include <ctype.h>
#include <stdlib.h>

/* C's memset. */
void *
memset(void *dst, int c, size_t n)
{
	void *d = dst;

	asm volatile("rep stosb" : "+D" (d), "+c" (n) : "a" (c) : "memory");
	return dst;
}

/* C's memcpy: the regions must not overlap. Eight bytes a step, then
 * the tail: under QEMU's TCG (7.x) every step of a rep prefix is a
 * trip through the translated block, so rep movsb alone copied a
 * 64 KiB TSO frame in 65536 trips (half of tcpbench's time). */
void *
memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t q = n / 8, r = n % 8;

	asm volatile("rep movsq" : "+D" (d), "+S" (src), "+c" (q) : : "memory");
	asm volatile("rep movsb" : "+D" (d), "+S" (src), "+c" (r) : : "memory");
	return dst;
}

/* C's memmove: copies correctly when the regions overlap. */
void *
memmove(void *dst, const void *src, size_t n)
{
	const char *s = src;
	char *d = dst;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/* Backwards, from the last byte: the direction flag is set only
	 * for the one instruction (the psABI requires it clear). */
	d += n - 1;
	s += n - 1;
	asm volatile("std; rep movsb; cld"
		     : "+D" (d), "+S" (s), "+c" (n) : : "memory");
	return dst;
}

/* C's memcmp. */
int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n > 0; n--, x++, y++)
		if (*x != *y)
			return (int)*x - (int)*y;
	return 0;
}

/* C's strlen. */
size_t
strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

/* C's strcmp. */
int
strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b)
		a++, b++;
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

/* C's strncmp. */
int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (int)(unsigned char)*a - (int)(unsigned char)*b;
		if (*a == '\0')
			return 0;
	}
	return 0;
}

/* C's strcpy. */
char *
strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++) != '\0')
		;
	return dst;
}

/* C's strchr: the first c in s (the NUL counts), or NULL. */
char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

/* C's strnlen: at most max. */
size_t
strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* C's memchr: the first c in s[0..n), or NULL. */
void *
memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

/* GNU's memrchr: the last c in s[0..n), or NULL. */
void *
memrchr(const void *s, int c, size_t n)
{
	const unsigned char *p = (const unsigned char *)s + n;

	while (n-- > 0)
		if (*--p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

/* C's strcoll: the "C" locale compares bytes. */
int
strcoll(const char *a, const char *b)
{
	return strcmp(a, b);
}

/* C's strncpy: exactly n bytes, NUL-padded, not NUL-terminated when src
 * is n long or more. */
char *
strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i] != '\0'; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

/* POSIX stpcpy: strcpy returning the end of dst (its NUL). */
char *
stpcpy(char *dst, const char *src)
{
	while ((*dst = *src++) != '\0')
		dst++;
	return dst;
}

/* BSD strlcpy: copies at most size - 1 bytes and always terminates
 * (when size > 0); returns strlen(src), so >= size means truncated. */
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* BSD strlcat: appends as strlcpy copies; returns the length it tried
 * to make. */
size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t d = strnlen(dst, size);

	if (d == size)
		return size + strlen(src);
	return d + strlcpy(dst + d, src, size - d);
}

/* C's strcat. */
char *
strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

/* C's strncat: at most n bytes of src, then a NUL. */
char *
strncat(char *dst, const char *src, size_t n)
{
	char *d = dst + strlen(dst);
	size_t i;

	for (i = 0; i < n && src[i] != '\0'; i++)
		d[i] = src[i];
	d[i] = '\0';
	return dst;
}

/* C's strrchr: the last c in s (the NUL counts), or NULL. */
char *
strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

/* C's strstr: the first needle in hay, or NULL; "" is found at once. */
char *
strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0' || n == 0; hay++)
		if (strncmp(hay, needle, n) == 0)
			return (char *)hay;
	return NULL;
}

/* C's strspn: the length of s's prefix made of bytes in accept. */
size_t
strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] != '\0' && strchr(accept, s[n]) != NULL)
		n++;
	return n;
}

/* C's strcspn: the length of s's prefix made of bytes not in reject. */
size_t
strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] != '\0' && strchr(reject, s[n]) == NULL)
		n++;
	return n;
}

/* C's strpbrk: the first byte of s that is in accept, or NULL. */
char *
strpbrk(const char *s, const char *accept)
{
	s += strcspn(s, accept);
	return *s != '\0' ? (char *)s : NULL;
}

/* POSIX strtok_r: the next token of s (NULL: go on from *save). */
char *
strtok_r(char *s, const char *delim, char **save)
{
	char *tok;

	if (s == NULL)
		s = *save;
	s += strspn(s, delim);
	if (*s == '\0') {
		*save = s;
		return NULL;
	}
	tok = s;
	s += strcspn(s, delim);
	if (*s != '\0')
		*s++ = '\0';
	*save = s;
	return tok;
}

/* C's strtok: strtok_r with one hidden state (not thread-safe). */
char *
strtok(char *s, const char *delim)
{
	static char *save = "";

	return strtok_r(s, delim, &save);
}

/* BSD strsep: the token at *sp up to a byte of delim, which becomes a
 * NUL; *sp moves past it (NULL after the last token). */
char *
strsep(char **sp, const char *delim)
{
	char *tok = *sp, *end;

	if (tok == NULL)
		return NULL;
	end = tok + strcspn(tok, delim);
	if (*end != '\0') {
		*end = '\0';
		*sp = end + 1;
	} else {
		*sp = NULL;
	}
	return tok;
}

/* POSIX strdup: a malloc'd copy, or NULL. */
char *
strdup(const char *s)
{
	return strndup(s, strlen(s));
}

/* POSIX strndup: a malloc'd copy of at most n bytes, terminated. */
char *
strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = malloc(len + 1);

	if (d != NULL) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* POSIX strncasecmp: strncmp ignoring ASCII case. */
int
strncasecmp(const char *a, const char *b, size_t n)
{
	int x, y;

	for (; n > 0; n--, a++, b++) {
		x = tolower((unsigned char)*a);
		y = tolower((unsigned char)*b);
		if (x != y || x == '\0')
			return x - y;
	}
	return 0;
}

/* POSIX strcasecmp. */
int
strcasecmp(const char *a, const char *b)
{
	return strncasecmp(a, b, (size_t)-1);
}
