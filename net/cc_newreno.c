/*
 * NewReno congestion control (RFC 5681 3.1-3.2, RFC 6582): slow start,
 * congestion avoidance by byte counting, halving on loss. The recovery
 * itself (partial ACKs, retransmitting holes) is the stack's.
 */
#include "net/netpriv.h"

static void
newreno_init(struct tcp_cc *cc)
{
	cc->cwnd = cc->iw;
	cc->ssthresh = UINT32_MAX;	/* RFC 5681 3.1: arbitrarily high */
	cc->priv[0] = 0;		/* bytes acked toward the next cwnd step */
}

static void
newreno_on_ack(struct tcp_cc *cc, uint32_t acked)
{
	if (!cc->cwnd_limited)
		return;			/* RFC 7661: no growth while app-limited */
	if (cc->cwnd < cc->ssthresh) {
		/* RFC 5681 (2), with RFC 3465 L = 2 SMSS */
		cc->cwnd += NET_MIN(acked, 2 * cc->mss);
		return;
	}
	/* RFC 5681 3.1: one SMSS per cwnd of data acknowledged */
	cc->priv[0] += acked;
	if (cc->priv[0] >= cc->cwnd) {
		cc->priv[0] -= cc->cwnd;
		cc->cwnd += cc->mss;
	}
}

static uint32_t
half_flight(const struct tcp_cc *cc)
{
	/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2*SMSS) */
	return NET_MAX(cc->flight / 2, 2 * cc->mss);
}

static void
newreno_on_loss(struct tcp_cc *cc)
{
	cc->ssthresh = half_flight(cc);
	cc->cwnd = cc->ssthresh;
	cc->priv[0] = 0;
}

static void
newreno_on_recovery_end(struct tcp_cc *cc)
{
	/* RFC 6582 3.2 step 3, full acknowledgment */
	cc->cwnd = NET_MIN(cc->ssthresh, NET_MAX(cc->flight, cc->mss) + cc->mss);
}

static void
newreno_on_rto(struct tcp_cc *cc)
{
	cc->ssthresh = half_flight(cc);
	cc->priv[0] = 0;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_loss = newreno_on_loss,
	.on_recovery_end = newreno_on_recovery_end,
	.on_rto = newreno_on_rto,
};
