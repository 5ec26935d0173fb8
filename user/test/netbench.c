/*
 * netbench NIC FRAMES: the cost of demultiplexing with 1, 10, 100 and
 * 1000 installed filters (UDP ports 20000.. on 10.0.2.15, spread over 8
 * channels). For each count the wire sends ROUNDS rounds of FRAMES frames
 * to random claimed ports; the kernel's own demux counters (TSC cycles
 * and tree tests spent classifying, in the NIC export) give the cost per
 * frame of each round, and the cheapest round is reported (under TCG the
 * first frames also pay for translating the code, and the host's other
 * work shows up in the cycles). It should stay nearly flat: one hash
 * probe per field, whatever the number of filters.
 */
#include "nettest.h"

#define NCHAN		8
#define ROUNDS		3
#define PORT0		20000

static const int counts[] = { 1, 10, 100, 1000 };

/* Receives until total frames arrived on any channel, or 20 s pass. */
static int
drain(struct nic_chan *c, int total)
{
	struct nic_rxdesc d;
	uint64_t end = nt_now_us() + 20000000;
	int got = 0;

	while (got < total && nt_now_us() < end) {
		bool any = false;
		for (int i = 0; i < NCHAN; i++)
			while (nic_recv(&c[i], &d, 0) == 0) {
				got++;
				any = true;
				nic_rx_done(&c[i], d.va);
			}
		if (!any)
			nic_poll(&c[0]);
	}
	return got;
}

/* One round: cycles and tests (x100) per frame classified. */
static void
round_cost(const volatile struct nic_export *n, struct nic_chan *c, int want,
	   int round, int frames, uint64_t *cycles, uint64_t *steps100, int *got)
{
	uint64_t f0 = n->demux_frames, c0 = n->demux_cycles, s0 = n->demux_steps, nf;

	cprintf("netbench: ready %d %d\n", want, round);
	*got = drain(c, frames);
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
		for (int r = 0; r < ROUNDS; r++) {
			round_cost(n, c, want, r, frames, &cyc, &st, &got);
			total += got;
			if (cyc < best)
				best = cyc, steps100 = st;
		}
		cprintf("netbench: %d filters: %lu cycles/frame, %lu.%02lu tests/frame "
			"(best of %d rounds; %d frames received; installing took %lu us)\n",
			want, best, steps100 / 100, steps100 % 100, ROUNDS, total, install_us);
	}
	for (int i = 0; i < NCHAN; i++)
		nic_close(&c[i]);
	cprintf("netbench: done\n");
	return 0;
}
