/*
 * Below TCP: ARP, IPv4 (checksums, fragments), ICMP, UDP, configuration.
 */
#include <stdlib.h>
#include <string.h>
#include "grade/net/nettest.h"
#include "net/netpriv.h"

static void
t_configure(void)
{
	struct wire w;
	struct net_ifconfig ifc;
	const char *bad = NULL;

	wire_init(&w, 1);
	CHECK(net_configure(w.ns[0], "ip=10.0.0.9/16 gw=10.0.0.254 # comment\n cc=newreno iw=2", NULL) == 0);
	net_get_ifconfig(w.ns[0], &ifc);
	CHECK(ifc.addr == 0x0a000009u && ifc.netmask == 0xffff0000u && ifc.gateway == 0x0a0000feu);
	CHECK(strcmp(net_tune(w.ns[0])->cc, "newreno") == 0 && net_tune(w.ns[0])->iw == 2);
	CHECK(net_configure(w.ns[0], "iw=2 bogus=1", &bad) == -NET_ENOENT && strcmp(bad, "bogus=1") == 0);
	CHECK(net_configure(w.ns[0], "cc=nosuch", NULL) == -NET_ENOENT);
	CHECK(net_configure(w.ns[0], "iw=x", NULL) == -NET_EINVAL);
	wire_free(&w);
}

static struct wire W;

/* An IPv4 frame from A to B around payload (ihl 5, checksum right). */
static size_t
ipframe(uint8_t *f, uint8_t proto, const uint8_t *pl, size_t n, uint16_t id, uint16_t frag)
{
	uint8_t *ip = f + 14;
	uint32_t sum = 0;
	size_t i;

	memset(f, 0, 34);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + n) >> 8);
	ip[3] = (uint8_t)(20 + n);
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	ip[6] = (uint8_t)(frag >> 8);
	ip[7] = (uint8_t)frag;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	memcpy(f + 34, pl, n);
	return 34 + n;
}

static void
feed(const uint8_t *f, size_t len)
{
	/* a private, exact-size copy: ASan sees any read past the frame */
	uint8_t *c = malloc(len ? len : 1);

	memcpy(c, f, len);
	net_input(W.ns[1], c, len);
	free(c);
}

/* Every lie about a length is dropped and counted, never read past. */
static void
t_malformed(void)
{
	uint8_t f[2048], pl[64];
	size_t n;

	wire_init(&W, 40);
	memset(pl, 0, sizeof(pl));
	n = ipframe(f, 6, pl, 20, 1, 0);
	feed(f, 10);					/* shorter than Ethernet */
	feed(f, 14 + 12);				/* shorter than IP */
	f[14] = 0x4f;					/* IHL 60 > packet */
	feed(f, 14 + 40);
	f[14] = 0x44;					/* IHL 16 < 20 */
	feed(f, n);
	f[14] = 0x65;					/* version 6 */
	feed(f, n);
	n = ipframe(f, 6, pl, 20, 1, 0);
	f[17] = 200;					/* total length > frame */
	feed(f, n);
	n = ipframe(f, 6, pl, 20, 1, 0);
	f[24] ^= 0xff;					/* header checksum */
	feed(f, n);
	CHECK(nt_stat(&W, 1, "eth_drop_short") == 1 && nt_stat(&W, 1, "ip_drop_short") == 1);
	CHECK(nt_stat(&W, 1, "ip_drop_hlen") == 2 && nt_stat(&W, 1, "ip_drop_version") == 1);
	CHECK(nt_stat(&W, 1, "ip_drop_len") == 1 && nt_stat(&W, 1, "ip_drop_csum") == 1);
	/* TCP: data offset beyond the segment, option lengths that lie */
	pl[12] = 0xf0;
	n = ipframe(f, 6, pl, 20, 2, 0);
	feed(f, n);
	CHECK(nt_stat(&W, 1, "tcp_drop_hlen") == 1);
	W.ns[1]->ns_if.rx_csum_trusted = 0;
	{
		static const uint8_t opts[][4] = {
			{ 2, 0, 1, 1 }, { 2, 9, 1, 1 }, { 3, 2, 1, 1 }, { 5, 3, 0, 0 },
		};
		for (int k = 0; k < 4; k++) {
			memset(pl, 0, 24);
			pl[12] = 0x60;		/* 24 bytes: 4 of options */
			pl[13] = 0x02;
			memcpy(pl + 20, opts[k], 4);
			n = ipframe(f, 6, pl, 24, 3, 0);
			/* TCP checksum */
			uint32_t sum = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 24;
			for (int i = 0; i < 24; i += 2)
				sum += (uint32_t)(f[34 + i] << 8 | f[34 + i + 1]);
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			f[34 + 16] = (uint8_t)(~sum >> 8);
			f[34 + 17] = (uint8_t)~sum;
			feed(f, n);
		}
	}
	CHECKV(nt_stat(&W, 1, "tcp_drop_badopt") == 4, "%llu",
		(unsigned long long)nt_stat(&W, 1, "tcp_drop_badopt"));
	/* UDP length lies */
	memset(pl, 0, 8);
	pl[5] = 100;
	n = ipframe(f, 17, pl, 8, 4, 0);
	feed(f, n);
	CHECK(nt_stat(&W, 1, "udp_drop_len") == 1);
	wire_free(&W);
}

