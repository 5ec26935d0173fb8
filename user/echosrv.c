/*
 * echosrv [source=N] [CONF...]: the library TCP/IP stack on NIC 0,
 * serving TCP and UDP echo on port 7, a TCP sink on port 9 (reads to EOF,
 * then reports "echosrv: sink N bytes crc C" with zlib's CRC-32) and a
 * TCP source on port 19 (sends N bytes, default 8 MiB, closes, reports
 * "echosrv: source N bytes crc C"). CONF words are net_configure's
 * (default ip=10.0.2.15/24). One thread drives the stack and every
 * connection. A UDP datagram to port 15 (the old netstat port) draws one
 * back listing the stack's non-zero counters and the channel's and the
 * NIC's receive drops, "name value" a line: the grader reads them to say
 * where frames of a flood went.
 */
#include <chitin.h>
#include "libos/include/netif.h"
#include <nic.h>

#define MAXCONN	32
#define STATS_MAX	1472	/* a 1500-byte MTU less IP and UDP headers */

enum { ECHO, SINK, SOURCE };

struct conn {
	int sd;			/* -1: free */
	int kind;
	uint64_t rng;		/* SOURCE: the byte generator */
	int shut;
	uint64_t count;
	uint32_t crc;
	uint8_t pend[8192];
	size_t npend;
};

static struct netstack *ns;
static struct conn conns[MAXCONN];
static uint32_t crc_table[256];
static uint64_t source_bytes = 8u << 20;

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t
crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static int
listen_on(int type, uint16_t port)
{
	struct net_sockaddr a = { 0, port };
	int sd = net_socket(ns, type);

	if (sd < 0 || net_bind(ns, sd, &a) < 0)
		return -1;
	if (type == NET_SOCK_STREAM && net_listen(ns, sd, 16) < 0)
		return -1;
	return sd;
}

static void
accept_on(int ls, int kind)
{
	int sd, i;

	while ((sd = net_accept(ns, ls, NULL)) >= 0) {
		for (i = 0; i < MAXCONN && conns[i].sd >= 0; i++)
			;
		if (i == MAXCONN) {
			net_close(ns, sd);
			continue;
		}
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].sd = sd;
		conns[i].kind = kind;
		conns[i].rng = 0x2545f4914f6cdd1dULL;
	}
}

static void
finish(struct conn *c)
{
	net_close(ns, c->sd);
	c->sd = -1;
}

/* SOURCE: generate, send what the stack takes, close at the end. */
static void
pump(struct conn *c)
{
	uint8_t b[16];
	long r;

	for (;;) {
		if (c->npend == 0 && c->count < source_bytes) {
			size_t k = source_bytes - c->count < sizeof(c->pend) ?
				(size_t)(source_bytes - c->count) : sizeof(c->pend);
			for (size_t i = 0; i < k; i++) {
				c->rng ^= c->rng << 13;
				c->rng ^= c->rng >> 7;
				c->rng ^= c->rng << 17;
				c->pend[i] = (uint8_t)(c->rng >> 24);
			}
			c->crc = crc32(c->crc, c->pend, k);
			c->count += k;
			c->npend = k;
		}
		if (c->npend == 0)
			break;
		r = net_send(ns, c->sd, c->pend, c->npend, 0);
		if (r == -NET_EAGAIN)
			return;
		if (r < 0) {
			cprintf("echosrv: source error %s\n", net_strerror((int)r));
			finish(c);
			return;
		}
		memmove(c->pend, c->pend + r, c->npend - (size_t)r);
		c->npend -= (size_t)r;
	}
	if (!c->shut) {
		net_shutdown(ns, c->sd, NET_SHUT_WR);
		c->shut = 1;
	}
	r = net_recv(ns, c->sd, b, sizeof(b), 0);
	if (r == -NET_EAGAIN)
		return;
	cprintf("echosrv: source %lu bytes crc %08x\n", (unsigned long)c->count, c->crc);
	finish(c);
}

static void
step(struct conn *c)
{
	uint8_t buf[4096];
	long r;

	if (c->kind == SOURCE) {
		pump(c);
		return;
	}
	if (c->kind == SINK) {
		while ((r = net_recv(ns, c->sd, buf, sizeof(buf), 0)) > 0) {
			c->crc = crc32(c->crc, buf, (size_t)r);
			c->count += (uint64_t)r;
		}
		if (r == -NET_EAGAIN)
			return;
		if (r == 0)
			cprintf("echosrv: sink %lu bytes crc %08x\n", (unsigned long)c->count, c->crc);
		else
			cprintf("echosrv: sink error %s\n", net_strerror((int)r));
		finish(c);
		return;
	}
	for (;;) {
		if (c->npend) {
			r = net_send(ns, c->sd, c->pend, c->npend, 0);
			if (r == -NET_EAGAIN)
				return;
			if (r < 0) {
				finish(c);
				return;
			}
			memmove(c->pend, c->pend + r, c->npend - (size_t)r);
			c->npend -= (size_t)r;
			if (c->npend)
				return;
		}
		r = net_recv(ns, c->sd, c->pend, sizeof(c->pend), 0);
		if (r == -NET_EAGAIN)
			return;
		if (r <= 0) {
			finish(c);
			return;
		}
		c->npend = (size_t)r;
	}
}

