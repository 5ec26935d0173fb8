/*
 * net/: a TCP/IP stack as a library. Each application owns one stack
 * (struct netstack) on its own NIC channel, with its own tuning.
 *
 * Driving it: hand every received Ethernet frame to net_input(); call
 * net_timer() when the time it last returned has come (or whenever it is
 * convenient: it does only what is due). Both are cheap when there is
 * nothing to do. The stack sends frames through the interface's output
 * function and reads time through netglue_now_us(). It is not reentrant:
 * the caller serializes every call into one stack (one lock or one thread).
 *
 * Addresses and ports in this API are in host byte order.
 *
 * Sockets: net/socket.h. Congestion-control modules: net/cc.h.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stddef.h>
#include <stdint.h>
#include "net/stats.h"

struct netstack;

/* Error codes (returned negated). The numbers are Linux's errno values so
 * that host tools can print them; libos maps them to its own. */
#define NET_ENOENT		2
#define NET_EBADF		9
#define NET_EAGAIN		11
#define NET_ENOMEM		12
#define NET_EINVAL		22
#define NET_EMFILE		24
#define NET_EPIPE		32
#define NET_EDESTADDRREQ	89
#define NET_EMSGSIZE		90
#define NET_ENOPROTOOPT		92
#define NET_EPROTONOSUPPORT	93
#define NET_EOPNOTSUPP		95
#define NET_EAFNOSUPPORT	97
#define NET_EADDRINUSE		98
#define NET_EADDRNOTAVAIL	99
#define NET_ENETUNREACH		101
#define NET_ECONNABORTED	103
#define NET_ECONNRESET		104
#define NET_ENOBUFS		105
#define NET_EISCONN		106
#define NET_ENOTCONN		107
#define NET_ETIMEDOUT		110
#define NET_ECONNREFUSED	111
#define NET_EHOSTUNREACH	113
#define NET_EALREADY		114
#define NET_EINPROGRESS		115

/* "connection refused" for NET_ECONNREFUSED; "error N" for others. */
const char *net_strerror(int err);

/* The one interface a stack has. */
struct net_ifconfig {
	uint8_t mac[6];
	uint32_t addr;		/* 0 until configured (DHCP) */
	uint32_t netmask;
	uint32_t gateway;	/* 0: none */
	uint16_t mtu;		/* IP MTU; 0 means 1500 */
	/* Sends one Ethernet frame (no FCS); returns 0, or < 0 if dropped. */
	int (*output)(void *ctx, const void *frame, size_t len);
	void *ctx;
	/* Frames arrive with verified checksums (NIC offload, or a fuzzer
	 * that cannot compute them): skip verifying them. */
	int rx_csum_trusted;
	/* TCP segmentation offload, NULL if the NIC has none: sends one
	 * Ethernet + IPv4 + TCP frame of up to NET_TSO_MAX payload bytes for
	 * the NIC to cut into segments of mss payload bytes, each with the
	 * headers repeated (the IP identification counting up, FIN and PSH
	 * on the last only), and to checksum: the TCP checksum field holds
	 * the pseudo-header sum of the whole frame, folded, not complemented.
	 * Returns 0, or < 0 when nothing was sent (the stack then sends
	 * MSS-sized segments itself). */
	int (*output_tso)(void *ctx, const void *frame, size_t len, unsigned mss);
	/* With output_tso, optional: a buffer of NET_TSO_FRAME bytes to
	 * build the next TSO frame in, which output_tso then sends without
	 * copying it; NULL: the stack builds in its own. */
	void *(*tso_buf)(void *ctx);
};
/* The largest TSO payload: one IP datagram with full TCP options, and
 * at most NET_TSO_SEGS_MAX segments of at least NET_TSO_MSS_MIN bytes
 * (kern/abi/nic.h's NIC_TSO_SEGS_MAX and NIC_TSO_MSS_MIN). */
#define NET_TSO_MAX	(65535 - 20 - 60)
#define NET_TSO_SEGS_MAX 64
#define NET_TSO_MSS_MIN	64
#define NET_TSO_FRAME	(14 + 65535)	/* Ethernet header, the datagram */

/*
 * TCP tuning: every knob Linux makes system-wide, per application (the
 * stack's defaults, struct netstack's ns_tune) and per socket (a copy
 * taken at socket(), changed with setsockopt). Times are microseconds.
 */
