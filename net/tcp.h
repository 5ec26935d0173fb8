/*
 * TCP internals, split by role as the files are:
 *
 *	tcp_subr.c	lifecycle: control blocks, lookup, ISNs, open, close, drop
 *	tcp_input.c	SEGMENT ARRIVES (RFC 9293 3.10.7), one handler per state
 *	tcp_output.c	what to send and building segments, options, RST
 *	tcp_timer.c	retransmission (RFC 6298), persist, keepalive,
 *			delayed ACK, TIME-WAIT
 *	tcp_sack.c	SACK scoreboard (sender) and out-of-order ranges
 *			(receiver): RFC 2018, 2883, 6675
 *	tcp_seq.h	sequence arithmetic
 *
 * Buffers: the send buffer is a ring holding the bytes from snd_una on
 * (sent and unsent); the receive buffer is a ring whose free part is the
 * window, and out-of-order data is written straight into its place there,
 * with t_ooo[] listing which ranges beyond rcv_nxt have arrived.
 */
#ifndef NET_TCP_H
#define NET_TCP_H

#include "net/netpriv.h"
#include "net/socket.h"
#include "net/tcp_seq.h"

enum tcp_state {
	TCPS_CLOSED,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT,
	TCPS_FIN_WAIT_1,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_FIN_WAIT_2,
	TCPS_TIME_WAIT,
};

/* State predicates */
static inline int tcps_synchronized(int s) { return s >= TCPS_SYN_RECEIVED; }
/* We may still receive data in s (our FIN may be out, theirs is not in) */
static inline int tcps_can_rcv(int s)
{ return s == TCPS_SYN_RECEIVED || s == TCPS_ESTABLISHED || s == TCPS_FIN_WAIT_1 || s == TCPS_FIN_WAIT_2; }
/* The application may still queue data to send */
static inline int tcps_can_snd(int s)
{ return s == TCPS_SYN_SENT || s == TCPS_SYN_RECEIVED || s == TCPS_ESTABLISHED || s == TCPS_CLOSE_WAIT; }
/* We have sent (or decided to send) our FIN */
static inline int tcps_fin_queued(int s)
{ return s >= TCPS_FIN_WAIT_1 || s == TCPS_LAST_ACK; }

/* Header flags (RFC 9293 3.1) */
#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20
#define TCP_HLEN	20
#define TCP_MAXOLEN	40

/* Options (RFC 9293 3.2, RFC 7323, RFC 2018) */
#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2
#define TCPOPT_WSCALE	3
#define TCPOPT_SACK_OK	4
#define TCPOPT_SACK	5
#define TCPOPT_TS	8
#define TCP_MAX_WSHIFT	14	/* RFC 7323 2.3 */

#define TCP_DEFAULT_MSS	536	/* RFC 9293 3.7.1: when no MSS option came */
#define TCP_MSS_MIN	64	/* we refuse smaller peer MSS values */
#define TCP_SACK_MAX	32	/* SACKed ranges the sender remembers */
#define TCP_OOO_MAX	32	/* out-of-order ranges the receiver keeps */
#define TCP_PAWS_IDLE_MS	(24ULL * 24 * 3600 * 1000)	/* RFC 7323 5.5 */

struct tcp_seg_opts {
	uint8_t has_mss, has_ws, sack_ok, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint8_t nsack;
	uint32_t tsval, tsecr;
	uint32_t sack[4][2];		/* [start, end) */
};

/* One received segment, parsed and checked (tcp_input). */
struct tcp_seg {
	uint32_t src, dst;		/* IP addresses */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t wnd;			/* raw 16-bit window field */
	const uint8_t *data;
	uint32_t dlen;
	struct tcp_seg_opts opt;
	uint8_t ttl;
};

struct tcp_range {
	uint32_t start, end;		/* [start, end) */
	uint32_t stamp;			/* receiver: when it last grew (for SACK block order) */
};

enum { TT_REXMT, TT_PERSIST, TT_KEEP, TT_DELACK, TT_2MSL, TT_N };

/* t_flags */
#define TF_ACKNOW	0x0001		/* send an ACK at the next output */
#define TF_DELACK	0x0002		/* an ACK is being delayed */
#define TF_WANTFIN	0x0004		/* the app closed its side: send FIN after the data */
#define TF_SENTFIN	0x0008		/* FIN has been sent (fin_seq valid) */
#define TF_SACK		0x0010		/* SACK negotiated */
#define TF_TS		0x0020		/* timestamps negotiated */
#define TF_WS		0x0040		/* window scaling negotiated */
#define TF_RECOVERY	0x0080		/* in fast recovery */
#define TF_RCVD_FIN	0x0100		/* the peer's FIN is in (rcv_nxt counts it) */
#define TF_OOO_FIN	0x0200		/* a FIN came beyond rcv_nxt (at rcv_fin_seq) */
#define TF_FORCE1	0x0400		/* send one byte even into a closed window (probe) */
#define TF_MORE		0x0800		/* app said more follows (MSG_MORE) */
#define TF_RDSHUT	0x1000		/* app shut its receive side */
#define TF_PASSIVE	0x2000		/* opened by a listener */
#define TF_RTO_RECOV	0x4000		/* resending after an RTO (go-back-N) */
#define TF_DSACK	0x8000		/* report dsack[] in the next ACK */

