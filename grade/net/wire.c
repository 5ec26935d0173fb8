/*
 * The simulated link (wire.h). Frames are copied when sent and delivered
 * later from wire_run, never from inside the sender's call, so a stack is
 * never re-entered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grade/net/wire.h"
#include "net/host/hostglue.h"

static struct wire *current;

static uint64_t
wire_clock(void)
{
	return current->now;
}

uint64_t
wire_rand(struct wire *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
chance(struct wire *w, double p)
{
	return p > 0 && (double)(wire_rand(w) % 1000000) < p * 1e6;
}

static void
enqueue(struct wire *w, int to, const uint8_t *data, size_t len, uint64_t at)
{
	struct wire_frame *f = malloc(sizeof(*f) + len), **pp;

	f->at = at;
	f->seq = w->seq++;
	f->to = to;
	f->len = len;
	memcpy(f->data, data, len);
	for (pp = &w->q; *pp && ((*pp)->at < at || ((*pp)->at == at && (*pp)->seq < f->seq));
	     pp = &(*pp)->next)
		;
	f->next = *pp;
	*pp = f;
	w->queued[to]++;
}

/* Puts a frame from `from` on the link: the filter, the queue, the
 * impairments. */
static void
transmit(struct wire *w, int from, const uint8_t *frame, size_t len)
{
	uint8_t buf[16384];
	int to = 1 - from, copies = 1, i;
	uint64_t at, ser;

	if (len > sizeof(buf))
		return;
	memcpy(buf, frame, len);
	w->frames[from]++;
	if (w->filter && !w->filter(w, from, buf, &len))
		return;
	if (w->qlimit && w->queued[to] >= w->qlimit) {
		w->qdrops++;
		return;
	}
	if (chance(w, w->loss)) {
		w->dropped++;
		return;
	}
	if (chance(w, w->dup)) {
		w->duplicated++;
		copies = 2;
	}
	if (chance(w, w->corrupt) && len > 14) {
		w->corrupted++;
		buf[14 + wire_rand(w) % (len - 14)] ^= (uint8_t)(1 + wire_rand(w) % 255);
	}
	ser = w->bw_bps ? (uint64_t)len * 8 * 1000000 / w->bw_bps : 0;
	at = (w->link_free[from] > w->now ? w->link_free[from] : w->now) + ser;
	w->link_free[from] = at;
	at += w->delay_us;
	if (chance(w, w->reorder)) {
		w->reordered++;
		at += w->reorder_us;
	}
	for (i = 0; i < copies; i++)
		enqueue(w, to, buf, len, at + (uint64_t)i * 10);
}

struct end {
	struct wire *w;
	int idx;
};
static struct end ends[2];

static int
out_a(void *ctx, const void *frame, size_t len)
{
	struct end *e = ctx;

	transmit(e->w, e->idx, frame, len);
	return 0;
}

int wire_tso;
uint64_t wire_tso_frames, wire_tso_bad;

static uint32_t
rd16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static void
wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The one's-complement sum of len bytes at p added to sum, folded. */
static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += rd16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint32_t
pseudo(const uint8_t *ip, uint32_t tcplen)
{
	return sum16(6 + tcplen, ip + 12, 8);
}

/* What a NIC does with a TSO frame (VIRTIO 1.2 5.1.6.2, as QEMU and
 * Linux do it): segments of mss payload bytes, each with the headers,
 * the IP length, identification and checksum, the TCP sequence number
 * and checksum its own, FIN and PSH on the last only. */
static int
out_tso(void *ctx, const void *frame, size_t len, unsigned mss)
{
	struct end *e = ctx;
	const uint8_t *f = frame;
	size_t ihl = (size_t)(f[14] & 0xf) * 4, thl = (size_t)(f[14 + ihl + 12] >> 4) * 4;
	size_t hdr = 14 + ihl + thl, off, n;
	uint32_t seq = (uint32_t)rd16(f + 14 + ihl + 4) << 16 | rd16(f + 14 + ihl + 6);
	uint8_t seg[16384], *ip = seg + 14, *tcp = ip + ihl;

	wire_tso_frames++;
	if (rd16(f + 14 + ihl + 16) != pseudo(f + 14, (uint32_t)(len - 14 - ihl)))
		wire_tso_bad++;
	for (off = hdr; off < len; off += n) {
		n = len - off < mss ? len - off : mss;
		memcpy(seg, f, hdr);
		memcpy(seg + hdr, f + off, n);
		wr16(ip + 2, (uint32_t)(ihl + thl + n));
		wr16(ip + 4, rd16(f + 18) + (uint32_t)((off - hdr) / mss));
		wr16(ip + 10, 0);
		wr16(ip + 10, ~sum16(0, ip, ihl));
		wr16(tcp + 4, (seq + (uint32_t)(off - hdr)) >> 16);
		wr16(tcp + 6, seq + (uint32_t)(off - hdr));
		if (off + n < len)
			tcp[13] &= (uint8_t)~0x09;	/* FIN, PSH */
		wr16(tcp + 16, 0);
		wr16(tcp + 16, ~sum16(pseudo(ip, (uint32_t)(thl + n)), tcp, thl + n));
		transmit(e->w, e->idx, seg, hdr + n);
	}
	return 0;
}

void
wire_inject(struct wire *w, int from, const void *frame, size_t len)
{
	enqueue(w, 1 - from, frame, len, w->now);
}

void
wire_init(struct wire *w, uint64_t seed)
{
	struct net_ifconfig ifc;
	int i;

	memset(w, 0, sizeof(*w));
	w->now = 1000000;
	w->rng = seed;
	w->bw_bps = 100000000;
	w->delay_us = 1000;
	w->qlimit = 100;
	w->reorder_us = 3000;
	current = w;
	hostglue_set_clock(wire_clock);
	hostglue_set_seed(seed ? seed : 1);
	for (i = 0; i < 2; i++) {
		memset(&ifc, 0, sizeof(ifc));
		memcpy(ifc.mac, "\x02\x00\x00\x00\x00", 5);
		ifc.mac[5] = (uint8_t)(i + 1);
		ifc.addr = WIRE_ADDR(i);
		ifc.netmask = 0xffffff00u;
		ifc.output = out_a;
		if (wire_tso)
			ifc.output_tso = out_tso;
		ends[i].w = w;
		ends[i].idx = i;
		ifc.ctx = &ends[i];
		w->ns[i] = net_create(&ifc);
	}
}

void
wire_free(struct wire *w)
{
	struct wire_frame *f;

	net_destroy(w->ns[0]);
	net_destroy(w->ns[1]);
	while ((f = w->q) != NULL) {
		w->q = f->next;
		free(f);
	}
	hostglue_set_clock(NULL);
	current = NULL;
}

int
wire_run(struct wire *w, uint64_t duration_us, int (*until)(struct wire *w))
{
	uint64_t end = w->now + duration_us, next, t;
	struct wire_frame *f;

	current = w;
	for (;;) {
		while ((f = w->q) != NULL && f->at <= w->now) {
			w->q = f->next;
			w->queued[f->to]--;
			net_input(w->ns[f->to], f->data, f->len);
			free(f);
			if (until && until(w))
				return 1;
		}
		next = net_timer(w->ns[0]);
		t = net_timer(w->ns[1]);
		next = next < t ? next : t;
		if (until && until(w))
			return 1;
		if (w->q && w->q->at < next)
			next = w->q->at;
		if (next > end) {
			w->now = end;
			return 0;
		}
		w->now = next > w->now ? next : w->now + 1;
	}
}
