/*
 * netbench NIC FRAMES: the cost of demultiplexing with 1, 10, 100 and
 * 1000 installed filters (UDP ports 20000.. on 10.0.2.15, spread over 8
 * channels). For each count the wire sends ROUNDS rounds of FRAMES frames
 * to random claimed ports; the kernel's own demux counters (TSC cycles
 * and tree tests spent classifying, in the NIC export) give the cost per
 * frame. Reported: the median over every batch the kernel classified
 * between two looks at the counters (under TCG the host's other work
 * shows up in the cycles: a preempted batch spoils one sample, while it
 * spoils a whole round's mean), and the cheapest round's mean. It should
 * stay nearly flat: one hash probe per field, whatever the number of
 * filters.
 */
#include "nettest.h"

#define NCHAN		8
#define ROUNDS		3
#define PORT0		20000

static const int counts[] = { 1, 10, 100, 1000 };

#define SAMPLES_MAX	1024

/* Per-batch costs (cycles per frame) seen while draining one round. */
struct samples {
	uint64_t f, c;			/* the counters at the last look */
	int n;
	uint64_t v[SAMPLES_MAX];
};

/* Records the cost per frame of the frames classified since the last
 * look: a batch the host preempted in the middle spoils one sample, not
 * the round. */
static void
sample(const volatile struct nic_export *n, struct samples *s)
{
	uint64_t f = n->demux_frames, c = n->demux_cycles;

	if (f > s->f && s->n < SAMPLES_MAX)
		s->v[s->n++] = (c - s->c) / (f - s->f);
	s->f = f;
	s->c = c;
}

static uint64_t
median(struct samples *s)
{
	for (int i = 1; i < s->n; i++)		/* insertion sort: n is small */
		for (int j = i; j > 0 && s->v[j - 1] > s->v[j]; j--) {
			uint64_t t = s->v[j];
			s->v[j] = s->v[j - 1];
			s->v[j - 1] = t;
		}
	return s->n ? s->v[s->n / 2] : 0;
}

/* Receives until total frames were classified (a burst to one channel
 * may overflow its ring: those are counted dropped, not waited for) and
 * the rings are empty, or 20 s pass. */
static int
drain(const volatile struct nic_export *n, struct nic_chan *c, int total, struct samples *s)
{
	struct nic_rxdesc d;
	uint64_t end = nt_now_us() + 20000000, f0 = s->f;
	int got = 0;

	while (got < total && nt_now_us() < end) {
		/* classified (and so delivered) before the pass that finds
		 * the rings empty: then nothing more is coming */
		bool all = n->demux_frames - f0 >= (uint64_t)total, any = false;
		sample(n, s);
		for (int i = 0; i < NCHAN; i++)
			while (nic_recv(&c[i], &d, 0) == 0) {
				got++;
				any = true;
				nic_rx_done(&c[i], d.va);
			}
		if (any)
			continue;
		if (all)
			break;
		nic_poll(&c[0]);
	}
	sample(n, s);
	return got;
}

/* One round: cycles and tests (x100) per frame classified, their mean,
 * and the per-batch costs into s. */
static void
round_cost(const volatile struct nic_export *n, struct nic_chan *c, int want,
	   int round, int frames, uint64_t *cycles, uint64_t *steps100, int *got,
	   struct samples *s)
{
	uint64_t f0 = n->demux_frames, c0 = n->demux_cycles, s0 = n->demux_steps, nf;

	s->f = f0;
	s->c = c0;
	cprintf("netbench: ready %d %d\n", want, round);
	*got = drain(n, c, frames, s);
	nf = n->demux_frames - f0;
	if (nf == 0)
		nf = 1;
	*cycles = (n->demux_cycles - c0) / nf;
	*steps100 = (n->demux_steps - s0) * 100 / nf;
}

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), frames = nt_arg(argc, argv, 2, 200);
	const volatile struct nic_export *n = nt_nic("netbench", nic);
	struct nic_chan c[NCHAN];
	int installed = 0;
	static struct samples samp;

	for (int i = 0; i < NCHAN; i++)
		nt_open("netbench", &c[i], nic, 0, NIC_RXRING_SIZE);
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		uint64_t t0 = nt_tsc(), best = ~0ULL, steps100 = 0, cyc, st;
		int want = counts[k], got, total = 0;
		while (installed < want) {
			nt_claim_udp("netbench", &c[installed % NCHAN], PORT0 + installed);
			installed++;
		}
		uint64_t install_us = nt_us(nt_tsc() - t0);
		samp.n = 0;
		for (int r = 0; r < ROUNDS; r++) {
			round_cost(n, c, want, r, frames, &cyc, &st, &got, &samp);
			total += got;
			if (cyc < best)
				best = cyc, steps100 = st;
		}
		cprintf("netbench: %d filters: %lu cycles/frame (median of %d batches; "
			"best round's mean %lu), %lu.%02lu tests/frame (%d frames received; "
			"installing took %lu us)\n", want, median(&samp), samp.n, best,
			steps100 / 100, steps100 % 100, total, install_us);
	}
	for (int i = 0; i < NCHAN; i++)
		nic_close(&c[i]);
	cprintf("netbench: done\n");
	return 0;
}
