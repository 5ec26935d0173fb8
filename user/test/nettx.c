/*
 * nettx NIC COUNT: sends COUNT test frames (ethertype 0x88b5, lengths
 * 60..1514, contents grade/tests_nic.py regenerates) as fast as the
 * channel takes them, then reports the rate. The grader checks that they
 * reach the wire byte-exact and in order.
 */
#include "nettest.h"

#define BATCH	32

/* Frame i as the grader builds it (tests_nic.py: tx_frame). */
static size_t
build(uint8_t *buf, uint32_t i, const volatile uint8_t *mac)
{
	size_t len = 60 + (i * 37) % (NIC_FRAME_MAX - 60 + 1);

	memcpy(buf, nt_peer_mac, 6);
	for (int k = 0; k < 6; k++)
		buf[6 + k] = mac[k];
	nic_put16(buf + 12, NT_ETH_TEST);
	nic_put32(buf + 14, i);
	for (size_t k = 18; k < len; k++)
		buf[k] = (uint8_t)(i * 7 + (k - 18) * 13);
	return len;
}

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), count = nt_arg(argc, argv, 2, 1000);
	const volatile struct nic_export *n = nt_nic("nettx", nic);
	struct nic_chan c;
	uint64_t bytes = 0, t0, us;
	int64_t last = -1;
	int queued = 0;

	nt_open("nettx", &c, nic, 0, 1);
	t0 = nt_tsc();
	for (int i = 0; i < count; i++) {
		uint8_t *buf;
		while (!(buf = nic_tx_buf(&c))) {
			nic_tx_flush(&c);
			sys_yield();
		}
		size_t len = build(buf, i, n->mac);
		last = nic_tx_queue(&c, len);
		bytes += len;
		if (++queued == BATCH || i == count - 1) {
			nic_tx_flush(&c);
			queued = 0;
		}
	}
	if (last >= 0 && nic_tx_status(&c, (uint32_t)last) != NIC_TX_SENT)
		cprintf("nettx: FAIL: the last frame was not sent\n");
	us = nt_us(nt_tsc() - t0);
	if (us == 0)
		us = 1;
	const volatile struct nic_chan_export *cx = nic_chan_info(&c);
	uint64_t rej = 0;
	for (int r = 0; r < NIC_TXERR_NREASONS; r++)
		rej += cx->tx_rejected[r];
	cprintf("nettx: sent %d frames, %lu bytes in %lu us: %lu frames/s, %lu Mbit/s\n",
		count, bytes, us, (uint64_t)count * 1000000 / us, bytes * 8 / us);
	cprintf("nettx: nic: %lu interrupts, tx ring full %lu times\n", n->irqs, n->tx_full);
	if (rej || cx->tx_frames != (uint64_t)count)
		cprintf("nettx: FAIL: %lu queued, %lu rejected\n", cx->tx_frames, rej);
	else
		cprintf("nettx: done %d\n", count);
	nic_close(&c);
	return 0;
}
