/*
 * CUBIC congestion control (RFC 9438): the window grows as a cubic
 * function of the time since the last reduction, W(t) = C(t-K)^3 + Wmax
 * (4.2), never slower than Reno would (4.3), shrinks by beta = 0.7 on
 * loss (4.6) with fast convergence (4.7). Arithmetic in segments, as
 * doubles: user code may use SSE, and no libm is needed.
 */
#include "net/netpriv.h"

#define CUBIC_C		0.4
#define CUBIC_BETA	0.7
#define CUBIC_ALPHA	(3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

/* The module's state, kept in tcp_cc.priv. */
struct cubic {
	double w_max;		/* segments, before the last reduction */
	double k;		/* seconds to reach w_max again */
	double w_est;		/* the Reno-friendly estimate, segments */
	double cwnd_prior;	/* cwnd before the last reduction, segments */
	uint64_t epoch;		/* start of this congestion-avoidance epoch (µs), 0: none */
	uint64_t acked;		/* slow-start byte counting remainder */
};

_Static_assert(sizeof(struct cubic) <= sizeof(((struct tcp_cc *)0)->priv),
	"CUBIC state does not fit tcp_cc.priv");

static void
load(const struct tcp_cc *cc, struct cubic *s)
{
	memcpy(s, cc->priv, sizeof(*s));
}

static void
store(struct tcp_cc *cc, const struct cubic *s)
{
	memcpy(cc->priv, s, sizeof(*s));
}

/* Cube root by Newton's method (x >= 0). */
static double
cbrt_pos(double x)
{
	double y = x > 1 ? x / 3 : 1;
	int i;

	if (x <= 0)
		return 0;
	for (i = 0; i < 60; i++) {
		double ny = (2 * y + x / (y * y)) / 3;
		if (ny == y)
			break;
		y = ny;
	}
	return y;
}

static void
cubic_init(struct tcp_cc *cc)
{
	struct cubic s;

	memset(&s, 0, sizeof(s));
	cc->cwnd = cc->iw;
	cc->ssthresh = UINT32_MAX;
	store(cc, &s);
}

/* RFC 9438 4.2-4.4: one ACK in congestion avoidance. */
static void
cubic_avoid(struct tcp_cc *cc, struct cubic *s, uint32_t acked)
{
	double mss = cc->mss, cwnd = cc->cwnd / mss, t, target, rtt, alpha;

	if (s->epoch == 0) {
		s->epoch = cc->now_us;
		if (cwnd < s->w_max) {
			s->k = cbrt_pos((s->w_max - cwnd) / CUBIC_C);
		} else {
			s->k = 0;
			s->w_max = cwnd;
		}
		s->w_est = cwnd;
	}
	rtt = (cc->srtt_us ? cc->srtt_us : 100000) / 1e6;
	t = (double)(cc->now_us - s->epoch) / 1e6;
	target = CUBIC_C * (t + rtt - s->k) * (t + rtt - s->k) * (t + rtt - s->k) + s->w_max;
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	/* 4.3: the Reno-friendly region; once W_est is back at the window
	 * the loss met, it grows as Reno's does (alpha 1) */
	alpha = s->w_est >= s->cwnd_prior ? 1.0 : CUBIC_ALPHA;
	s->w_est += alpha * (acked / mss) / cwnd;
	if (CUBIC_C * (t - s->k) * (t - s->k) * (t - s->k) + s->w_max < s->w_est) {
		if (s->w_est > cwnd)
			cc->cwnd = (uint32_t)(s->w_est * mss);
		return;
	}
	/* 4.4/4.5: (target - cwnd) / cwnd per segment acknowledged */
	cc->cwnd += (uint32_t)((target - cwnd) / cwnd * acked);
}

static void
cubic_on_ack(struct tcp_cc *cc, uint32_t acked)
{
	struct cubic s;

	if (!cc->cwnd_limited)
		return;
	load(cc, &s);
	if (cc->cwnd < cc->ssthresh)
		cc->cwnd += NET_MIN(acked, 2 * cc->mss);	/* slow start, 4.10 */
	else
		cubic_avoid(cc, &s, acked);
	store(cc, &s);
}

/* 4.6 and 4.7: the multiplicative decrease and fast convergence. */
static void
cubic_reduce(struct tcp_cc *cc, struct cubic *s)
{
	double cwnd = cc->cwnd / (double)cc->mss;

	s->cwnd_prior = cwnd;
	if (cwnd < s->w_max)
		s->w_max = cwnd * (1.0 + CUBIC_BETA) / 2.0;
	else
		s->w_max = cwnd;
	s->epoch = 0;
	cc->ssthresh = NET_MAX((uint32_t)(cc->cwnd * CUBIC_BETA), 2 * cc->mss);
}

static void
cubic_on_loss(struct tcp_cc *cc)
{
	struct cubic s;

	load(cc, &s);
	cubic_reduce(cc, &s);
	cc->cwnd = cc->ssthresh;
	store(cc, &s);
}

static void
cubic_on_recovery_end(struct tcp_cc *cc)
{
	cc->cwnd = cc->ssthresh;
}

/* 4.8: a timeout reduces as a loss does; the stack then sets cwnd to
 * one segment and slow start runs to ssthresh. */
static void
cubic_on_rto(struct tcp_cc *cc)
{
	struct cubic s;

	load(cc, &s);
	cubic_reduce(cc, &s);
	store(cc, &s);
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_loss = cubic_on_loss,
	.on_recovery_end = cubic_on_recovery_end,
	.on_rto = cubic_on_rto,
};
