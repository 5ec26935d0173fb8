/*
 * TCP through the simulated wire: state machine, options, transfers under
 * impairments, RST and challenge ACKs, persist, keepalive, TIME-WAIT,
 * SYN floods, per-socket tuning visible on the wire, and congestion
 * control modules.
 */
#include <stdlib.h>
#include <string.h>
#include "grade/net/nettest.h"
#include "net/cc.h"

static struct wire W;

static void
tune_both(const char *text)
{
	net_configure(W.ns[0], text, NULL);
	net_configure(W.ns[1], text, NULL);
}

static void
t_handshake_options(void)
{
	int ls, cs, ss;
	struct net_tcp_info a, b;

	wire_init(&W, 1);
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	a = nt_info(&W, WIRE_A, cs);
	b = nt_info(&W, WIRE_B, ss);
	CHECK(a.state == 4 && b.state == 4);
	CHECK(a.opt_sack && b.opt_sack && a.opt_tstamp && b.opt_tstamp);
	CHECKV(a.rcv_wscale == 3 && a.snd_wscale == 3, "%d %d", a.rcv_wscale, a.snd_wscale);
	CHECKV(a.mss == 1448 && b.mss == 1448, "%u %u", a.mss, b.mss);
	wire_free(&W);
}

/* Options turned off on one side are not offered, and so not used. */
static int syn_seen_opts[2];	/* option kinds bitmask in the SYN / SYN-ACK */

static int
syn_filter(struct wire *w, int from, uint8_t *f, size_t *len)
{
	const uint8_t *t;
	size_t tl, i, off;

	if (!nt_tcp_of(f, *len, &t, &tl) || !(t[13] & 0x02))
		return 1;
	off = (size_t)(t[12] >> 4) * 4;
	for (i = 20; i < off; ) {
		if (t[i] == 0)
			break;
		if (t[i] == 1) {
			i++;
			continue;
		}
		syn_seen_opts[from] |= 1 << t[i];
		i += t[i + 1];
	}
	return 1;
}

static void
t_options_off(void)
{
	int ls, cs, ss;
	struct net_tcp_info a;

	wire_init(&W, 2);
	net_configure(W.ns[0], "sack=0 tstamp=0 wscale=0 mss=1000", NULL);
	memset(syn_seen_opts, 0, sizeof(syn_seen_opts));
	W.filter = syn_filter;
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	CHECKV(syn_seen_opts[0] == (1 << 2), "%x", syn_seen_opts[0]);	/* MSS only */
	CHECKV(syn_seen_opts[1] == (1 << 2), "%x", syn_seen_opts[1]);	/* so the answer too */
	a = nt_info(&W, WIRE_A, cs);
	CHECK(!a.opt_sack && !a.opt_tstamp && a.snd_wscale == 0);
	CHECKV(nt_info(&W, WIRE_B, ss).mss == 1000, "%u", nt_info(&W, WIRE_B, ss).mss);
	wire_free(&W);
}

static void
bulk(uint64_t seed, double loss, double dup, double reorder, double corrupt,
	uint64_t n, const char *conf)
{
	int ls, cs, ss;
	const char *why = "";

	wire_init(&W, seed);
	if (conf)
		tune_both(conf);
	CHECK(nt_connect(&W, 5001, &ls, &cs, &ss) == 0);
	uint64_t t0 = W.now;
	W.loss = loss;
	W.dup = dup;
	W.reorder = reorder;
	W.corrupt = corrupt;
	CHECKV(nt_transfer(&W, WIRE_A, cs, ss, n, 600000000, &why) == 0, "%s", why);
	if (getenv("NT_VERBOSE")) {
		struct net_tcp_info a = nt_info(&W, WIRE_A, cs);
		printf("    %.1f Mbit/s simulated, %llu segs, rexmit %llu (fast %llu, rto %llu), dsack %llu, cwnd %u ssthresh %u srtt %u rto %u\n",
			n * 8.0 / (double)(W.now - t0), (unsigned long long)a.segs_out,
			(unsigned long long)a.rexmits, (unsigned long long)a.fast_rexmits,
			(unsigned long long)a.rtos, (unsigned long long)a.dsacks_rx, a.cwnd, a.ssthresh, a.srtt_us, a.rto_us);
	}
	if (loss > 0)
		CHECK(nt_info(&W, WIRE_A, cs).rexmits > 0);
	if (corrupt > 0)
		CHECK(nt_stat(&W, WIRE_A, "tcp_drop_csum") + nt_stat(&W, WIRE_B, "tcp_drop_csum") +
			nt_stat(&W, WIRE_A, "ip_drop_csum") + nt_stat(&W, WIRE_B, "ip_drop_csum") > 0);
	/* and back the other way on the same connection */
	wire_free(&W);
}