struct tcp_tune {
	char cc[16];		/* congestion-control module ("newreno", "cubic") */
	uint32_t iw;		/* initial window in segments (RFC 6928: 10) */
	uint8_t sack;		/* offer and accept SACK (RFC 2018/2883) */
	uint8_t tstamp;		/* offer and accept timestamps (RFC 7323) */
	uint8_t wscale;		/* offer and accept window scaling (RFC 7323) */
	uint8_t delack;		/* delay ACKs (RFC 1122 4.2.3.2) */
	uint8_t nodelay;	/* Nagle's algorithm off (RFC 896) */
	uint8_t keepalive;	/* send keepalives (RFC 1122 4.2.3.6) */
	uint8_t tso;		/* hand the NIC large segments (output_tso) */
	uint32_t delack_us;	/* delayed-ACK timeout (< 500 ms) */
	uint32_t rto_min_us;	/* RFC 6298 2.4: 1 s; we default lower, as Linux */
	uint32_t rto_max_us;	/* RFC 6298 2.5: at least 60 s */
	uint32_t rto_init_us;	/* RFC 6298 2.1: 1 s */
	uint32_t sndbuf;	/* send buffer, bytes */
	uint32_t rcvbuf;	/* receive buffer = the largest window, bytes */
	uint32_t mss;		/* clamp on the MSS we offer and use; 0: MTU's */
	uint32_t keep_idle_us;	/* idle before the first probe (>= 2 h per RFC 1122) */
	uint32_t keep_intvl_us;	/* between probes */
	uint32_t keep_cnt;	/* unanswered probes before the connection drops */
	uint32_t timewait_us;	/* TIME-WAIT length (2 MSL) */
	uint32_t user_timeout_us; /* RFC 9293 3.10.8 USER TIMEOUT; 0: use rexmt_max */
	uint32_t rexmt_max;	/* retransmissions before giving up (R2, RFC 1122) */
	uint32_t syn_rexmt_max;	/* ... of a SYN or SYN-ACK */
	uint32_t dupthresh;	/* duplicate ACKs that start fast retransmit (3) */
};

/* The defaults: CUBIC, IW 10, SACK, timestamps and window scaling on,
 * delayed ACK 40 ms, Nagle on, RTO 200 ms..60 s (initial 1 s), 256 KiB
 * buffers, keepalive off (2 h/75 s/9), TIME-WAIT 60 s, TSO where the
 * interface has it. */
void tcp_tune_defaults(struct tcp_tune *t);
/* Sets one knob by name from text ("cc", "cubic"; "iw", "2";
 * "delack_ms", "0"...). Returns 0, -NET_ENOENT for an unknown key,
 * -NET_EINVAL for a bad value. tcp_tune_keys lists the names. */
int tcp_tune_set(struct tcp_tune *t, const char *key, const char *val);
extern const char *const tcp_tune_keys[];

struct net_stats {
#define NET_STATS_FIELD(name) uint64_t name;
	NET_STATS_LIST(NET_STATS_FIELD)
#undef NET_STATS_FIELD
};
/* The counter names, in struct net_stats order; NET_NSTATS of them. */
extern const char *const net_stats_names[];
#define NET_NSTATS (sizeof(struct net_stats) / sizeof(uint64_t))

/* A new stack on ifc (copied). Sends a gratuitous ARP when an address is
 * configured. NULL when memory is short or ifc is unusable. */
struct netstack *net_create(const struct net_ifconfig *ifc);
/* Frees the stack and everything in it, sockets included, sending
 * nothing. */
void net_destroy(struct netstack *ns);

/* One received Ethernet frame. Never reads outside [frame, frame+len). */
void net_input(struct netstack *ns, const void *frame, size_t len);
/* Runs the timers that are due; returns when net_timer wants to run next
 * (absolute netglue_now_us() time, UINT64_MAX for never). */
uint64_t net_timer(struct netstack *ns);

/* The stack's address (0 while unconfigured), netmask and gateway. */
void net_set_addr(struct netstack *ns, uint32_t addr, uint32_t mask, uint32_t gw);
void net_get_ifconfig(struct netstack *ns, struct net_ifconfig *out);

/*
 * Applies a configuration text: words "key=value" separated by spaces,
 * tabs, newlines or commas; '#' starts a comment to the end of the line.
 * Keys: ip (a.b.c.d or a.b.c.d/len), mask, gw, mtu, dhcp (1 starts the
 * DHCP client), and every tcp_tune key (the stack's defaults for new
 * sockets). Returns 0, or the first error (the words before it applied);
 * *bad (if given) points at the offending word.
 */
int net_configure(struct netstack *ns, const char *text, const char **bad);
/* The stack's TCP defaults for new sockets (an app may change them). */
struct tcp_tune *net_tune(struct netstack *ns);

const struct net_stats *net_get_stats(struct netstack *ns);

/* DHCP (RFC 2131): starts the client; net_dhcp_state says how far it is
 * ("bound" once the address is configured). */
int net_dhcp_start(struct netstack *ns);
const char *net_dhcp_state(struct netstack *ns);

/* "a.b.c.d" <-> address; net_aton returns 0 or -NET_EINVAL. */
int net_aton(const char *s, uint32_t *addr);
char *net_ntoa(uint32_t addr, char buf[16]);

#endif
