/*
 * TCP output: deciding what to send (Nagle, RFC 1122 4.2.3.4 and RFC 896;
 * sender and receiver silly-window avoidance, RFC 9293 3.8.6.2; the
 * congestion window, RFC 5681; loss recovery by SACK holes or NewReno,
 * RFC 6675 and RFC 6582), building segments with their options (RFC 9293
 * 3.2, RFC 7323, RFC 2018) and the resets we send.
 */
#include "net/tcp.h"

#define TCPOLEN_TS_ALIGNED	12
#define OUTPUT_BURST		4096	/* segments per tcp_output call at most */

uint32_t
tcp_rcv_space(const struct tcpcb *tp)
{
	return tp->rb_cap - tp->rb_len;
}

uint32_t
tcp_flight(const struct tcpcb *tp)
{
	return tp->snd_max - tp->snd_una;
}

/* Bytes queued that snd_nxt has not reached. */
uint32_t
tcp_unsent(const struct tcpcb *tp)
{
	uint32_t off = SEQ_GT(tp->snd_nxt, tp->sb_seq) ? tp->snd_nxt - tp->sb_seq : 0;

	return off >= tp->sb_len ? 0 : tp->sb_len - off;
}

static uint32_t
tcp_data_end(const struct tcpcb *tp)
{
	return tp->sb_seq + tp->sb_len;
}

static uint32_t
tcp_ts_now(const struct tcpcb *tp)
{
	return tcp_ms(tp->t_ns) + tp->ts_offset;
}

/* The window to advertise, in bytes, never moving the right edge by
 * less than min(buffer/2, MSS) (RFC 9293 3.8.6.2.2 receiver SWS). */
static uint32_t
tcp_adv_window(const struct tcpcb *tp)
{
	uint32_t space = tcp_rcv_space(tp);
	uint32_t cur = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t max = (uint32_t)65535 << tp->rcv_wscale;

	if (space > cur && space - cur < NET_MIN(tp->rb_cap / 2, (uint32_t)tp->t_maxseg))
		space = cur;
	space = NET_MIN(space, max);
	return (space >> tp->rcv_wscale) << tp->rcv_wscale;
}

static int
put_ts(const struct tcpcb *tp, uint8_t *p)
{
	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_NOP;
	p[2] = TCPOPT_TS;
	p[3] = 10;
	put32(p + 4, tcp_ts_now(tp));
	put32(p + 8, tp->t_state == TCPS_SYN_SENT ? 0 : tp->ts_recent);
	return TCPOLEN_TS_ALIGNED;
}

/* The options of a SYN or SYN-ACK: ours per the tuning in an active
 * open, the negotiated ones (what the peer offered) in a SYN-ACK. */
static int
tcp_syn_options(const struct tcpcb *tp, uint8_t *p)
{
	int active = tp->t_state == TCPS_SYN_SENT, n = 0;
	int ws = active ? tp->t_tune.wscale : (tp->t_flags & TF_WS) != 0;
	int sack = active ? tp->t_tune.sack : (tp->t_flags & TF_SACK) != 0;
	int ts = active ? tp->t_tune.tstamp : (tp->t_flags & TF_TS) != 0;

	p[n++] = TCPOPT_MSS;
	p[n++] = 4;
	put16(p + n, tp->t_mss_offer);
	n += 2;
	if (ws) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_WSCALE;
		p[n++] = 3;
		p[n++] = tp->rcv_wscale;
	}
	if (sack && ts) {
		p[n++] = TCPOPT_SACK_OK;
		p[n++] = 2;
		p[n++] = TCPOPT_TS;
		p[n++] = 10;
		put32(p + n, tcp_ts_now(tp));
		put32(p + n + 4, active ? 0 : tp->ts_recent);
		n += 8;
	} else if (sack) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_SACK_OK;
		p[n++] = 2;
	} else if (ts) {
		n += put_ts(tp, p + n);
	}
	return n;
}

/* Bytes of SACK option the next segment will carry. */
static int
tcp_sack_optlen(const struct tcpcb *tp, int nblocks)
{
	return nblocks ? 4 + 8 * nblocks : 0;
}

static int
tcp_sack_room(const struct tcpcb *tp)
{
	int room = TCP_MAXOLEN - ((tp->t_flags & TF_TS) ? TCPOLEN_TS_ALIGNED : 0);

	return NET_MIN((room - 4) / 8, 4);
}

