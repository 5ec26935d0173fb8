/*
 * IPv4 (RFC 791, RFC 1122 3.2.1): header checks, delivery to ICMP, UDP
 * and TCP, routing to the next hop (on-link or the gateway) and output,
 * fragmenting what does not fit the MTU. Reassembly is in ipfrag.c.
 */
#include "net/netpriv.h"

#define IP_MF		0x2000
#define IP_DF		0x4000
#define IP_OFFMASK	0x1fff
#define IP_TTL_DEFAULT	64

/* RFC 1122 3.2.1.3: a source that cannot be one host */
static int
bad_source(struct netstack *ns, uint32_t src)
{
	return net_is_bcast(ns, src) || (src >> 24) == 127;
}

/* Is dst for us? Before an address is configured only broadcast UDP
 * (DHCP) and UDP to any address (a DHCP server's unicast OFFER, RFC
 * 2131 4.1) get through. */
static int
for_us(struct netstack *ns, uint32_t dst, uint8_t proto)
{
	if (ns->ns_if.addr == 0)
		return proto == IPPROTO_UDP_;
	return dst == ns->ns_if.addr || net_is_bcast(ns, dst);
}

void
ip_input(struct netstack *ns, const uint8_t *p, size_t len)
{
	struct ip_pkt pkt;
	size_t hlen, total;
	uint16_t frag;

	NSTAT(ns, ip_rx);
	if (len < IP_HLEN) {
		NSTAT(ns, ip_drop_short);
		return;
	}
	if (p[0] >> 4 != 4) {
		NSTAT(ns, ip_drop_version);
		return;
	}
	hlen = (size_t)(p[0] & 0xf) * 4;
	if (hlen < IP_HLEN || hlen > len) {
		NSTAT(ns, ip_drop_hlen);
		return;
	}
	total = get16(p + 2);
	if (total < hlen || total > len) {
		NSTAT(ns, ip_drop_len);
		return;
	}
	if (!ns->ns_if.rx_csum_trusted && net_csum(p, hlen) != 0) {
		NSTAT(ns, ip_drop_csum);
		return;
	}
	pkt.src = get32(p + 12);
	pkt.dst = get32(p + 16);
	pkt.proto = p[9];
	pkt.ttl = p[8];
	if (!for_us(ns, pkt.dst, pkt.proto)) {
		NSTAT(ns, ip_drop_notus);
		return;
	}
	if (bad_source(ns, pkt.src)) {
		NSTAT(ns, ip_drop_srcaddr);
		return;
	}
	frag = get16(p + 6);
	if (frag & (IP_MF | IP_OFFMASK)) {
		ip_reass_input(ns, p, hlen, p + hlen, total - hlen);
		return;
	}
	pkt.hdr = p;
	pkt.hlen = hlen;
	pkt.data = p + hlen;
	pkt.len = total - hlen;
	ip_deliver(ns, &pkt);
}

void
ip_deliver(struct netstack *ns, const struct ip_pkt *p)
{
	switch (p->proto) {
	case IPPROTO_ICMP_:
		icmp_input(ns, p);
		break;
	case IPPROTO_UDP_:
		udp_input(ns, p);
		break;
	case IPPROTO_TCP_:
		tcp_input(ns, p);
		break;
	default:
		NSTAT(ns, ip_drop_proto);
		/* RFC 1122 3.2.2.1: protocol unreachable */
		if (p->dst == ns->ns_if.addr)
			icmp_send_unreach(ns, p, 2);
		break;
	}
}

uint32_t
ip_source_for(struct netstack *ns, uint32_t dst)
{
	(void)dst;
	return ns->ns_if.addr;
}

/* The next hop for dst, or 0 when there is none. */
static uint32_t
ip_route(struct netstack *ns, uint32_t dst)
{
	uint32_t m = ns->ns_if.netmask;

	if (net_is_bcast(ns, dst))
		return dst;
	if (ns->ns_if.addr == 0)
		return 0;
	if ((dst & m) == (ns->ns_if.addr & m))
		return dst;
	return ns->ns_if.gateway;
}

