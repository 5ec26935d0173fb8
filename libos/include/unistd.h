/*
 * POSIX calls (libos): file descriptors (fd.c, pipe.c, fdfile.c),
 * processes (proc.c), the working directory (path.c), sleeping (time.c)
 * and getopt (getopt.c).
 *
 * Each returns -1 and sets errno on failure, as POSIX says; the library
 * OS's own calls in chitin.h return -E_* codes instead.
 *
 * There is no exec: a program starts another with spawn (chitin.h), or
 * spawnve / spawnvp here, which pass the descriptors and the environment.
 */
#ifndef CHITIN_UNISTD_H
#define CHITIN_UNISTD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STDIN_FILENO	0
#define STDOUT_FILENO	1
#define STDERR_FILENO	2

#ifndef SEEK_SET
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#endif

/* access() modes */
#define F_OK		0
#define X_OK		1
#define W_OK		2
#define R_OK		4

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
int close(int fd);
int dup(int fd);
int dup2(int fd, int newfd);
int pipe(int fds[2]);
off_t lseek(int fd, off_t off, int whence);
int isatty(int fd);
int ftruncate(int fd, off_t size);
int fsync(int fd);
int truncate(const char *path, off_t size);
int unlink(const char *path);
int rmdir(const char *path);
int access(const char *path, int mode);
int chdir(const char *path);
char *getcwd(char *buf, size_t size);

pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
void _exit(int status) __attribute__((noreturn));
/* Starts path with argv and the environment envp (NULL: mine); the
 * child shares my descriptors. Its id, or -1 and errno. */
pid_t spawnve(const char *path, char *const argv[], char *const envp[]);
/* spawnve with my environment, searching $PATH for a bare name. */
pid_t spawnvp(const char *file, char *const argv[]);

unsigned sleep(unsigned seconds);
int usleep(useconds_t us);

int getopt(int argc, char *const argv[], const char *optstring);
extern char *optarg;
extern int optind, opterr, optopt;

extern char **environ;

#endif
