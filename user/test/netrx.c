/*
 * netrx NIC PORT COUNT [flip]: claims UDP to 10.0.2.15:PORT and receives
 * COUNT frames the grader's wire injects, hashing them (the grader
 * compares the hash with what it sent: byte-exact, in order). With
 * `flip`, by page flip. Page accounting must come out exact. The rate
 * (first frame to last) is reported: it is the wire's injection rate
 * more than the guest's, since the wire waits whenever QEMU does not
 * take its frames.
 */
#include "nettest.h"

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), port = nt_arg(argc, argv, 2, 5555);
	int count = nt_arg(argc, argv, 3, 100), got = 0, bad = 0;
	bool flip = argc > 4 && strcmp(argv[4], "flip") == 0;
	uint32_t flags = flip ? NIC_CHAN_FLIP : 0;
	uint64_t hash = NT_HASH_INIT, free0, free1, flipped, t0 = 0, t1 = 0, bytes = 0;
	struct nic_chan c;
	struct nic_rxdesc d;

	nt_nic("netrx", nic);
	nt_open("netrx", &c, nic, flags, NIC_RXRING_SIZE);	/* once: page tables */
	nic_close(&c);
	free0 = sys_kdebug(KDEBUG_FREE, 0);
	nt_open("netrx", &c, nic, flags, NIC_RXRING_SIZE);
	nt_claim_udp("netrx", &c, port);
	cprintf("netrx: ready port %d%s\n", port, flip ? " flip" : "");
	while (got < count && nic_recv(&c, &d, 10000000) == 0) {
		const uint8_t *f = (const uint8_t *)d.va;
		t1 = nt_tsc();
		if (got == 0)
			t0 = t1;
		else
			bytes += d.len;	/* the first frame starts the clock */
		if (d.len < 42 || nic_get16(f + 36) != port)
			bad++;
		hash = nt_hash_frame(hash, f, d.len);
		got++;
		nic_rx_done(&c, d.va);
	}
	flipped = nic_chan_info(&c)->rx_flipped;
	if (got < count)
		cprintf("netrx: dropped %lu (ring full), %lu (no page)\n",
			nic_chan_info(&c)->rx_ring_full, nic_chan_info(&c)->rx_no_buf);
	nic_close(&c);
	free1 = sys_kdebug(KDEBUG_FREE, 0);
	cprintf("netrx: port %d got %d frames hash %016lx, %lu flipped, %d not mine\n",
		port, got, hash, flipped, bad);
	if (got > 1 && t1 > t0) {
		uint64_t us = nt_us(t1 - t0) + 1;
		cprintf("netrx: rate: %d frames in %lu us: %lu frames/s, %lu Mbit/s\n",
			got - 1, us, (uint64_t)(got - 1) * 1000000 / us, bytes * 8 / us);
	}
	cprintf("netrx: pages free before %lu, after %lu\n", free0, free1);
	if (got == count && !bad && free0 == free1 && (!flip || flipped > 0))
		cprintf("netrx: ok\n");
	else
		cprintf("netrx: FAIL\n");
	return tu_audit("netrx");
}
