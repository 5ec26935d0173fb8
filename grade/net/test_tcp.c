/*
 * TCP through the simulated wire: state machine, options, transfers under
 * impairments, RST and challenge ACKs, persist, keepalive, TIME-WAIT,
 * SYN floods, per-socket tuning visible on the wire, and congestion
 * control modules.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "grade/net/nettest.h"
#include "net/cc.h"
#include "net/host/hostglue.h"

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
static int drop_tcp_dir = -1;		/* ... or the TCP segments from this side */

static void
reset_counts(void)
{
	memset(last_seen, 0, sizeof(last_seen));
	memset(count_data, 0, sizeof(count_data));
	memset(count_pure_ack, 0, sizeof(count_pure_ack));
	memset(count_rst, 0, sizeof(count_rst));
	drop_all = 0;
	drop_dir = -1;
	drop_tcp_dir = -1;
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
	if (drop_tcp_dir == from)
		return 0;
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
inject_tcp_src(int from, uint32_t src, uint16_t sport, uint16_t dport, uint32_t seq,
	uint32_t ack, uint8_t flags, const char *data)
{
	uint8_t f[1514];
	size_t dl = data ? strlen(data) : 0, tl = 20 + dl;
	uint32_t dst = WIRE_ADDR(1 - from), sum;
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

/* A segment from side `from`'s address to the other side. */
static void
inject_tcp(int from, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint8_t flags, const char *data)
{
	inject_tcp_src(from, WIRE_ADDR(from), sport, dport, seq, ack, flags, data);
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
 * bounded, its embryos hold no buffers (RFC 4987 3.3: a control block
 * each, not sndbuf + rcvbuf), and a real client is served afterwards on
 * its first SYN (the oldest embryo makes room), well before its 1 s RTO. */
static void
t_synflood(void)
{
	int ls, cs, ss = -1, i, n, embryos = 0;
	struct net_sockdesc d[2048];
	struct net_sockaddr a = { 0, 80 };
	uint64_t held;

	wire_init(&W, 24);
	reset_counts();
	W.filter = sniff;
	ls = net_socket(W.ns[1], NET_SOCK_STREAM);
	CHECK(net_bind(W.ns[1], ls, &a) == 0 && net_listen(W.ns[1], ls, 8) == 0);
	idle(10000);
	held = hostglue_bytes_in_use();
	drop_tcp_dir = 1;	/* B's SYN-ACKs are lost (its ARP is not) */
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
	held = hostglue_bytes_in_use() - held;
	CHECKV(held < (uint64_t)embryos * 4096, "%d embryos hold %lu bytes", embryos,
	       (unsigned long)held);
	drop_tcp_dir = -1;
	cs = net_socket(W.ns[0], NET_SOCK_STREAM);
	a.addr = WIRE_ADDR(1);
	CHECK(net_connect(W.ns[0], cs, &a) == -NET_EINPROGRESS);
	for (i = 0; i < 50 && (ss = net_accept(W.ns[1], ls, NULL)) < 0; i++)
		idle(10000);
	CHECKV(ss >= 0 && nt_info(&W, 0, cs).rexmits == 0,
	       "accepted %d after %d ms", ss, i * 10);
	CHECK(state_of(0, cs) == 4);
	wire_free(&W);
}

/* Answers B's ARP requests for every address but A's, as a router doing
 * proxy ARP would (the flood's neighbours then resolve and fill B's table
 * with resolved entries), and loses what B sends to them. */
static int
proxy_arp(struct wire *w, int from, uint8_t *f, size_t *len)
{
	static const uint8_t a_addr[4] = { 10, 0, 0, 1 };
	uint8_t r[42];

	if (from != WIRE_B || *len < 42 || f[12] != 0x08)
		return 1;
	if (f[13] == 0x00)		/* IPv4: what is not for A goes nowhere */
		return memcmp(f + 30, a_addr, 4) == 0;
	if (f[13] != 0x06 || f[21] != 1 || memcmp(f + 38, a_addr, 4) == 0)
		return 1;
	memcpy(r, f + 6, 6);				/* to B */
	memcpy(r + 6, "\x02\0\0\0\0\x99", 6);
	memcpy(r + 12, f + 12, 8);			/* type, hw/proto, lengths */
	r[20] = 0;
	r[21] = 2;					/* reply */
	memcpy(r + 22, "\x02\0\0\0\0\x99", 6);
	memcpy(r + 28, f + 38, 4);			/* the address asked for */
	memcpy(r + 32, f + 22, 10);			/* B's MAC and address */
	wire_inject(w, WIRE_A, r, sizeof(r));
	return 1;
}

/* SYNs to B's port 80 from the addresses after A's and B's, from the
 * first'th on, paced so that each one's ARP is answered before the next
 * comes. */
static void
inject_flood(int first, int n)
{
	for (int i = first; i < first + n; i++) {
		inject_tcp_src(0, WIRE_ADDR(2 + i), (uint16_t)(10000 + i), 80,
			       (uint32_t)wire_rand(&W), 0, 0x02, NULL);
		idle(100);
	}
}

/* SYNs from 600 on-link addresses (B's network is a /16 here) that
 * resolve (proxy ARP), more than B's ARP table holds, a real client
 * connecting in the middle: its entry has been pushed out by then, and
 * while its SYN-ACK waits in a new one for A's answer the flood's
 * neighbours must not push that out too. (Evicting by expiry they did:
 * the client was served only on its SYN retransmitted a second later.) */
static void
t_synflood_neighbours(void)
{
	int ls, cs, ss = -1, ls0, cs0, ss0, i;
	struct net_sockaddr a = { 0, 80 };

	wire_init(&W, 26);
	reset_counts();
	W.filter = proxy_arp;
	CHECK(net_configure(W.ns[1], "mask=255.255.0.0", NULL) == 0);
	CHECK(nt_connect(&W, 81, &ls0, &cs0, &ss0) == 0);	/* B knows A */
	ls = net_socket(W.ns[1], NET_SOCK_STREAM);
	CHECK(net_bind(W.ns[1], ls, &a) == 0 && net_listen(W.ns[1], ls, 1024) == 0);
	inject_flood(0, 300);
	idle(10000);
	cs = net_socket(W.ns[0], NET_SOCK_STREAM);
	a.addr = WIRE_ADDR(1);
	CHECK(net_connect(W.ns[0], cs, &a) == -NET_EINPROGRESS);
	idle(1500);		/* the client's SYN is in, its SYN-ACK waits */
	inject_flood(300, 300);
	for (i = 0; i < 50 && (ss = net_accept(W.ns[1], ls, NULL)) < 0; i++)
		idle(10000);
	CHECKV(ss >= 0 && nt_info(&W, 0, cs).rexmits == 0,
	       "accepted %d after %d ms", ss, i * 10);
	CHECK(nt_stat(&W, 1, "arp_request_tx") >= 600);
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

/* --- the window's growth after one loss (RFC 5681 3.1, RFC 9438 4.2-4.5) --- */

#define RFC_C		0.4	/* RFC 9438 4.2 */
#define RFC_BETA	0.7	/* RFC 9438 4.6 */
#define RFC_ALPHA	(3 * (1 - RFC_BETA) / (1 + RFC_BETA))	/* 4.3 */
#define GROWTH_MAX	128

/* One run: a sender that always has data, one segment dropped when cwnd
 * first reaches loss_at segments, then cwnd read from NET_TCP_INFO once
 * per RTT, half an RTT after the end of the recovery and every RTT on. */
struct growth {
	const char *cc;
	uint32_t delay_us;		/* one way; no queue: the RTT is 2 * delay_us */
	uint32_t loss_at;		/* segments */
	int n;				/* samples */
	struct net_tcp_info ti;		/* at the end: the loss event, mss, srtt */
	double w[GROWTH_MAX];		/* cwnd in segments, (i + 1/2) RTTs after recovery */
};

static struct growth *gr;
static int gr_cs, gr_ss, gr_dropped;

/* Drops the first data segment sent once cwnd has reached loss_at. */
static int
drop_at_cwnd(struct wire *w, int from, uint8_t *f, size_t *len)
{
	const uint8_t *t;
	size_t tl;
	struct net_tcp_info ti;

	if (from != WIRE_A || gr_dropped || !nt_tcp_of(f, *len, &t, &tl) ||
	    tl <= (size_t)(t[12] >> 4) * 4)
		return 1;
	ti = nt_info(w, WIRE_A, gr_cs);
	if (ti.cwnd < gr->loss_at * ti.mss)
		return 1;
	gr_dropped = 1;
	return 0;
}

/* Keeps the sender's buffer full and the receiver's empty, so that only
 * cwnd limits the sender (the modules grow cwnd only then, RFC 7661). */
static int
pump(struct wire *w)
{
	static uint8_t buf[65536];

	while (net_send(w->ns[WIRE_A], gr_cs, buf, sizeof(buf), 0) > 0)
		;
	while (net_recv(w->ns[WIRE_B], gr_ss, buf, sizeof(buf), 0) > 0)
		;
	return 0;
}

static int
pump_until_recovered(struct wire *w)
{
	struct net_tcp_info ti;

	pump(w);
	ti = nt_info(w, WIRE_A, gr_cs);
	return ti.fast_rexmits > 0 && !ti.in_recovery;
}

/* Runs g; 0, or -1 if the connection or the one loss did not happen as
 * planned. Without serialization every frame of a flight arrives at the
 * same instant, so the samples sit half an RTT away from the bursts. */
static int
growth_run(struct growth *g, uint64_t seed)
{
	int ls, i, r = -1;
	uint32_t rtt = 2 * g->delay_us;
	struct net_tcp_info ti;

	if (g->n > GROWTH_MAX)
		return -1;
	gr = g;
	gr_dropped = 0;
	wire_init(&W, seed);
	W.bw_bps = 0;
	W.qlimit = 0;
	W.delay_us = g->delay_us;
	tune_both("sndbuf=4194304 rcvbuf=4194304");
	if (nt_connect(&W, 80, &ls, &gr_cs, &gr_ss) < 0 ||
	    net_setsockopt(W.ns[WIRE_A], gr_cs, NET_IPPROTO_TCP, NET_TCP_CONGESTION,
		g->cc, strlen(g->cc)) < 0)
		goto out;
	W.filter = drop_at_cwnd;
	if (!wire_run(&W, 60000000, pump_until_recovered))
		goto out;
	wire_run(&W, rtt / 2, pump);
	for (i = 0; i < g->n; i++) {
		ti = nt_info(&W, WIRE_A, gr_cs);
		g->w[i] = (double)ti.cwnd / ti.mss;
		wire_run(&W, rtt, pump);
	}
	g->ti = nt_info(&W, WIRE_A, gr_cs);
	if (g->ti.fast_rexmits == 1 && g->ti.rtos == 0)
		r = 0;
out:
	wire_free(&W);
	return r;
}

/* RFC 9438 4.2: W_cubic(t) in segments, t seconds into the epoch, after
 * a loss at w_max segments (no earlier loss: no fast convergence). */
static double
rfc_w_cubic(double w_max, double t)
{
	double k = cbrt(w_max * (1 - RFC_BETA) / RFC_C);

	return RFC_C * (t - k) * (t - k) * (t - k) + w_max;
}

/* RFC 9438 4.3: W_est n RTTs into the epoch, each RTT's ACKs covering a
 * cwnd: alpha per RTT from beta * cwnd_prior, 1 per RTT once it has
 * reached cwnd_prior. */
static double
rfc_w_est(double w_prior, double n)
{
	double w0 = RFC_BETA * w_prior, n1 = (w_prior - w0) / RFC_ALPHA;

	return n <= n1 ? w0 + RFC_ALPHA * n : w_prior + (n - n1);
}

/* RFC 9438 4.4-4.5: cwnd follows the larger of the two. */
static double
rfc_cubic(const struct growth *g, int i)
{
	double w_prior = (double)g->ti.loss_cwnd / g->ti.mss, n = i + 0.5;

	return fmax(rfc_w_cubic(w_prior, n * 2 * g->delay_us / 1e6),
		rfc_w_est(w_prior, n));
}

/* RFC 5681 3.1: from ssthresh = FlightSize / 2, one SMSS per RTT. */
static double
rfc_reno(const struct growth *g, int i)
{
	return fmax((double)g->ti.loss_flight / 2 / g->ti.mss, 2) + i + 0.5;
}

/* Growth in segments from sample a to sample b. */
static double
grew(const struct growth *g, int a, int b)
{
	return g->w[b] - g->w[a];
}

/* How far cwnd may be from the RFC's curve at sample i: a segment for
 * the rounding and phase of the steps; one RTT of the curve's growth,
 * since cwnd reaches a target one RTT late (RFC 9438 4.4 aims at
 * W(t+RTT); RFC 5681 steps once a cwnd is acknowledged); and 3% of the
 * growth so far, since one RTT's ACKs cover the window of the RTT
 * before, a little smaller than the cwnd that RFC 9438 4.3 divides by. */
static double
growth_tol(const struct growth *g, double (*model)(const struct growth *, int), int i)
{
	return 1 + fabs(model(g, i + 1) - model(g, i)) + 0.03 * fabs(model(g, i) - model(g, 0));
}

/* 0 if every sample is within growth_tol of the model, else -1 - i for
 * the first sample i that is not; *worst: the largest distance. */
static int
growth_follows(const struct growth *g, double (*model)(const struct growth *, int),
	double *worst)
{
	int i, bad = 0;
	double d;

	*worst = 0;
	for (i = 0; i < g->n; i++) {
		d = fabs(g->w[i] - model(g, i));
		if (d > *worst)
			*worst = d;
		if (d > growth_tol(g, model, i) && !bad)
			bad = -1 - i;
	}
	return bad;
}

/* With NT_VERBOSE: the loss, the samples and the model's values. */
static void
growth_show(const struct growth *g, double (*model)(const struct growth *, int))
{
	int i;

	if (!getenv("NT_VERBOSE"))
		return;
	printf("    %s, RTT %u us (srtt %u), loss at cwnd %u, flight %u: ssthresh %u; cwnd/mss every RTT:\n   ",
		g->cc, 2 * g->delay_us, g->ti.srtt_us, g->ti.loss_cwnd,
		g->ti.loss_flight, g->ti.loss_ssthresh);
	for (i = 0; i < g->n; i++)
		printf(" %.1f%s", g->w[i], i % 16 == 15 ? "\n   " : "");
	printf("\n    RFC:\n   ");
	for (i = 0; i < g->n; i++)
		printf(" %.1f%s", model(g, i), i % 16 == 15 ? "\n   " : "");
	printf("\n");
}

/* NewReno: ssthresh = FlightSize / 2 at the loss, then at most one
 * SMSS per RTT and, the sender being cwnd-limited throughout, at least
 * 0.9 of one (the window steps once a cwnd's worth is acknowledged, and
 * an RTT's ACKs cover slightly less than the cwnd of its end); the same
 * slope in both halves: linear. */
static void
check_newreno(const struct growth *g)
{
	double mss = g->ti.mss, worst, d, dmax = 0, g1, g2;
	int i, h = g->n / 2, bad;

	CHECKV(fabs(g->ti.loss_ssthresh - fmax(g->ti.loss_flight / 2.0, 2 * mss)) <= mss,
		"ssthresh %u after a loss at flight %u", g->ti.loss_ssthresh, g->ti.loss_flight);
	for (i = 0; i + 1 < g->n; i++) {
		d = g->w[i + 1] - g->w[i];
		dmax = fmax(dmax, d);
	}
	g1 = grew(g, 0, h) / h;
	g2 = grew(g, h, g->n - 1) / (g->n - 1 - h);
	bad = growth_follows(g, rfc_reno, &worst);
	printf("    newreno: per RTT %.3f then %.3f segments, at most %.2f in one RTT; "
		"at most %.2f segments from RFC 5681\n", g1, g2, dmax, worst);
	CHECKV(dmax <= 1.0 + 1e-9, "%.2f segments in one RTT", dmax);
	CHECKV(g1 >= 0.9 && g1 <= 1.0 && g2 >= 0.9 && g2 <= 1.0, "%.3f, %.3f", g1, g2);
	CHECKV(bad == 0, "sample %d: cwnd %.1f, RFC %.1f", -1 - bad,
		g->w[-1 - bad], rfc_reno(g, -1 - bad));
}

/* The sample nearest to t seconds into the epoch. */
static int
growth_at(const struct growth *g, double t)
{
	int i = (int)floor(t * 1e6 / (2 * g->delay_us));

	return i < 0 ? 0 : i >= g->n ? g->n - 1 : i;
}

/* CUBIC in its cubic region: ssthresh = 0.7 cwnd at the loss, the curve of
 * RFC 9438 4.2, back at W_max at t = K, concave before and convex after
 * (every RTT's increment no larger than the last before K, no smaller
 * after, to a tenth of a segment of rounding; and by thirds of K). */
static void
check_cubic(const struct growth *g)
{
	double w_max = (double)g->ti.loss_cwnd / g->ti.mss, k, worst, th[6];
	double rise = 0, fall = 0, d0, d1;
	int i, ik, bad, j;

	CHECKV(fabs(g->ti.loss_ssthresh - RFC_BETA * g->ti.loss_cwnd) <= g->ti.mss,
		"ssthresh %u after a loss at cwnd %u", g->ti.loss_ssthresh, g->ti.loss_cwnd);
	k = cbrt(w_max * (1 - RFC_BETA) / RFC_C);
	ik = growth_at(g, k);
	CHECKV(2 * ik + 4 < g->n, "K %.2f s is past the samples", k);
	for (i = 0; i + 2 < g->n; i++) {
		d0 = g->w[i + 1] - g->w[i];
		d1 = g->w[i + 2] - g->w[i + 1];
		if (i + 2 <= ik)
			rise = fmax(rise, d1 - d0);
		else if (i >= ik)
			fall = fmax(fall, d0 - d1);
	}
	for (j = 0; j < 6; j++)
		th[j] = grew(g, growth_at(g, j * k / 3), growth_at(g, (j + 1) * k / 3));
	bad = growth_follows(g, rfc_cubic, &worst);
	printf("    cubic: W_max %.1f, K %.2f s, cwnd %.1f at K; growth by thirds of K "
		"%.1f %.1f %.1f | %.1f %.1f %.1f; at most %.2f segments from RFC 9438\n",
		w_max, k, g->w[ik], th[0], th[1], th[2], th[3], th[4], th[5], worst);
	CHECKV(fabs(g->w[ik] - w_max) <= 0.01 * w_max, "cwnd %.1f at K, W_max %.1f",
		g->w[ik], w_max);
	CHECKV(rise <= 0.1 && fall <= 0.1, "increments rise by %.2f before K, fall by %.2f after",
		rise, fall);
	CHECK(th[0] > th[1] && th[1] > th[2] && th[3] < th[4] && th[4] < th[5]);
	CHECKV(bad == 0, "sample %d: cwnd %.1f, RFC %.1f", -1 - bad,
		g->w[-1 - bad], rfc_cubic(g, -1 - bad));
}

/* CUBIC in its Reno-friendly region (short RTT, small window): cwnd is
 * W_est, which grows by alpha a RTT until it has reached cwnd_prior and
 * by one SMSS after (RFC 9438 4.3), within 10% (see check_newreno). */
static void
check_friendly(const struct growth *g)
{
	double w_prior = (double)g->ti.loss_cwnd / g->ti.mss, worst, a1, a2;
	int n1 = (int)((1 - RFC_BETA) * w_prior / RFC_ALPHA), bad;

	CHECKV(n1 >= 8 && n1 + 18 < g->n, "W_est reaches cwnd_prior after %d RTTs", n1);
	a1 = grew(g, 1, n1 - 1) / (n1 - 2);
	a2 = grew(g, n1 + 2, g->n - 1) / (g->n - 3 - n1);
	bad = growth_follows(g, rfc_cubic, &worst);
	printf("    cubic, Reno-friendly: per RTT %.3f segments (alpha %.3f) for %d RTTs, "
		"then %.3f (1); at most %.2f segments from RFC 9438\n",
		a1, RFC_ALPHA, n1, a2, worst);
	CHECKV(a1 >= 0.9 * RFC_ALPHA && a1 <= RFC_ALPHA && a2 >= 0.9 && a2 <= 1.0,
		"%.3f, %.3f", a1, a2);
	CHECKV(bad == 0, "sample %d: cwnd %.1f, RFC %.1f", -1 - bad,
		g->w[-1 - bad], rfc_cubic(g, -1 - bad));
}

/* Where the RFCs put CUBIC's curve above NewReno's by more than both
 * tolerances, the stack's CUBIC is above its NewReno (and the other way
 * round); the two runs met the same loss. */
static void
check_cubic_above(const struct growth *reno, const struct growth *cubic)
{
	int i, above = 0, below = 0;
	double m;

	CHECK(reno->ti.loss_cwnd == cubic->ti.loss_cwnd && reno->n == cubic->n);
	for (i = 0; i < reno->n; i++) {
		m = growth_tol(reno, rfc_reno, i) + growth_tol(cubic, rfc_cubic, i);
		if (rfc_cubic(cubic, i) - rfc_reno(reno, i) > m) {
			CHECKV(cubic->w[i] > reno->w[i], "%d RTTs: cubic %.1f, newreno %.1f",
				i, cubic->w[i], reno->w[i]);
			above++;
		} else if (rfc_reno(reno, i) - rfc_cubic(cubic, i) > m) {
			CHECKV(cubic->w[i] < reno->w[i], "%d RTTs: cubic %.1f, newreno %.1f",
				i, cubic->w[i], reno->w[i]);
			below++;
		}
	}
	printf("    cubic above newreno at %d of %d RTTs, as RFC 9438 says (below at %d)\n",
		above, reno->n, below);
	CHECK(above >= reno->n / 2);
}

/* The stack measured the wire's RTT (within 10%): its RTT, in the
 * modules' formulas, is the one the samples are apart. */
static int
srtt_is_rtt(const struct growth *g)
{
	return fabs(g->ti.srtt_us - 2.0 * g->delay_us) <= 0.1 * 2 * g->delay_us;
}

/* After one loss, cwnd over time, from NET_TCP_INFO, against the RFCs'
 * formulas: NewReno adds one SMSS per RTT from FlightSize / 2 (RFC 5681
 * 3.1); CUBIC follows W_cubic (RFC 9438 4.2-4.5) at a 100 ms RTT, where
 * K = 5.3 s, and W_est (4.3) at a 2 ms RTT. The loss meets a window of
 * about 200 segments, then 36. */
static void
t_cc_growth(void)
{
	struct growth reno = { .cc = "newreno", .delay_us = 50000, .loss_at = 100, .n = 112 };
	struct growth cubic = { .cc = "cubic", .delay_us = 50000, .loss_at = 100, .n = 112 };
	struct growth friendly = { .cc = "cubic", .delay_us = 1000, .loss_at = 20, .n = 60 };

	CHECK(growth_run(&reno, 40) == 0 && growth_run(&cubic, 40) == 0 &&
		growth_run(&friendly, 40) == 0);
	growth_show(&reno, rfc_reno);
	growth_show(&cubic, rfc_cubic);
	growth_show(&friendly, rfc_cubic);
	CHECKV(srtt_is_rtt(&reno) && srtt_is_rtt(&cubic) && srtt_is_rtt(&friendly),
		"srtt %u %u %u: the samples are not an RTT apart",
		reno.ti.srtt_us, cubic.ti.srtt_us, friendly.ti.srtt_us);
	check_newreno(&reno);
	check_cubic(&cubic);
	check_friendly(&friendly);
	check_cubic_above(&reno, &cubic);
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
	{ "tcp_synflood_neighbours", t_synflood_neighbours },
	{ "tcp_nagle_per_socket", t_nagle },
	{ "tcp_delack", t_delack },
	{ "tcp_initial_window", t_initial_window },
	{ "tcp_cc_reduction", t_cc_reduction },
	{ "tcp_cc_growth", t_cc_growth },
	{ "tcp_cc_register", t_cc_register },
	{ "tcp_simultaneous", t_simultaneous },
	{ "tcp_refused", t_refused },
	{ "tcp_user_timeout", t_user_timeout },
	{ "tcp_close_unread_rst", t_close_unread },
	{ NULL, NULL },
};