static void t_bulk_clean(void) { bulk(3, 0, 0, 0, 0, 8u << 20, NULL); }

/* Bulk transfers with TSO (the wire segments as a NIC): byte-exact under
 * loss and reordering, the frames' checksum fields as the NIC wants. */
static void
bulk_tso(uint64_t seed, double loss, double reorder, uint64_t n, const char *conf)
{
	wire_tso = 1;
	wire_tso_frames = wire_tso_bad = 0;
	bulk(seed, loss, 0, reorder, 0, n, conf);
	wire_tso = 0;
	CHECKV(wire_tso_frames > 0, "%llu", (unsigned long long)wire_tso_frames);
	CHECKV(wire_tso_bad == 0, "%llu", (unsigned long long)wire_tso_bad);
}

static void t_tso_clean(void) { bulk_tso(40, 0, 0, 8u << 20, NULL); }
static void t_tso_loss(void) { bulk_tso(41, 0.02, 0.02, 4u << 20, NULL); }
static void t_tso_nosack(void) { bulk_tso(42, 0.02, 0, 4u << 20, "sack=0 tstamp=0"); }

/* tso=0: the interface has TSO, the tuning keeps it unused */
static void
t_tso_off(void)
{
	wire_tso = 1;
	wire_tso_frames = 0;
	bulk(43, 0, 0, 0, 0, 1u << 20, "tso=0");
	wire_tso = 0;
	CHECKV(wire_tso_frames == 0, "%llu", (unsigned long long)wire_tso_frames);
}
static void t_bulk_loss1(void) { bulk(4, 0.01, 0, 0, 0, 8u << 20, NULL); }
static void t_bulk_loss5(void) { bulk(5, 0.05, 0, 0, 0, 4u << 20, NULL); }
static void t_bulk_reorder(void) { bulk(6, 0, 0, 0.05, 0, 4u << 20, NULL); }
static void t_bulk_dup(void) { bulk(7, 0, 0.05, 0, 0, 4u << 20, NULL); }
static void t_bulk_corrupt(void) { bulk(8, 0, 0, 0, 0.02, 4u << 20, NULL); }
static void t_bulk_all(void) { bulk(9, 0.03, 0.02, 0.03, 0.01, 4u << 20, NULL); }
static void t_bulk_nosack(void) { bulk(10, 0.03, 0, 0.02, 0, 4u << 20, "sack=0"); }
static void t_bulk_noopts(void) { bulk(11, 0.02, 0, 0, 0, 2u << 20, "sack=0 tstamp=0 wscale=0 rcvbuf=65535"); }
static void t_bulk_newreno(void) { bulk(12, 0.02, 0, 0, 0, 4u << 20, "cc=newreno"); }
static void t_bulk_smallbuf(void) { bulk(13, 0.01, 0, 0, 0, 1u << 20, "sndbuf=4096 rcvbuf=4096"); }

/* --- crafted segments --- */

struct seen {
	uint32_t seq, ack, len;		/* of the last segment */
	uint8_t flags;
	uint16_t sport, dport;
};
static struct seen last_seen[2];	/* last TCP segment from each side */
static int count_data[2], count_pure_ack[2], count_rst[2];
static int drop_all;			/* the filter drops everything */
static int drop_dir = -1;		/* ... or everything from this side */

static void
reset_counts(void)
{
	memset(last_seen, 0, sizeof(last_seen));
	memset(count_data, 0, sizeof(count_data));
	memset(count_pure_ack, 0, sizeof(count_pure_ack));
	memset(count_rst, 0, sizeof(count_rst));
	drop_all = 0;
	drop_dir = -1;
}

