/*
 * Sockets over the stack (net/socket.c): the calls BSD names, on small
 * integer descriptors private to one stack. Every call is non-blocking: a
 * call that would wait returns -NET_EAGAIN (or -NET_EINPROGRESS for
 * connect), and net_sock_poll() says when to try again. libos builds the
 * blocking, file-descriptor sockets of <sys/socket.h> on top; host
 * programs use these directly.
 *
 * Option levels and names are Linux's numbers for the names a Linux
 * programmer knows, and NET_TCP_* above 100 for the knobs Linux only sets
 * system-wide (see struct tcp_tune).
 */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include "net/net.h"

#define NET_SOCK_STREAM		1	/* TCP */
#define NET_SOCK_DGRAM		2	/* UDP */
#define NET_SOCK_ICMP		3	/* ICMP echo (ping): sendto/recvfrom echo messages */

struct net_sockaddr {
	uint32_t addr;		/* host byte order; 0 = any */
	uint16_t port;
};

/* net_sock_poll bits (the values of poll(2)) */
#define NET_POLLIN	0x001	/* recv/accept would not block */
#define NET_POLLOUT	0x004	/* send would not block; connect finished */
#define NET_POLLERR	0x008	/* an error is pending (SO_ERROR) */
#define NET_POLLHUP	0x010	/* peer closed and nothing left to read, or reset */

/* recv/send flags */
#define NET_MSG_PEEK	0x02	/* recv: leave the data queued */
#define NET_MSG_MORE	0x8000	/* send: more follows (hold a partial segment) */

/* shutdown how */
#define NET_SHUT_RD	0
#define NET_SHUT_WR	1
#define NET_SHUT_RDWR	2

/* levels */
#define NET_SOL_SOCKET	1
#define NET_IPPROTO_TCP	6
/* NET_SOL_SOCKET names */
#define NET_SO_REUSEADDR	2
#define NET_SO_TYPE		3
#define NET_SO_ERROR		4	/* reads and clears the pending error */
#define NET_SO_SNDBUF		7
#define NET_SO_RCVBUF		8
#define NET_SO_KEEPALIVE	9
#define NET_SO_LINGER		13	/* struct net_linger */
#define NET_SO_ACCEPTCONN	30
/* NET_IPPROTO_TCP names (int values unless said otherwise) */
#define NET_TCP_NODELAY		1
#define NET_TCP_MAXSEG		2
#define NET_TCP_KEEPIDLE	4	/* seconds */
#define NET_TCP_KEEPINTVL	5	/* seconds */
#define NET_TCP_KEEPCNT		6
#define NET_TCP_INFO		11	/* struct net_tcp_info (get only) */
#define NET_TCP_QUICKACK	12	/* 1: delayed ACK off */
#define NET_TCP_CONGESTION	13	/* module name, a string */
#define NET_TCP_USER_TIMEOUT	18	/* milliseconds */
/* Chitin's own: what Linux sets only system-wide */
#define NET_TCP_INITCWND	101	/* segments */
#define NET_TCP_SACK		102	/* 0/1 */
#define NET_TCP_TIMESTAMPS	103	/* 0/1 */
#define NET_TCP_WSCALE		104	/* 0/1 */
#define NET_TCP_DELACK		105	/* 0/1 */
#define NET_TCP_DELACK_MS	106
#define NET_TCP_RTO_MIN_MS	107
#define NET_TCP_RTO_MAX_MS	108
#define NET_TCP_RTO_INIT_MS	109
#define NET_TCP_TIMEWAIT_MS	110
#define NET_TCP_DUPTHRESH	111
#define NET_TCP_TSO		112	/* 0/1: segmentation offload where the NIC has it */

struct net_linger {
	int l_onoff;
	int l_linger;		/* seconds; 0 with l_onoff: close sends RST */
};