/* Fragments: reassembled in any order; overlaps drop the datagram;
 * an incomplete one times out. */
static void
t_fragments(void)
{
	uint8_t f[2048], u[3000], got[4000];
	struct net_sockaddr a = { 0, 53 }, from;
	int us;
	size_t n, i;

	wire_init(&W, 41);
	us = net_socket(W.ns[1], NET_SOCK_DGRAM);
	CHECK(net_bind(W.ns[1], us, &a) == 0);
	for (i = 0; i < sizeof(u); i++)
		u[i] = (uint8_t)(i * 7);
	u[0] = 0x30; u[1] = 0x39; u[2] = 0; u[3] = 53;
	u[4] = (uint8_t)(sizeof(u) >> 8); u[5] = (uint8_t)sizeof(u); u[6] = u[7] = 0;
	/* three pieces, last first */
	n = ipframe(f, 17, u + 2000, 1000, 9, 2000 / 8);
	feed(f, n);
	n = ipframe(f, 17, u, 1000, 9, 0x2000);
	feed(f, n);
	n = ipframe(f, 17, u + 1000, 1000, 9, 0x2000 | 1000 / 8);
	feed(f, n);
	CHECK(net_recvfrom(W.ns[1], us, got, sizeof(got), 0, &from) == 3000 - 8);
	CHECK(memcmp(got, u + 8, 3000 - 8) == 0);
	/* an overlap */
	n = ipframe(f, 17, u, 1000, 10, 0x2000);
	feed(f, n);
	n = ipframe(f, 17, u + 992, 1008, 10, 992 / 8);
	feed(f, n);
	CHECK(nt_stat(&W, 1, "ip_frag_drop_overlap") == 1);
	CHECK(net_recvfrom(W.ns[1], us, got, sizeof(got), 0, &from) == -NET_EAGAIN);
	/* never completed */
	n = ipframe(f, 17, u, 1000, 11, 0x2000);
	feed(f, n);
	wire_run(&W, 20000000, NULL);
	CHECK(nt_stat(&W, 1, "ip_frag_drop_timeout") == 1);
	/* a non-final fragment not a multiple of 8 */
	n = ipframe(f, 17, u, 1001, 12, 0x2000);
	feed(f, n);
	CHECK(nt_stat(&W, 1, "ip_frag_drop_bad") == 1);
	/* and the stack's own fragmentation, end to end */
	{
		int as = net_socket(W.ns[0], NET_SOCK_DGRAM);
		struct net_sockaddr to = { WIRE_ADDR(1), 53 };
		CHECK(net_sendto(W.ns[0], as, u, sizeof(u), 0, &to) == (long)sizeof(u));
		wire_run(&W, 100000, NULL);
		CHECK(net_recvfrom(W.ns[1], us, got, sizeof(got), 0, &from) == (long)sizeof(u));
		CHECK(memcmp(got, u, sizeof(u)) == 0 && from.addr == WIRE_ADDR(0));
	}
	wire_free(&W);
}

/* ICMP echo through a ping socket; UDP to a closed port gets an ICMP
 * port unreachable; ARP gives up on a silent neighbour. */
static void
t_icmp_udp_arp(void)
{
	uint8_t req[64], rep[128];
	struct net_sockaddr to = { WIRE_ADDR(1), 0 }, from;
	int is, us;
	long r;

	wire_init(&W, 42);
	is = net_socket(W.ns[0], NET_SOCK_ICMP);
	memset(req, 'z', sizeof(req));
	req[0] = 8; req[1] = 0; req[6] = 0; req[7] = 5;
	CHECK(net_sendto(W.ns[0], is, req, sizeof(req), 0, &to) == (long)sizeof(req));
	wire_run(&W, 100000, NULL);
	r = net_recvfrom(W.ns[0], is, rep, sizeof(rep), 0, &from);
	CHECKV(r == (long)sizeof(req) && rep[0] == 0 && rep[7] == 5 && from.addr == WIRE_ADDR(1),
		"%ld", r);
	CHECK(memcmp(rep + 8, req + 8, sizeof(req) - 8) == 0);
	us = net_socket(W.ns[0], NET_SOCK_DGRAM);
	to.port = 9999;
	CHECK(net_sendto(W.ns[0], us, "x", 1, 0, &to) == 1);
	wire_run(&W, 100000, NULL);
	CHECK(nt_stat(&W, 1, "icmp_unreach_tx") == 1 && nt_stat(&W, 0, "icmp_unreach_rx") == 1);
	to.addr = 0x0a000063;		/* nobody */
	CHECK(net_sendto(W.ns[0], us, "x", 1, 0, &to) == 1);
	wire_run(&W, 5000000, NULL);
	CHECK(nt_stat(&W, 0, "arp_fail") == 1 && nt_stat(&W, 0, "arp_request_tx") >= 3);
	wire_free(&W);
}