static int
sniff(struct wire *w, int from, uint8_t *f, size_t *len)
{
	const uint8_t *t;
	size_t tl, off;
	struct seen *s = &last_seen[from];

	(void)w;
	if (drop_all || drop_dir == from)
		return 0;
	if (!nt_tcp_of(f, *len, &t, &tl))
		return 1;
	off = (size_t)(t[12] >> 4) * 4;
	s->sport = (uint16_t)(t[0] << 8 | t[1]);
	s->dport = (uint16_t)(t[2] << 8 | t[3]);
	s->seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
	s->ack = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | (uint32_t)t[10] << 8 | t[11];
	s->flags = t[13];
	s->len = (uint32_t)(tl - off);
	if (s->len > 0)
		count_data[from]++;
	else if ((t[13] & 0x3f) == 0x10)
		count_pure_ack[from]++;
	if (t[13] & 0x04)
		count_rst[from]++;
	return 1;
}

static uint16_t
csum16(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A TCP segment as if `from` had sent it (addresses, MACs, checksums). */
static void
inject_tcp(int from, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint8_t flags, const char *data)
{
	uint8_t f[1514];
	size_t dl = data ? strlen(data) : 0, tl = 20 + dl;
	uint32_t src = WIRE_ADDR(from), dst = WIRE_ADDR(1 - from), sum;
	uint8_t *ip = f + 14, *t = ip + 20;

	memset(f, 0, sizeof(f));
	memcpy(f, "\x02\0\0\0\0", 5);
	f[5] = (uint8_t)(2 - from);
	memcpy(f + 6, "\x02\0\0\0\0", 5);
	f[11] = (uint8_t)(from + 1);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + tl) >> 8);
	ip[3] = (uint8_t)(20 + tl);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, (uint8_t[]){ src >> 24, src >> 16, src >> 8, src }, 4);
	memcpy(ip + 16, (uint8_t[]){ dst >> 24, dst >> 16, dst >> 8, dst }, 4);
	sum = csum16(ip, 20, 0);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	t[0] = (uint8_t)(sport >> 8); t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
	memcpy(t + 4, (uint8_t[]){ seq >> 24, seq >> 16, seq >> 8, seq }, 4);
	memcpy(t + 8, (uint8_t[]){ ack >> 24, ack >> 16, ack >> 8, ack }, 4);
	t[12] = 5 << 4;
	t[13] = flags;
	t[14] = 0x20;
	if (dl)
		memcpy(t + 20, data, dl);
	sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + (uint32_t)tl;
	sum = csum16(t, tl, sum);
	t[16] = (uint8_t)(sum >> 8);
	t[17] = (uint8_t)sum;
	wire_inject(&W, from, f, 14 + 20 + tl);
}

static int
state_of(int side, int sd)
{
	return nt_info(&W, side, sd).state;
}

/* Runs the wire for us microseconds. */
static void
idle(uint64_t us)
{
	wire_run(&W, us, NULL);
}

/* RFC 5961: in-window RST and SYN get challenge ACKs, out-of-window RST
 * is ignored, the exact RST resets. */
static void
t_rst_challenge(void)
{
	int ls, cs, ss;
	uint32_t nxt;
	uint64_t ch;
	char b[8];

	wire_init(&W, 20);
	reset_counts();
	W.filter = sniff;
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	CHECK(net_send(W.ns[0], cs, "abc", 3, 0) == 3);
	idle(100000);
	nxt = last_seen[0].seq + (last_seen[0].len ? last_seen[0].len : 0);
	nxt = last_seen[1].ack;		/* B's rcv_nxt */
	ch = nt_stat(&W, 1, "tcp_challenge_ack");
	inject_tcp(0, last_seen[0].sport, 80, nxt + 1000, 0, 0x04, NULL);
	idle(100000);
	CHECK(nt_stat(&W, 1, "tcp_challenge_ack") == ch + 1);
	CHECK(state_of(1, ss) == 4);
	inject_tcp(0, last_seen[0].sport, 80, nxt + 5000000, 0, 0x04, NULL);
	idle(100000);
	CHECK(nt_stat(&W, 1, "tcp_drop_rst_outwin") == 1);
	CHECK(state_of(1, ss) == 4);
	inject_tcp(0, last_seen[0].sport, 80, nxt + 10, 0, 0x02, NULL);
	idle(100000);
	CHECK(nt_stat(&W, 1, "tcp_challenge_ack") == ch + 2);
	CHECK(state_of(1, ss) == 4);
	inject_tcp(0, last_seen[0].sport, 80, nxt, 0, 0x04, NULL);
	idle(100000);
	CHECK(net_recv(W.ns[1], ss, b, sizeof(b), 0) == 3);	/* data first */
	CHECK(net_recv(W.ns[1], ss, b, sizeof(b), 0) == -NET_ECONNRESET);
	wire_free(&W);
}

