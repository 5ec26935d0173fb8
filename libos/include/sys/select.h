/* select(2), built on poll() (libos/socket.c). */
#ifndef CHITIN_SYS_SELECT_H
#define CHITIN_SYS_SELECT_H

#include <stdint.h>
#include <sys/time.h>

#define FD_SETSIZE	1024

typedef struct {
	uint64_t bits[FD_SETSIZE / 64];
} fd_set;

#define FD_ZERO(s)	__builtin_memset((s), 0, sizeof(fd_set))
#define FD_SET(fd, s)	((s)->bits[(fd) / 64] |= 1ULL << ((fd) % 64))
#define FD_CLR(fd, s)	((s)->bits[(fd) / 64] &= ~(1ULL << ((fd) % 64)))
#define FD_ISSET(fd, s)	(((s)->bits[(fd) / 64] >> ((fd) % 64)) & 1)

/* Descriptors below nfds in the sets; tv NULL waits for ever. Returns
 * how many bits are left set, 0 on timeout, or -1 and errno. */
int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv);

#endif
