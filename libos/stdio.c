/*
 * C's buffered streams over file descriptors.
 *
 * A stream has one buffer, used for reading or for writing at a time:
 * switching from writing to reading flushes; from reading to writing
 * moves the descriptor's offset back over what was read ahead. Buffers
 * are malloc'd on first use (BUFSIZ); without memory a stream works
 * unbuffered. Every open stream is on one list, which exit flushes
 * (stdio_flush_all) and fflush(NULL) walks.
 *
 * Buffering: stderr none; stdin and stdout by line on the console,
 * fully elsewhere, decided on first use.
 */
#include "libos.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SF_READ		0x001	/* opened for reading */
#define SF_WRITE	0x002	/* opened for writing */
#define SF_EOF		0x004
#define SF_ERR		0x008
#define SF_LINEBUF	0x010
#define SF_UNBUF	0x020
#define SF_MYBUF	0x040	/* the buffer is malloc's: free it */
#define SF_DECIDED	0x080	/* buffering chosen */
#define SF_STATIC	0x100	/* stdin/out/err: never freed */

struct stdio_file {
	int fd;
	int flags;			/* SF_* */
	char *buf;
	size_t size;			/* bytes at buf */
	size_t rpos, rlen;		/* reading: unread bytes are buf[rpos, rlen) */
	size_t wlen;			/* writing: bytes waiting in buf */
	int unget;			/* a character ungetc gave back, or EOF */
	char one;			/* the buffer of an unbuffered stream */
	struct stdio_file *next;	/* the list of open streams */
};

static struct stdio_file std_files[3] = {
	{ .fd = 0, .flags = SF_READ | SF_STATIC, .unget = EOF, .next = &std_files[1] },
	{ .fd = 1, .flags = SF_WRITE | SF_STATIC, .unget = EOF, .next = &std_files[2] },
	{ .fd = 2, .flags = SF_WRITE | SF_STATIC | SF_UNBUF | SF_DECIDED, .unget = EOF },
};
FILE *const stdin = &std_files[0];
FILE *const stdout = &std_files[1];
FILE *const stderr = &std_files[2];
static struct stdio_file *open_files = &std_files[0];

/* Picks the buffering and gets the buffer on first use. */
static void
stream_setup(FILE *f)
{
	if (!(f->flags & SF_DECIDED)) {
		f->flags |= SF_DECIDED;
		if (f->fd <= 1 && isatty(f->fd))
			f->flags |= SF_LINEBUF;
	}
	if (f->buf != NULL)
		return;
	if (!(f->flags & SF_UNBUF) && (f->buf = malloc(BUFSIZ)) != NULL) {
		f->size = BUFSIZ;
		f->flags |= SF_MYBUF;
		return;
	}
	f->buf = &f->one;
	f->size = 1;
	f->flags |= SF_UNBUF;
}

/* Writes out what waits in f's buffer; 0 or EOF (and the error flag). */
static int
stream_drain(FILE *f)
{
	size_t done = 0;
	ssize_t r;

	while (done < f->wlen) {
		r = write(f->fd, f->buf + done, f->wlen - done);
		if (r <= 0) {
			f->flags |= SF_ERR;
			memmove(f->buf, f->buf + done, f->wlen - done);
			f->wlen -= done;
			return EOF;
		}
		done += (size_t)r;
	}
	f->wlen = 0;
	return 0;
}

/* Gives back what was read ahead, so the descriptor's offset is where
 * the program believes it is (pipes cannot: the bytes are dropped). */
static void
stream_unread(FILE *f)
{
	off_t ahead = (off_t)(f->rlen - f->rpos) + (f->unget != EOF);

	if (ahead > 0)
		lseek(f->fd, -ahead, SEEK_CUR);
	f->rpos = f->rlen = 0;
	f->unget = EOF;
}

int
fflush(FILE *f)
{
	int r = 0;

	if (f == NULL) {
		for (f = open_files; f != NULL; f = f->next)
			if ((f->flags & SF_WRITE) && fflush(f) != 0)
				r = EOF;
		return r;
	}
	if (f->wlen > 0)
		return stream_drain(f);
	if (f->rlen > f->rpos || f->unget != EOF)
		stream_unread(f);
	return 0;
}

