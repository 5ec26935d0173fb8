/*
 * TCP timers, as absolute deadlines per connection checked by
 * net_timer(): retransmission (RFC 6298, with Karn's rule and exponential
 * backoff; RFC 5681 3.1 on timeout), persist (zero-window probes, RFC
 * 9293 3.8.6.1), keepalive (RFC 1122 4.2.3.6), delayed ACK (RFC 1122
 * 4.2.3.2) and 2 MSL (TIME-WAIT, and orphaned FIN-WAIT-2).
 */
#include "net/tcp.h"

#define RTO_CLOCK_G	1000	/* clock granularity G of RFC 6298 2, µs */

void
tcp_timer_set(struct tcpcb *tp, int which, uint64_t delta_us)
{
	tp->t_timer[which] = netglue_now_us() + (delta_us ? delta_us : 1);
}

void
tcp_timer_cancel(struct tcpcb *tp, int which)
{
	tp->t_timer[which] = 0;
}

/* The RTO with the current backoff (RFC 6298 5.5), capped. */
static uint64_t
tcp_backoff_rto(const struct tcpcb *tp)
{
	uint64_t r = (uint64_t)tp->t_rto << NET_MIN(tp->t_rxtshift, 20);

	return NET_MIN(r, (uint64_t)tp->t_tune.rto_max_us);
}

void
tcp_arm_rexmt(struct tcpcb *tp)
{
	tcp_timer_set(tp, TT_REXMT, tcp_backoff_rto(tp));
}

void
tcp_rto_update(struct tcpcb *tp)
{
	uint64_t rto = (uint64_t)tp->t_srtt + NET_MAX((uint32_t)RTO_CLOCK_G, 4 * tp->t_rttvar);

	rto = NET_MAX(rto, (uint64_t)tp->t_tune.rto_min_us);
	rto = NET_MIN(rto, (uint64_t)tp->t_tune.rto_max_us);
	tp->t_rto = (uint32_t)rto;
}

/* RFC 6298 2.2 and 2.3: a new measurement R. */
void
tcp_rtt_sample(struct tcpcb *tp, uint32_t rtt)
{
	uint32_t delta;

	if (rtt == 0)
		rtt = 1;
	if (tp->t_min_rtt == 0 || rtt < tp->t_min_rtt)
		tp->t_min_rtt = rtt;
	if (tp->t_srtt == 0) {
		tp->t_srtt = rtt;
		tp->t_rttvar = rtt / 2;
	} else {
		delta = tp->t_srtt > rtt ? tp->t_srtt - rtt : rtt - tp->t_srtt;
		tp->t_rttvar = (3 * tp->t_rttvar + delta) / 4;
		tp->t_srtt = (7 * tp->t_srtt + rtt) / 8;
	}
	tcp_rto_update(tp);
}

void
tcp_settimewait(struct tcpcb *tp)
{
	int i;

	tcp_set_state(tp, TCPS_TIME_WAIT);
	for (i = 0; i < TT_N; i++)
		tp->t_timer[i] = 0;
	tcp_timer_set(tp, TT_2MSL, tp->t_tune.timewait_us);
	if (tp->t_sock == NULL)
		tcp_release_buffers(tp);
}

static int
tcp_give_up(struct tcpcb *tp, uint64_t now)
{
	uint32_t ut = tp->t_tune.user_timeout_us;

	if (ut)
		return now - tp->t_rxt_start >= ut;
	return (uint32_t)tp->t_rxtshift >= tp->t_tune.rexmt_max;
}

/* RFC 6298 5.4-5.7 and RFC 5681 3.1: resend the oldest segment, back
 * off, shrink the window to one segment. 1 if tp was freed. */
static int
tcp_timer_rexmt(struct tcpcb *tp, uint64_t now)
{
	struct netstack *ns = tp->t_ns;

	if (tp->t_rxt_start == 0)
		tp->t_rxt_start = now;
	if (tp->t_state == TCPS_SYN_SENT || tp->t_state == TCPS_SYN_RECEIVED) {
		if ((uint32_t)tp->t_rxtshift >= tp->t_tune.syn_rexmt_max) {
			NSTAT(ns, tcp_timeout_drop);
			tcp_drop(tp, NET_ETIMEDOUT);
			return 1;
		}
		tp->t_rxtshift++;
		tp->t_rttime = 0;
		tp->snd_nxt = tp->iss;
		tcp_output(tp);
		return 0;
	}
	if (tcp_give_up(tp, now)) {
		NSTAT(ns, tcp_timeout_drop);
		tcp_send_rst(tp);
		tcp_drop(tp, NET_ETIMEDOUT);
		return 1;
	}
	tp->t_rxtshift++;
	tp->st_rtos++;
	NSTAT(ns, tcp_rto);
	tp->t_cc.now_us = now;
	tp->t_cc.flight = tcp_flight(tp);
	if (tp->t_rxtshift == 1) {
		tp->t_prior_cwnd = tp->t_cc.cwnd;
		tp->t_prior_ssthresh = tp->t_cc.ssthresh;
		tp->t_ccops->on_rto(&tp->t_cc);	/* ssthresh, once per episode */
	}
	tp->t_cc.cwnd = tp->t_maxseg;		/* RFC 5681 (4): LW = 1 SMSS */
	tp->t_flags &= ~TF_RECOVERY;
	tp->t_flags |= TF_RTO_RECOV;
	tp->snd_recover = tp->snd_max;		/* RFC 6582 4 */
	tp->t_dupacks = 0;
	tcp_sack_clear(tp);			/* RFC 2018 8 */
	tp->t_rttime = 0;			/* Karn */
	tp->snd_nxt = tp->snd_una;
	tcp_output(tp);
	if (!tp->t_timer[TT_REXMT] && SEQ_GT(tp->snd_max, tp->snd_una))
		tcp_arm_rexmt(tp);
	return 0;
}

