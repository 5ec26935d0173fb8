/*
 * poll(2) over descriptors (libos/socket.c). Sockets report what the
 * stack says. Other descriptors (console, pipes, files) join when the
 * file-descriptor table gives them a poll operation; until then they
 * report POLLNVAL. A thread that wants the console meanwhile reads it
 * with getchar, which blocks only that thread.
 */
#ifndef CHITIN_POLL_H
#define CHITIN_POLL_H

#define POLLIN		0x001
#define POLLPRI		0x002
#define POLLOUT		0x004
#define POLLERR		0x008
#define POLLHUP		0x010
#define POLLNVAL	0x020
#define POLLRDNORM	0x040
#define POLLWRNORM	0x100

typedef unsigned long nfds_t;

struct pollfd {
	int fd;			/* < 0: ignored */
	short events;		/* what to wait for */
	short revents;		/* what is true (POLLERR/HUP/NVAL always count) */
};

/* Waits up to timeout_ms (< 0: for ever; 0: not at all) until one of
 * fds has an event; returns how many have revents set, 0 on timeout. */
int poll(struct pollfd *fds, nfds_t n, int timeout_ms);

#endif