struct tcpcb {
	struct tcpcb *t_next;		/* ns_tcbs list */
	struct netstack *t_ns;
	struct nsock *t_sock;		/* NULL once the app closed it (orphan) */
	int t_state;
	uint32_t t_flags;
	int t_error;			/* pending error for the socket (NET_E*) */
	struct tcp_tune t_tune;		/* this connection's settings */
	const struct tcp_cc_ops *t_ccops;

	/* the four-tuple */
	uint32_t laddr, faddr;
	uint16_t lport, fport;

	/* listeners and the connections they made */
	struct tcpcb *t_parent;		/* our listener while embryonic or unaccepted */
	struct tcpcb *t_qnext;		/* accept queue link */
	struct tcpcb *t_acceptq;	/* listener: completed, not yet accepted */
	int t_qlen, t_qlimit;		/* listener: accept queue length, backlog */
	int t_synq;			/* listener: embryos (SYN-RECEIVED) */
	uint64_t t_born;		/* creation time (SYN queue eviction order) */

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, max_sndwnd;	/* peer's window (scaled), largest seen */
	uint32_t snd_wl1, snd_wl2;
	uint32_t fin_seq;		/* our FIN's sequence number (TF_SENTFIN) */
	uint8_t snd_wscale, rcv_wscale;
	uint16_t t_maxseg;		/* sender MSS: what we put in a segment's data */
	uint16_t t_mss_offer;		/* MSS we advertised */

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv;	/* rcv_adv: right edge last advertised */
	uint32_t last_ack_sent;
	uint32_t rcv_fin_seq;		/* TF_OOO_FIN */
	uint32_t t_segs_since_ack;	/* full segments received since our last ACK */

	/* timestamps (RFC 7323) */
	uint32_t ts_recent;
	uint64_t ts_recent_age;		/* ms clock when ts_recent was set */
	uint32_t ts_offset;		/* random per connection (RFC 7323 5.4) */

	/* RTT and RTO (RFC 6298), microseconds */
	uint32_t t_srtt, t_rttvar, t_rto;
	uint32_t t_min_rtt;
	uint32_t t_rtseq;		/* timed sequence number */
	uint64_t t_rttime;		/* when it was sent; 0: nothing timed */
	int t_rxtshift;			/* backoffs of the retransmission timer */
	uint64_t t_rxt_start;		/* first unanswered retransmission (user timeout) */
	uint64_t t_rcvtime;		/* last segment received (keepalive) */
	int t_keep_probes;
	int t_persist_shift;

	/* congestion control and loss recovery */
	struct tcp_cc t_cc;
	uint32_t t_dupacks;
	uint32_t snd_recover;		/* RFC 6582 recover */
	uint32_t t_rxt_next;		/* recovery: holes before this were resent */
	uint32_t t_rxt_pass_max;	/* snd_max when this pass over the holes began */
	struct tcp_range t_sacked[TCP_SACK_MAX];	/* sender scoreboard, sorted */
	int t_nsacked;
	uint32_t t_sacked_bytes;
	uint32_t t_prior_cwnd, t_prior_ssthresh;	/* for undo */

	/* receive side: out-of-order ranges beyond rcv_nxt, D-SACK to report */
	struct tcp_range t_ooo[TCP_OOO_MAX];
	int t_nooo;
	uint32_t t_ooo_stamp;
	uint32_t t_dsack[2];

	/* timers: absolute µs deadlines, 0 = off */
	uint64_t t_timer[TT_N];

	/* buffers */
	uint8_t *sb_buf;
	uint32_t sb_cap, sb_head, sb_len;	/* sb_head: ring index of the byte at sb_seq */
	uint32_t sb_seq;		/* sequence number of the first byte in the ring */
	uint8_t *rb_buf;
	uint32_t rb_cap, rb_head, rb_len;	/* rb_len: in-order bytes the app has not read */

	/* statistics (NET_TCP_INFO) */
	uint64_t st_bytes_sent, st_bytes_acked, st_bytes_rcvd;
	uint64_t st_segs_out, st_segs_in;
	uint64_t st_rexmits, st_fast_rexmits, st_rtos, st_dsacks, st_ooo;
	uint32_t st_loss_cwnd, st_loss_flight, st_loss_ssthresh;	/* the last fast recovery */
};

/* tcp_subr.c */
struct tcpcb *tcp_newtcb(struct netstack *ns, const struct tcp_tune *tune);
int tcp_buffers(struct tcpcb *tp);
struct tcpcb *tcp_lookup(struct netstack *ns, uint32_t laddr, uint16_t lport,
	uint32_t faddr, uint16_t fport, int want_listener);
