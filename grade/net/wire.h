/*
 * A simulated link between two host-built stacks, on a simulated clock:
 * bandwidth, delay, a drop-tail queue, and injected loss, duplication,
 * reordering and corruption, all reproducible from a seed. Tests run
 * hours of protocol time in milliseconds.
 */
#ifndef GRADE_NET_WIRE_H
#define GRADE_NET_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "net/net.h"
#include "net/socket.h"

#define WIRE_A		0
#define WIRE_B		1
#define WIRE_ADDR(i)	(0x0a000001u + (uint32_t)(i))	/* 10.0.0.1, 10.0.0.2 (never on a real network) */

struct wire_frame {
	struct wire_frame *next;
	uint64_t at;		/* delivery time */
	uint64_t seq;		/* tie-breaker: order sent */
	int to;
	size_t len;
	uint8_t data[];
};

struct wire;
/* Sees (and may change) every frame from `from` before the link does;
 * returns 0 to drop it. */
typedef int (*wire_filter_t)(struct wire *w, int from, uint8_t *frame, size_t *len);

struct wire {
	uint64_t now;			/* µs */
	struct netstack *ns[2];
	struct wire_frame *q;		/* in flight, sorted by (at, seq) */
	uint64_t seq;
	uint64_t link_free[2];		/* when each direction's transmitter is idle */
	int queued[2];			/* frames waiting per direction */
	/* configuration */
	uint64_t bw_bps;		/* 0: infinite */
	uint32_t delay_us;		/* one way */
	int qlimit;			/* drop-tail queue per direction, frames */
	double loss, dup, reorder, corrupt;	/* probabilities per frame */
	uint32_t reorder_us;		/* extra delay of a reordered frame */
	uint64_t rng;
	wire_filter_t filter;
	void *arg;			/* for the test */
	/* what happened */
	uint64_t frames[2], dropped, duplicated, reordered, corrupted, qdrops;
};

/* Set before wire_init: both stacks get a TSO interface (net.h,
 * output_tso) that the wire segments as a NIC would. */
extern int wire_tso;
/* TSO frames the stacks handed over, and those whose checksum field
 * was not the pseudo-header sum the NIC expects. */
extern uint64_t wire_tso_frames, wire_tso_bad;

/* Sets up two stacks joined by a link (100 Mbit/s, 1 ms, 100 frames). */
void wire_init(struct wire *w, uint64_t seed);
void wire_free(struct wire *w);
/* Runs until until(w) is true (checked after every event) or for
 * duration_us of simulated time; returns 1 if until() became true. */
int wire_run(struct wire *w, uint64_t duration_us, int (*until)(struct wire *w));
/* Puts a frame on the wire from `from` (as if that stack sent it). */
void wire_inject(struct wire *w, int from, const void *frame, size_t len);
uint64_t wire_rand(struct wire *w);

#endif
