/*
 * ARP for IPv4 over Ethernet (RFC 826), with the cache rules of RFC 1122
 * 2.3.2: entries time out, unresolved ones are retried a few times and
 * then given up, and a few frames per neighbour wait for the answer. A
 * full table gives up the least recently used resolved entry first
 * (arp_victim).
 */
#include "net/netpriv.h"

#define ARP_LEN		28
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2
#define ARP_INCOMPLETE	1
#define ARP_RESOLVED	2
#define ARP_STALE	3	/* still used while we ask again */
#define ARP_TTL_US	(60ULL * 1000000)	/* a resolved entry is good this long */
#define ARP_RETRY_US	(1000000ULL)		/* between requests */
#define ARP_TRIES	3

/* The entry for ip, or NULL. The last one found is tried first: a bulk
 * transfer sends to one neighbour and should not scan the table. */
static struct arp_entry *
arp_find(struct netstack *ns, uint32_t ip)
{
	int i;

	if (ns->ns_arp[ns->ns_arp_last].ae_ip == ip)
		return &ns->ns_arp[ns->ns_arp_last];
	for (i = 0; i < NET_ARP_SLOTS; i++) {
		if (ns->ns_arp[i].ae_ip == ip) {
			ns->ns_arp_last = (uint16_t)i;
			return &ns->ns_arp[i];
		}
	}
	return NULL;
}

static void
arp_free_held(struct arp_entry *e)
{
	struct arp_held *h;

	while ((h = e->ae_hold) != NULL) {
		e->ae_hold = h->next;
		netglue_free(h);
	}
	e->ae_nheld = 0;
}

static void
arp_clear(struct arp_entry *e)
{
	arp_free_held(e);
	memset(e, 0, sizeof(*e));
}

/*
 * The entry a new neighbour takes when none is free: the resolved (or
 * stale) one used least recently, else the unresolved one asked for
 * first. An unresolved entry holds frames whose answer is on its way;
 * evicting by expiry (as this did) took it before any resolved one, so
 * SYN-ACKs to a flood's resolving neighbours pushed a real client's
 * entry out while its SYN-ACK waited in it.
 */
static struct arp_entry *
arp_victim(struct netstack *ns)
{
	struct arp_entry *lru = NULL, *oldest = NULL;
	int i;

	for (i = 0; i < NET_ARP_SLOTS; i++) {
		struct arp_entry *c = &ns->ns_arp[i];
		if (c->ae_ip == 0)
			return c;
		if (c->ae_state != ARP_INCOMPLETE) {
			if (lru == NULL || c->ae_used < lru->ae_used)
				lru = c;
		} else if (oldest == NULL || c->ae_used < oldest->ae_used) {
			oldest = c;
		}
	}
	return lru ? lru : oldest;
}

/* An entry for ip, its state for the caller to set. */
static struct arp_entry *
arp_alloc(struct netstack *ns, uint32_t ip)
{
	struct arp_entry *e = arp_victim(ns);

	ns->ns_stats.arp_drop_queue += e->ae_nheld;
	arp_clear(e);
	e->ae_ip = ip;
	e->ae_used = netglue_now_us();
	return e;
}

static void
arp_send(struct netstack *ns, uint16_t op, const uint8_t *tha, uint32_t tpa,
	const uint8_t *dst)
{
	uint8_t *f = ns->ns_tx, *a = f + ETH_HLEN;

	put16(a, 1);			/* hardware: Ethernet */
	put16(a + 2, ETH_TYPE_IP);
	a[4] = ETH_ALEN;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, ns->ns_if.mac, ETH_ALEN);
	put32(a + 14, ns->ns_if.addr);
	if (tha)
		memcpy(a + 18, tha, ETH_ALEN);
	else
		memset(a + 18, 0, ETH_ALEN);
	put32(a + 24, tpa);
	if (op == ARP_OP_REQUEST)
		NSTAT(ns, arp_request_tx);
	else
		NSTAT(ns, arp_reply_tx);
	eth_output(ns, f, ETH_HLEN + ARP_LEN, dst, ETH_TYPE_ARP);
}

/* Gratuitous ARP: a request for our own address (RFC 5227 3). */
void
arp_announce(struct netstack *ns)
{
	arp_send(ns, ARP_OP_REQUEST, NULL, ns->ns_if.addr, NULL);
}

/* Sends the frames held for e, in order, now that e is resolved. */
static void
arp_release(struct netstack *ns, struct arp_entry *e)
{
	struct arp_held *h;

	while ((h = e->ae_hold) != NULL) {
		e->ae_hold = h->next;
		eth_output(ns, h->frame, h->len, e->ae_mac, ETH_TYPE_IP);
		netglue_free(h);
	}
	e->ae_nheld = 0;
}

