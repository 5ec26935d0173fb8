/*
 * DHCP client (RFC 2131 4.4, options RFC 2132): DISCOVER, OFFER,
 * REQUEST, ACK, then renewal at T1 and giving the address up when the
 * lease ends. Retransmissions back off from 4 s to 64 s (RFC 2131 4.1).
 */
#include "net/udp.h"

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68
#define DHCP_FIXED		240	/* BOOTP header and the magic cookie */
#define DHCP_MAGIC		0x63825363u
#define DHCP_FLAG_BROADCAST	0x8000

enum { DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK };
enum dhcp_state { DS_OFF, DS_SELECTING, DS_REQUESTING, DS_BOUND, DS_RENEWING };

struct dhcp_client {
	enum dhcp_state state;
	uint32_t xid;
	uint32_t server;		/* server identifier (option 54) */
	uint32_t offered;		/* yiaddr of the offer we took */
	uint64_t deadline;		/* next retransmission or T1 or lease end */
	uint64_t lease_end;
	uint32_t backoff_s;
};

struct dhcp_msg {
	uint8_t type;
	uint32_t yiaddr, server, mask, router;
	uint32_t lease_s, t1_s;
};

static void
dhcp_send(struct netstack *ns, struct dhcp_client *dc, uint8_t type)
{
	uint8_t m[DHCP_FIXED + 32];
	size_t n = DHCP_FIXED;

	memset(m, 0, sizeof(m));
	m[0] = 1;			/* BOOTREQUEST */
	m[1] = 1;			/* Ethernet */
	m[2] = ETH_ALEN;
	put32(m + 4, dc->xid);
	put16(m + 10, DHCP_FLAG_BROADCAST);
	if (dc->state == DS_RENEWING)
		put32(m + 12, ns->ns_if.addr);	/* ciaddr */
	memcpy(m + 28, ns->ns_if.mac, ETH_ALEN);
	put32(m + 236, DHCP_MAGIC);
	m[n++] = 53; m[n++] = 1; m[n++] = type;
	if (type == DHCPREQUEST && dc->state == DS_REQUESTING) {
		m[n++] = 50; m[n++] = 4; put32(m + n, dc->offered); n += 4;
		m[n++] = 54; m[n++] = 4; put32(m + n, dc->server); n += 4;
	}
	m[n++] = 55; m[n++] = 4; m[n++] = 1; m[n++] = 3; m[n++] = 51; m[n++] = 58;
	m[n++] = 255;
	NSTAT(ns, dhcp_tx);
	udp_output(ns, dc->state == DS_RENEWING ? ns->ns_if.addr : 0,
		DHCP_CLIENT_PORT, IP_BROADCAST, DHCP_SERVER_PORT, m, n);
}

/* Sends the current state's message and schedules its retransmission. */
static void
dhcp_transmit(struct netstack *ns, struct dhcp_client *dc)
{
	dhcp_send(ns, dc, dc->state == DS_SELECTING ? DHCPDISCOVER : DHCPREQUEST);
	dc->deadline = netglue_now_us() + (uint64_t)dc->backoff_s * 1000000;
	if (dc->backoff_s < 64)
		dc->backoff_s *= 2;
}

static void
dhcp_restart(struct netstack *ns, struct dhcp_client *dc)
{
	netglue_random(&dc->xid, sizeof(dc->xid));
	dc->state = DS_SELECTING;
	dc->backoff_s = 4;
	dhcp_transmit(ns, dc);
}

int
net_dhcp_start(struct netstack *ns)
{
	if (ns->ns_dhcp == NULL) {
		ns->ns_dhcp = netglue_alloc(sizeof(*ns->ns_dhcp));
		if (ns->ns_dhcp == NULL)
			return -NET_ENOMEM;
	}
	dhcp_restart(ns, ns->ns_dhcp);
	return 0;
}

const char *
net_dhcp_state(struct netstack *ns)
{
	static const char *const names[] = {
		"off", "selecting", "requesting", "bound", "renewing",
	};

	return ns->ns_dhcp ? names[ns->ns_dhcp->state] : "off";
}

void
dhcp_free(struct netstack *ns)
{
	netglue_free(ns->ns_dhcp);
	ns->ns_dhcp = NULL;
}

static uint32_t
opt32(const uint8_t *v, size_t len)
{
	return len >= 4 ? get32(v) : 0;
}

