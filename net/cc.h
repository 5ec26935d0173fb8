/*
 * Congestion control as modules (RFC 5681 names the events). A module is
 * one operations table; NewReno (cc_newreno.c, RFC 5681/6582) and CUBIC
 * (cc_cubic.c, RFC 9438) come with the stack, and an application may
 * register its own with tcp_cc_register() and choose it by name for the
 * whole app ("cc" in net_configure) or per socket (TCP_CONGESTION).
 *
 * The stack owns loss detection and recovery (fast retransmit, SACK or
 * NewReno partial ACKs, RTO); a module only decides the window: it is
 * called with the connection's struct tcp_cc and changes cwnd/ssthresh.
 */
#ifndef NET_CC_H
#define NET_CC_H

#include <stdint.h>

struct netstack;

struct tcp_cc {
	uint32_t cwnd;		/* congestion window, bytes (the module's output) */
	uint32_t ssthresh;	/* slow-start threshold, bytes */
	uint32_t mss;		/* sender MSS (SMSS) */
	uint32_t iw;		/* initial window, bytes */
	uint32_t flight;	/* bytes in flight at this event (FlightSize) */
	uint32_t srtt_us;	/* smoothed RTT, 0 before a sample */
	uint32_t min_rtt_us;	/* smallest RTT seen, 0 before a sample */
	uint32_t cwnd_limited;	/* the sender used all of cwnd lately */
	uint64_t now_us;	/* when this event happened */
	uint64_t priv[8];	/* the module's own state */
};

struct tcp_cc_ops {
	const char *name;	/* at most 15 characters */
	/* Connection start: set cwnd = iw and ssthresh (RFC 5681 3.1). */
	void (*init)(struct tcp_cc *cc);
	/* New data acked (acked bytes), outside loss recovery. */
	void (*on_ack)(struct tcp_cc *cc, uint32_t acked);
	/* Loss detected by duplicate ACKs or SACK: set ssthresh and the cwnd
	 * to use during recovery (RFC 5681 3.2 step 2; RFC 9438 4.6). */
	void (*on_loss)(struct tcp_cc *cc);
	/* Recovery ended (the ACK covering the recovery point arrived). */
	void (*on_recovery_end)(struct tcp_cc *cc);
	/* Retransmission timeout: RFC 5681 (4); cwnd becomes 1 MSS after. */
	void (*on_rto)(struct tcp_cc *cc);
	/* An RTO or fast retransmit proved spurious (may be NULL). */
	void (*on_undo)(struct tcp_cc *cc);
};

/* The built-in modules. */
extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/* Makes ops choosable by name in this stack (ops must stay valid while
 * the stack lives). -NET_EINVAL for a bad table, -NET_EADDRINUSE (name
 * taken), -NET_ENOMEM (table of modules full). */
int tcp_cc_register(struct netstack *ns, const struct tcp_cc_ops *ops);
/* The module of that name, or NULL. */
const struct tcp_cc_ops *tcp_cc_find(struct netstack *ns, const char *name);

#endif
