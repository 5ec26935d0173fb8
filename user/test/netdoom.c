/*
 * netdoom NIC: for netclaim. Opens a channel, claims a UDP port, fills
 * the tx ring with full-size frames from its own pages (zero-copy, so
 * the device holds them), tells its parent, and waits to be destroyed,
 * blocked in sys_nic_wait.
 * `netdoom -` exits at once.
 */
#include "nettest.h"

static uint8_t payload[1400];

int
main(int argc, char **argv)
{
	struct nic_chan c;
	uint8_t *buf;
	uint8_t mac[6];

	if (argc < 2 || argv[1][0] == '-')
		return 0;
	int nic = nt_arg(argc, argv, 1, 0);
	for (int i = 0; i < 6; i++)
		mac[i] = nt_nic("netdoom", nic)->mac[i];
	nt_open("netdoom", &c, nic, 0, 16);
	nt_claim_udp("netdoom", &c, 5002);
	while ((buf = nic_tx_buf(&c)) != NULL) {
		size_t len = nic_build_udp(buf, nt_peer_mac, mac, NT_GUEST_IP, NT_PEER_IP,
					   5002, 9, payload, sizeof(payload));
		if (nic_tx_queue(&c, len) < 0)
			break;
	}
	nic_tx_flush(&c);
	ipc_send(thisenv->parent, 1, NULL, 0);
	for (;;)
		sys_nic_wait(c.id, ~0ULL);
}