/* Options of a non-SYN segment: timestamps, SACK blocks. */
static int
tcp_options(struct tcpcb *tp, uint8_t *p, uint8_t flags)
{
	uint32_t blk[4][2];
	int n = 0, nb, i;

	if (tp->t_flags & TF_TS)
		n += put_ts(tp, p);
	if (!(tp->t_flags & TF_SACK) || (flags & TH_RST))
		return n;
	nb = tcp_sack_blocks(tp, blk, tcp_sack_room(tp));
	if (nb == 0)
		return n;
	p[n++] = TCPOPT_NOP;
	p[n++] = TCPOPT_NOP;
	p[n++] = TCPOPT_SACK;
	p[n++] = (uint8_t)(2 + 8 * nb);
	for (i = 0; i < nb; i++) {
		put32(p + n, blk[i][0]);
		put32(p + n + 4, blk[i][1]);
		n += 8;
	}
	return n;
}

static void
sb_read(const struct tcpcb *tp, uint32_t off, uint8_t *dst, uint32_t len)
{
	uint32_t pos = (tp->sb_head + off) % tp->sb_cap;
	uint32_t first = NET_MIN(len, tp->sb_cap - pos);

	memcpy(dst, tp->sb_buf + pos, first);
	memcpy(dst + first, tp->sb_buf, len - first);
}

/* After any segment carrying an ACK: the ACK state is now sent. */
static void
tcp_acked_out(struct tcpcb *tp, uint32_t win)
{
	tp->last_ack_sent = tp->rcv_nxt;
	if (SEQ_GT(tp->rcv_nxt + win, tp->rcv_adv))
		tp->rcv_adv = tp->rcv_nxt + win;
	tp->t_flags &= ~(TF_ACKNOW | TF_DELACK | TF_DSACK);
	tp->t_segs_since_ack = 0;
	tcp_timer_cancel(tp, TT_DELACK);
}

/* Builds the segment [seq, seq+len) with flags in frame (checksum field
 * zero); returns its TCP header length and the window it offers in *win,
 * or -NET_EINVAL if the bytes are not in the send buffer. */
static int
tcp_build_seg(struct tcpcb *tp, uint8_t *frame, uint32_t seq, uint32_t len, uint8_t flags,
	uint32_t *win)
{
	uint8_t *h = frame + NET_HEADROOM;
	uint32_t off = seq - tp->sb_seq;
	int optlen;
	size_t hlen;

	if (len > 0 && (SEQ_LT(seq, tp->sb_seq) || off + len > tp->sb_len))
		return -NET_EINVAL;	/* not in the send buffer: a bug, never a read past it */
	optlen = (flags & TH_SYN) ? tcp_syn_options(tp, h + TCP_HLEN)
		: tcp_options(tp, h + TCP_HLEN, flags);
	hlen = TCP_HLEN + (size_t)optlen;
	while (hlen % 4)
		h[hlen++] = TCPOPT_EOL;
	put16(h, tp->lport);
	put16(h + 2, tp->fport);
	put32(h + 4, seq);
	put32(h + 8, (flags & TH_ACK) ? tp->rcv_nxt : 0);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = flags;
	if (flags & TH_SYN)
		*win = NET_MIN(tcp_rcv_space(tp), 65535u);	/* RFC 7323 2.2: unscaled */
	else
		*win = tcp_adv_window(tp);
	put16(h + 14, (uint16_t)((flags & TH_SYN) ? *win : *win >> tp->rcv_wscale));
	put16(h + 16, 0);
	put16(h + 18, 0);
	if (len > 0)
		sb_read(tp, off, h + hlen, len);
	return (int)hlen;
}

int
tcp_send_seg(struct tcpcb *tp, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct netstack *ns = tp->t_ns;
	uint8_t *h = ns->ns_tx + NET_HEADROOM;
	uint32_t win, sum;
	int r = tcp_build_seg(tp, ns->ns_tx, seq, len, flags, &win);
	size_t hlen;

	if (r < 0)
		return r;
	hlen = (size_t)r;
	sum = net_pseudo_sum(tp->laddr, tp->faddr, IPPROTO_TCP_, (uint32_t)(hlen + len));
	put16(h + 16, net_csum_fold(net_csum_partial(sum, h, hlen + len)));
	if (flags & TH_ACK)
		tcp_acked_out(tp, win);
	tp->st_segs_out++;
	tp->st_bytes_sent += len;
	NSTAT(ns, tcp_tx);
	return ip_output(ns, ns->ns_tx, hlen + len, IPPROTO_TCP_, tp->laddr, tp->faddr, 0);
}

