/*
 * netresp NIC PINGS: the env that answers ARP and ping, on the default
 * channel, as 10.0.2.15. After answering PINGS echo requests it resolves
 * 10.0.2.2 by ARP and sends it a UDP datagram "hello linux" from and to
 * port 7777. With a tap in a network namespace, Linux's own stack is the
 * peer (grade/netns.py).
 */
#include "nettest.h"

#define UDP_PORT	7777

static struct nic_chan c;
static uint8_t mymac[6];

static void
send_frame(const uint8_t *f, size_t len)
{
	if (nic_send(&c, f, len) < 0)
		cprintf("netresp: send failed\n");
}

static bool
arp_for_me(const uint8_t *p, size_t len, int op)
{
	return len >= 42 && nic_get16(p + 12) == 0x0806 && nic_get16(p + 20) == op &&
	       nic_get32(p + 38) == NT_GUEST_IP;
}

static void
arp(const uint8_t *dst, int op, const uint8_t *tha, uint32_t tpa)
{
	uint8_t f[60] = { 0 };

	memcpy(f, dst, 6);
	memcpy(f + 6, mymac, 6);
	memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04", 8);
	nic_put16(f + 20, op);
	memcpy(f + 22, mymac, 6);
	nic_put32(f + 28, NT_GUEST_IP);
	memcpy(f + 32, tha, 6);
	nic_put32(f + 38, tpa);
	send_frame(f, sizeof(f));
}

/* An ICMP echo request to me: answer it in place. */
static bool
echo(uint8_t *p, size_t len)
{
	uint8_t ip[4];
	size_t ihl;

	if (len < 42 || nic_get16(p + 12) != 0x0800 || p[23] != 1 ||
	    nic_get32(p + 30) != NT_GUEST_IP)
		return false;
	ihl = 4 * (p[14] & 0xf);
	if (ihl < 20 || len < 14 + ihl + 8 || p[14 + ihl] != 8)
		return false;
	memcpy(p, p + 6, 6);
	memcpy(p + 6, mymac, 6);
	memcpy(ip, p + 26, 4);
	memcpy(p + 26, p + 30, 4);
	memcpy(p + 30, ip, 4);
	p[24] = p[25] = 0;
	nic_put16(p + 24, nic_ip_checksum(p + 14, ihl));
	p[14 + ihl] = 0;		/* echo reply */
	p[14 + ihl + 2] = p[14 + ihl + 3] = 0;
	size_t icmp_len = nic_get16(p + 16) - ihl;
	if (14 + ihl + icmp_len > len)
		icmp_len = len - 14 - ihl;
	nic_put16(p + 14 + ihl + 2, nic_ip_checksum(p + 14 + ihl, icmp_len));
	send_frame(p, len);
	return true;
}

/* Handles one frame; *peer_mac is set when 10.0.2.2 answers our ARP. */
static int
handle(uint8_t *p, size_t len, uint8_t *peer_mac, bool *resolved)
{
	if (arp_for_me(p, len, 1)) {
		arp(p + 22, 2, p + 22, nic_get32(p + 28));
		return 0;
	}
	if (arp_for_me(p, len, 2) && nic_get32(p + 28) == NT_PEER_IP) {
		memcpy(peer_mac, p + 22, 6);
		*resolved = true;
		return 0;
	}
	return echo(p, len);
}

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), want = nt_arg(argc, argv, 2, 3), pings = 0;
	const volatile struct nic_export *n = nt_nic("netresp", nic);
	uint8_t peer[6], f[128];
	bool resolved = false;
	uint64_t end = nt_now_us() + 60000000, next_arp = 0;
	struct nic_rxdesc d;

	for (int i = 0; i < 6; i++)
		mymac[i] = n->mac[i];
	nt_open("netresp", &c, nic, NIC_CHAN_DEFAULT, 32);
	cprintf("netresp: ready\n");
	while (!resolved && nt_now_us() < end) {
		if (pings >= want && nt_now_us() >= next_arp) {
			arp((const uint8_t *)"\xff\xff\xff\xff\xff\xff", 1,
			    (const uint8_t *)"\0\0\0\0\0\0", NT_PEER_IP);
			next_arp = nt_now_us() + 500000;
		}
		if (nic_recv(&c, &d, 100000) < 0)
			continue;
		if (handle((uint8_t *)d.va, d.len, peer, &resolved) > 0 && ++pings == want)
			cprintf("netresp: answered %d echo requests\n", pings);
		nic_rx_done(&c, d.va);
	}
	if (resolved) {
		size_t len = nic_build_udp(f, peer, mymac, NT_GUEST_IP, NT_PEER_IP, UDP_PORT,
					   UDP_PORT, "hello linux", 11);
		send_frame(f, len);
		cprintf("netresp: udp sent to %02x:%02x:%02x:%02x:%02x:%02x\n",
			peer[0], peer[1], peer[2], peer[3], peer[4], peer[5]);
	} else {
		cprintf("netresp: FAIL: answered %d pings, no ARP reply\n", pings);
	}
	nt_sleep_us(500000);
	nic_close(&c);
	return 0;
}
