/*
 * IPv4 reassembly (RFC 791 3.2, RFC 1122 3.3.2), with limits: a few
 * datagrams at once (the oldest is evicted), 65535 bytes at most, a
 * timer, and any overlap drops the whole datagram (overlaps are only ever
 * attacks or broken senders; RFC 5722 made that the rule for IPv6).
 */
#include "net/netpriv.h"

#define IP_MF		0x2000
#define IP_OFFMASK	0x1fff
#define REASS_TIMEOUT_US	(15ULL * 1000000)	/* RFC 791: 15 s initial */
#define REASS_MAX	65535

static void
reass_free(struct ip_reass *r)
{
	netglue_free(r->ir_buf);
	memset(r, 0, sizeof(*r));
}

static struct ip_reass *
reass_find(struct netstack *ns, const uint8_t *hdr)
{
	struct ip_reass *r, *victim = NULL;
	int i;

	for (i = 0; i < NET_REASS_SLOTS; i++) {
		r = &ns->ns_reass[i];
		if (r->ir_used && r->ir_src == get32(hdr + 12) &&
		    r->ir_dst == get32(hdr + 16) && r->ir_id == get16(hdr + 4) &&
		    r->ir_proto == hdr[9])
			return r;
	}
	for (i = 0; i < NET_REASS_SLOTS; i++) {
		r = &ns->ns_reass[i];
		if (!r->ir_used) {
			victim = r;
			break;
		}
		if (victim == NULL || r->ir_deadline < victim->ir_deadline)
			victim = r;
	}
	if (victim->ir_used) {
		NSTAT(ns, ip_frag_drop_full);
		reass_free(victim);
	}
	victim->ir_buf = netglue_alloc(REASS_MAX);
	if (victim->ir_buf == NULL) {
		NSTAT(ns, ip_frag_drop_full);
		return NULL;
	}
	victim->ir_used = 1;
	victim->ir_src = get32(hdr + 12);
	victim->ir_dst = get32(hdr + 16);
	victim->ir_id = get16(hdr + 4);
	victim->ir_proto = hdr[9];
	victim->ir_deadline = netglue_now_us() + REASS_TIMEOUT_US;
	return victim;
}

/* Has any block after `last` arrived? */
static int
reass_beyond(const struct ip_reass *r, size_t last)
{
	size_t b;

	for (b = last + 1; b < sizeof(r->ir_map) * 8; b++)
		if (r->ir_map[b / 8] & (1u << (b % 8)))
			return 1;
	return 0;
}

/* Marks blocks [first, last] as received; 1 if any already was. */
static int
reass_mark(struct ip_reass *r, size_t first, size_t last)
{
	size_t b;

	for (b = first; b <= last; b++)
		if (r->ir_map[b / 8] & (1u << (b % 8)))
			return 1;
	for (b = first; b <= last; b++)
		r->ir_map[b / 8] |= (uint8_t)(1u << (b % 8));
	return 0;
}

void
ip_reass_input(struct netstack *ns, const uint8_t *hdr, size_t hlen,
	const uint8_t *data, size_t len)
{
	uint16_t frag = get16(hdr + 6);
	size_t off = (size_t)(frag & IP_OFFMASK) * 8;
	int more = (frag & IP_MF) != 0;
	struct ip_reass *r;
	struct ip_pkt pkt;

	NSTAT(ns, ip_frag_rx);
	if (len == 0 || (more && len % 8 != 0)) {
		NSTAT(ns, ip_frag_drop_bad);
		return;
	}
	r = reass_find(ns, hdr);
	if (r == NULL)
		return;
	if (off + len > REASS_MAX) {
		NSTAT(ns, ip_frag_drop_toobig);
		reass_free(r);
		return;
	}
	if ((r->ir_total && off + len > r->ir_total) ||
	    (!more && (r->ir_total || reass_beyond(r, (off + len - 1) / 8))) ||
	    reass_mark(r, off / 8, (off + len - 1) / 8)) {
		NSTAT(ns, ip_frag_drop_overlap);
		reass_free(r);
		return;
	}
	memcpy(r->ir_buf + off, data, len);
	r->ir_have += (uint32_t)len;
	if (!more)
		r->ir_total = (uint32_t)(off + len);
	if (off == 0) {
		memcpy(r->ir_hdr, hdr, hlen);
		r->ir_hlen = (uint8_t)hlen;
	}
	if (r->ir_total == 0 || r->ir_have != r->ir_total)
		return;
	NSTAT(ns, ip_frag_ok);
	pkt.src = r->ir_src;
	pkt.dst = r->ir_dst;
	pkt.proto = r->ir_proto;
	pkt.ttl = r->ir_hdr[8];
	pkt.hdr = r->ir_hdr;
	pkt.hlen = r->ir_hlen;
	pkt.data = r->ir_buf;
	pkt.len = r->ir_total;
	ip_deliver(ns, &pkt);
	reass_free(r);
}

uint64_t
ip_reass_timer(struct netstack *ns, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	int i;

	for (i = 0; i < NET_REASS_SLOTS; i++) {
		struct ip_reass *r = &ns->ns_reass[i];
		if (!r->ir_used)
			continue;
		if (now >= r->ir_deadline) {
			NSTAT(ns, ip_frag_drop_timeout);
			reass_free(r);
			continue;
		}
		next = NET_MIN(next, r->ir_deadline);
	}
	return next;
}

void
ip_reass_flush(struct netstack *ns)
{
	int i;

	for (i = 0; i < NET_REASS_SLOTS; i++)
		reass_free(&ns->ns_reass[i]);
}