/*
 * Sends [seq, seq+len) as one TSO frame the NIC cuts into segments of
 * mss payload bytes (net.h, output_tso): the checksum field gets the
 * pseudo-header sum, the NIC adds the rest. -NET_EAGAIN when nothing
 * went (the caller sends an ordinary segment).
 */
static int
tcp_send_tso(struct tcpcb *tp, uint32_t seq, uint32_t len, uint8_t flags, uint32_t mss)
{
	struct netstack *ns = tp->t_ns;
	uint8_t *frame = ns->ns_if.tso_buf ? ns->ns_if.tso_buf(ns->ns_if.ctx) : NULL;
	uint32_t win, nseg = (len + mss - 1) / mss;
	int r;

	if (frame == NULL)
		frame = ns->ns_tx;
	if ((r = tcp_build_seg(tp, frame, seq, len, flags, &win)) < 0)
		return r;
	put16(frame + NET_HEADROOM + 16, (uint16_t)~net_csum_fold(net_pseudo_sum(tp->laddr,
		tp->faddr, IPPROTO_TCP_, (uint32_t)r + len)));
	if (ip_output_tso(ns, frame, (size_t)r + len, tp->laddr, tp->faddr, mss) < 0) {
		NSTAT(ns, tcp_tso_fallback);
		return -NET_EAGAIN;
	}
	if (flags & TH_ACK)
		tcp_acked_out(tp, win);
	tp->st_segs_out += nseg;
	tp->st_bytes_sent += len;
	ns->ns_stats.tcp_tx += nseg;
	NSTAT(ns, tcp_tso_tx);
	return 0;
}

void
tcp_send_ack(struct tcpcb *tp)
{
	tcp_send_seg(tp, tp->snd_nxt, 0, TH_ACK);
}

/* ABORT (RFC 9293 3.10.5): <SEQ=SND.NXT><CTL=RST>; snd_max, so a
 * receiver that got everything takes it at once (RFC 5961 3.2). */
void
tcp_send_rst(struct tcpcb *tp)
{
	NSTAT(tp->t_ns, tcp_rst_tx);
	tcp_send_seg(tp, tp->snd_max, 0, TH_RST | TH_ACK);
}

/* RFC 9293 3.10.7.1: the reset for a segment with no connection. */
void
tcp_respond_rst(struct netstack *ns, const struct tcp_seg *s)
{
	uint8_t *h = ns->ns_tx + NET_HEADROOM;
	uint32_t sum, len = s->dlen + ((s->flags & TH_SYN) != 0) + ((s->flags & TH_FIN) != 0);

	if (s->flags & TH_RST)
		return;
	memset(h, 0, TCP_HLEN);
	put16(h, s->dport);
	put16(h + 2, s->sport);
	if (s->flags & TH_ACK) {
		put32(h + 4, s->ack);
		h[13] = TH_RST;
	} else {
		put32(h + 8, s->seq + len);
		h[13] = TH_RST | TH_ACK;
	}
	h[12] = (TCP_HLEN / 4) << 4;
	sum = net_pseudo_sum(s->dst, s->src, IPPROTO_TCP_, TCP_HLEN);
	put16(h + 16, net_csum_fold(net_csum_partial(sum, h, TCP_HLEN)));
	NSTAT(ns, tcp_rst_tx);
	ip_output(ns, ns->ns_tx, TCP_HLEN, IPPROTO_TCP_, s->dst, s->src, 0);
}

/* SYN or SYN-ACK, first or again (the retransmission timer resets
 * snd_nxt to iss). */
static int
tcp_output_syn(struct tcpcb *tp)
{
	uint8_t flags = tp->t_state == TCPS_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK;

	if (tp->snd_nxt != tp->iss) {
		if (tp->t_flags & TF_ACKNOW)
			tcp_send_ack(tp);
		return 0;
	}
	if (tp->snd_max != tp->iss)
		tp->st_rexmits++;
	else
		tp->t_rttime = netglue_now_us();
	tp->t_rtseq = tp->iss;
	tcp_send_seg(tp, tp->iss, 0, flags);
	tp->snd_nxt = tp->iss + 1;
	if (SEQ_GT(tp->snd_nxt, tp->snd_max))
		tp->snd_max = tp->snd_nxt;
	if (!tp->t_timer[TT_REXMT])
		tcp_arm_rexmt(tp);
	return 1;
}

