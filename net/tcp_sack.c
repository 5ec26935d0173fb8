/*
 * Selective acknowledgment, both sides.
 *
 * Sender: the scoreboard t_sacked[] lists what the peer SACKed above
 * snd_una (RFC 2018), sorted and merged; D-SACK blocks (RFC 2883 4) are
 * recognised and counted, never entered. Loss recovery (tcp_output.c)
 * asks it for holes and for the pipe estimate of RFC 6675 2.
 *
 * Receiver: t_ooo[] lists the ranges beyond rcv_nxt that arrived out of
 * order (their bytes are already in the receive ring), and yields the
 * SACK blocks for our ACKs, the most recently changed first (RFC 2018 4),
 * preceded by a D-SACK block when a duplicate came (RFC 2883 4).
 */
#include "net/tcp.h"

static void
sack_recount(struct tcpcb *tp)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < tp->t_nsacked; i++)
		n += tp->t_sacked[i].end - tp->t_sacked[i].start;
	tp->t_sacked_bytes = n;
}

/* Removes entry i of a range array of *n entries. */
static void
range_remove(struct tcp_range *r, int *n, int i)
{
	memmove(&r[i], &r[i + 1], (size_t)(*n - i - 1) * sizeof(*r));
	(*n)--;
}

/* Inserts [start, end) into the sorted array r of *n (max) ranges,
 * merging with neighbours it touches. Returns the index of the range
 * that now holds it, or -1 when the array is full. */
static int
range_insert(struct tcp_range *r, int *n, int max, uint32_t start, uint32_t end)
{
	int i, j;

	for (i = 0; i < *n && SEQ_LT(r[i].end, start); i++)
		;
	if (i < *n && SEQ_LEQ(r[i].start, end)) {
		/* overlaps or touches r[i]: grow it, then swallow followers */
		r[i].start = SEQ_MIN(r[i].start, start);
		r[i].end = SEQ_MAX(r[i].end, end);
		for (j = i + 1; j < *n && SEQ_LEQ(r[j].start, r[i].end); ) {
			r[i].end = SEQ_MAX(r[i].end, r[j].end);
			range_remove(r, n, j);
		}
		return i;
	}
	if (*n == max)
		return -1;
	memmove(&r[i + 1], &r[i], (size_t)(*n - i) * sizeof(*r));
	r[i].start = start;
	r[i].end = end;
	r[i].stamp = 0;
	(*n)++;
	return i;
}

void
tcp_sack_clear(struct tcpcb *tp)
{
	tp->t_nsacked = 0;
	tp->t_sacked_bytes = 0;
}

/* Drops what ack covers, then enters the peer's SACK blocks. */
void
tcp_sack_update(struct tcpcb *tp, const struct tcp_seg_opts *o, uint32_t ack)
{
	int i;

	while (tp->t_nsacked > 0 && SEQ_LEQ(tp->t_sacked[0].end, ack))
		range_remove(tp->t_sacked, &tp->t_nsacked, 0);
	if (tp->t_nsacked > 0 && SEQ_LT(tp->t_sacked[0].start, ack))
		tp->t_sacked[0].start = ack;
	for (i = 0; i < o->nsack; i++) {
		uint32_t s = o->sack[i][0], e = o->sack[i][1];
		if (!SEQ_LT(s, e))
			continue;
		/* RFC 2883 4: a first block below the ACK, or inside the
		 * second block, reports a duplicate */
		if (i == 0 && (SEQ_LT(s, ack) || (o->nsack > 1 &&
		    SEQ_GEQ(s, o->sack[1][0]) && SEQ_LEQ(e, o->sack[1][1])))) {
			tp->st_dsacks++;
			NSTAT(tp->t_ns, tcp_dsack_rx);
			continue;
		}
		if (SEQ_LEQ(e, ack) || SEQ_GT(e, tp->snd_max) || SEQ_LT(s, ack))
			continue;
		if (range_insert(tp->t_sacked, &tp->t_nsacked, TCP_SACK_MAX, s, e) < 0)
			continue;	/* full: forgetting a block is always safe */
	}
	sack_recount(tp);
}