/* TIME-WAIT: a retransmitted FIN is ACKed again and the state holds;
 * then it ends after timewait_ms. */
static uint8_t fin_frame[1514];
static size_t fin_len;

static int
grab_fin(struct wire *w, int from, uint8_t *f, size_t *len)
{
	const uint8_t *t;
	size_t tl;

	if (from == 1 && nt_tcp_of(f, *len, &t, &tl) && (t[13] & 0x01)) {
		memcpy(fin_frame, f, *len);
		fin_len = *len;
	}
	return sniff(w, from, f, len);
}

static void
t_timewait(void)
{
	int ls, cs, ss, ack_before;

	wire_init(&W, 21);
	reset_counts();
	tune_both("timewait_ms=5000");
	W.filter = grab_fin;
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	net_shutdown(W.ns[0], cs, NET_SHUT_WR);
	idle(100000);
	net_close(W.ns[1], ss);
	idle(100000);
	CHECKV(fin_len > 0 && state_of(0, cs) == 10, "%zu %d", fin_len, state_of(0, cs));	/* TIME_WAIT */
	ack_before = count_pure_ack[0];
	idle(2000000);
	wire_inject(&W, 1, fin_frame, fin_len);
	idle(100000);
	CHECK(count_pure_ack[0] == ack_before + 1);
	CHECK(nt_stat(&W, 0, "tcp_drop_rst_timewait") == 1);	/* B's answer to that ACK */
	CHECKV(state_of(0, cs) == 10, "%d", state_of(0, cs));
	idle(4000000);		/* restarted at 2 s: still waiting at 6 s */
	CHECK(state_of(0, cs) == 10);
	idle(2000000);
	CHECKV(state_of(0, cs) == 0, "%d", state_of(0, cs));
	wire_free(&W);
}

/* Zero window: the sender probes while the receiver does not read, and
 * everything arrives once it does. */
static void
t_persist(void)
{
	int ls, cs, ss;
	const char *why;

	wire_init(&W, 22);
	tune_both("rcvbuf=8192");
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	{
		uint8_t buf[20000];
		long r;
		size_t i;
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = nt_pattern(i);
		r = net_send(W.ns[0], cs, buf, sizeof(buf), 0);
		CHECK(r == (long)sizeof(buf));
	}
	idle(20000000);
	CHECKV(nt_stat(&W, 0, "tcp_persist_probe") >= 3, "%llu",
		(unsigned long long)nt_stat(&W, 0, "tcp_persist_probe"));
	CHECK(state_of(0, cs) == 4);
	/* now read: the 20000 bytes, then the rest of a transfer */
	{
		uint8_t buf[20000];
		long r;
		size_t got = 0, i;
		while (got < sizeof(buf)) {
			r = net_recv(W.ns[1], ss, buf + got, sizeof(buf) - got, 0);
			if (r == -NET_EAGAIN) {
				idle(10000);
				continue;
			}
			CHECK(r > 0);
			got += (size_t)r;
		}
		for (i = 0; i < sizeof(buf); i++)
			CHECK(buf[i] == nt_pattern(i));
	}
	CHECK(nt_transfer(&W, WIRE_A, cs, ss, 100000, 60000000, &why) == 0);
	wire_free(&W);
}

