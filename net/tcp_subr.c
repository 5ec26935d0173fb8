/*
 * TCP lifecycle: control blocks and their lookup, initial sequence
 * numbers, ports, the user calls of RFC 9293 3.10.1-3.10.6 (OPEN, SEND,
 * RECEIVE, CLOSE, ABORT) and tearing connections down.
 */
#include "net/tcp.h"

uint32_t
tcp_ms(struct netstack *ns)
{
	return (uint32_t)((netglue_now_us() - ns->ns_boot_us) / 1000);
}

struct tcpcb *
tcp_newtcb(struct netstack *ns, const struct tcp_tune *tune)
{
	struct tcpcb *tp = netglue_alloc(sizeof(*tp));

	if (tp == NULL)
		return NULL;
	tp->t_ns = ns;
	tp->t_tune = *tune;
	tp->t_ccops = tcp_cc_find(ns, tune->cc);
	if (tp->t_ccops == NULL)
		tp->t_ccops = &tcp_cc_cubic;
	tp->t_state = TCPS_CLOSED;
	tp->t_rto = tune->rto_init_us;
	tp->t_maxseg = TCP_DEFAULT_MSS;
	tp->t_born = netglue_now_us();
	tp->t_rcvtime = tp->t_born;
	tp->ts_offset = net_random32();
	tp->t_next = ns->ns_tcbs;
	ns->ns_tcbs = tp;
	ns->ns_ntcbs++;
	return tp;
}

/* Sizes the rings as the tuning asks, without allocating them: enough
 * to advertise a window and pick a window scale. */
static void
tcp_size_buffers(struct tcpcb *tp)
{
	if (tp->sb_buf == NULL)
		tp->sb_cap = tp->t_tune.sndbuf;
	if (tp->rb_buf == NULL)
		tp->rb_cap = tp->t_tune.rcvbuf;
}

/* Allocates the rings the tuning asks for (once). -NET_ENOMEM */
int
tcp_buffers(struct tcpcb *tp)
{
	tcp_size_buffers(tp);
	if (tp->sb_buf == NULL)
		tp->sb_buf = netglue_alloc(tp->sb_cap);
	if (tp->rb_buf == NULL)
		tp->rb_buf = netglue_alloc(tp->rb_cap);
	if (tp->sb_buf == NULL || tp->rb_buf == NULL) {
		NSTAT(tp->t_ns, tcp_nomem);
		return -NET_ENOMEM;
	}
	return 0;
}

/* An orphan in TIME-WAIT keeps only its sequence state: everything it
 * sent was acknowledged and it accepts no more data (tcps_can_rcv), so
 * its rings go now rather than after 2 MSL. Without this a server that
 * closes first holds sndbuf + rcvbuf per connection for a minute, and
 * a busy one runs out of memory (as Linux's TIME-WAIT minisocks avoid). */
void
tcp_release_buffers(struct tcpcb *tp)
{
	netglue_free(tp->sb_buf);
	netglue_free(tp->rb_buf);
	tp->sb_buf = NULL;
	tp->rb_buf = NULL;
}

static void
tcp_unlink(struct tcpcb *tp)
{
	struct tcpcb **pp;

	for (pp = &tp->t_ns->ns_tcbs; *pp; pp = &(*pp)->t_next) {
		if (*pp == tp) {
			*pp = tp->t_next;
			tp->t_ns->ns_ntcbs--;
			return;
		}
	}
}

/* Takes tp off its listener's queues. */
static void
tcp_orphan_from_parent(struct tcpcb *tp)
{
	struct tcpcb *lp = tp->t_parent, **pp;

	if (lp == NULL)
		return;
	if (tp->t_state == TCPS_SYN_RECEIVED)
		lp->t_synq--;
	for (pp = &lp->t_acceptq; *pp; pp = &(*pp)->t_qnext) {
		if (*pp == tp) {
			*pp = tp->t_qnext;
			lp->t_qlen--;
			break;
		}
	}
	tp->t_parent = NULL;
	tp->t_qnext = NULL;
}