static size_t
stat_line(char *out, size_t off, size_t cap, const char *name, uint64_t v)
{
	int n;

	if (off >= cap)
		return off;
	n = snprintf(out + off, cap - off, "%s %lu\n", name, (unsigned long)v);
	if (n < 0 || off + (size_t)n >= cap)
		return off;		/* a line cut short is left out */
	return off + (size_t)n;
}

/* The counters a flood test wants: where the kernel dropped frames before
 * the stack saw them (our channel's ring full or out of pages, the NIC
 * missing frames for want of descriptors), then the stack's non-zero ones;
 * at most cap bytes (one unfragmented datagram: what does not fit is
 * left out). */
static size_t
stats_text(char *out, size_t cap)
{
	const volatile struct nic_exports *x = UNIC_EXPORTS;
	const uint64_t *v = (const uint64_t *)net_get_stats(ns);
	size_t off = 0, i;

	for (i = 0; i < NIC_CHAN_MAX; i++) {
		const volatile struct nic_chan_export *c = &x->chan[i];
		if (c->owner != thisenv->id)
			continue;
		off = stat_line(out, off, cap, "chan_rx_frames", c->rx_frames);
		off = stat_line(out, off, cap, "chan_rx_ring_full", c->rx_ring_full);
		off = stat_line(out, off, cap, "chan_rx_no_buf", c->rx_no_buf);
		off = stat_line(out, off, cap, "nic_rx_missed", x->nic[c->nic].rx_missed);
		break;
	}
	for (i = 0; i < NET_NSTATS; i++)
		if (v[i])
			off = stat_line(out, off, cap, net_stats_names[i], v[i]);
	return off;
}

int
main(int argc, char **argv)
{
	static char conf[512] = "ip=10.0.2.15/24";
	struct net_sockaddr from;
	uint8_t buf[2048];
	const char *bad = NULL;
	int lecho, lsink, lsource, uecho, ustats, i;
	long r;

	for (i = 1; i < argc; i++) {
		size_t l = strlen(conf);
		if (strncmp(argv[i], "source=", 7) == 0) {
			source_bytes = (uint64_t)strtol(argv[i] + 7, NULL, 0);
			continue;
		}
		if (l + strlen(argv[i]) + 2 < sizeof(conf)) {
			conf[l] = ' ';
			strcpy(conf + l + 1, argv[i]);
		}
	}
	crc_init();
	for (i = 0; i < MAXCONN; i++)
		conns[i].sd = -1;
	ns = netif_open(0, conf, &bad);
	if (ns == NULL) {
		cprintf("echosrv: cannot start the stack (%s)\n", bad ? bad : "no NIC");
		return 1;
	}
	lecho = listen_on(NET_SOCK_STREAM, 7);
	lsink = listen_on(NET_SOCK_STREAM, 9);
	lsource = listen_on(NET_SOCK_STREAM, 19);
	uecho = listen_on(NET_SOCK_DGRAM, 7);
	ustats = listen_on(NET_SOCK_DGRAM, 15);
	if (lecho < 0 || lsink < 0 || lsource < 0 || uecho < 0 || ustats < 0) {
		cprintf("echosrv: cannot listen\n");
		return 1;
	}
	cprintf("echosrv: ready (%s)\n", conf);
	for (;;) {
		netif_poll(ns, 20000);
		accept_on(lecho, ECHO);
		accept_on(lsink, SINK);
		accept_on(lsource, SOURCE);
		while ((r = net_recvfrom(ns, uecho, buf, sizeof(buf), 0, &from)) >= 0)
			net_sendto(ns, uecho, buf, (size_t)r, 0, &from);
		while (net_recvfrom(ns, ustats, buf, sizeof(buf), 0, &from) >= 0)
			net_sendto(ns, ustats, buf, stats_text((char *)buf, STATS_MAX), 0, &from);
		for (i = 0; i < MAXCONN; i++)
			if (conns[i].sd >= 0)
				step(&conns[i]);
	}
}