/* Keepalive: probes on an idle connection keep it; a dead peer drops it. */
static void
t_keepalive(void)
{
	int ls, cs, ss, one = 1;
	char b[4];

	wire_init(&W, 23);
	reset_counts();
	W.filter = sniff;
	net_configure(W.ns[0], "keep_idle_s=10 keep_intvl_s=1 keep_cnt=3", NULL);
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	CHECK(net_setsockopt(W.ns[0], cs, NET_SOL_SOCKET, NET_SO_KEEPALIVE, &one, sizeof(one)) == 0);
	idle(25000000);
	CHECK(nt_stat(&W, 0, "tcp_keep_probe") >= 2);
	CHECK(state_of(0, cs) == 4);
	drop_all = 1;
	idle(20000000);
	CHECK(nt_stat(&W, 0, "tcp_keep_drop") == 1);
	CHECK(net_recv(W.ns[0], cs, b, sizeof(b), 0) == -NET_ETIMEDOUT);
	wire_free(&W);
}

/* Thousands of SYNs whose SYN-ACKs go nowhere: the SYN queue stays
 * bounded and a real client is served afterwards. */
static void
t_synflood(void)
{
	int ls, cs, ss, i, n, embryos = 0;
	struct net_sockdesc d[2048];
	struct net_sockaddr a = { 0, 80 };

	wire_init(&W, 24);
	reset_counts();
	W.filter = sniff;
	ls = net_socket(W.ns[1], NET_SOCK_STREAM);
	CHECK(net_bind(W.ns[1], ls, &a) == 0 && net_listen(W.ns[1], ls, 8) == 0);
	drop_dir = 1;		/* B's answers are lost */
	for (i = 0; i < 5000; i++) {
		inject_tcp(0, (uint16_t)(10000 + i), 80, (uint32_t)wire_rand(&W), 0, 0x02, NULL);
		if (i % 50 == 0)
			idle(1000);
	}
	idle(10000);
	n = net_sock_list(W.ns[1], d, 2048);
	for (i = 0; i < n && i < 2048; i++)
		embryos += d[i].tcp_state == 3;
	CHECKV(embryos <= 16, "%d embryos", embryos);
	CHECK(nt_stat(&W, 1, "tcp_drop_synq") > 4000);
	drop_dir = -1;
	cs = net_socket(W.ns[0], NET_SOCK_STREAM);
	a.addr = WIRE_ADDR(1);
	CHECK(net_connect(W.ns[0], cs, &a) == -NET_EINPROGRESS);
	for (i = 0; i < 500 && (ss = net_accept(W.ns[1], ls, NULL)) < 0; i++)
		idle(10000);
	CHECK(ss >= 0);
	CHECK(state_of(0, cs) == 4);
	wire_free(&W);
}

/* Per-socket Nagle: 50 small writes are coalesced with it, not without. */
static int
small_writes(int nodelay)
{
	int ls, cs, ss, i, before;
	char b[1024];

	if (nt_connect(&W, (uint16_t)(100 + nodelay), &ls, &cs, &ss) < 0)
		return -1;
	net_setsockopt(W.ns[0], cs, NET_IPPROTO_TCP, NET_TCP_NODELAY, &nodelay, sizeof(nodelay));
	before = count_data[0];
	for (i = 0; i < 50; i++)
		net_send(W.ns[0], cs, "0123456789", 10, 0);
	idle(500000);
	while (net_recv(W.ns[1], ss, b, sizeof(b), 0) > 0)
		;
	return count_data[0] - before;
}

static void
t_nagle(void)
{
	int with, without;

	wire_init(&W, 25);
	reset_counts();
	W.filter = sniff;
	with = small_writes(0);
	without = small_writes(1);
	CHECKV(with <= 3 && without == 50, "with Nagle %d segments, without %d", with, without);
	wire_free(&W);
}

/* Delayed ACKs on: about one ACK per two segments; off: one per segment. */
static int
acks_for(const char *conf, uint64_t seed)
{
	int ls, cs, ss, acks;
	const char *why;

	wire_init(&W, seed);
	reset_counts();
	W.filter = sniff;
	net_configure(W.ns[1], conf, NULL);
	if (nt_connect(&W, 80, &ls, &cs, &ss) < 0)
		return -1;
	acks = count_pure_ack[1];
	if (nt_transfer(&W, WIRE_A, cs, ss, 1448 * 200, 60000000, &why) < 0)
		return -1;
	acks = count_pure_ack[1] - acks;
	wire_free(&W);
	return acks;
}