/* RFC 9293 3.8.6.1: probe a zero window with one byte, backing off;
 * a window too small for the sender's rules gets what fits. */
static void
tcp_timer_persist(struct tcpcb *tp)
{
	uint64_t t;

	if (tp->snd_wnd == 0 && tcp_unsent(tp) > 0) {
		NSTAT(tp->t_ns, tcp_persist_probe);
		tcp_send_seg(tp, tp->snd_nxt, 1, TH_ACK);
		if (SEQ_GT(tp->snd_nxt + 1, tp->snd_max))
			tp->snd_max = tp->snd_nxt + 1;
	} else {
		tp->t_flags |= TF_FORCE1;
		tcp_output(tp);
		tp->t_flags &= ~TF_FORCE1;
	}
	if (tp->snd_wnd != 0 && tcp_unsent(tp) == 0)
		return;
	if (tp->t_persist_shift < 16)
		tp->t_persist_shift++;
	t = (uint64_t)NET_MAX(tp->t_rto, tp->t_tune.rto_min_us) << tp->t_persist_shift;
	tcp_timer_cancel(tp, TT_REXMT);
	tcp_timer_set(tp, TT_PERSIST, NET_MIN(t, (uint64_t)tp->t_tune.rto_max_us));
}

/* RFC 1122 4.2.3.6: after keep_idle of silence, probe (SEG.SEQ =
 * SND.NXT-1, no data) every keep_intvl; keep_cnt unanswered drop the
 * connection. 1 if tp was freed. */
static int
tcp_timer_keep(struct tcpcb *tp, uint64_t now)
{
	uint64_t idle = now - tp->t_rcvtime;

	if (!tp->t_tune.keepalive || tp->t_state < TCPS_ESTABLISHED ||
	    tp->t_state == TCPS_TIME_WAIT)
		return 0;
	if (idle < tp->t_tune.keep_idle_us) {
		tcp_timer_set(tp, TT_KEEP, tp->t_tune.keep_idle_us - idle);
		return 0;
	}
	if ((uint32_t)tp->t_keep_probes >= tp->t_tune.keep_cnt) {
		NSTAT(tp->t_ns, tcp_keep_drop);
		tcp_send_rst(tp);
		tcp_drop(tp, NET_ETIMEDOUT);
		return 1;
	}
	NSTAT(tp->t_ns, tcp_keep_probe);
	tp->t_keep_probes++;
	tcp_send_seg(tp, tp->snd_una - 1, 0, TH_ACK);
	tcp_timer_set(tp, TT_KEEP, tp->t_tune.keep_intvl_us);
	return 0;
}

/* Runs tp's due timers. 1 if tp was freed. */
int
tcp_timer_run(struct tcpcb *tp, uint64_t now)
{
	int which;

	for (which = 0; which < TT_N; which++) {
		if (tp->t_timer[which] == 0 || tp->t_timer[which] > now)
			continue;
		tp->t_timer[which] = 0;
		switch (which) {
		case TT_REXMT:
			if (tcp_timer_rexmt(tp, now))
				return 1;
			break;
		case TT_PERSIST:
			tcp_timer_persist(tp);
			break;
		case TT_KEEP:
			if (tcp_timer_keep(tp, now))
				return 1;
			break;
		case TT_DELACK:
			if (tp->t_flags & TF_DELACK) {
				tp->t_flags |= TF_ACKNOW;
				tcp_output(tp);
			}
			break;
		case TT_2MSL:
			if (tp->t_sock == NULL) {
				tcp_close(tp);
				return 1;
			}
			tcp_close(tp);
			return 0;
		}
		if (tp->t_state == TCPS_CLOSED)
			return 0;
	}
	return 0;
}

uint64_t
tcp_next_deadline(const struct tcpcb *tp)
{
	uint64_t next = UINT64_MAX;
	int i;

	for (i = 0; i < TT_N; i++)
		if (tp->t_timer[i])
			next = NET_MIN(next, tp->t_timer[i]);
	return next;
}

uint64_t
tcp_timer_all(struct netstack *ns, uint64_t now)
{
	struct tcpcb *tp, *next;
	uint64_t deadline = UINT64_MAX;

	for (tp = ns->ns_tcbs; tp; tp = next) {
		next = tp->t_next;
		if (tcp_timer_run(tp, now))
			continue;
		deadline = NET_MIN(deadline, tcp_next_deadline(tp));
	}
	return deadline;
}
