/*
 * ICMP (RFC 792, RFC 1122 3.2.2): echo replies, destination-unreachable
 * errors about datagrams we cannot deliver (rate limited), and echo
 * requests and replies for ping sockets.
 */
#include "net/netpriv.h"

#define ICMP_ECHOREPLY	0
#define ICMP_UNREACH	3
#define ICMP_ECHO	8
#define ICMP_HLEN	8
#define ICMP_ERR_BURST	20	/* errors in a burst */
#define ICMP_ERR_RATE	100	/* errors per second in the long run */

/* A frame buffer for an ICMP message of len bytes: the stack's own one
 * when it fits, else a temporary one (*tmp, freed by the caller). */
static uint8_t *
icmp_frame(struct netstack *ns, size_t len, uint8_t **tmp)
{
	*tmp = NULL;
	if (NET_HEADROOM + len <= sizeof(ns->ns_tx))
		return ns->ns_tx;
	*tmp = netglue_alloc(NET_HEADROOM + len);
	return *tmp;
}

static void
icmp_echo_reply(struct netstack *ns, const struct ip_pkt *p)
{
	uint8_t *f, *tmp, *m;

	if (p->dst != ns->ns_if.addr)
		return;		/* RFC 1122 3.2.2.6: broadcast echo MAY be ignored */
	f = icmp_frame(ns, p->len, &tmp);
	if (f == NULL)
		return;
	m = f + NET_HEADROOM;
	memcpy(m, p->data, p->len);
	m[0] = ICMP_ECHOREPLY;
	put16(m + 2, 0);
	put16(m + 2, net_csum(m, p->len));
	NSTAT(ns, icmp_echo_reply_tx);
	ip_output(ns, f, p->len, IPPROTO_ICMP_, ns->ns_if.addr, p->src, 0);
	netglue_free(tmp);
}

void
icmp_input(struct netstack *ns, const struct ip_pkt *p)
{
	NSTAT(ns, icmp_rx);
	if (p->len < ICMP_HLEN) {
		NSTAT(ns, icmp_drop_short);
		return;
	}
	if (!ns->ns_if.rx_csum_trusted && net_csum(p->data, p->len) != 0) {
		NSTAT(ns, icmp_drop_csum);
		return;
	}
	switch (p->data[0]) {
	case ICMP_ECHO:
		icmp_echo_reply(ns, p);
		break;
	case ICMP_ECHOREPLY:
		sock_icmp_deliver(ns, p, p->data, p->len);
		break;
	case ICMP_UNREACH:
		NSTAT(ns, icmp_unreach_rx);
		break;
	default:
		NSTAT(ns, icmp_drop_type);
		break;
	}
}

/* Token bucket for ICMP errors (RFC 1812 4.3.2.8, RFC 1122 3.2.2). */
static int
icmp_err_allowed(struct netstack *ns)
{
	uint64_t now = netglue_now_us();
	uint64_t add = (now - ns->ns_icmp_err_time) * ICMP_ERR_RATE / 1000000;

	if (add > 0) {
		ns->ns_icmp_err_tokens = (uint32_t)NET_MIN(ICMP_ERR_BURST,
			ns->ns_icmp_err_tokens + add);
		ns->ns_icmp_err_time = now;
	}
	if (ns->ns_icmp_err_tokens == 0)
		return 0;
	ns->ns_icmp_err_tokens--;
	return 1;
}

void
icmp_send_unreach(struct netstack *ns, const struct ip_pkt *p, uint8_t code)
{
	size_t quote = NET_MIN(p->len, (size_t)8), len;
	uint8_t *m;

	/* RFC 1122 3.2.2: never about an ICMP error, a broadcast, or a
	 * datagram from a source that names no single host */
	if (net_is_bcast(ns, p->dst) || net_is_bcast(ns, p->src) || p->src == 0)
		return;
	if (p->proto == IPPROTO_ICMP_ && (p->len < 1 || (p->data[0] != ICMP_ECHO &&
	    p->data[0] != ICMP_ECHOREPLY)))
		return;
	if (!icmp_err_allowed(ns)) {
		NSTAT(ns, icmp_drop_ratelimit);
		return;
	}
	len = ICMP_HLEN + p->hlen + quote;
	m = ns->ns_tx + NET_HEADROOM;
	memset(m, 0, ICMP_HLEN);
	m[0] = ICMP_UNREACH;
	m[1] = code;
	memcpy(m + ICMP_HLEN, p->hdr, p->hlen);
	memcpy(m + ICMP_HLEN + p->hlen, p->data, quote);
	put16(m + 2, net_csum(m, len));
	NSTAT(ns, icmp_unreach_tx);
	ip_output(ns, ns->ns_tx, len, IPPROTO_ICMP_, ns->ns_if.addr, p->src, 0);
}

int
icmp_send_echo(struct netstack *ns, uint32_t dst, uint16_t id, uint16_t seq,
	const void *data, size_t len)
{
	uint8_t *f, *tmp, *m;
	int r;

	if (len > 65507 - ICMP_HLEN)
		return -NET_EMSGSIZE;
	f = icmp_frame(ns, ICMP_HLEN + len, &tmp);
	if (f == NULL)
		return -NET_ENOMEM;
	m = f + NET_HEADROOM;
	m[0] = ICMP_ECHO;
	m[1] = 0;
	put16(m + 2, 0);
	put16(m + 4, id);
	put16(m + 6, seq);
	memcpy(m + ICMP_HLEN, data, len);
	put16(m + 2, net_csum(m, ICMP_HLEN + len));
	r = ip_output(ns, f, ICMP_HLEN + len, IPPROTO_ICMP_, ns->ns_if.addr, dst, 0);
	netglue_free(tmp);
	return r;
}
