/*
 * BSD sockets for programs (libos/socket.c over the stack in net/).
 *
 * Sockets are file descriptors (fd.h): read, write, close, dup, poll
 * and fcntl(O_NONBLOCK) work on them. The calls return -1 and set errno
 * on failure, as POSIX says. Blocking calls block the calling thread
 * only (the stack runs in a network thread of the program's own: see
 * <sock.h>). Option levels and names are Linux's numbers; Chitin's own
 * TCP knobs (what Linux sets only system-wide) are TCP_* in
 * <netinet/tcp.h>.
 */
#ifndef CHITIN_SYS_SOCKET_H
#define CHITIN_SYS_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/time.h>

typedef uint32_t socklen_t;
typedef uint16_t sa_family_t;

#define AF_UNSPEC	0
#define AF_INET		2
#define PF_INET		AF_INET

#define SOCK_STREAM	1
#define SOCK_DGRAM	2
#define SOCK_RAW	3	/* with IPPROTO_ICMP: echo requests (ping) */
#define SOCK_NONBLOCK	04000	/* or-ed into type: O_NONBLOCK from the start */
#define SOCK_CLOEXEC	02000000	/* accepted; there is no exec */

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

struct sockaddr_storage {
	sa_family_t ss_family;
	char ss_data[126];
};

/* levels */
#define SOL_SOCKET	1
/* SOL_SOCKET names (int values unless said otherwise) */
#define SO_REUSEADDR	2
#define SO_TYPE		3
#define SO_ERROR	4	/* reads and clears the pending error (an errno) */
#define SO_SNDBUF	7
#define SO_RCVBUF	8
#define SO_KEEPALIVE	9
#define SO_LINGER	13	/* struct linger */
#define SO_RCVTIMEO	20	/* struct timeval; 0: wait for ever */
#define SO_SNDTIMEO	21	/* struct timeval */
#define SO_ACCEPTCONN	30

struct linger {
	int l_onoff;
	int l_linger;		/* seconds; 0 with l_onoff: close sends RST */
};

/* send/recv flags */
#define MSG_PEEK	0x02
#define MSG_DONTWAIT	0x40	/* this call does not block */
#define MSG_WAITALL	0x100	/* recv: wait for len bytes (or EOF, error) */
#define MSG_NOSIGNAL	0x4000	/* accepted, meaningless: there are no signals */
#define MSG_MORE	0x8000	/* send: more follows, hold a partial segment */

/* shutdown how */
#define SHUT_RD		0
#define SHUT_WR		1
#define SHUT_RDWR	2

#define SOMAXCONN	128

int socket(int domain, int type, int protocol);
int bind(int s, const struct sockaddr *addr, socklen_t len);
int listen(int s, int backlog);
int accept(int s, struct sockaddr *addr, socklen_t *len);
int connect(int s, const struct sockaddr *addr, socklen_t len);
ssize_t send(int s, const void *buf, size_t len, int flags);
ssize_t recv(int s, void *buf, size_t len, int flags);
ssize_t sendto(int s, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen);
ssize_t recvfrom(int s, void *buf, size_t len, int flags,
		 struct sockaddr *from, socklen_t *fromlen);
int shutdown(int s, int how);
int setsockopt(int s, int level, int name, const void *val, socklen_t len);
int getsockopt(int s, int level, int name, void *val, socklen_t *len);
int getsockname(int s, struct sockaddr *addr, socklen_t *len);
int getpeername(int s, struct sockaddr *addr, socklen_t *len);

#endif
