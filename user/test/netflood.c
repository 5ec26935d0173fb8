/*
 * netflood NIC PORT: claims a UDP port, then does not read for a while
 * as the wire floods it, saying it is alive every quarter second (the
 * system stays responsive); then drains what its ring holds. The drops
 * are counted, and after the close the free page count is what it was
 * before the open (nothing leaked, nothing stays pinned).
 */
#include "nettest.h"

#define QUIET_TICKS	10
#define TICK_US		250000

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), port = nt_arg(argc, argv, 2, 4444);
	const volatile struct nic_export *n = nt_nic("netflood", nic);
	const volatile struct nic_chan_export *cx;
	uint64_t free0, free1, full, nobuf, got = 0, t, late = 0;
	struct nic_chan c;
	struct nic_rxdesc d;

	nt_open("netflood", &c, nic, 0, 32);	/* once, so page tables exist */
	nic_close(&c);
	free0 = sys_kdebug(KDEBUG_FREE, 0);
	nt_open("netflood", &c, nic, 0, 32);
	nt_claim_udp("netflood", &c, port);
	cprintf("netflood: ready\n");
	t = nt_now_us();
	for (int i = 1; i <= QUIET_TICKS; i++) {
		nt_sleep_until(t + (uint64_t)i * TICK_US);
		uint64_t now = nt_now_us(), due = t + (uint64_t)i * TICK_US;
		if (now - due > late)
			late = now - due;
		cprintf("netflood: alive %d\n", i);
	}
	cprintf("netflood: ticks late by at most %lu us\n", late);
	for (int idle = 0; idle < 3;) {		/* drain until quiet */
		if (nic_recv(&c, &d, 200000) < 0) {
			idle++;
			continue;
		}
		idle = 0;
		got++;
		nic_rx_done(&c, d.va);
	}
	cx = nic_chan_info(&c);
	full = cx->rx_ring_full;
	nobuf = cx->rx_no_buf;
	nic_close(&c);
	free1 = sys_kdebug(KDEBUG_FREE, 0);
	cprintf("netflood: received %lu, dropped %lu (ring full %lu, no page %lu), "
		"device missed %lu\n", got, full + nobuf, full, nobuf, n->rx_missed);
	cprintf("netflood: pages free before %lu, after %lu\n", free0, free1);
	cprintf(full + nobuf > 0 && got > 0 && free0 == free1 ? "netflood: ok\n"
							      : "netflood: FAIL\n");
	return tu_audit("netflood");
}