/* See libos.h: the write side of every stream. */
void
stdio_flush_all(void)
{
	FILE *f;

	for (f = open_files; f != NULL; f = f->next)
		if (f->wlen > 0)
			stream_drain(f);
}

/* Before a write: a stream that was reading stops. */
static int
to_write(FILE *f)
{
	if (!(f->flags & SF_WRITE)) {
		f->flags |= SF_ERR;
		errno = EBADF;
		return EOF;
	}
	stream_setup(f);
	if (f->rlen > 0 || f->unget != EOF)
		stream_unread(f);
	return 0;
}

/* Before a read: what waits to be written goes first; and (as C asks
 * of an interactive program) reading a line-buffered stream flushes the
 * line-buffered output, so a prompt shows before its answer is read. */
static int
to_read(FILE *f)
{
	if (!(f->flags & SF_READ)) {
		f->flags |= SF_ERR;
		errno = EBADF;
		return EOF;
	}
	stream_setup(f);
	if (f->wlen > 0 && stream_drain(f) != 0)
		return EOF;
	if (f->flags & SF_LINEBUF)
		if (stdout->wlen > 0 && (stdout->flags & SF_LINEBUF))
			stream_drain(stdout);
	return 0;
}

static int
put_one(FILE *f, int c)
{
	if (f->wlen == f->size && stream_drain(f) != 0)
		return EOF;
	f->buf[f->wlen++] = (char)c;
	if ((f->flags & SF_UNBUF) || (c == '\n' && (f->flags & SF_LINEBUF)))
		if (stream_drain(f) != 0)
			return EOF;
	return (unsigned char)c;
}