static void
t_delack(void)
{
	int on = acks_for("delack=1", 26), off = acks_for("delack=0", 26);

	CHECKV(on > 80 && on < 0.75 * off && off >= 190, "delayed %d, immediate %d", on, off);
}

/* Initial window per socket: segments in the first flight. */
static int
first_flight(int iw)
{
	int ls, cs, ss, n;
	static uint8_t buf[65536];

	wire_init(&W, 27);
	reset_counts();
	W.filter = sniff;
	W.delay_us = 50000;
	if (nt_connect(&W, 80, &ls, &cs, &ss) < 0)
		return -1;
	net_setsockopt(W.ns[0], cs, NET_IPPROTO_TCP, NET_TCP_INITCWND, &iw, sizeof(iw));
	/* the window is set at establishment: a fresh socket takes it */
	cs = net_socket(W.ns[0], NET_SOCK_STREAM);
	net_setsockopt(W.ns[0], cs, NET_IPPROTO_TCP, NET_TCP_INITCWND, &iw, sizeof(iw));
	{
		struct net_sockaddr a = { WIRE_ADDR(1), 80 };
		net_connect(W.ns[0], cs, &a);
	}
	idle(150000);			/* handshake done (100 ms RTT) */
	n = count_data[0];
	net_send(W.ns[0], cs, buf, sizeof(buf), 0);
	idle(60000);			/* less than one RTT */
	n = count_data[0] - n;
	wire_free(&W);
	return n;
}

static void
t_initial_window(void)
{
	int ten = first_flight(10), two = first_flight(2);

	CHECKV(ten == 10 && two == 2, "iw 10: %d segments, iw 2: %d", ten, two);
}

/* One loss in a long transfer: NewReno halves FlightSize (RFC 5681),
 * CUBIC keeps 0.7 of cwnd (RFC 9438 4.6), read from the exported stats
 * of the loss event (checked against the cwnd this test saw). */
static uint32_t peak_cwnd;
static int cc_cs, drop_seq_done;

static int
drop_once(struct wire *w, int from, uint8_t *f, size_t *len)
{
	const uint8_t *t;
	size_t tl;

	if (from == 0 && !drop_seq_done && nt_tcp_of(f, *len, &t, &tl) &&
	    tl > 100 && w->frames[0] > 300) {
		drop_seq_done = 1;
		return 0;
	}
	{
		struct net_tcp_info ti = nt_info(w, 0, cc_cs);
		if (!ti.in_recovery && ti.fast_rexmits == 0)
			peak_cwnd = ti.cwnd;	/* the window the loss met */
	}
	return 1;
}

static double
cc_ratio(const char *cc)
{
	int ls, cs, ss;
	const char *why;
	struct net_tcp_info ti;

	wire_init(&W, 28);
	W.qlimit = 0;		/* no queue drops: just the one loss */
	W.bw_bps = 0;
	W.delay_us = 10000;
	if (nt_connect(&W, 80, &ls, &cs, &ss) < 0)
		return -1;
	net_setsockopt(W.ns[0], cs, NET_IPPROTO_TCP, NET_TCP_CONGESTION, cc, strlen(cc));
	cc_cs = cs;
	drop_seq_done = 0;
	peak_cwnd = 0;
	W.filter = drop_once;
	if (nt_transfer(&W, WIRE_A, cs, ss, 6u << 20, 60000000, &why) < 0)
		return -1;
	ti = nt_info(&W, WIRE_A, cs);
	wire_free(&W);
	if (strcmp(ti.cc, cc) != 0 || ti.fast_rexmits != 1)
		return -2;
	if (ti.loss_cwnd != peak_cwnd || ti.loss_ssthresh != ti.ssthresh)
		return -3;	/* the exported loss event is the one we made */
	/* NewReno halves FlightSize (RFC 5681 (4)), CUBIC scales cwnd
	 * (RFC 9438 4.6); the sender may be held by the receive window, so
	 * the two differ */
	if (strcmp(cc, "newreno") == 0)
		return (double)ti.loss_ssthresh / ti.loss_flight;
	return (double)ti.loss_ssthresh / ti.loss_cwnd;
}

