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