uint32_t tcp_new_isn(struct netstack *ns, uint32_t la, uint16_t lp, uint32_t fa, uint16_t fp);
uint16_t tcp_ephemeral_port(struct netstack *ns, uint32_t laddr, uint32_t faddr, uint16_t fport);
int tcp_port_in_use(struct netstack *ns, uint32_t laddr, uint16_t lport, int listeners_only);
void tcp_set_state(struct tcpcb *tp, int state);
/* Tears the connection down: error (NET_E*, 0 for a normal close) for
 * the socket; frees the tcb if no socket holds it. Returns NULL. */
struct tcpcb *tcp_drop(struct tcpcb *tp, int error);
struct tcpcb *tcp_close(struct tcpcb *tp);
void tcp_free(struct tcpcb *tp);
void tcp_init_cc(struct tcpcb *tp);
uint32_t tcp_ms(struct netstack *ns);
void tcp_set_mss(struct tcpcb *tp, uint16_t peer_mss, int have_peer_mss);
uint8_t tcp_pick_wscale(uint32_t rcvbuf);
/* Pending error for the app; the state predicates for socket.c */
void tcp_prepare_passive(struct tcpcb *tp);
int tcp_usr_connect(struct tcpcb *tp, uint32_t faddr, uint16_t fport);
int tcp_usr_listen(struct tcpcb *tp, int backlog);
void tcp_usr_shutdown_wr(struct tcpcb *tp);
void tcp_usr_close(struct tcpcb *tp, int abortive);
long tcp_usr_send(struct tcpcb *tp, const void *buf, size_t len, int flags);
long tcp_usr_recv(struct tcpcb *tp, void *buf, size_t len, int flags);
void tcp_fill_info(struct tcpcb *tp, struct net_tcp_info *ti);

/* tcp_input.c */
void tcp_input_seg(struct netstack *ns, struct tcp_seg *s);
int tcp_parse_options(const uint8_t *p, size_t len, struct tcp_seg_opts *o, int syn);

/* tcp_output.c */
int tcp_output(struct tcpcb *tp);
/* Sends one segment of [seq, seq+len) of the send buffer with flags. */
int tcp_send_seg(struct tcpcb *tp, uint32_t seq, uint32_t len, uint8_t flags);
void tcp_send_ack(struct tcpcb *tp);
void tcp_send_challenge_ack(struct tcpcb *tp);
/* RST in answer to s, for which no connection exists (RFC 9293 3.10.7.1) */
void tcp_respond_rst(struct netstack *ns, const struct tcp_seg *s);
/* RST for a connection we are aborting */
void tcp_send_rst(struct tcpcb *tp);
uint32_t tcp_rcv_space(const struct tcpcb *tp);
uint32_t tcp_unsent(const struct tcpcb *tp);
uint32_t tcp_flight(const struct tcpcb *tp);

/* tcp_timer.c */
void tcp_timer_set(struct tcpcb *tp, int which, uint64_t delta_us);
void tcp_timer_cancel(struct tcpcb *tp, int which);
int tcp_timer_run(struct tcpcb *tp, uint64_t now);	/* 1 if tp was freed */
void tcp_rtt_sample(struct tcpcb *tp, uint32_t rtt_us);
void tcp_rto_update(struct tcpcb *tp);
uint64_t tcp_next_deadline(const struct tcpcb *tp);
void tcp_arm_rexmt(struct tcpcb *tp);
void tcp_settimewait(struct tcpcb *tp);
/* Frees an orphan TIME-WAIT connection's send and receive rings. */
void tcp_release_buffers(struct tcpcb *tp);

/* tcp_sack.c */
void tcp_sack_update(struct tcpcb *tp, const struct tcp_seg_opts *o, uint32_t ack);
void tcp_sack_clear(struct tcpcb *tp);
/* Bytes of [a, b) not SACKed */
uint32_t tcp_sack_unsacked(const struct tcpcb *tp, uint32_t a, uint32_t b);
uint32_t tcp_sack_highest(const struct tcpcb *tp);
/* The next unSACKed hole at or after from and below limit: *len bytes */
int tcp_sack_next_hole(const struct tcpcb *tp, uint32_t from, uint32_t limit,
	uint32_t *seq, uint32_t *len);
uint32_t tcp_pipe(const struct tcpcb *tp);
/* receiver: note [start, end) arrived out of order (already stored);
 * returns 0, or -1 when no range is left (the data must be dropped) */
int tcp_ooo_add(struct tcpcb *tp, uint32_t start, uint32_t end);
int tcp_ooo_covered(const struct tcpcb *tp, uint32_t start, uint32_t end);
/* after rcv_nxt moved: the ranges it reached; returns the new rcv_nxt */
uint32_t tcp_ooo_advance(struct tcpcb *tp, uint32_t rcv_nxt);
/* SACK blocks for the next ACK, most recent first (RFC 2018 4) */
int tcp_sack_blocks(struct tcpcb *tp, uint32_t out[4][2], int max);

#endif
