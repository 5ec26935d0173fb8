/*
 * The working directory and path names. The file system takes absolute
 * paths only; relative ones are joined to the working directory here and
 * "." and ".." resolved by name (there are no symbolic links, so that is
 * exact). The working directory is the env's own: fork copies it and
 * spawn hands it to the child (proc.c).
 */
#include "libos.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

static char cwd[PATH_MAX] = "/";

/* Appends component c (n bytes) to out (len bytes used), handling "."
 * and ".."; returns the new length or -ENAMETOOLONG. */
static long
path_push(char *out, size_t len, size_t outlen, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.'))
		return (long)len;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (len > 0 && out[len - 1] != '/')
			len--;
		if (len > 1)
			len--;	/* the '/' before the component, but not the root's */
		out[len] = '\0';
		return (long)len;
	}
	if (len > 1)
		out[len++] = '/';
	if (len + n + 1 > outlen)
		return -ENAMETOOLONG;
	memcpy(out + len, c, n);
	len += n;
	out[len] = '\0';
	return (long)len;
}

static long
path_walk(char *out, size_t len, size_t outlen, const char *p)
{
	const char *end;
	long r;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		end = p;
		while (*end != '\0' && *end != '/')
			end++;
		if ((r = path_push(out, len, outlen, p, (size_t)(end - p))) < 0)
			return r;
		len = (size_t)r;
		p = end;
	}
	return (long)len;
}

/* See libos.h. */
int
path_absolute(const char *path, char *out, size_t outlen)
{
	long r;

	if (path == NULL || path[0] == '\0')
		return -ENOENT;
	if (outlen < 2)
		return -ENAMETOOLONG;
	strcpy(out, "/");
	r = 1;
	if (path[0] != '/' && (r = path_walk(out, 1, outlen, cwd)) < 0)
		return (int)r;
	if ((r = path_walk(out, (size_t)r, outlen, path)) < 0)
		return (int)r;
	if (r == 0)
		strcpy(out, "/");
	return 0;
}

const char *
path_cwd(void)
{
	return cwd;
}

/* Sets the working directory to abs (already resolved and checked). */
int
path_set_cwd(const char *abs)
{
	if (strlen(abs) >= sizeof(cwd))
		return -ENAMETOOLONG;
	strcpy(cwd, abs);
	return 0;
}

/* POSIX getcwd: into buf (size bytes); NULL buf: a malloc'd copy. */
char *
getcwd(char *buf, size_t size)
{
	size_t n = strlen(cwd) + 1;

	if (buf == NULL) {
		if ((buf = malloc(size > n ? size : n)) == NULL)
			return NULL;
		size = size > n ? size : n;
	}
	if (n > size) {
		errno = ERANGE;
		return NULL;
	}
	memcpy(buf, cwd, n);
	return buf;
}
