/*
 * UDP (RFC 768, RFC 1122 4.1): demultiplexing to control blocks by port
 * (a connected block first), checksums (zero means none was sent),
 * port-unreachable for closed ports, and output.
 */
#include "net/udp.h"

#define DHCP_CLIENT_PORT	68

int
dgram_enqueue(struct dgram_queue *q, uint32_t src, uint16_t sport,
	const void *data, size_t len)
{
	struct dgram *d;

	if (q->bytes + len > q->limit && q->head != NULL)
		return -1;
	d = netglue_alloc(sizeof(*d) + len);
	if (d == NULL)
		return -1;
	d->src = src;
	d->sport = sport;
	d->len = (uint32_t)len;
	memcpy(d->data, data, len);
	if (q->tail)
		q->tail->next = d;
	else
		q->head = d;
	q->tail = d;
	q->bytes += (uint32_t)len;
	return 0;
}

struct dgram *
dgram_dequeue(struct dgram_queue *q)
{
	struct dgram *d = q->head;

	if (d == NULL)
		return NULL;
	q->head = d->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->bytes -= d->len;
	return d;
}

void
dgram_flush(struct dgram_queue *q)
{
	struct dgram *d;

	while ((d = dgram_dequeue(q)) != NULL)
		netglue_free(d);
}

struct udpcb *
udp_newcb(struct netstack *ns, uint32_t rcvbuf)
{
	struct udpcb *up = netglue_alloc(sizeof(*up));

	if (up == NULL)
		return NULL;
	up->q.limit = rcvbuf;
	up->next = ns->ns_udps;
	ns->ns_udps = up;
	return up;
}

void
udp_freecb(struct netstack *ns, struct udpcb *up)
{
	struct udpcb **pp;

	for (pp = &ns->ns_udps; *pp; pp = &(*pp)->next) {
		if (*pp == up) {
			*pp = up->next;
			break;
		}
	}
	dgram_flush(&up->q);
	netglue_free(up);
}

void
udp_free_all(struct netstack *ns)
{
	while (ns->ns_udps)
		udp_freecb(ns, ns->ns_udps);
}

static int
udp_port_used(struct netstack *ns, struct udpcb *self, uint32_t addr, uint16_t port)
{
	struct udpcb *up;

	for (up = ns->ns_udps; up; up = up->next)
		if (up != self && up->lport == port &&
		    (up->laddr == 0 || addr == 0 || up->laddr == addr) &&
		    !(up->reuse && self->reuse))
			return 1;
	return 0;
}

int
udp_bind(struct netstack *ns, struct udpcb *up, uint32_t addr, uint16_t port)
{
	int i;

	if (port == 0) {
		for (i = 0; i < 16384; i++) {
			port = ns->ns_next_port++;
			if (ns->ns_next_port < 49152)
				ns->ns_next_port = 49152;
			if (port >= 49152 && !udp_port_used(ns, up, addr, port))
				break;
		}
		if (i == 16384)
			return -NET_EADDRINUSE;
	} else if (udp_port_used(ns, up, addr, port)) {
		return -NET_EADDRINUSE;
	}
	up->laddr = addr;
	up->lport = port;
	return 0;
}

/* The block for a datagram to dport from (src, sport): a connected one
 * beats a wildcard one. */
static struct udpcb *
udp_lookup(struct netstack *ns, uint32_t dst, uint16_t dport, uint32_t src,
	uint16_t sport)
{
	struct udpcb *up, *wild = NULL;

	for (up = ns->ns_udps; up; up = up->next) {
		if (up->lport != dport || (up->laddr && up->laddr != dst &&
		    !net_is_bcast(ns, dst)))
			continue;
		if (up->fport == 0)
			wild = wild ? wild : up;
		else if (up->faddr == src && up->fport == sport)
			return up;
	}
	return wild;
}

void
udp_input(struct netstack *ns, const struct ip_pkt *p)
{
	const uint8_t *u = p->data;
	struct udpcb *up;
	uint16_t ulen, sport, dport;
	uint32_t sum;

	NSTAT(ns, udp_rx);
	if (p->len < UDP_HLEN) {
		NSTAT(ns, udp_drop_short);
		return;
	}
	ulen = get16(u + 4);
	if (ulen < UDP_HLEN || ulen > p->len) {
		NSTAT(ns, udp_drop_len);
		return;
	}
	if (get16(u + 6) != 0 && !ns->ns_if.rx_csum_trusted) {
		sum = net_pseudo_sum(p->src, p->dst, IPPROTO_UDP_, ulen);
		if (net_csum_fold(net_csum_partial(sum, u, ulen)) != 0) {
			NSTAT(ns, udp_drop_csum);
			return;
		}
	}
	sport = get16(u);
	dport = get16(u + 2);
	if (dport == DHCP_CLIENT_PORT && dhcp_input(ns, p, u, ulen))
		return;
	if (ns->ns_if.addr == 0) {
		NSTAT(ns, ip_drop_notus);
		return;
	}
	up = udp_lookup(ns, p->dst, dport, p->src, sport);
	if (up == NULL) {
		NSTAT(ns, udp_drop_noport);
		if (p->dst == ns->ns_if.addr)
			icmp_send_unreach(ns, p, 3);	/* RFC 1122 4.1.3.1 */
		return;
	}
	if (dgram_enqueue(&up->q, p->src, sport, u + UDP_HLEN, ulen - UDP_HLEN) < 0)
		NSTAT(ns, udp_drop_full);
}

int
udp_output(struct netstack *ns, uint32_t src, uint16_t sport, uint32_t dst,
	uint16_t dport, const void *data, size_t len)
{
	uint8_t *f = ns->ns_tx, *tmp = NULL, *u;
	size_t ulen = UDP_HLEN + len;
	uint16_t sum;
	int r;

	if (ulen > 65535 - 20)
		return -NET_EMSGSIZE;
	if (NET_HEADROOM + ulen > sizeof(ns->ns_tx)) {
		f = tmp = netglue_alloc(NET_HEADROOM + ulen);
		if (f == NULL)
			return -NET_ENOMEM;
	}
	u = f + NET_HEADROOM;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)ulen);
	put16(u + 6, 0);
	memcpy(u + UDP_HLEN, data, len);
	sum = net_csum_fold(net_csum_partial(net_pseudo_sum(src, dst, IPPROTO_UDP_,
		(uint32_t)ulen), u, ulen));
	put16(u + 6, sum ? sum : 0xffff);	/* RFC 768: 0 means "none" */
	NSTAT(ns, udp_tx);
	r = ip_output(ns, f, ulen, IPPROTO_UDP_, src, dst, 0);
	netglue_free(tmp);
	return r;
}