static void
ip_header(struct netstack *ns, uint8_t *h, size_t total, uint16_t id,
	uint16_t frag, uint8_t proto, uint32_t src, uint32_t dst, uint8_t ttl)
{
	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, (uint16_t)total);
	put16(h + 4, id);
	put16(h + 6, frag);
	h[8] = ttl ? ttl : IP_TTL_DEFAULT;
	h[9] = proto;
	put16(h + 10, 0);
	put32(h + 12, src);
	put32(h + 16, dst);
	put16(h + 10, net_csum(h, IP_HLEN));
	(void)ns;
}

int
ip_output_tso(struct netstack *ns, uint8_t *frame, size_t len, uint32_t src,
	uint32_t dst, unsigned mss)
{
	uint32_t nh = ip_route(ns, dst);
	const uint8_t *mac;

	/* a frame held for ARP would later go out whole: not here */
	if (nh == 0 || ns->ns_if.output_tso == NULL || net_is_bcast(ns, nh) ||
	    len > 65535 - IP_HLEN || (mac = arp_resolved(ns, nh)) == NULL)
		return -NET_EAGAIN;
	ip_header(ns, frame + ETH_HLEN, IP_HLEN + len, ns->ns_ip_id, 0,
		IPPROTO_TCP_, src, dst, 0);
	memcpy(frame, mac, ETH_ALEN);
	memcpy(frame + ETH_ALEN, ns->ns_if.mac, ETH_ALEN);
	put16(frame + 12, ETH_TYPE_IP);
	if (ns->ns_if.output_tso(ns->ns_if.ctx, frame, NET_HEADROOM + len, mss) < 0)
		return -NET_EAGAIN;
	/* the NIC numbers the segments id, id+1, ... */
	ns->ns_ip_id += (uint16_t)((len + mss - 1) / mss);
	NSTAT(ns, ip_tx);
	NSTAT(ns, eth_tx);
	return 0;
}

/* Sends payload (len bytes) in fragments of at most the MTU (RFC 791
 * 3.2 "fragmentation"): each one a fresh frame. */
static int
ip_fragment(struct netstack *ns, const uint8_t *payload, size_t len,
	uint8_t proto, uint32_t src, uint32_t dst, uint8_t ttl, uint32_t nh)
{
	size_t chunk = (size_t)(ns->ns_mtu - IP_HLEN) & ~(size_t)7, off, n;
	uint16_t id = ns->ns_ip_id++;
	uint8_t *f;
	int r = 0;

	f = netglue_alloc(NET_HEADROOM + chunk + 64);
	if (f == NULL)
		return -NET_ENOMEM;
	for (off = 0; off < len && r == 0; off += n) {
		n = NET_MIN(chunk, len - off);
		memcpy(f + NET_HEADROOM, payload + off, n);
		ip_header(ns, f + ETH_HLEN, IP_HLEN + n, id,
			(uint16_t)((off / 8) | (off + n < len ? IP_MF : 0)),
			proto, src, dst, ttl);
		NSTAT(ns, ip_frag_tx);
		NSTAT(ns, ip_tx);
		r = arp_output(ns, f, NET_HEADROOM + n, nh);
	}
	netglue_free(f);
	return r;
}

int
ip_output(struct netstack *ns, uint8_t *frame, size_t len, uint8_t proto,
	uint32_t src, uint32_t dst, uint8_t ttl)
{
	uint32_t nh = ip_route(ns, dst);

	if (nh == 0) {
		NSTAT(ns, ip_drop_noroute);
		return -NET_ENETUNREACH;
	}
	if (len > 65535 - IP_HLEN) {
		NSTAT(ns, ip_drop_toobig);
		return -NET_EMSGSIZE;
	}
	if (IP_HLEN + len > ns->ns_mtu)
		return ip_fragment(ns, frame + NET_HEADROOM, len, proto, src, dst, ttl, nh);
	ip_header(ns, frame + ETH_HLEN, IP_HLEN + len, ns->ns_ip_id++, 0,
		proto, src, dst, ttl);
	NSTAT(ns, ip_tx);
	return arp_output(ns, frame, NET_HEADROOM + len, nh);
}
