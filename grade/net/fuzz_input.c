/*
 * The fuzz target of net/'s input path (IPv4, ICMP, UDP, TCP, ARP,
 * reassembly): LLVMFuzzerTestOneInput for libFuzzer (make net-fuzz), and
 * the same function under grade/net/fuzz_main.c's regression runner
 * (gcc, ASan/UBSan) in `make test`.
 *
 * Each run builds a fresh stack (10.0.0.2, deterministic randomness and
 * clock) with a TCP listener on 80 holding one connection already
 * established by a scripted peer (10.0.0.1:1234, its ISN 1000), a UDP
 * socket on 53 and a ping socket; then feeds the input as records:
 *
 *	byte 0	flags: bit 0 ARP (else IPv4); bit 1 checksums are trusted
 *		(NIC offload), so the fuzzer reaches what lies behind them;
 *		bits 2-7: advance the clock by that many x 50 ms first
 *	byte 1-2  length (big-endian) of the payload that follows
 *
 * and after every record lets the app side read, write and accept, and
 * at the end runs the timers far into the future.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/netpriv.h"
#include "net/socket.h"
#include "net/host/hostglue.h"

#define PEER_ADDR	0x0a000001u
#define STACK_ADDR	0x0a000002u
#define PEER_ISN	1000u

static uint64_t fz_now;
static uint8_t last_out[2048];	/* the stack's last frame (to learn its ISN) */
static size_t last_len;

static uint64_t
fz_clock(void)
{
	return fz_now;
}

static int
fz_output(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	last_len = len < sizeof(last_out) ? len : sizeof(last_out);
	memcpy(last_out, frame, last_len);
	return 0;
}

static const uint8_t stack_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 1 };

static void
feed(struct netstack *ns, int arp, const uint8_t *p, size_t len)
{
	static uint8_t f[ETH_HLEN + 65536];

	memcpy(f, stack_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, arp ? ETH_TYPE_ARP : ETH_TYPE_IP);
	memcpy(f + ETH_HLEN, p, len);
	net_input(ns, f, ETH_HLEN + len);
}

/* A TCP segment from the peer, checksums right. */
static void
peer_seg(struct netstack *ns, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t p[40];
	uint32_t sum;

	memset(p, 0, sizeof(p));
	p[0] = 0x45;
	put16(p + 2, 40);
	p[8] = 64;
	p[9] = IPPROTO_TCP_;
	put32(p + 12, PEER_ADDR);
	put32(p + 16, STACK_ADDR);
	put16(p + 10, net_csum(p, 20));
	put16(p + 20, 1234);
	put16(p + 22, 80);
	put32(p + 24, seq);
	put32(p + 28, ack);
	p[32] = 5 << 4;
	p[33] = flags;
	put16(p + 34, 65535);
	sum = net_pseudo_sum(PEER_ADDR, STACK_ADDR, IPPROTO_TCP_, 20);
	put16(p + 36, net_csum_fold(net_csum_partial(sum, p + 20, 20)));
	feed(ns, 0, p, sizeof(p));
}

static void
peer_arp(struct netstack *ns)
{
	uint8_t a[28];

	memset(a, 0, sizeof(a));
	put16(a, 1);
	put16(a + 2, ETH_TYPE_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, peer_mac, 6);
	put32(a + 14, PEER_ADDR);
	put32(a + 24, STACK_ADDR);
	feed(ns, 1, a, sizeof(a));
}

struct fz {
	struct netstack *ns;
	int ls, cs, us, is;
};

static void
fz_setup(struct fz *z)
{
	struct net_ifconfig ifc;
	struct net_sockaddr a = { 0, 80 };
	uint32_t iss;

	fz_now = 1000000;
	hostglue_set_clock(fz_clock);
	hostglue_set_seed(12345);
	hostglue_set_verbose(0);
	memset(&ifc, 0, sizeof(ifc));
	memcpy(ifc.mac, stack_mac, 6);
	ifc.addr = STACK_ADDR;
	ifc.netmask = 0xffffff00u;
	ifc.output = fz_output;
	z->ns = net_create(&ifc);
	net_configure(z->ns, "sndbuf=8192 rcvbuf=8192 keepalive=1 keep_idle_s=1", NULL);
	z->ls = net_socket(z->ns, NET_SOCK_STREAM);
	net_bind(z->ns, z->ls, &a);
	net_listen(z->ns, z->ls, 4);
	a.port = 53;
	z->us = net_socket(z->ns, NET_SOCK_DGRAM);
	net_bind(z->ns, z->us, &a);
	z->is = net_socket(z->ns, NET_SOCK_ICMP);
	/* the peer introduces itself (ARP), then the scripted handshake:
	 * SYN, learn the ISS from the SYN-ACK, ACK */
	peer_arp(z->ns);
	peer_seg(z->ns, PEER_ISN, 0, 0x02);
	iss = last_len >= 54 ? get32(last_out + 38) : 0;
	peer_seg(z->ns, PEER_ISN + 1, iss + 1, 0x10);
	z->cs = net_accept(z->ns, z->ls, NULL);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "fuzz: iss %u, connection %s\n", iss,
			z->cs >= 0 ? "established" : "NOT established");
}

/* What an app does between frames: accept, read, answer, send. */
static void
fz_app(struct fz *z)
{
	uint8_t buf[4096];
	struct net_sockaddr from;
	int sd;
	long r;

	while ((sd = net_accept(z->ns, z->ls, NULL)) >= 0)
		net_close(z->ns, sd);
	if (z->cs >= 0) {
		while ((r = net_recv(z->ns, z->cs, buf, sizeof(buf), 0)) > 0)
			net_send(z->ns, z->cs, buf, (size_t)r, 0);
		net_send(z->ns, z->cs, "x", 1, 0);
	}
	while (net_recvfrom(z->ns, z->us, buf, sizeof(buf), 0, &from) >= 0)
		;
	while (net_recvfrom(z->ns, z->is, buf, sizeof(buf), 0, &from) >= 0)
		;
	net_timer(z->ns);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z;
	size_t len;
	uint8_t flags;
	int i;

	fz_setup(&z);
	while (size >= 3) {
		flags = data[0];
		len = get16(data + 1);
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		fz_now += (uint64_t)(flags >> 2) * 50000;
		z.ns->ns_if.rx_csum_trusted = (flags & 2) != 0;
		feed(z.ns, flags & 1, data, len);
		data += len;
		size -= len;
		fz_app(&z);
	}
	if (z.cs >= 0)
		net_shutdown(z.ns, z.cs, NET_SHUT_WR);
	for (i = 0; i < 40; i++) {
		fz_now += 1000000ULL << (i / 4);
		net_timer(z.ns);
	}
	net_destroy(z.ns);
	hostglue_set_clock(NULL);
	return 0;
}
