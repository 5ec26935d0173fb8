/*
 * TCP options for setsockopt/getsockopt at level IPPROTO_TCP: Linux's
 * names and numbers, then Chitin's own for the knobs Linux sets only
 * system-wide (per-application tuning: net/README.md). The values are
 * net/socket.h's NET_TCP_*.
 */
#ifndef CHITIN_NETINET_TCP_H
#define CHITIN_NETINET_TCP_H

#include "net/socket.h"

#define TCP_NODELAY		NET_TCP_NODELAY		/* int: Nagle off */
#define TCP_MAXSEG		NET_TCP_MAXSEG		/* int: MSS clamp */
#define TCP_KEEPIDLE		NET_TCP_KEEPIDLE	/* int seconds */
#define TCP_KEEPINTVL		NET_TCP_KEEPINTVL	/* int seconds */
#define TCP_KEEPCNT		NET_TCP_KEEPCNT		/* int */
#define TCP_INFO		NET_TCP_INFO		/* struct tcp_info (get) */
#define TCP_QUICKACK		NET_TCP_QUICKACK	/* int: 1 = delayed ACK off */
#define TCP_CONGESTION		NET_TCP_CONGESTION	/* module name (string) */
#define TCP_USER_TIMEOUT	NET_TCP_USER_TIMEOUT	/* int milliseconds */
/* Chitin's own */
#define TCP_INITCWND		NET_TCP_INITCWND	/* int segments */
#define TCP_SACK		NET_TCP_SACK		/* int 0/1 */
#define TCP_TIMESTAMPS		NET_TCP_TIMESTAMPS	/* int 0/1 */
#define TCP_WSCALE		NET_TCP_WSCALE		/* int 0/1 */
#define TCP_DELACK		NET_TCP_DELACK		/* int 0/1 */
#define TCP_DELACK_MS		NET_TCP_DELACK_MS
#define TCP_RTO_MIN_MS		NET_TCP_RTO_MIN_MS
#define TCP_RTO_MAX_MS		NET_TCP_RTO_MAX_MS
#define TCP_RTO_INIT_MS		NET_TCP_RTO_INIT_MS
#define TCP_TIMEWAIT_MS		NET_TCP_TIMEWAIT_MS
#define TCP_DUPTHRESH		NET_TCP_DUPTHRESH

/* TCP_INFO fills Chitin's struct (state, windows, RTT, counters, the
 * socket's tuning), not Linux's layout. */
#define tcp_info net_tcp_info

#endif