static void
t_cc_reduction(void)
{
	double reno = cc_ratio("newreno"), cubic = cc_ratio("cubic");

	CHECKV(reno > 0.4 && reno < 0.6 && cubic > 0.6 && cubic < 0.8,
		"ssthresh after one loss: newreno %.2f of flight, cubic %.2f of cwnd", reno, cubic);
}

/* An application's own congestion control. */
static void fixed_init(struct tcp_cc *cc) { cc->cwnd = 4 * cc->mss; cc->ssthresh = cc->cwnd; }
static void fixed_ack(struct tcp_cc *cc, uint32_t acked) { (void)cc; (void)acked; }
static void fixed_event(struct tcp_cc *cc) { cc->cwnd = 4 * cc->mss; }
static const struct tcp_cc_ops fixed_cc = {
	.name = "fixed4", .init = fixed_init, .on_ack = fixed_ack, .on_loss = fixed_event,
	.on_recovery_end = fixed_event, .on_rto = fixed_event,
};

static void
t_cc_register(void)
{
	int ls, cs, ss;
	const char *why;
	struct net_tcp_info ti;

	wire_init(&W, 29);
	CHECK(tcp_cc_register(W.ns[0], &fixed_cc) == 0);
	CHECK(tcp_cc_register(W.ns[0], &fixed_cc) == -NET_EADDRINUSE);
	CHECK(net_configure(W.ns[0], "cc=fixed4", NULL) == 0);
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	CHECK(nt_transfer(&W, WIRE_A, cs, ss, 1u << 20, 60000000, &why) == 0);
	ti = nt_info(&W, WIRE_A, cs);
	CHECK(strcmp(ti.cc, "fixed4") == 0 && ti.cwnd == 4 * ti.mss);
	wire_free(&W);
}

/* Simultaneous open (RFC 9293 figure 8) and simultaneous close. */
static void
t_simultaneous(void)
{
	int a, b;
	struct net_sockaddr la = { 0, 1000 }, lb = { 0, 2000 };
	struct net_sockaddr ra = { WIRE_ADDR(1), 2000 }, rb = { WIRE_ADDR(0), 1000 };
	const char *why;

	wire_init(&W, 30);
	a = net_socket(W.ns[0], NET_SOCK_STREAM);
	b = net_socket(W.ns[1], NET_SOCK_STREAM);
	CHECK(net_bind(W.ns[0], a, &la) == 0 && net_bind(W.ns[1], b, &lb) == 0);
	CHECK(net_connect(W.ns[0], a, &ra) == -NET_EINPROGRESS);
	CHECK(net_connect(W.ns[1], b, &rb) == -NET_EINPROGRESS);
	idle(100000);
	CHECKV(state_of(0, a) == 4 && state_of(1, b) == 4, "%d %d", state_of(0, a), state_of(1, b));
	CHECK(nt_transfer(&W, WIRE_A, a, b, 100000, 10000000, &why) == 0);
	/* B has A's FIN; now both at once: B closes while A's ACK flies */
	net_shutdown(W.ns[1], b, NET_SHUT_WR);
	idle(100000);
	CHECK(state_of(0, a) == 10 || state_of(0, a) == 0);

	/* a true simultaneous close on a fresh pair */
	la.port = 1001; lb.port = 2001; ra.port = 2001; rb.port = 1001;
	a = net_socket(W.ns[0], NET_SOCK_STREAM);
	b = net_socket(W.ns[1], NET_SOCK_STREAM);
	net_bind(W.ns[0], a, &la);
	net_bind(W.ns[1], b, &lb);
	net_connect(W.ns[0], a, &ra);
	net_connect(W.ns[1], b, &rb);
	idle(100000);
	net_shutdown(W.ns[0], a, NET_SHUT_WR);
	net_shutdown(W.ns[1], b, NET_SHUT_WR);
	idle(1500);			/* both FINs in flight: CLOSING */
	CHECKV(state_of(0, a) == 7 || state_of(0, a) == 10, "%d", state_of(0, a));
	idle(100000);
	CHECK(state_of(0, a) == 10 && state_of(1, b) == 10);
	wire_free(&W);
}

