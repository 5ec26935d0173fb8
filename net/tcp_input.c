/*
 * TCP input: RFC 9293 3.10.7 "SEGMENT ARRIVES", one handler per state
 * group (no connection, LISTEN, SYN-SENT, and the synchronized states,
 * whose processing runs the RFC's steps as small functions in order),
 * with RFC 5961's defences against blind RST/SYN/data injection, RFC
 * 7323's PAWS and RFC 5681/6582/6675 loss detection.
 */
#include "net/tcp.h"

#define CHALLENGE_PER_SEC	100	/* RFC 5961 7: a per-stack limit */

/* --- parsing --- */

/* Parses the options area p[0..len). Returns 0, or -1 when an option's
 * length lies (RFC 9293 3.1 and 3.2 MUST handle it without harm: we drop
 * the segment). Options only meaningful in a SYN are ignored elsewhere. */
int
tcp_parse_options(const uint8_t *p, size_t len, struct tcp_seg_opts *o, int syn)
{
	size_t i = 0, olen;
	int k;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		if (p[i] == TCPOPT_EOL)
			break;
		if (p[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return -1;
		switch (p[i]) {
		case TCPOPT_MSS:
			if (olen != 4)
				return -1;
			if (syn) {
				o->has_mss = 1;
				o->mss = get16(p + i + 2);
			}
			break;
		case TCPOPT_WSCALE:
			if (olen != 3)
				return -1;
			if (syn) {
				o->has_ws = 1;
				/* RFC 7323 2.3: larger than 14 is taken as 14 */
				o->ws = (uint8_t)NET_MIN(p[i + 2], TCP_MAX_WSHIFT);
			}
			break;
		case TCPOPT_SACK_OK:
			if (olen != 2)
				return -1;
			o->sack_ok = (uint8_t)syn;
			break;
		case TCPOPT_TS:
			if (olen != 10)
				return -1;
			o->has_ts = 1;
			o->tsval = get32(p + i + 2);
			o->tsecr = get32(p + i + 6);
			break;
		case TCPOPT_SACK:
			if (olen < 10 || (olen - 2) % 8 != 0 || olen > 34)
				return -1;
			o->nsack = (uint8_t)((olen - 2) / 8);
			for (k = 0; k < o->nsack; k++) {
				o->sack[k][0] = get32(p + i + 2 + 8 * k);
				o->sack[k][1] = get32(p + i + 6 + 8 * k);
			}
			break;
		default:
			break;		/* unknown: skipped by its length */
		}
		i += olen;
	}
	return 0;
}

void
tcp_input(struct netstack *ns, const struct ip_pkt *p)
{
	const uint8_t *h = p->data;
	struct tcp_seg s;
	size_t off;
	uint32_t sum;

	NSTAT(ns, tcp_rx);
	if (p->len < TCP_HLEN) {
		NSTAT(ns, tcp_drop_short);
		return;
	}
	off = (size_t)(h[12] >> 4) * 4;
	if (off < TCP_HLEN || off > p->len) {
		NSTAT(ns, tcp_drop_hlen);
		return;
	}
	/* RFC 1122 4.2.3.10: no TCP to broadcast or multicast addresses */
	if (net_is_bcast(ns, p->dst) || p->dst != ns->ns_if.addr) {
		NSTAT(ns, tcp_drop_bcast);
		return;
	}
	if (!ns->ns_if.rx_csum_trusted) {
		sum = net_pseudo_sum(p->src, p->dst, IPPROTO_TCP_, (uint32_t)p->len);
		if (net_csum_fold(net_csum_partial(sum, h, p->len)) != 0) {
			NSTAT(ns, tcp_drop_csum);
			return;
		}
	}
	s.src = p->src;
	s.dst = p->dst;
	s.ttl = p->ttl;
	s.sport = get16(h);
	s.dport = get16(h + 2);
	s.seq = get32(h + 4);
	s.ack = get32(h + 8);
	s.flags = h[13] & 0x3f;
	s.wnd = get16(h + 14);
	s.data = h + off;
	s.dlen = (uint32_t)(p->len - off);
	if (tcp_parse_options(h + TCP_HLEN, off - TCP_HLEN, &s.opt, s.flags & TH_SYN) < 0) {
		NSTAT(ns, tcp_drop_badopt);
		return;
	}
	tcp_input_seg(ns, &s);
}

/* --- helpers --- */

static uint32_t
seg_len(const struct tcp_seg *s)
{
	return s->dlen + ((s->flags & TH_SYN) != 0) + ((s->flags & TH_FIN) != 0);
}

/* RFC 5961 7: challenge ACKs are rate limited per stack. */
void
tcp_send_challenge_ack(struct tcpcb *tp)
{
	struct netstack *ns = tp->t_ns;
	uint64_t now = netglue_now_us();

	if (now - ns->ns_chall_time >= 1000000) {
		ns->ns_chall_time = now;
		ns->ns_chall_count = 0;
	}
	if (ns->ns_chall_count >= CHALLENGE_PER_SEC) {
		NSTAT(ns, tcp_challenge_ratelimit);
		return;
	}
	ns->ns_chall_count++;
	NSTAT(ns, tcp_challenge_ack);
	tcp_send_ack(tp);
}

/* Applies the option negotiation of a SYN we received (ours was, or
 * will be, offered per the tuning). RFC 7323 2.2/3.2, RFC 2018 2. */
static void
tcp_negotiate(struct tcpcb *tp, const struct tcp_seg *s)
{
	struct tcp_tune *t = &tp->t_tune;

	if (t->wscale && s->opt.has_ws) {
		tp->t_flags |= TF_WS;
		tp->snd_wscale = s->opt.ws;
	} else {
		tp->snd_wscale = tp->rcv_wscale = 0;
	}
	if (t->sack && s->opt.sack_ok)
		tp->t_flags |= TF_SACK;
	if (t->tstamp && s->opt.has_ts) {
		tp->t_flags |= TF_TS;
		tp->ts_recent = s->opt.tsval;
		tp->ts_recent_age = tcp_ms(tp->t_ns);
	}
	tcp_set_mss(tp, s->opt.mss, s->opt.has_mss);
}

static void
tcp_established(struct tcpcb *tp, const struct tcp_seg *s, uint32_t wnd)
{
	tp->snd_wnd = wnd;
	tp->max_sndwnd = NET_MAX(tp->max_sndwnd, wnd);
	tp->snd_wl1 = s->seq;
	tp->snd_wl2 = s->ack;
	tcp_set_state(tp, TCPS_ESTABLISHED);
	tcp_init_cc(tp);
	if (tp->t_tune.keepalive)
		tcp_timer_set(tp, TT_KEEP, tp->t_tune.keep_idle_us);
}

/* --- no connection (RFC 9293 3.10.7.1) --- */

static void
tcp_in_closed(struct netstack *ns, const struct tcp_seg *s)
{
	NSTAT(ns, tcp_drop_noport);
	if (!(s->flags & TH_RST))
		tcp_respond_rst(ns, s);
}

/* --- LISTEN (RFC 9293 3.10.7.2) --- */

/* The SYN queue is full: make room by dropping the oldest embryo (a SYN
 * flood then cannot lock real clients out for long). */
static void
tcp_synq_evict(struct tcpcb *lp)
{
	struct tcpcb *tp, *old = NULL;

	for (tp = lp->t_ns->ns_tcbs; tp; tp = tp->t_next)
		if (tp->t_parent == lp && tp->t_state == TCPS_SYN_RECEIVED &&
		    (old == NULL || tp->t_born < old->t_born))
			old = tp;
	if (old) {
		NSTAT(lp->t_ns, tcp_drop_synq);
		tcp_drop(old, 0);
	}
}

static int
tcp_synq_limit(const struct tcpcb *lp)
{
	return NET_MAX(16, NET_MIN(2 * lp->t_qlimit, 1024));
}

static void
tcp_in_listen(struct tcpcb *lp, struct tcp_seg *s)
{
	struct netstack *ns = lp->t_ns;
	struct tcpcb *tp;

	if (s->flags & TH_RST) {
		NSTAT(ns, tcp_drop_listen);
		return;
	}
	if (s->flags & TH_ACK) {
		NSTAT(ns, tcp_drop_listen);
		tcp_respond_rst(ns, s);
		return;
	}
	if (!(s->flags & TH_SYN)) {
		NSTAT(ns, tcp_drop_listen);
		return;
	}
	if (lp->t_qlen >= lp->t_qlimit) {
		NSTAT(ns, tcp_drop_backlog);
		return;
	}
	if (lp->t_synq >= tcp_synq_limit(lp))
		tcp_synq_evict(lp);
	tp = tcp_newtcb(ns, &lp->t_tune);
	if (tp == NULL) {
		NSTAT(ns, tcp_nomem);
		return;
	}
	tp->t_ccops = lp->t_ccops;
	tp->laddr = s->dst;
	tp->lport = s->dport;
	tp->faddr = s->src;
	tp->fport = s->sport;
	tp->t_parent = lp;
	tp->t_flags |= TF_PASSIVE;
	tcp_prepare_passive(tp);
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	tcp_negotiate(tp, s);
	tp->snd_wnd = s->wnd;		/* RFC 7323 2.2: a SYN's window is never scaled */
	tcp_set_state(tp, TCPS_SYN_RECEIVED);
	tp->t_rcvtime = netglue_now_us();
	tp->st_segs_in++;
	tcp_output(tp);
}

/* --- SYN-SENT (RFC 9293 3.10.7.3) --- */

static void
tcp_in_synsent(struct tcpcb *tp, struct tcp_seg *s)
{
	struct netstack *ns = tp->t_ns;
	int ack_ok = 0;

	if (s->flags & TH_ACK) {
		if (SEQ_LEQ(s->ack, tp->iss) || SEQ_GT(s->ack, tp->snd_max)) {
			NSTAT(ns, tcp_drop_synsent);
			if (!(s->flags & TH_RST))
				tcp_respond_rst(ns, s);
			return;
		}
		ack_ok = 1;
	}
	if (s->flags & TH_RST) {
		if (ack_ok) {
			NSTAT(ns, tcp_rst_rx);
			tcp_drop(tp, NET_ECONNREFUSED);
		} else {
			NSTAT(ns, tcp_drop_synsent);
		}
		return;
	}
	if (!(s->flags & TH_SYN)) {
		NSTAT(ns, tcp_drop_synsent);
		return;
	}
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	tcp_negotiate(tp, s);
	tp->t_rcvtime = netglue_now_us();
	tp->st_segs_in++;
	if (ack_ok) {
		tp->snd_una = s->ack;
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		if (tp->t_rttime)
			tcp_rtt_sample(tp, (uint32_t)(netglue_now_us() - tp->t_rttime));
		tp->t_rttime = 0;
		tp->t_rxtshift = 0;
		tcp_timer_cancel(tp, TT_REXMT);
		tcp_established(tp, s, s->wnd);
		tp->t_flags |= TF_ACKNOW;
		tcp_output(tp);
		return;
	}
	/* simultaneous open: SYN-ACK from SYN-RECEIVED, ISS again */
	tcp_set_state(tp, TCPS_SYN_RECEIVED);
	tp->snd_wnd = s->wnd;
	tp->snd_nxt = tp->iss;
	tcp_output(tp);
}

/* --- synchronized states (RFC 9293 3.10.7.4) --- */

/* RFC 7323 5.3 R1: PAWS. 1 if the segment is old and must go. */
static int
tcp_paws_reject(struct tcpcb *tp, const struct tcp_seg *s)
{
	if (!(tp->t_flags & TF_TS) || !s->opt.has_ts || (s->flags & TH_RST))
		return 0;
	if (!SEQ_LT(s->opt.tsval, tp->ts_recent))
		return 0;
	/* RFC 7323 5.5: ts_recent older than 24 days is invalid */
	if ((uint64_t)(tcp_ms(tp->t_ns) - tp->ts_recent_age) > TCP_PAWS_IDLE_MS)
		return 0;
	return 1;
}

/* The receive window the acceptability test uses. */
static uint32_t
tcp_rwnd(const struct tcpcb *tp)
{
	return tcp_rcv_space(tp);
}

/* RFC 9293 3.10.7.4 first check: is any of the segment in the window?
 * A segment starting exactly at rcv_nxt is always taken (its text is
 * trimmed to the window later): that keeps ACKs, RSTs and window probes
 * flowing while our window is zero, as the RFC asks. */
static int
tcp_seq_acceptable(const struct tcpcb *tp, const struct tcp_seg *s)
{
	uint32_t len = seg_len(s), wnd = tcp_rwnd(tp);
	uint32_t lo = tp->rcv_nxt, hi = tp->rcv_nxt + wnd;

	if (s->seq == tp->rcv_nxt)
		return 1;
	if (wnd == 0)
		return 0;
	if (len == 0)
		return SEQ_IN(s->seq, lo, hi);
	return SEQ_IN(s->seq, lo, hi) || SEQ_IN(s->seq + len - 1, lo, hi);
}

/* RFC 7323 4.3: remember the peer's timestamp to echo. */
static void
tcp_update_ts_recent(struct tcpcb *tp, const struct tcp_seg *s)
{
	if (!(tp->t_flags & TF_TS) || !s->opt.has_ts)
		return;
	if (SEQ_LEQ(s->seq, tp->last_ack_sent) &&
	    SEQ_LEQ(tp->last_ack_sent, s->seq + seg_len(s)) &&
	    SEQ_GEQ(s->opt.tsval, tp->ts_recent)) {
		tp->ts_recent = s->opt.tsval;
		tp->ts_recent_age = tcp_ms(tp->t_ns);
	}
}

/* RST processing (RFC 5961 3.2, RFC 9293 3.10.7.4 second check).
 * Returns 1 when the segment was consumed. */
static int
tcp_in_rst(struct tcpcb *tp, const struct tcp_seg *s)
{
	struct netstack *ns = tp->t_ns;

	if (!(s->flags & TH_RST))
		return 0;
	if (tp->t_state == TCPS_TIME_WAIT) {
		/* RFC 1337: no TIME-WAIT assassination */
		NSTAT(ns, tcp_drop_rst_timewait);
		return 1;
	}
	if (s->seq != tp->rcv_nxt) {
		tcp_send_challenge_ack(tp);
		return 1;
	}
	NSTAT(ns, tcp_rst_rx);
	switch (tp->t_state) {
	case TCPS_SYN_RECEIVED:
		/* passive: back to LISTEN, i.e. the embryo goes; active:
		 * refused */
		tcp_drop(tp, (tp->t_flags & TF_PASSIVE) ? 0 : NET_ECONNREFUSED);
		break;
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		tcp_close(tp);
		break;
	default:
		tcp_drop(tp, NET_ECONNRESET);
		break;
	}
	return 1;
}

/* Trims the segment's text to what is new and fits the window, noting a
 * duplicate for D-SACK (RFC 2883). */
static void
tcp_trim(struct tcpcb *tp, struct tcp_seg *s)
{
	uint32_t dup, wnd, over;

	if (SEQ_LT(s->seq, tp->rcv_nxt)) {
		dup = tp->rcv_nxt - s->seq;
		if (s->flags & TH_SYN) {
			s->flags &= (uint8_t)~TH_SYN;
			s->seq++;
			dup--;
		}
		if (dup > s->dlen || (dup == s->dlen && !(s->flags & TH_FIN))) {
			/* all old: a retransmission we already have */
			if (dup > s->dlen)
				s->flags &= (uint8_t)~TH_FIN;
			dup = s->dlen;
		}
		if (dup > 0 && (tp->t_flags & TF_SACK)) {
			tp->t_dsack[0] = s->seq;
			tp->t_dsack[1] = s->seq + dup;
			tp->t_flags |= TF_DSACK;
		}
		if (dup > 0) {
			NSTAT(tp->t_ns, tcp_dup_rx);
			tp->t_flags |= TF_ACKNOW;
		}
		s->seq += dup;
		s->data += dup;
		s->dlen -= dup;
	}
	wnd = tcp_rwnd(tp);
	if (SEQ_GT(s->seq + s->dlen, tp->rcv_nxt + wnd)) {
		over = (s->seq + s->dlen) - (tp->rcv_nxt + wnd);
		over = NET_MIN(over, s->dlen);
		s->dlen -= over;
		s->flags &= (uint8_t)~TH_FIN;
		tp->t_flags |= TF_ACKNOW;
	}
}

/* Has our FIN been acknowledged? */
static int
tcp_fin_acked(const struct tcpcb *tp)
{
	return (tp->t_flags & TF_SENTFIN) && SEQ_GT(tp->snd_una, tp->fin_seq);
}

/* Releases acknowledged bytes from the send ring. */
static void
tcp_drop_acked(struct tcpcb *tp, uint32_t ack)
{
	uint32_t n;

	if (!SEQ_GT(ack, tp->sb_seq))
		return;
	n = NET_MIN(ack - tp->sb_seq, tp->sb_len);
	tp->sb_head = (tp->sb_head + n) % tp->sb_cap;
	tp->sb_len -= n;
	tp->sb_seq += n;
	tp->st_bytes_acked += n;
}

static int tcp_ack_state(struct tcpcb *tp, const struct tcp_seg *s);

static void
tcp_enter_recovery(struct tcpcb *tp)
{
	tp->t_prior_cwnd = tp->t_cc.cwnd;
	tp->t_prior_ssthresh = tp->t_cc.ssthresh;
	tp->t_cc.flight = tp->snd_max - tp->snd_una;
	tp->t_cc.now_us = netglue_now_us();
	tp->t_ccops->on_loss(&tp->t_cc);
	tp->st_loss_cwnd = tp->t_prior_cwnd;
	tp->st_loss_flight = tp->t_cc.flight;
	tp->st_loss_ssthresh = tp->t_cc.ssthresh;
	tp->t_flags |= TF_RECOVERY;
	tp->t_flags &= ~TF_RTO_RECOV;
	tp->snd_recover = tp->snd_max;
	tp->t_rxt_next = tp->snd_una;
	tp->t_rxt_pass_max = tp->snd_max;
	tp->t_rttime = 0;		/* Karn: no sample across a retransmission */
	tp->st_fast_rexmits++;
	NSTAT(tp->t_ns, tcp_fast_rexmt);
}

/* An ACK that acknowledges nothing new (RFC 5681 2 "duplicate ACK"). */
static void
tcp_dupack(struct tcpcb *tp, const struct tcp_seg *s, uint32_t wnd)
{
	uint32_t thresh = tp->t_tune.dupthresh;
	int lost;

	if (s->dlen != 0 || (s->flags & (TH_SYN | TH_FIN)) || wnd != tp->snd_wnd ||
	    tp->snd_wnd == 0 || tp->snd_max == tp->snd_una) {
		if (!(tp->t_flags & TF_RECOVERY))
			tp->t_dupacks = 0;
		return;
	}
	tp->t_dupacks++;
	if (tp->t_flags & TF_RECOVERY)
		return;
	/* RFC 6675 5: enough SACKed above snd_una also means a loss */
	lost = tp->t_dupacks >= thresh || ((tp->t_flags & TF_SACK) &&
		tp->t_sacked_bytes > (thresh - 1) * (uint32_t)tp->t_maxseg);
	/* RFC 6582 3.2 step 1: not again for losses of the same window */
	if (lost && SEQ_GT(s->ack, tp->snd_recover))
		tcp_enter_recovery(tp);
}

/* New data acknowledged: RTT, timers, buffer, congestion control,
 * recovery progress (RFC 6298 5, RFC 5681 3, RFC 6582 3.2). */
static void
tcp_newack(struct tcpcb *tp, const struct tcp_seg *s)
{
	uint32_t acked = s->ack - tp->snd_una;
	uint64_t now = netglue_now_us();

	if (tp->t_rttime && SEQ_GT(s->ack, tp->t_rtseq)) {
		tcp_rtt_sample(tp, (uint32_t)(now - tp->t_rttime));
		tp->t_rttime = 0;
	}
	tp->t_rxtshift = 0;
	tp->t_rxt_start = 0;
	tcp_drop_acked(tp, s->ack);
	tp->snd_una = s->ack;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	tp->t_cc.now_us = now;
	tp->t_cc.srtt_us = tp->t_srtt;
	tp->t_cc.min_rtt_us = tp->t_min_rtt;
	tp->t_cc.flight = tp->snd_max - tp->snd_una;
	if (tp->t_flags & TF_RECOVERY) {
		if (SEQ_GEQ(s->ack, tp->snd_recover)) {
			tp->t_flags &= ~TF_RECOVERY;
			tp->t_dupacks = 0;
			tp->t_ccops->on_recovery_end(&tp->t_cc);
		} else {
			/* partial ACK: the next hole goes out now */
			if (!(tp->t_flags & TF_SACK)) {
				tp->t_dupacks = 0;
				tp->t_rxt_next = tp->snd_una;
			}
		}
	} else {
		tp->t_dupacks = 0;
		if (tp->t_flags & TF_RTO_RECOV && SEQ_GEQ(s->ack, tp->snd_recover))
			tp->t_flags &= ~TF_RTO_RECOV;
		tp->t_ccops->on_ack(&tp->t_cc, acked);
	}
	tp->t_cc.cwnd_limited = 0;
	if (tp->snd_una == tp->snd_max)
		tcp_timer_cancel(tp, TT_REXMT);
	else
		tcp_arm_rexmt(tp);
}

/* Step five: the ACK field. Returns 0 to go on, -1 when the segment (or
 * the connection) is finished with. */
static int
tcp_in_ack(struct tcpcb *tp, struct tcp_seg *s)
{
	uint32_t wnd;

	if (!(s->flags & TH_ACK)) {
		NSTAT(tp->t_ns, tcp_drop_noack);
		return -1;
	}
	if (tp->t_state == TCPS_SYN_RECEIVED) {
		if (!SEQ_GT(s->ack, tp->snd_una) || SEQ_GT(s->ack, tp->snd_max)) {
			tcp_respond_rst(tp->t_ns, s);
			return -1;
		}
		if (tp->t_parent && tp->t_parent->t_qlen >= tp->t_parent->t_qlimit) {
			NSTAT(tp->t_ns, tcp_drop_backlog);
			return -1;	/* the peer will retransmit it */
		}
		/* a passive open's rings come now (tcp_prepare_passive);
		 * without them stay in SYN-RECEIVED: our SYN-ACK's
		 * retransmission draws the ACK again */
		if (tcp_buffers(tp) < 0)
			return -1;
		tcp_established(tp, s, s->wnd << tp->snd_wscale);
		if (tp->t_parent) {
			struct tcpcb *lp = tp->t_parent, **pp = &lp->t_acceptq;
			while (*pp)
				pp = &(*pp)->t_qnext;
			*pp = tp;
			lp->t_qlen++;
			NSTAT(tp->t_ns, tcp_accepts);
		}
	}
	/* RFC 5961 5.2: the acceptable ACK range */
	if (SEQ_GT(s->ack, tp->snd_max)) {
		NSTAT(tp->t_ns, tcp_drop_badack);
		tcp_send_challenge_ack(tp);
		return -1;
	}
	if (SEQ_LT(s->ack, tp->snd_una - tp->max_sndwnd)) {
		NSTAT(tp->t_ns, tcp_drop_badack);
		tcp_send_challenge_ack(tp);
		return -1;
	}
	wnd = s->wnd << tp->snd_wscale;
	if (tp->t_flags & TF_SACK)
		tcp_sack_update(tp, &s->opt, SEQ_MAX(s->ack, tp->snd_una));
	if (SEQ_GT(s->ack, tp->snd_una))
		tcp_newack(tp, s);
	else if (s->ack == tp->snd_una)
		tcp_dupack(tp, s, wnd);
	/* RFC 9293 3.10.7.4: window update from a newer segment */
	if (SEQ_LT(tp->snd_wl1, s->seq) || (tp->snd_wl1 == s->seq &&
	    SEQ_LEQ(tp->snd_wl2, s->ack))) {
		tp->snd_wnd = wnd;
		tp->max_sndwnd = NET_MAX(tp->max_sndwnd, wnd);
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = s->ack;
		if (wnd > 0) {
			tcp_timer_cancel(tp, TT_PERSIST);
			tp->t_persist_shift = 0;
		}
	}
	return tcp_ack_state(tp, s);
}

/* The state changes an ACK of our FIN causes. -1: tp is gone. */
static int
tcp_ack_state(struct tcpcb *tp, const struct tcp_seg *s)
{
	switch (tp->t_state) {
	case TCPS_FIN_WAIT_1:
		if (tcp_fin_acked(tp)) {
			tcp_set_state(tp, TCPS_FIN_WAIT_2);
			if (tp->t_sock == NULL)
				tcp_timer_set(tp, TT_2MSL, tp->t_tune.timewait_us);
		}
		break;
	case TCPS_CLOSING:
		if (tcp_fin_acked(tp))
			tcp_settimewait(tp);
		break;
	case TCPS_LAST_ACK:
		if (tcp_fin_acked(tp)) {
			tcp_close(tp);
			return -1;
		}
		break;
	case TCPS_TIME_WAIT:
		if (s->flags & TH_FIN) {
			/* a retransmitted FIN: ACK it, restart 2 MSL */
			tp->t_flags |= TF_ACKNOW;
			tcp_settimewait(tp);
		}
		break;
	}
	return 0;
}

static void
rb_put(struct tcpcb *tp, uint32_t off, const uint8_t *src, uint32_t len)
{
	uint32_t pos = (tp->rb_head + tp->rb_len + off) % tp->rb_cap;
	uint32_t first = NET_MIN(len, tp->rb_cap - pos);

	memcpy(tp->rb_buf + pos, src, first);
	memcpy(tp->rb_buf, src + first, len - first);
}

/* Schedules the ACK for in-order data: at once without delayed ACKs,
 * else every second full segment or at the timer (RFC 1122 4.2.3.2,
 * RFC 5681 4.2). */
static void
tcp_ack_policy(struct tcpcb *tp, uint32_t len)
{
	if (!tp->t_tune.delack) {
		tp->t_flags |= TF_ACKNOW;
		return;
	}
	(void)len;
	tp->t_segs_since_ack++;		/* every second segment, of any size */
	if (tp->t_segs_since_ack >= 2) {
		tp->t_flags |= TF_ACKNOW;
	} else if (!(tp->t_flags & TF_DELACK)) {
		tp->t_flags |= TF_DELACK;
		tcp_timer_set(tp, TT_DELACK, tp->t_tune.delack_us);
	}
}

/* Step seven: segment text. */
static void
tcp_in_data(struct tcpcb *tp, const struct tcp_seg *s)
{
	int had_ooo = tp->t_nooo > 0;

	if (s->dlen == 0)
		return;
	if (!tcps_can_rcv(tp->t_state))
		return;		/* after their FIN: RFC 9293 says ignore */
	tp->st_bytes_rcvd += s->dlen;
	if (s->seq == tp->rcv_nxt) {
		rb_put(tp, 0, s->data, s->dlen);
		tp->rb_len += s->dlen;
		tp->rcv_nxt = tcp_ooo_advance(tp, tp->rcv_nxt + s->dlen);
		if (had_ooo)
			tp->t_flags |= TF_ACKNOW;	/* RFC 5681 4.2: filled a hole */
		else
			tcp_ack_policy(tp, s->dlen);
		return;
	}
	/* beyond rcv_nxt (tcp_trim kept it inside the window) */
	tp->t_flags |= TF_ACKNOW;		/* RFC 5681 4.2: immediate dup ACK */
	if (tcp_ooo_covered(tp, s->seq, s->seq + s->dlen)) {
		NSTAT(tp->t_ns, tcp_dup_rx);
		if (tp->t_flags & TF_SACK) {
			tp->t_dsack[0] = s->seq;
			tp->t_dsack[1] = s->seq + s->dlen;
			tp->t_flags |= TF_DSACK;
		}
		return;
	}
	if (tcp_ooo_add(tp, s->seq, s->seq + s->dlen) < 0) {
		NSTAT(tp->t_ns, tcp_drop_ooo_full);
		return;
	}
	rb_put(tp, s->seq - tp->rcv_nxt, s->data, s->dlen);
	tp->st_ooo++;
	NSTAT(tp->t_ns, tcp_ooo_rx);
}

/* Step eight: FIN, in order (now or once the holes before it fill). */
static int
tcp_in_fin(struct tcpcb *tp, const struct tcp_seg *s)
{
	if (s->flags & TH_FIN) {
		if (s->seq + s->dlen != tp->rcv_nxt) {
			tp->rcv_fin_seq = s->seq + s->dlen;
			tp->t_flags |= TF_OOO_FIN;
			return 0;
		}
	} else if (!(tp->t_flags & TF_OOO_FIN) || tp->rcv_fin_seq != tp->rcv_nxt) {
		return 0;
	}
	if (tp->t_flags & TF_RCVD_FIN)
		return 0;
	tp->t_flags &= ~TF_OOO_FIN;
	tp->t_flags |= TF_RCVD_FIN | TF_ACKNOW;
	tp->rcv_nxt++;
	switch (tp->t_state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_CLOSE_WAIT);
		break;
	case TCPS_FIN_WAIT_1:
		if (tcp_fin_acked(tp))
			tcp_settimewait(tp);
		else
			tcp_set_state(tp, TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		tcp_settimewait(tp);
		break;
	}
	return 0;
}

/* Data for an app that has closed its socket: RST (RFC 1122 4.2.2.13).
 * Returns 1 when the connection went. */
static int
tcp_in_after_close(struct tcpcb *tp, const struct tcp_seg *s)
{
	if (s->dlen == 0 || !(tp->t_flags & TF_RDSHUT))
		return 0;
	NSTAT(tp->t_ns, tcp_drop_after_close);
	tp->rcv_nxt = s->seq + s->dlen;
	tcp_send_rst(tp);
	tcp_drop(tp, NET_ECONNRESET);
	return 1;
}

/* A SYN hitting TIME-WAIT with a higher sequence number may reopen the
 * connection (RFC 9293 3.10.7.4 note, RFC 6191): 1 if tp was closed and
 * the segment should go to a listener. */
static int
tcp_timewait_reopen(struct tcpcb *tp, const struct tcp_seg *s)
{
	if (tp->t_state != TCPS_TIME_WAIT || (s->flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN)
		return 0;
	if (!SEQ_GT(s->seq, tp->rcv_nxt))
		return 0;
	tcp_close(tp);
	return 1;
}

static void
tcp_in_sync(struct tcpcb *tp, struct tcp_seg *s)
{
	struct netstack *ns = tp->t_ns;

	if (tcp_paws_reject(tp, s)) {
		NSTAT(ns, tcp_drop_paws);
		tp->t_flags |= TF_ACKNOW;
		tcp_output(tp);
		return;
	}
	if (!tcp_seq_acceptable(tp, s)) {
		if (s->flags & TH_RST) {
			NSTAT(ns, tcp_drop_rst_outwin);
			return;
		}
		NSTAT(ns, tcp_drop_outwin);
		if (tp->t_state == TCPS_TIME_WAIT && (s->flags & TH_FIN))
			tcp_settimewait(tp);
		tp->t_flags |= TF_ACKNOW;
		tcp_output(tp);
		return;
	}
	if (tcp_in_rst(tp, s))
		return;
	if (s->flags & TH_SYN) {
		/* RFC 5961 4.2: any SYN here gets a challenge ACK */
		tcp_send_challenge_ack(tp);
		return;
	}
	tp->t_rcvtime = netglue_now_us();
	tp->t_keep_probes = 0;
	tp->st_segs_in++;
	tcp_trim(tp, s);
	tcp_update_ts_recent(tp, s);
	if (tcp_in_ack(tp, s) < 0)
		return;
	if (tcp_in_after_close(tp, s))
		return;
	tcp_in_data(tp, s);
	tcp_in_fin(tp, s);
	tcp_output(tp);
}

void
tcp_input_seg(struct netstack *ns, struct tcp_seg *s)
{
	struct tcpcb *tp;

	tp = tcp_lookup(ns, s->dst, s->dport, s->src, s->sport, 1);
	if (tp && tcp_timewait_reopen(tp, s))
		tp = tcp_lookup(ns, s->dst, s->dport, s->src, s->sport, 1);
	if (tp == NULL) {
		tcp_in_closed(ns, s);
		return;
	}
	switch (tp->t_state) {
	case TCPS_LISTEN:
		tcp_in_listen(tp, s);
		break;
	case TCPS_SYN_SENT:
		tcp_in_synsent(tp, s);
		break;
	default:
		tcp_in_sync(tp, s);
		break;
	}
}