int
fputc(int c, FILE *f)
{
	if (to_write(f) != 0)
		return EOF;
	return put_one(f, c);
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

size_t
fwrite(const void *buf, size_t size, size_t n, FILE *f)
{
	const char *p = buf;
	size_t total, i;

	if (size == 0 || n == 0)
		return 0;
	if (n > SIZE_MAX / size || to_write(f) != 0)
		return 0;
	total = size * n;
	/* big writes skip the buffer */
	if (!(f->flags & SF_LINEBUF) && total >= f->size) {
		if (stream_drain(f) != 0)
			return 0;
		for (i = 0; i < total;) {
			ssize_t r = write(f->fd, p + i, total - i);
			if (r <= 0) {
				f->flags |= SF_ERR;
				return i / size;
			}
			i += (size_t)r;
		}
		return n;
	}
	for (i = 0; i < total; i++)
		if (put_one(f, p[i]) == EOF)
			return i / size;
	return n;
}

int
fputs(const char *s, FILE *f)
{
	size_t len = strlen(s);

	return fwrite(s, 1, len, f) == len ? 0 : EOF;
}

/* C's puts: s and a newline on stdout. */
int
puts(const char *s)
{
	if (fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF)
		return EOF;
	return 0;
}

/* Refills f's buffer; the bytes read, 0 at end of file, -1 on error. */
static ssize_t
refill(FILE *f)
{
	ssize_t r;

	if (to_read(f) != 0)
		return -1;
	r = read(f->fd, f->buf, f->size);
	if (r < 0) {
		f->flags |= SF_ERR;
		return -1;
	}
	if (r == 0)
		f->flags |= SF_EOF;
	f->rpos = 0;
	f->rlen = (size_t)r;
	return r;
}

int
fgetc(FILE *f)
{
	int c;

	if (f->unget != EOF) {
		c = f->unget;
		f->unget = EOF;
		return c;
	}
	if (f->rpos == f->rlen && refill(f) <= 0)
		return EOF;
	return (unsigned char)f->buf[f->rpos++];
}

int getc(FILE *f) { return fgetc(f); }
int getchar(void) { return fgetc(stdin); }

int
ungetc(int c, FILE *f)
{
	if (c == EOF || f->unget != EOF)
		return EOF;
	f->unget = (unsigned char)c;
	f->flags &= ~SF_EOF;
	return (unsigned char)c;
}

size_t
fread(void *buf, size_t size, size_t n, FILE *f)
{
	char *p = buf;
	size_t total, got = 0, m;
	int c;

	if (size == 0 || n == 0 || n > SIZE_MAX / size)
		return 0;
	total = size * n;
	if (f->unget != EOF && (c = fgetc(f)) != EOF)
		p[got++] = (char)c;
	while (got < total) {
		if (f->rpos == f->rlen && refill(f) <= 0)
			break;
		m = f->rlen - f->rpos < total - got ? f->rlen - f->rpos : total - got;
		memcpy(p + got, f->buf + f->rpos, m);
		f->rpos += m;
		got += m;
	}
	return got / size;
}

char *
fgets(char *s, int n, FILE *f)
{
	int i = 0, c;

	if (n <= 0)
		return NULL;
	while (i < n - 1 && (c = fgetc(f)) != EOF) {
		s[i++] = (char)c;
		if (c == '\n')
			break;
	}
	if (i == 0)
		return NULL;
	s[i] = '\0';
	return s;
}

/* POSIX getdelim: a whole record, up to and including delim, into a
 * malloc'd *line that grows as needed; its length, or -1 at the end. */
ssize_t
getdelim(char **line, size_t *cap, int delim, FILE *f)
{
	size_t len = 0;
	char *n;
	int c;

	if (line == NULL || cap == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (*line == NULL)
		*cap = 0;
	while ((c = fgetc(f)) != EOF) {
		if (len + 2 > *cap) {
			size_t want = *cap < 64 ? 128 : *cap * 2;
			if ((n = realloc(*line, want)) == NULL)
				return -1;
			*line = n;
			*cap = want;
		}
		(*line)[len++] = (char)c;
		if (c == delim)
			break;
	}
	if (len == 0)
		return -1;
	(*line)[len] = '\0';
	return (ssize_t)len;
}

ssize_t
getline(char **line, size_t *cap, FILE *f)
{
	return getdelim(line, cap, '\n', f);
}

/* --- formatted output --- */

struct stream_out {
	FILE *f;
	int count;
	bool failed;
};

static void
stream_putch(int c, void *arg)
{
	struct stream_out *o = arg;

	if (!o->failed && put_one(o->f, c) == EOF)
		o->failed = true;
	o->count++;
}

int
vfprintf(FILE *f, const char *fmt, va_list ap)
{
	struct stream_out o = { f, 0, false };

	if (to_write(f) != 0)
		return -1;
	vprintfmt(stream_putch, &o, fmt, ap);
	return o.failed ? -1 : o.count;
}

int
fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int
vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

/* POSIX dprintf: formatted straight to a descriptor (one write call
 * for up to 512 bytes). */
int
vdprintf(int fd, const char *fmt, va_list ap)
{
	char small[512], *buf = small;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (buf = malloc((size_t)n + 1)) != NULL)
		vsnprintf(buf, (size_t)n + 1, fmt, aq);
	va_end(aq);
	if (buf == NULL)
		return -1;
	if (n > 0 && write(fd, buf, (size_t)n) != n)
		n = -1;
	if (buf != small)
		free(buf);
	return n;
}

int
dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

int
vsprintf(char *buf, const char *fmt, va_list ap)
{
	return vsnprintf(buf, (size_t)INT_MAX, fmt, ap);
}

int
sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsprintf(buf, fmt, ap);
	va_end(ap);
	return r;
}

int
vasprintf(char **out, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || (*out = malloc((size_t)n + 1)) == NULL)
		return -1;
	vsnprintf(*out, (size_t)n + 1, fmt, ap);
	return n;
}

int
asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}

/* --- opening and closing --- */

/* The open flags of a fopen mode ("r", "w+", "ab"...), or -1. */
static int
mode_flags(const char *mode)
{
	int flags;

	switch (mode[0]) {
	case 'r': flags = O_RDONLY; break;
	case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
	case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
	default: return -1;
	}
	if (strchr(mode, '+') != NULL)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	if (strchr(mode, 'x') != NULL)
		flags |= O_EXCL;
	return flags;
}

static FILE *
stream_new(int fd, int flags)
{
	FILE *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->fd = fd;
	f->unget = EOF;
	f->flags = ((flags & O_ACCMODE) != O_WRONLY ? SF_READ : 0) |
		   ((flags & O_ACCMODE) != O_RDONLY ? SF_WRITE : 0);
	f->next = open_files;
	open_files = f;
	return f;
}