/* What the stack knows of one TCP connection (NET_TCP_INFO, netstat). */
struct net_tcp_info {
	uint8_t state;		/* TCP_ESTABLISHED etc. (tcp_state_name) */
	uint8_t opt_sack;	/* negotiated options */
	uint8_t opt_tstamp;
	uint8_t snd_wscale, rcv_wscale;
	uint8_t in_recovery;
	uint32_t mss;		/* sender MSS */
	uint32_t cwnd, ssthresh;	/* bytes */
	uint32_t srtt_us, rttvar_us, rto_us, min_rtt_us;
	uint32_t snd_wnd, rcv_wnd;	/* bytes */
	uint32_t unacked, sacked;	/* bytes in flight, of which SACKed */
	uint64_t bytes_sent, bytes_acked, bytes_received;
	uint64_t segs_out, segs_in;
	uint64_t rexmits, fast_rexmits, rtos, dsacks_rx;
	uint64_t ooo_segs;
	/* the last entry into fast recovery: cwnd and FlightSize before the
	 * module's response, ssthresh after it (0: none yet) */
	uint32_t loss_cwnd, loss_flight, loss_ssthresh;
	char cc[16];
	struct tcp_tune tune;	/* this socket's settings */
};

const char *tcp_state_name(int state);

int net_socket(struct netstack *ns, int type);
int net_bind(struct netstack *ns, int sd, const struct net_sockaddr *a);
int net_listen(struct netstack *ns, int sd, int backlog);
/* A connected socket, or -NET_EAGAIN; *peer (if given) its address. */
int net_accept(struct netstack *ns, int sd, struct net_sockaddr *peer);
/* -NET_EINPROGRESS at first; -NET_EALREADY while it goes on; then
 * -NET_EISCONN, or the error (ECONNREFUSED, ETIMEDOUT...). UDP: sets
 * the default destination at once. */
int net_connect(struct netstack *ns, int sd, const struct net_sockaddr *a);
long net_send(struct netstack *ns, int sd, const void *buf, size_t len, int flags);
/* 0 at end of stream. */
long net_recv(struct netstack *ns, int sd, void *buf, size_t len, int flags);
long net_sendto(struct netstack *ns, int sd, const void *buf, size_t len,
	int flags, const struct net_sockaddr *to);
long net_recvfrom(struct netstack *ns, int sd, void *buf, size_t len,
	int flags, struct net_sockaddr *from);
int net_shutdown(struct netstack *ns, int sd, int how);
/* Frees the descriptor. A TCP connection goes on closing by itself
 * (FIN, TIME-WAIT), or is reset when data was left unread or SO_LINGER
 * says 0 (RFC 9293 3.10.4, RFC 1122 4.2.2.13). */
int net_close(struct netstack *ns, int sd);
int net_setsockopt(struct netstack *ns, int sd, int level, int name,
	const void *val, size_t len);
/* *len: in, the room at val; out, the bytes written. */
int net_getsockopt(struct netstack *ns, int sd, int level, int name,
	void *val, size_t *len);
int net_getsockname(struct netstack *ns, int sd, struct net_sockaddr *a);
int net_getpeername(struct netstack *ns, int sd, struct net_sockaddr *a);
/* NET_POLL* bits now true of sd (NET_POLLERR|NET_POLLHUP for a bad sd). */
int net_sock_poll(struct netstack *ns, int sd);
/* Iterates descriptors in use: the first > after (-1 to start), or -1. */
int net_sock_next(struct netstack *ns, int after);

/* One line per connection or listener, as netstat prints it. */
struct net_sockdesc {
	int sd;			/* -1: no descriptor (closing, or embryonic) */
	int type;
	struct net_sockaddr local, remote;
	int tcp_state;		/* -1 for UDP/ICMP */
	uint32_t rxq, txq;	/* bytes queued */
};
/* Fills out[0..max) and returns how many exist (possibly > max). */
int net_sock_list(struct netstack *ns, struct net_sockdesc *out, int max);

#endif