static void
t_refused(void)
{
	int s, r;
	struct net_sockaddr a = { WIRE_ADDR(1), 4444 };

	wire_init(&W, 31);
	s = net_socket(W.ns[0], NET_SOCK_STREAM);
	CHECK(net_connect(W.ns[0], s, &a) == -NET_EINPROGRESS);
	idle(100000);
	CHECK(net_sock_poll(W.ns[0], s) & NET_POLLERR);
	r = net_connect(W.ns[0], s, &a);
	CHECKV(r == -NET_ECONNREFUSED, "%d", r);
	wire_free(&W);
}

/* A dead path: data outstanding for the user timeout drops the
 * connection (RFC 9293 3.8.3, 3.10.8). */
static void
t_user_timeout(void)
{
	int ls, cs, ss, ms = 3000;
	char b[4];

	wire_init(&W, 32);
	reset_counts();
	W.filter = sniff;
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	CHECK(net_setsockopt(W.ns[0], cs, NET_IPPROTO_TCP, NET_TCP_USER_TIMEOUT, &ms, sizeof(ms)) == 0);
	drop_all = 1;
	net_send(W.ns[0], cs, "hello", 5, 0);
	idle(2500000);
	CHECK(state_of(0, cs) == 4);
	idle(5000000);
	CHECK(net_recv(W.ns[0], cs, b, sizeof(b), 0) == -NET_ETIMEDOUT);
	CHECK(nt_info(&W, 0, cs).rtos >= 2);
	wire_free(&W);
}

/* Closing with unread data resets (RFC 1122 4.2.2.13). */
static void
t_close_unread(void)
{
	int ls, cs, ss;
	char b[4];

	wire_init(&W, 33);
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	net_send(W.ns[0], cs, "unread", 6, 0);
	idle(100000);
	net_close(W.ns[1], ss);
	idle(100000);
	CHECK(net_recv(W.ns[0], cs, b, sizeof(b), 0) == -NET_ECONNRESET);
	wire_free(&W);
}

/* Both ways at once on one connection, with loss. */
static void
t_bidirectional(void)
{
	int ls, cs, ss;
	const char *why;

	wire_init(&W, 34);
	CHECK(nt_connect(&W, 80, &ls, &cs, &ss) == 0);
	W.loss = 0.01;
	CHECK(nt_transfer(&W, WIRE_B, ss, cs, 2u << 20, 60000000, &why) == 0);
	wire_free(&W);
}

const struct nt_case tcp_cases[] = {
	{ "tcp_handshake_options", t_handshake_options },
	{ "tcp_options_off", t_options_off },
	{ "tcp_bulk_clean", t_bulk_clean },
	{ "tcp_tso_clean", t_tso_clean },
	{ "tcp_tso_loss", t_tso_loss },
	{ "tcp_tso_nosack", t_tso_nosack },
	{ "tcp_tso_off", t_tso_off },
	{ "tcp_bulk_loss1", t_bulk_loss1 },
	{ "tcp_bulk_loss5", t_bulk_loss5 },
	{ "tcp_bulk_reorder", t_bulk_reorder },
	{ "tcp_bulk_dup", t_bulk_dup },
	{ "tcp_bulk_corrupt", t_bulk_corrupt },
	{ "tcp_bulk_all", t_bulk_all },
	{ "tcp_bulk_nosack", t_bulk_nosack },
	{ "tcp_bulk_noopts", t_bulk_noopts },
	{ "tcp_bulk_newreno", t_bulk_newreno },
	{ "tcp_bulk_smallbuf", t_bulk_smallbuf },
	{ "tcp_reverse", t_bidirectional },
	{ "tcp_rst_challenge_ack", t_rst_challenge },
	{ "tcp_timewait_fin", t_timewait },
	{ "tcp_persist", t_persist },
	{ "tcp_keepalive", t_keepalive },
	{ "tcp_synflood", t_synflood },
	{ "tcp_nagle_per_socket", t_nagle },
	{ "tcp_delack", t_delack },
	{ "tcp_initial_window", t_initial_window },
	{ "tcp_cc_reduction", t_cc_reduction },
	{ "tcp_cc_register", t_cc_register },
	{ "tcp_simultaneous", t_simultaneous },
	{ "tcp_refused", t_refused },
	{ "tcp_user_timeout", t_user_timeout },
	{ "tcp_close_unread_rst", t_close_unread },
	{ NULL, NULL },
};