FILE *
fopen(const char *path, const char *mode)
{
	int flags = mode_flags(mode), fd;
	FILE *f;

	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((fd = open(path, flags, 0644)) < 0)
		return NULL;
	if ((f = stream_new(fd, flags)) == NULL)
		close(fd);
	return f;
}

FILE *
fdopen(int fd, const char *mode)
{
	int flags = mode_flags(mode);

	if (flags < 0 || fd_lookup(fd) == NULL) {
		errno = flags < 0 ? EINVAL : EBADF;
		return NULL;
	}
	return stream_new(fd, flags);
}

/* Flushes f and frees it, closing its descriptor unless keep_fd. */
static int
stream_close(FILE *f, bool keep_fd)
{
	FILE **pp;
	int r = fflush(f);

	if (!keep_fd && close(f->fd) < 0)
		r = EOF;
	if (f->flags & SF_MYBUF)
		free(f->buf);
	f->buf = NULL;
	f->size = f->wlen = f->rpos = f->rlen = 0;
	f->flags &= ~(SF_MYBUF | SF_UNBUF | SF_DECIDED);
	if (f->flags & SF_STATIC)
		return r;
	for (pp = &open_files; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	free(f);
	return r;
}

int
fclose(FILE *f)
{
	return stream_close(f, false);
}

FILE *
freopen(const char *path, const char *mode, FILE *f)
{
	int flags = mode_flags(mode), fd, old = f->fd;

	fflush(f);
	if (flags < 0 || path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((fd = open(path, flags, 0644)) < 0)
		return NULL;
	if (fd != old) {
		dup2(fd, old);
		close(fd);
	}
	f->flags = (f->flags & SF_STATIC) | (f->flags & SF_MYBUF) |
		   ((flags & O_ACCMODE) != O_WRONLY ? SF_READ : 0) |
		   ((flags & O_ACCMODE) != O_RDONLY ? SF_WRITE : 0);
	f->rpos = f->rlen = f->wlen = 0;
	f->unget = EOF;
	return f;
}

int
setvbuf(FILE *f, char *buf, int mode, size_t size)
{
	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF)
		return -1;
	fflush(f);
	if (f->flags & SF_MYBUF)
		free(f->buf);
	f->flags &= ~(SF_MYBUF | SF_LINEBUF | SF_UNBUF);
	f->flags |= SF_DECIDED | (mode == _IOLBF ? SF_LINEBUF : 0) |
		    (mode == _IONBF ? SF_UNBUF : 0);
	f->buf = NULL;
	f->size = 0;
	if (mode != _IONBF && buf != NULL && size > 0) {
		f->buf = buf;
		f->size = size;
	}
	return 0;
}

void
setbuf(FILE *f, char *buf)
{
	setvbuf(f, buf, buf != NULL ? _IOFBF : _IONBF, BUFSIZ);
}

int
fileno(FILE *f)
{
	return f->fd;
}

/* --- position and state --- */

int
fseek(FILE *f, long off, int whence)
{
	if (fflush(f) != 0)
		return -1;
	if (lseek(f->fd, off, whence) < 0)
		return -1;
	f->flags &= ~SF_EOF;
	return 0;
}

long
ftell(FILE *f)
{
	off_t pos = lseek(f->fd, 0, SEEK_CUR);

	if (pos < 0)
		return -1;
	return (long)(pos - (off_t)(f->rlen - f->rpos) - (f->unget != EOF) + (off_t)f->wlen);
}

void
rewind(FILE *f)
{
	fseek(f, 0, SEEK_SET);
	f->flags &= ~SF_ERR;
}

int feof(FILE *f) { return (f->flags & SF_EOF) != 0; }
int ferror(FILE *f) { return (f->flags & SF_ERR) != 0; }
void clearerr(FILE *f) { f->flags &= ~(SF_EOF | SF_ERR); }

void
perror(const char *what)
{
	int e = errno;

	if (what != NULL && what[0] != '\0')
		fprintf(stderr, "%s: %s\n", what, strerror(e));
	else
		fprintf(stderr, "%s\n", strerror(e));
}

/* C's remove: a file, or else an empty directory. */
int
remove(const char *path)
{
	if (unlink(path) == 0)
		return 0;
	if (errno != EISDIR)
		return -1;
	return rmdir(path);
}