/* The largest data payload of the next segment: the MSS less the SACK
 * blocks it will carry (timestamps are already out of t_maxseg). */
static uint32_t
tcp_seg_room(struct tcpcb *tp)
{
	uint32_t blk[4][2];
	int nb = 0;

	if ((tp->t_flags & TF_SACK) && (tp->t_nooo || (tp->t_flags & TF_DSACK)))
		nb = tcp_sack_blocks(tp, blk, tcp_sack_room(tp));
	return tp->t_maxseg - (uint32_t)tcp_sack_optlen(tp, nb);
}

/* Does the receive window deserve an update of its own (RFC 9293
 * 3.8.6.2.2, RFC 1122 4.2.3.3)? When the right edge moves by 2 MSS or
 * more and either that is a quarter of the buffer or the window left is
 * small (an eighth of the buffer); or a window below one MSS can become
 * a full one. Updating for every read while the sender has most of its
 * window left would be an extra ACK per read, undoing delayed ACK; the
 * ACKs data draws carry the fresh window anyway. */
static int
tcp_window_update_due(const struct tcpcb *tp)
{
	uint32_t adv = tcp_adv_window(tp), end = tp->rcv_nxt + adv, delta, cur;

	if (!SEQ_GT(end, tp->rcv_adv) || (tp->t_flags & TF_RCVD_FIN))
		return 0;
	delta = end - tp->rcv_adv;
	cur = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	if (cur < tp->t_maxseg && adv >= tp->t_maxseg)
		return 1;
	return delta >= 2u * tp->t_maxseg &&
		(4 * (uint64_t)delta >= tp->rb_cap || 8 * (uint64_t)cur <= tp->rb_cap ||
		 tp->rb_cap <= 8u * tp->t_maxseg);
}

/* How much new data one frame may carry: a segment, or with TSO (the
 * interface has it, the socket's tuning allows it, new data only) as
 * many whole segments as fit in NET_TSO_MAX and what the windows let out
 * (ready, a number of whole segments). */
static uint32_t
tcp_frame_room(const struct tcpcb *tp, uint32_t ready, uint32_t seg, int rexmit)
{
	uint32_t max;

	if (ready <= seg || rexmit || !tp->t_tune.tso || !tp->t_ns->ns_if.output_tso ||
	    (tp->t_flags & TF_FORCE1) || seg < NET_TSO_MSS_MIN)
		return seg;
	max = NET_MIN((uint32_t)NET_TSO_MAX, ready);
	max = NET_MIN(max, NET_TSO_SEGS_MAX * seg);
	return max - max % seg;
}

/* Will the segment [seq, seq+len) carry our FIN? */
static int
tcp_fin_due(const struct tcpcb *tp, uint32_t seq, uint32_t len)
{
	return (tp->t_flags & TF_WANTFIN) && seq + len == tcp_data_end(tp) &&
		!((tp->t_flags & TF_SENTFIN) && SEQ_GT(seq, tp->fin_seq));
}

/* Sends [seq, seq+*len) with flags; a TSO frame (longer than a segment,
 * seg) that the interface refuses becomes one segment, *len and the FIN
 * and PSH flags cut to match. */
static void
tcp_send_frame(struct tcpcb *tp, uint32_t seq, uint32_t *len, uint8_t flags, uint32_t seg)
{
	if (*len <= seg || tcp_send_tso(tp, seq, *len, flags, seg) < 0) {
		if (*len > seg) {
			*len = seg;
			flags &= (uint8_t)~(TH_FIN | TH_PSH);
		}
		tcp_send_seg(tp, seq, *len, flags);
	}
}

/* One new (or go-back-N) segment, or one TSO frame of them, if the rules
 * allow: room is what congestion control lets out beyond snd_nxt. 1 if
 * data or FIN went. */
