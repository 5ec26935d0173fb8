/*
 * netecho NIC PORT COUNT: claims UDP to 10.0.2.15:PORT and sends every
 * datagram back to where it came from (from 10.0.2.15:PORT, as the
 * claim lets it) until COUNT have been echoed: receive and transmit in
 * one small test, light enough for Bochs.
 */
#include "nettest.h"

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), port = nt_arg(argc, argv, 2, 7);
	int count = nt_arg(argc, argv, 3, 10), echoed = 0, bad = 0;
	const volatile struct nic_export *n = nt_nic("netecho", nic);
	struct nic_chan c;
	struct nic_rxdesc d;
	uint8_t out[NIC_FRAME_MAX], mac[6];

	for (int i = 0; i < 6; i++)
		mac[i] = n->mac[i];
	nt_open("netecho", &c, nic, 0, 32);
	nt_claim_udp("netecho", &c, port);
	cprintf("netecho: ready\n");
	while (echoed < count && nic_recv(&c, &d, 60000000) == 0) {
		const uint8_t *f = (const uint8_t *)d.va;
		size_t ulen = d.len >= 42 ? nic_get16(f + 38) : 0;
		if (d.len < 42 || ulen < 8 || 34 + ulen > d.len) {
			bad++;
		} else {
			size_t len = nic_build_udp(out, f + 6, mac, NT_GUEST_IP, nic_get32(f + 26),
						   port, nic_get16(f + 34), f + 42, ulen - 8);
			int64_t idx = nic_send(&c, out, len);
			if (idx < 0 || nic_tx_status(&c, (uint32_t)idx) != NIC_TX_SENT)
				bad++;
			echoed++;
		}
		nic_rx_done(&c, d.va);
	}
	cprintf("netecho: echoed %d datagrams, %d bad\n", echoed, bad);
	nic_close(&c);
	return 0;
}