/* Frees tp and, for a listener, every connection it has not handed out. */
void
tcp_free(struct tcpcb *tp)
{
	struct tcpcb *c, *next;

	if (tp->t_state == TCPS_LISTEN) {
		for (c = tp->t_ns->ns_tcbs; c; c = next) {
			next = c->t_next;
			if (c->t_parent == tp) {
				tcp_orphan_from_parent(c);
				if (tcps_synchronized(c->t_state))
					tcp_send_rst(c);
				tcp_free(c);	/* frees c only: next stays valid */
			}
		}
	}
	tcp_orphan_from_parent(tp);
	tcp_unlink(tp);
	netglue_free(tp->sb_buf);
	netglue_free(tp->rb_buf);
	netglue_free(tp);
}

void
tcp_free_all(struct netstack *ns)
{
	while (ns->ns_tcbs) {
		struct tcpcb *tp = ns->ns_tcbs;
		tp->t_state = TCPS_CLOSED;	/* no RSTs, no recursion */
		tp->t_parent = NULL;
		tcp_unlink(tp);
		netglue_free(tp->sb_buf);
		netglue_free(tp->rb_buf);
		netglue_free(tp);
	}
}

void
tcp_set_state(struct tcpcb *tp, int state)
{
	if (tp->t_state == TCPS_SYN_RECEIVED && tp->t_parent)
		tp->t_parent->t_synq--;
	if (state == TCPS_SYN_RECEIVED && tp->t_parent)
		tp->t_parent->t_synq++;
	tp->t_state = state;
}

struct tcpcb *
tcp_drop(struct tcpcb *tp, int error)
{
	int i;

	if (error)
		tp->t_error = error;
	for (i = 0; i < TT_N; i++)
		tp->t_timer[i] = 0;
	tcp_set_state(tp, TCPS_CLOSED);
	if (tp->t_sock == NULL)
		tcp_free(tp);
	else
		tcp_orphan_from_parent(tp);
	return NULL;
}

struct tcpcb *
tcp_close(struct tcpcb *tp)
{
	return tcp_drop(tp, 0);
}

/* The connection (want_listener: or listener) a segment belongs to; a
 * fully specified match beats a listener, a listener bound to the
 * address beats a wildcard one. */
struct tcpcb *
tcp_lookup(struct netstack *ns, uint32_t laddr, uint16_t lport,
	uint32_t faddr, uint16_t fport, int want_listener)
{
	struct tcpcb *tp, *wild = NULL;

	for (tp = ns->ns_tcbs; tp; tp = tp->t_next) {
		if (tp->lport != lport || tp->t_state == TCPS_CLOSED)
			continue;
		if (tp->t_state == TCPS_LISTEN) {
			if (want_listener && (tp->laddr == laddr ||
			    (tp->laddr == 0 && wild == NULL)))
				wild = tp;
			continue;
		}
		if (tp->fport == fport && tp->faddr == faddr && tp->laddr == laddr)
			return tp;
	}
	return wild;
}

/* RFC 9293 3.4.1 (from RFC 6528): ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey), M a 4-microsecond timer and F a
 * keyed PRF (SipHash). */
uint32_t
tcp_new_isn(struct netstack *ns, uint32_t la, uint16_t lp, uint32_t fa, uint16_t fp)
{
	uint8_t tuple[12];

	put32(tuple, la);
	put16(tuple + 4, lp);
	put32(tuple + 6, fa);
	put16(tuple + 10, fp);
	return (uint32_t)(netglue_now_us() / 4) +
		(uint32_t)net_siphash(ns->ns_isn_key, tuple, sizeof(tuple));
}

int
tcp_port_in_use(struct netstack *ns, uint32_t laddr, uint16_t lport, int listeners_only)
{
	struct tcpcb *tp;

	for (tp = ns->ns_tcbs; tp; tp = tp->t_next) {
		if (tp->lport != lport)
			continue;
		if (listeners_only && tp->t_state != TCPS_LISTEN)
			continue;
		if (tp->laddr == 0 || laddr == 0 || tp->laddr == laddr)
			return 1;
	}
	return 0;
}

/* A local port for a connection to (faddr, fport): RFC 6056 3.3.1's
 * simple sequential search from a random start. 0 if none is free. */