/* Parses the options of a reply. -1 if malformed. */
static int
dhcp_parse(const uint8_t *m, size_t len, struct dhcp_msg *out)
{
	size_t i = DHCP_FIXED, olen;

	memset(out, 0, sizeof(*out));
	out->yiaddr = get32(m + 16);
	while (i < len && m[i] != 255) {
		if (m[i] == 0) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;
		olen = m[i + 1];
		if (i + 2 + olen > len)
			return -1;
		switch (m[i]) {
		case 53: if (olen >= 1) out->type = m[i + 2]; break;
		case 1:  out->mask = opt32(m + i + 2, olen); break;
		case 3:  out->router = opt32(m + i + 2, olen); break;
		case 51: out->lease_s = opt32(m + i + 2, olen); break;
		case 54: out->server = opt32(m + i + 2, olen); break;
		case 58: out->t1_s = opt32(m + i + 2, olen); break;
		}
		i += 2 + olen;
	}
	return out->type ? 0 : -1;
}

static void
dhcp_bind(struct netstack *ns, struct dhcp_client *dc, const struct dhcp_msg *d)
{
	uint64_t now = netglue_now_us();
	uint32_t lease = d->lease_s ? d->lease_s : 3600;
	uint32_t t1 = d->t1_s ? d->t1_s : lease / 2;

	dc->state = DS_BOUND;
	net_set_addr(ns, d->yiaddr, d->mask ? d->mask : 0xffffff00u, d->router);
	dc->lease_end = now + (uint64_t)lease * 1000000;
	dc->deadline = now + (uint64_t)t1 * 1000000;
	dc->backoff_s = 4;
	net_logf("dhcp: bound to %u.%u.%u.%u, lease %u s", d->yiaddr >> 24,
		(d->yiaddr >> 16) & 0xff, (d->yiaddr >> 8) & 0xff, d->yiaddr & 0xff, lease);
}

/* A UDP datagram to port 68. 1 if it was the client's. */
int
dhcp_input(struct netstack *ns, const struct ip_pkt *p, const uint8_t *u, size_t len)
{
	struct dhcp_client *dc = ns->ns_dhcp;
	const uint8_t *m = u + UDP_HLEN;
	struct dhcp_msg d;

	(void)p;
	if (dc == NULL || dc->state == DS_OFF)
		return 0;
	NSTAT(ns, dhcp_rx);
	len -= UDP_HLEN;
	if (len < DHCP_FIXED || m[0] != 2 || get32(m + 4) != dc->xid ||
	    memcmp(m + 28, ns->ns_if.mac, ETH_ALEN) != 0 ||
	    get32(m + 236) != DHCP_MAGIC || dhcp_parse(m, len, &d) < 0) {
		NSTAT(ns, dhcp_drop_bad);
		return 1;
	}
	if (dc->state == DS_SELECTING && d.type == DHCPOFFER && d.yiaddr && d.server) {
		dc->offered = d.yiaddr;
		dc->server = d.server;
		dc->state = DS_REQUESTING;
		dc->backoff_s = 4;
		dhcp_transmit(ns, dc);
	} else if ((dc->state == DS_REQUESTING || dc->state == DS_RENEWING) &&
	    d.type == DHCPACK && d.yiaddr) {
		dhcp_bind(ns, dc, &d);
	} else if (d.type == DHCPNAK && dc->state != DS_BOUND) {
		net_set_addr(ns, 0, 0, 0);
		dhcp_restart(ns, dc);
	} else {
		NSTAT(ns, dhcp_drop_bad);
	}
	return 1;
}

uint64_t
dhcp_timer(struct netstack *ns, uint64_t now)
{
	struct dhcp_client *dc = ns->ns_dhcp;

	if (dc == NULL || dc->state == DS_OFF)
		return UINT64_MAX;
	if (now < dc->deadline)
		return dc->deadline;
	if ((dc->state == DS_BOUND || dc->state == DS_RENEWING) && now >= dc->lease_end) {
		net_set_addr(ns, 0, 0, 0);	/* RFC 2131 4.4.5: lease expired */
		dhcp_restart(ns, dc);
	} else if (dc->state == DS_BOUND) {
		dc->state = DS_RENEWING;
		dhcp_transmit(ns, dc);
	} else {
		dhcp_transmit(ns, dc);
	}
	return dc->deadline;
}