static int
tcp_output_one(struct tcpcb *tp, uint32_t room)
{
	uint32_t avail = tcp_unsent(tp), wend, usable, len, seg = tcp_seg_room(tp);
	uint32_t seq = tp->snd_nxt;
	int fin = 0, sendit = 0, rexmit = SEQ_LT(seq, tp->snd_max);
	uint8_t flags = TH_ACK;

	if ((tp->t_flags & TF_SENTFIN) && SEQ_GT(seq, tp->fin_seq))
		avail = 0;
	wend = tp->snd_una + tp->snd_wnd;
	usable = SEQ_GT(wend, seq) ? wend - seq : 0;
	usable = NET_MIN(usable, room);
	len = NET_MIN(avail, usable);
	len = NET_MIN(len, tcp_frame_room(tp, len, seg, rexmit));
	if (usable < avail && room < tp->snd_wnd)
		tp->t_cc.cwnd_limited = 1;
	fin = tcp_fin_due(tp, seq, len);
	if (len > 0) {
		if (len >= seg || rexmit || (tp->t_flags & TF_FORCE1))
			sendit = 1;
		else if (len == avail && !(tp->t_flags & TF_MORE) &&
		    (tp->t_tune.nodelay || tp->snd_nxt == tp->snd_una))
			sendit = 1;	/* Nagle: nothing unacknowledged */
		else if (tp->max_sndwnd && len >= tp->max_sndwnd / 2)
			sendit = 1;	/* sender SWS: half the largest window */
	}
	if (fin || (tp->t_flags & TF_ACKNOW) || tcp_window_update_due(tp))
		sendit = 1;
	if (!sendit)
		return 0;
	if (fin)
		flags |= TH_FIN;
	if (len > 0 && seq + len == tcp_data_end(tp))
		flags |= TH_PSH;
	if (len > 0 && !rexmit && !tp->t_rttime) {
		tp->t_rtseq = seq;
		tp->t_rttime = netglue_now_us();
	}
	if (rexmit && (len > 0 || fin)) {
		tp->st_rexmits++;
		NSTAT(tp->t_ns, tcp_rexmt);
	}
	tcp_send_frame(tp, seq, &len, flags, seg);
	fin = fin && seq + len == tcp_data_end(tp);
	if (fin) {
		tp->t_flags |= TF_SENTFIN;
		tp->fin_seq = seq + len;
	}
	tp->snd_nxt = seq + len + (uint32_t)fin;
	if (SEQ_GT(tp->snd_nxt, tp->snd_max))
		tp->snd_max = tp->snd_nxt;
	tp->t_flags &= ~TF_FORCE1;
	if ((len > 0 || fin) && !tp->t_timer[TT_REXMT])
		tcp_arm_rexmt(tp);
	return len > 0 || fin;
}

/* Resends [seq, seq+len) (len clipped to the data), with the FIN if it
 * ends there. */
static void
tcp_resend(struct tcpcb *tp, uint32_t seq, uint32_t len)
{
	uint32_t end = tcp_data_end(tp);
	uint8_t flags = TH_ACK;

	len = SEQ_LT(seq, end) ? NET_MIN(len, end - seq) : 0;
	if ((tp->t_flags & TF_SENTFIN) && seq + len == tp->fin_seq)
		flags |= TH_FIN;
	if (len == 0 && !(flags & TH_FIN))
		return;
	tp->st_rexmits++;
	NSTAT(tp->t_ns, tcp_rexmt);
	tcp_send_seg(tp, seq, len, flags);
}

/* Were retransmissions of this pass lost too? Data sent after the pass
 * began has been SACKed (DupThresh segments of it) while the first hole
 * is still open: the same evidence RFC 6675 uses for the original
 * transmission (what Linux calls lost-retransmit detection). */
static int
tcp_rxt_lost(const struct tcpcb *tp)
{
	uint32_t above = 0, from = tp->t_rxt_pass_max;
	int i;

	if (!SEQ_GT(tp->t_rxt_next, tp->snd_una) || !SEQ_GT(tcp_sack_highest(tp), from))
		return 0;
	for (i = 0; i < tp->t_nsacked; i++) {
		uint32_t st = SEQ_MAX(tp->t_sacked[i].start, from);
		if (SEQ_LT(st, tp->t_sacked[i].end))
			above += tp->t_sacked[i].end - st;
	}
	return above >= tp->t_tune.dupthresh * (uint32_t)tp->t_maxseg;
}

/* In fast recovery: the next hole, if the pipe leaves room (RFC 6675
 * 5 step (C); RFC 6582 3.2 step 3 without SACK). 1: sent one; 0: no hole
 * (new data may go, within *room); -1: the pipe is full. */