uint32_t
tcp_sack_unsacked(const struct tcpcb *tp, uint32_t a, uint32_t b)
{
	uint32_t n;
	int i;

	if (!SEQ_LT(a, b))
		return 0;
	n = b - a;
	for (i = 0; i < tp->t_nsacked; i++) {
		uint32_t s = SEQ_MAX(tp->t_sacked[i].start, a);
		uint32_t e = SEQ_MIN(tp->t_sacked[i].end, b);
		if (SEQ_LT(s, e))
			n -= e - s;
	}
	return n;
}

uint32_t
tcp_sack_highest(const struct tcpcb *tp)
{
	return tp->t_nsacked ? tp->t_sacked[tp->t_nsacked - 1].end : tp->snd_una;
}

int
tcp_sack_next_hole(const struct tcpcb *tp, uint32_t from, uint32_t limit,
	uint32_t *seq, uint32_t *len)
{
	int i;

	for (i = 0; i < tp->t_nsacked && SEQ_LT(from, limit); i++) {
		const struct tcp_range *r = &tp->t_sacked[i];
		if (SEQ_LEQ(r->end, from))
			continue;
		if (SEQ_LT(from, r->start)) {
			*seq = from;
			*len = SEQ_MIN(r->start, limit) - from;
			return 1;
		}
		from = r->end;
	}
	return 0;
}

/* RFC 6675 2 "pipe": bytes we think are in the network. In recovery,
 * holes below the highest SACK are lost unless resent (before
 * t_rxt_next); without SACK each duplicate ACK stands for one segment
 * that left the network. */
uint32_t
tcp_pipe(const struct tcpcb *tp)
{
	uint32_t flight = tp->snd_max - tp->snd_una, hi, from, gone;

	if (!(tp->t_flags & TF_RECOVERY))
		return flight;
	if (!(tp->t_flags & TF_SACK)) {
		gone = NET_MIN(flight, tp->t_dupacks * (uint32_t)tp->t_maxseg);
		return flight - gone;
	}
	hi = tcp_sack_highest(tp);
	from = SEQ_MAX(tp->t_rxt_next, tp->snd_una);
	gone = tp->t_sacked_bytes + tcp_sack_unsacked(tp, from, hi);
	return flight > gone ? flight - gone : 0;
}

/* --- receiver --- */

int
tcp_ooo_covered(const struct tcpcb *tp, uint32_t start, uint32_t end)
{
	int i;

	for (i = 0; i < tp->t_nooo; i++)
		if (SEQ_LEQ(tp->t_ooo[i].start, start) && SEQ_LEQ(end, tp->t_ooo[i].end))
			return 1;
	return 0;
}

int
tcp_ooo_add(struct tcpcb *tp, uint32_t start, uint32_t end)
{
	int i = range_insert(tp->t_ooo, &tp->t_nooo, TCP_OOO_MAX, start, end);

	if (i < 0)
		return -1;
	tp->t_ooo[i].stamp = ++tp->t_ooo_stamp;
	return 0;
}

uint32_t
tcp_ooo_advance(struct tcpcb *tp, uint32_t rcv_nxt)
{
	while (tp->t_nooo > 0 && SEQ_LEQ(tp->t_ooo[0].start, rcv_nxt)) {
		if (SEQ_GT(tp->t_ooo[0].end, rcv_nxt)) {
			tp->rb_len += tp->t_ooo[0].end - rcv_nxt;
			rcv_nxt = tp->t_ooo[0].end;
		}
		range_remove(tp->t_ooo, &tp->t_nooo, 0);
	}
	return rcv_nxt;
}

int
tcp_sack_blocks(struct tcpcb *tp, uint32_t out[4][2], int max)
{
	uint8_t used[TCP_OOO_MAX] = { 0 };
	int n = 0, i, best;

	if ((tp->t_flags & TF_DSACK) && n < max) {
		out[n][0] = tp->t_dsack[0];
		out[n][1] = tp->t_dsack[1];
		n++;
	}
	while (n < max) {
		best = -1;
		for (i = 0; i < tp->t_nooo; i++)
			if (!used[i] && (best < 0 || tp->t_ooo[i].stamp > tp->t_ooo[best].stamp))
				best = i;
		if (best < 0)
			break;
		used[best] = 1;
		out[n][0] = tp->t_ooo[best].start;
		out[n][1] = tp->t_ooo[best].end;
		n++;
	}
	return n;
}
