/*
 * netmal NIC: malformed frames (runts, oversized, truncated headers,
 * garbage) from the wire are classified without reading past the frame:
 * a UDP claim gets only the one well-formed frame for it; a claim on a
 * byte at offset 1000 never matches a frame shorter than 1001 bytes,
 * whatever stale bytes its buffer holds; the rest goes to the default
 * channel or is counted as malformed.
 */
#include "nettest.h"

#define PORT		9000
#define DEEP_TYPE	0x88b6
#define DEEP_OFF	1000

static uint64_t
drops(struct nic_chan *c)
{
	const volatile struct nic_chan_export *cx = nic_chan_info(c);

	return cx->rx_ring_full + cx->rx_no_buf;
}

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), claim = 0, deep = 0, dflt = 0, bad = 0;
	const volatile struct nic_export *n = nt_nic("netmal", nic);
	struct nic_chan cc, cd, cdef;
	struct nic_filter f;
	struct nic_rxdesc d;
	uint64_t mal0, frames0, unclaimed0, dev, acc;

	nt_open("netmal", &cc, nic, 0, 16);
	nt_open("netmal", &cd, nic, 0, 16);
	nt_open("netmal", &cdef, nic, NIC_CHAN_DEFAULT, 64);
	nt_claim_udp("netmal", &cc, PORT);
	nic_filter_init(&f, 0);
	nic_filter_atom(&f, 12, 2, 0xffff, DEEP_TYPE);
	nic_filter_atom(&f, DEEP_OFF, 1, 0xff, 0xab);
	if (nic_claim(&cd, &f) < 0)
		cprintf("netmal: FAIL: deep claim\n");
	mal0 = n->rx_malformed;
	frames0 = n->rx_frames;
	unclaimed0 = n->rx_unclaimed;
	cprintf("netmal: ready\n");
	while (nic_recv(&cc, &d, 10000000) == 0) {
		const uint8_t *p = (const uint8_t *)d.va;
		claim++;
		nic_rx_done(&cc, d.va);
		if (d.len >= 46 && memcmp(p + 42, "LAST", 4) == 0)
			break;
	}
	while (nic_recv(&cd, &d, 100000) == 0) {
		const uint8_t *p = (const uint8_t *)d.va;
		if (d.len <= DEEP_OFF || p[DEEP_OFF] != 0xab)
			bad++;
		deep++;
		nic_rx_done(&cd, d.va);
	}
	while (nic_recv(&cdef, &d, 100000) == 0) {
		dflt++;
		nic_rx_done(&cdef, d.va);
	}
	cprintf("netmal: claim got %d, deep got %d (%d wrong), default got %d, malformed %lu\n",
		claim, deep, bad, dflt, n->rx_malformed - mal0);
	/* every frame the device handed over was delivered or counted */
	dev = n->rx_frames - frames0 + n->rx_malformed - mal0;
	acc = (uint64_t)(claim + deep + dflt) + n->rx_malformed - mal0 +
	      n->rx_unclaimed - unclaimed0 + drops(&cc) + drops(&cd) + drops(&cdef);
	cprintf("netmal: the device gave %lu frames, %lu accounted for\n", dev, acc);
	cprintf(claim == 1 && deep == 1 && !bad && dev == acc ? "netmal: ok\n"
							      : "netmal: FAIL\n");
	nic_close(&cc);
	nic_close(&cd);
	nic_close(&cdef);
	return tu_audit("netmal");
}