uint16_t
tcp_ephemeral_port(struct netstack *ns, uint32_t laddr, uint32_t faddr, uint16_t fport)
{
	uint16_t port;
	int i;

	for (i = 0; i < 16384; i++) {
		port = ns->ns_next_port++;
		if (ns->ns_next_port < 49152)
			ns->ns_next_port = 49152;
		if (port < 49152)
			continue;
		if (!tcp_port_in_use(ns, laddr, port, 0))
			return port;
	}
	(void)faddr;
	(void)fport;
	return 0;
}

uint8_t
tcp_pick_wscale(uint32_t rcvbuf)
{
	uint8_t s = 0;

	while (s < TCP_MAX_WSHIFT && (rcvbuf >> s) > 65535)
		s++;
	return s;
}

/* The sender MSS: the peer's offer (RFC 9293 3.7.1: 536 without one),
 * our MTU's and the tuning's clamp, less the timestamp option that every
 * segment will carry (RFC 7323 2.2 leaves that to the sender). */
void
tcp_set_mss(struct tcpcb *tp, uint16_t peer_mss, int have_peer_mss)
{
	uint32_t mss = have_peer_mss ? peer_mss : TCP_DEFAULT_MSS;

	mss = NET_MIN(mss, (uint32_t)tp->t_mss_offer);
	if (mss < TCP_MSS_MIN)
		mss = TCP_MSS_MIN;
	if (tp->t_flags & TF_TS)
		mss -= 12;
	tp->t_maxseg = (uint16_t)mss;
}

/* The MSS we advertise: the MTU's, clamped by the tuning. */
static uint16_t
tcp_mss_offer(struct tcpcb *tp)
{
	uint32_t mss = (uint32_t)tp->t_ns->ns_mtu - IP_HLEN - TCP_HLEN;

	if (tp->t_tune.mss && tp->t_tune.mss < mss)
		mss = tp->t_tune.mss;
	return (uint16_t)NET_MAX(mss, (uint32_t)TCP_MSS_MIN);
}

void
tcp_init_cc(struct tcpcb *tp)
{
	struct tcp_cc *cc = &tp->t_cc;

	memset(cc, 0, sizeof(*cc));
	cc->mss = tp->t_maxseg;
	cc->iw = tp->t_tune.iw * tp->t_maxseg;
	cc->now_us = netglue_now_us();
	tp->t_ccops->init(cc);
	tp->snd_recover = tp->iss;	/* RFC 6582 3.2: recover starts at ISS */
}

/* Common set-up of a connection about to send its SYN or SYN-ACK; its
 * rings are sized (tcp_size_buffers), not necessarily allocated. */
static void
tcp_prepare_open(struct tcpcb *tp)
{
	tcp_size_buffers(tp);
	tp->iss = tcp_new_isn(tp->t_ns, tp->laddr, tp->lport, tp->faddr, tp->fport);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->sb_seq = tp->iss + 1;
	tp->snd_recover = tp->iss;
	tp->t_mss_offer = tcp_mss_offer(tp);
	tp->rcv_wscale = tp->t_tune.wscale ? tcp_pick_wscale(tp->rb_cap) : 0;
}

/* OPEN, active (RFC 9293 3.10.1). */
int
tcp_usr_connect(struct tcpcb *tp, uint32_t faddr, uint16_t fport)
{
	struct netstack *ns = tp->t_ns;

	if (tp->t_state == TCPS_SYN_SENT)
		return -NET_EALREADY;
	if (tp->t_state != TCPS_CLOSED)
		return -NET_EISCONN;
	if (faddr == 0 || fport == 0 || net_is_bcast(ns, faddr))
		return -NET_EINVAL;
	if (ns->ns_if.addr == 0)
		return -NET_ENETUNREACH;
	if (tp->laddr == 0)
		tp->laddr = ip_source_for(ns, faddr);
	if (tp->lport == 0)
		tp->lport = tcp_ephemeral_port(ns, tp->laddr, faddr, fport);
	if (tp->lport == 0)
		return -NET_EADDRNOTAVAIL;
	if (tcp_lookup(ns, tp->laddr, tp->lport, faddr, fport, 0))
		return -NET_EADDRINUSE;
	tp->faddr = faddr;
	tp->fport = fport;
	if (tcp_buffers(tp) < 0)
		return -NET_ENOMEM;
	tcp_prepare_open(tp);
	tp->t_error = 0;
	tcp_set_state(tp, TCPS_SYN_SENT);
	NSTAT(ns, tcp_connects);
	tcp_output(tp);
	return -NET_EINPROGRESS;
}

