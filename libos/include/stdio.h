/*
 * C's standard I/O (libos/stdio.c): buffered streams over file
 * descriptors (unistd.h).
 *
 * stdin and stdout are line-buffered on the console and fully buffered
 * elsewhere (pipes, files); stderr is unbuffered. exit() flushes every
 * stream; _exit() and a crash do not. A stream may be used by one thread
 * at a time.
 *
 * cprintf (chitin.h) is not stdio: it writes straight to the console, for
 * the kernel log, panics and test verdicts, wherever stdout goes.
 */
#ifndef CHITIN_STDIO_H
#define CHITIN_STDIO_H

#include <stddef.h>
#include <stdarg.h>
#include <sys/types.h>

typedef struct stdio_file FILE;

#define EOF		(-1)
#define BUFSIZ		4096
#define FILENAME_MAX	1024
#define FOPEN_MAX	64
#define L_tmpnam	32
#ifndef SEEK_SET
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#endif
#define _IOFBF		0	/* full buffering */
#define _IOLBF		1	/* line buffering */
#define _IONBF		2	/* no buffering */

extern FILE *const stdin;
extern FILE *const stdout;
extern FILE *const stderr;

FILE *fopen(const char *path, const char *mode);
FILE *fdopen(int fd, const char *mode);
FILE *freopen(const char *path, const char *mode, FILE *f);
int fclose(FILE *f);
int fflush(FILE *f);			/* NULL: every stream */
int fileno(FILE *f);
int setvbuf(FILE *f, char *buf, int mode, size_t size);
void setbuf(FILE *f, char *buf);

size_t fread(void *buf, size_t size, size_t n, FILE *f);
size_t fwrite(const void *buf, size_t size, size_t n, FILE *f);
int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
int ungetc(int c, FILE *f);
char *fgets(char *s, int n, FILE *f);
ssize_t getline(char **line, size_t *cap, FILE *f);
ssize_t getdelim(char **line, size_t *cap, int delim, FILE *f);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *s, FILE *f);
int puts(const char *s);

int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
int asprintf(char **out, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
int vprintf(const char *fmt, va_list ap);
int vfprintf(FILE *f, const char *fmt, va_list ap);
int vdprintf(int fd, const char *fmt, va_list ap);
int vsprintf(char *buf, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int vasprintf(char **out, const char *fmt, va_list ap);
int sscanf(const char *s, const char *fmt, ...);
int vsscanf(const char *s, const char *fmt, va_list ap);

int fseek(FILE *f, long off, int whence);
long ftell(FILE *f);
void rewind(FILE *f);
int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);

void perror(const char *what);		/* "what: message of errno" on stderr */
int remove(const char *path);
int rename(const char *from, const char *to);

#endif