/* DHCP (RFC 2131): a scripted server answers A's DISCOVER and REQUEST;
 * A ends up configured and usable. */
static int dhcp_msgs[8];

static void
dhcp_reply(uint32_t xid, uint8_t type)
{
	uint8_t f[400], *ip = f + 14, *u = ip + 20, *b = u + 8, *o;
	uint32_t sum = 0;
	size_t blen = 240 + 32, i;

	memset(f, 0, sizeof(f));
	memcpy(f, "\xff\xff\xff\xff\xff\xff\x02\0\0\0\0\x02\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 8 + blen) >> 8);
	ip[3] = (uint8_t)(20 + 8 + blen);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\0\0\x02\xff\xff\xff\xff", 8);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	u[1] = 67;
	u[3] = 68;
	u[4] = (uint8_t)((8 + blen) >> 8);
	u[5] = (uint8_t)(8 + blen);
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, (uint8_t[]){ xid >> 24, xid >> 16, xid >> 8, xid }, 4);
	memcpy(b + 16, "\x0a\0\0\x32", 4);		/* yiaddr 10.0.0.50 */
	memcpy(b + 28, "\x02\0\0\0\0\x01", 6);		/* chaddr: A */
	memcpy(b + 236, "\x63\x82\x53\x63", 4);
	o = b + 240;
	memcpy(o, (uint8_t[]){ 53, 1, type, 54, 4, 10, 0, 0, 2, 1, 4, 255, 255, 255, 0,
		3, 4, 10, 0, 0, 2, 51, 4, 0, 0, 0x0e, 0x10, 255 }, 28);
	wire_inject(&W, 1, f, 14 + 20 + 8 + blen);
}

static int
dhcp_server(struct wire *w, int from, uint8_t *f, size_t *len)
{
	const uint8_t *b = f + 14 + 20 + 8, *o;
	uint32_t xid;

	(void)w;
	if (from != 0 || *len < 14 + 20 + 8 + 244 || f[23] != 17 || f[14 + 20 + 3] != 67)
		return 1;
	xid = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	for (o = b + 240; o + 2 < f + *len && *o != 255; o += 2 + o[1]) {
		if (*o == 53 && o[2] < 8) {
			dhcp_msgs[o[2]]++;
			dhcp_reply(xid, o[2] == 1 ? 2 : 5);	/* DISCOVER->OFFER, REQUEST->ACK */
		}
	}
	return 0;
}

static int
dhcp_bound(struct wire *w)
{
	return strcmp(net_dhcp_state(w->ns[0]), "bound") == 0;
}

static void
t_dhcp(void)
{
	struct net_ifconfig ifc;
	struct net_sockaddr to = { WIRE_ADDR(1), 0 }, from;
	uint8_t req[16] = { 8, 0 }, rep[64];
	int is;

	wire_init(&W, 43);
	memset(dhcp_msgs, 0, sizeof(dhcp_msgs));
	net_set_addr(W.ns[0], 0, 0, 0);
	W.filter = dhcp_server;
	CHECK(net_configure(W.ns[0], "dhcp=1", NULL) == 0);
	CHECK(wire_run(&W, 30000000, dhcp_bound));
	net_get_ifconfig(W.ns[0], &ifc);
	CHECKV(ifc.addr == 0x0a000032u && ifc.netmask == 0xffffff00u && ifc.gateway == 0x0a000002u,
		"%x %x %x", ifc.addr, ifc.netmask, ifc.gateway);
	CHECK(dhcp_msgs[1] >= 1 && dhcp_msgs[3] >= 1);
	/* and the address works */
	is = net_socket(W.ns[0], NET_SOCK_ICMP);
	CHECK(net_sendto(W.ns[0], is, req, sizeof(req), 0, &to) == (long)sizeof(req));
	wire_run(&W, 100000, NULL);
	CHECK(net_recvfrom(W.ns[0], is, rep, sizeof(rep), 0, &from) == (long)sizeof(req));
	/* renewal at T1 (half the 3600 s lease) keeps it */
	wire_run(&W, 1900000000ULL, NULL);
	CHECK(dhcp_msgs[3] >= 2 && dhcp_bound(&W));
	wire_free(&W);
}

const struct nt_case ip_cases[] = {
	{ "net_configure", t_configure },
	{ "ip_malformed", t_malformed },
	{ "ip_fragments", t_fragments },
	{ "icmp_udp_arp", t_icmp_udp_arp },
	{ "dhcp_client", t_dhcp },
	{ NULL, NULL },
};