/*
 * Passive set-up of a new connection from a SYN (tcp_input.c). An embryo
 * gets no rings: they are allocated when the handshake completes
 * (tcp_in_ack), so a half-open connection costs its control block only.
 * RFC 4987 3.3: a SYN flood then cannot tie up sndbuf + rcvbuf per
 * spoofed SYN, and answering a SYN does not map and zero half a
 * megabyte, which made the stack drain a flood's frames so slowly that
 * the kernel dropped a real client's SYN behind them.
 */
void
tcp_prepare_passive(struct tcpcb *tp)
{
	tcp_prepare_open(tp);
}

/* OPEN, passive. */
int
tcp_usr_listen(struct tcpcb *tp, int backlog)
{
	if (tp->t_state == TCPS_LISTEN) {
		tp->t_qlimit = NET_MAX(1, NET_MIN(backlog, 4096));
		return 0;
	}
	if (tp->t_state != TCPS_CLOSED || tp->t_error)
		return -NET_EINVAL;
	if (tp->lport == 0)
		return -NET_EDESTADDRREQ;
	if (tcp_port_in_use(tp->t_ns, tp->laddr, tp->lport, 1))
		return -NET_EADDRINUSE;
	tp->t_qlimit = NET_MAX(1, NET_MIN(backlog, 4096));
	tcp_set_state(tp, TCPS_LISTEN);
	return 0;
}