static int
tcp_output_recovery(struct tcpcb *tp, uint32_t *room)
{
	uint32_t pipe = tcp_pipe(tp), cwnd = tp->t_cc.cwnd, seq, len, limit;

	if (pipe + tp->t_maxseg > cwnd) {
		*room = 0;
		return -1;
	}
	*room = cwnd - pipe;
	if ((tp->t_flags & TF_SACK) && tcp_rxt_lost(tp)) {
		/* a resent hole was lost again: start another pass */
		tp->t_rxt_next = tp->snd_una;
		tp->t_rxt_pass_max = tp->snd_max;
	}
	if (tp->t_flags & TF_SACK) {
		limit = SEQ_MAX(tcp_sack_highest(tp), tp->snd_una + tp->t_maxseg);
		limit = SEQ_MIN(limit, tp->snd_max);
		seq = SEQ_MAX(tp->t_rxt_next, tp->snd_una);
		if (tp->t_nsacked == 0) {
			if (seq != tp->snd_una)
				return 0;
			len = NET_MIN((uint32_t)tp->t_maxseg, limit - seq);
		} else if (!tcp_sack_next_hole(tp, seq, limit, &seq, &len)) {
			return 0;
		}
		len = NET_MIN(len, (uint32_t)tp->t_maxseg);
		tcp_resend(tp, seq, len);
		tp->t_rxt_next = seq + NET_MAX(len, 1u);
		return 1;
	}
	if (tp->t_rxt_next != tp->snd_una)
		return 0;
	len = NET_MIN((uint32_t)tp->t_maxseg, tp->snd_max - tp->snd_una);
	tcp_resend(tp, tp->snd_una, len);
	tp->t_rxt_next = tp->snd_una + NET_MAX(len, 1u);
	return 1;
}

/* Which timer should run now that output is done: persist when the
 * peer's window holds data back, else retransmission while anything
 * is unacknowledged. */
static void
tcp_output_timers(struct tcpcb *tp)
{
	uint32_t unsent = tcp_unsent(tp);

	if (tp->snd_wnd == 0 && tp->snd_nxt == tp->snd_una && unsent > 0) {
		tcp_timer_cancel(tp, TT_REXMT);
		if (!tp->t_timer[TT_PERSIST])
			tcp_timer_set(tp, TT_PERSIST, NET_MAX(tp->t_rto, tp->t_tune.rto_min_us));
	} else if (SEQ_GT(tp->snd_max, tp->snd_una)) {
		if (!tp->t_timer[TT_REXMT])
			tcp_arm_rexmt(tp);
	} else if (unsent > 0 && !tp->t_timer[TT_PERSIST]) {
		tcp_timer_set(tp, TT_PERSIST, NET_MAX(tp->t_rto, tp->t_tune.rto_min_us));
	}
}

int
tcp_output(struct tcpcb *tp)
{
	uint32_t room;
	int i, r;

	switch (tp->t_state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
		return 0;
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		return tcp_output_syn(tp);
	case TCPS_TIME_WAIT:
		if (tp->t_flags & TF_ACKNOW)
			tcp_send_ack(tp);
		return 0;
	}
	for (i = 0; i < OUTPUT_BURST; i++) {
		/* the congestion window counts from snd_una (RFC 5681 2);
		 * limited transmit (RFC 3042) lets a new segment go for each
		 * of the first duplicate ACKs */
		room = SEQ_GT(tp->snd_una + tp->t_cc.cwnd, tp->snd_nxt) ?
			tp->snd_una + tp->t_cc.cwnd - tp->snd_nxt : 0;
		if (!(tp->t_flags & (TF_RECOVERY | TF_RTO_RECOV)) && tp->t_dupacks > 0 &&
		    tp->t_dupacks < tp->t_tune.dupthresh &&
		    tcp_flight(tp) < tp->t_cc.cwnd + tp->t_dupacks * (uint32_t)tp->t_maxseg)
			room = NET_MAX(room, (uint32_t)tp->t_maxseg);
		if (tp->t_flags & TF_RECOVERY) {
			r = tcp_output_recovery(tp, &room);
			if (r > 0)
				continue;
		}
		if (!tcp_output_one(tp, room))
			break;
	}
	tcp_output_timers(tp);
	return 0;
}