void
arp_input(struct netstack *ns, const uint8_t *a, size_t len)
{
	struct arp_entry *e;
	uint32_t spa, tpa;
	uint16_t op;
	int merged = 0;

	NSTAT(ns, arp_rx);
	if (len < ARP_LEN) {
		NSTAT(ns, arp_drop_short);
		return;
	}
	op = get16(a + 6);
	if (get16(a) != 1 || get16(a + 2) != ETH_TYPE_IP || a[4] != ETH_ALEN ||
	    a[5] != 4 || (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)) {
		NSTAT(ns, arp_drop_format);
		return;
	}
	spa = get32(a + 14);
	tpa = get32(a + 24);
	/* RFC 826 "packet reception": update a known sender first */
	e = spa ? arp_find(ns, spa) : NULL;
	if (e && !net_is_bcast(ns, spa)) {
		memcpy(e->ae_mac, a + 8, ETH_ALEN);
		e->ae_state = ARP_RESOLVED;
		e->ae_expire = netglue_now_us() + ARP_TTL_US;
		merged = 1;
		arp_release(ns, e);
	}
	if (ns->ns_if.addr == 0 || tpa != ns->ns_if.addr) {
		NSTAT(ns, arp_drop_notus);
		return;
	}
	if (!merged && spa != 0 && !net_is_bcast(ns, spa) && spa != ns->ns_if.addr) {
		e = arp_alloc(ns, spa);
		memcpy(e->ae_mac, a + 8, ETH_ALEN);
		e->ae_state = ARP_RESOLVED;
		e->ae_expire = netglue_now_us() + ARP_TTL_US;
	}
	if (op == ARP_OP_REQUEST)
		arp_send(ns, ARP_OP_REPLY, a + 8, spa, a + 8);
}

const uint8_t *
arp_resolved(struct netstack *ns, uint32_t nh)
{
	struct arp_entry *e = arp_find(ns, nh);

	if (e && (e->ae_state == ARP_RESOLVED || e->ae_state == ARP_STALE))
		return e->ae_mac;
	return NULL;
}

int
arp_output(struct netstack *ns, uint8_t *frame, size_t len, uint32_t nh)
{
	struct arp_held *h, **pp;
	struct arp_entry *e;
	uint64_t now;

	if (net_is_bcast(ns, nh))
		return eth_output(ns, frame, len, NULL, ETH_TYPE_IP);
	now = netglue_now_us();
	e = arp_find(ns, nh);
	if (e && (e->ae_state == ARP_RESOLVED || e->ae_state == ARP_STALE)) {
		e->ae_used = now;
		return eth_output(ns, frame, len, e->ae_mac, ETH_TYPE_IP);
	}
	/* RFC 1122 2.3.2.2: keep the frames (a few). Copy them before
	 * the request is built: that reuses the frame buffer. */
	if (e == NULL) {
		e = arp_alloc(ns, nh);
		e->ae_state = ARP_INCOMPLETE;
		e->ae_tries = 0;
		e->ae_expire = now;
	}
	if (e->ae_nheld >= ARP_HOLD_MAX) {
		NSTAT(ns, arp_drop_queue);
		return -NET_ENOBUFS;
	}
	h = netglue_alloc(sizeof(*h) + NET_MAX(len, (size_t)64));
	if (h == NULL) {
		NSTAT(ns, arp_drop_queue);
		return -NET_ENOMEM;
	}
	memcpy(h->frame, frame, len);
	h->len = (uint16_t)len;
	for (pp = &e->ae_hold; *pp; pp = &(*pp)->next)
		;
	*pp = h;
	e->ae_nheld++;
	if (e->ae_tries == 0) {
		e->ae_tries = 1;
		e->ae_expire = now + ARP_RETRY_US;
		arp_send(ns, ARP_OP_REQUEST, NULL, nh, NULL);
	}
	return 0;
}

uint64_t
arp_timer(struct netstack *ns, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	int i;

	for (i = 0; i < NET_ARP_SLOTS; i++) {
		struct arp_entry *e = &ns->ns_arp[i];
		if (e->ae_ip == 0)
			continue;
		if (now >= e->ae_expire) {
			if (e->ae_state == ARP_RESOLVED) {
				/* refresh an entry in use without losing frames */
				e->ae_state = ARP_STALE;
				e->ae_tries = 0;
			}
			if (e->ae_tries >= ARP_TRIES) {
				NSTAT(ns, arp_fail);
				ns->ns_stats.arp_drop_queue += e->ae_nheld;
				arp_clear(e);
				continue;
			}
			e->ae_tries++;
			e->ae_expire = now + ARP_RETRY_US;
			arp_send(ns, ARP_OP_REQUEST, NULL, e->ae_ip, NULL);
		}
		next = NET_MIN(next, e->ae_expire);
	}
	return next;
}

void
arp_flush(struct netstack *ns)
{
	int i;

	for (i = 0; i < NET_ARP_SLOTS; i++)
		arp_clear(&ns->ns_arp[i]);
}