/* CLOSE of the send side (RFC 9293 3.10.4): FIN after the queued data. */
void
tcp_usr_shutdown_wr(struct tcpcb *tp)
{
	switch (tp->t_state) {
	case TCPS_LISTEN:
	case TCPS_SYN_SENT:
		tcp_close(tp);
		return;
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tp->t_flags |= TF_WANTFIN;
		tcp_set_state(tp, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		tp->t_flags |= TF_WANTFIN;
		tcp_set_state(tp, TCPS_LAST_ACK);
		break;
	default:
		return;
	}
	tcp_output(tp);
}

/* The socket is going away. Unread data, or abortive (SO_LINGER 0),
 * resets the connection (RFC 9293 3.10.5 ABORT; RFC 1122 4.2.2.13);
 * otherwise it closes gracefully and finishes on its own. */
void
tcp_usr_close(struct tcpcb *tp, int abortive)
{
	tp->t_sock = NULL;
	tp->t_flags |= TF_RDSHUT;
	if (tp->t_state == TCPS_CLOSED || tp->t_state == TCPS_LISTEN ||
	    tp->t_state == TCPS_SYN_SENT) {
		tcp_set_state(tp, TCPS_CLOSED);
		tcp_free(tp);
		return;
	}
	if (abortive || tp->rb_len > 0) {
		if (tp->t_state != TCPS_TIME_WAIT)
			tcp_send_rst(tp);
		tcp_drop(tp, NET_ECONNABORTED);
		return;
	}
	tcp_usr_shutdown_wr(tp);
	/* an orphan must not wait forever for the peer's FIN */
	if (tp->t_state == TCPS_FIN_WAIT_2)
		tcp_timer_set(tp, TT_2MSL, tp->t_tune.timewait_us);
	if (tp->t_state == TCPS_TIME_WAIT)
		tcp_release_buffers(tp);
}

static void
sb_write(struct tcpcb *tp, const uint8_t *src, uint32_t len)
{
	uint32_t pos = (tp->sb_head + tp->sb_len) % tp->sb_cap;
	uint32_t first = NET_MIN(len, tp->sb_cap - pos);

	memcpy(tp->sb_buf + pos, src, first);
	memcpy(tp->sb_buf, src + first, len - first);
	tp->sb_len += len;
}

/* SEND (RFC 9293 3.10.2): queues what fits. */
long
tcp_usr_send(struct tcpcb *tp, const void *buf, size_t len, int flags)
{
	uint32_t n;

	if (tp->t_error)
		return -tp->t_error;
	if (!tcps_can_snd(tp->t_state) || (tp->t_flags & TF_WANTFIN))
		return tp->t_state == TCPS_CLOSED ? -NET_ENOTCONN : -NET_EPIPE;
	n = (uint32_t)NET_MIN(len, (size_t)(tp->sb_cap - tp->sb_len));
	if (n == 0)
		return len == 0 ? 0 : -NET_EAGAIN;
	sb_write(tp, buf, n);
	if (flags & NET_MSG_MORE)
		tp->t_flags |= TF_MORE;
	else
		tp->t_flags &= ~TF_MORE;
	if (tcps_synchronized(tp->t_state))
		tcp_output(tp);
	return (long)n;
}

/* RECEIVE (RFC 9293 3.10.3). 0 at end of stream. */
long
tcp_usr_recv(struct tcpcb *tp, void *buf, size_t len, int flags)
{
	uint32_t n, first;

	if (tp->rb_len == 0) {
		if (tp->t_error)
			return -tp->t_error;
		if ((tp->t_flags & TF_RCVD_FIN) || (tp->t_flags & TF_RDSHUT))
			return 0;
		if (tp->t_state == TCPS_CLOSED)
			return -NET_ENOTCONN;
		return -NET_EAGAIN;
	}
	n = (uint32_t)NET_MIN(len, (size_t)tp->rb_len);
	first = NET_MIN(n, tp->rb_cap - tp->rb_head);
	memcpy(buf, tp->rb_buf + tp->rb_head, first);
	memcpy((uint8_t *)buf + first, tp->rb_buf, n - first);
	if (flags & NET_MSG_PEEK)
		return (long)n;
	tp->rb_head = (tp->rb_head + n) % tp->rb_cap;
	tp->rb_len -= n;
	if (tcps_synchronized(tp->t_state))
		tcp_output(tp);		/* perhaps a window update */
	return (long)n;
}

void
tcp_fill_info(struct tcpcb *tp, struct net_tcp_info *ti)
{
	memset(ti, 0, sizeof(*ti));
	ti->state = (uint8_t)tp->t_state;
	ti->opt_sack = (tp->t_flags & TF_SACK) != 0;
	ti->opt_tstamp = (tp->t_flags & TF_TS) != 0;
	ti->snd_wscale = tp->snd_wscale;
	ti->rcv_wscale = tp->rcv_wscale;
	ti->in_recovery = (tp->t_flags & TF_RECOVERY) != 0;
	ti->mss = tp->t_maxseg;
	ti->cwnd = tp->t_cc.cwnd;
	ti->ssthresh = tp->t_cc.ssthresh;
	ti->srtt_us = tp->t_srtt;
	ti->rttvar_us = tp->t_rttvar;
	ti->rto_us = tp->t_rto;
	ti->min_rtt_us = tp->t_min_rtt;
	ti->snd_wnd = tp->snd_wnd;
	ti->rcv_wnd = tcps_synchronized(tp->t_state) ? tcp_rcv_space(tp) : 0;
	ti->unacked = tp->snd_max - tp->snd_una;
	ti->sacked = tp->t_sacked_bytes;
	ti->bytes_sent = tp->st_bytes_sent;
	ti->bytes_acked = tp->st_bytes_acked;
	ti->bytes_received = tp->st_bytes_rcvd;
	ti->segs_out = tp->st_segs_out;
	ti->segs_in = tp->st_segs_in;
	ti->rexmits = tp->st_rexmits;
	ti->fast_rexmits = tp->st_fast_rexmits;
	ti->rtos = tp->st_rtos;
	ti->dsacks_rx = tp->st_dsacks;
	ti->ooo_segs = tp->st_ooo;
	ti->loss_cwnd = tp->st_loss_cwnd;
	ti->loss_flight = tp->st_loss_flight;
	ti->loss_ssthresh = tp->st_loss_ssthresh;
	memcpy(ti->cc, tp->t_ccops->name, strlen(tp->t_ccops->name) + 1);
	ti->tune = tp->t_tune;
}

const char *
tcp_state_name(int state)
{
	static const char *const names[] = {
		"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
		"CLOSE_WAIT", "FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2",
		"TIME_WAIT",
	};

	if (state < 0 || state > TCPS_TIME_WAIT)
		return "?";
	return names[state];
}
