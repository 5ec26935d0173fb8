/*
 * Ethernet II framing: demultiplexing by EtherType, and the header on
 * the way out (IEEE 802.3 minimum frame of 60 bytes before the FCS).
 */
#include "net/netpriv.h"

#define ETH_MIN_FRAME	60

static const uint8_t eth_bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void
eth_input(struct netstack *ns, const uint8_t *frame, size_t len)
{
	uint16_t type;

	if (len < ETH_HLEN) {
		NSTAT(ns, eth_drop_short);
		return;
	}
	if (memcmp(frame, ns->ns_if.mac, ETH_ALEN) != 0 &&
	    memcmp(frame, eth_bcast, ETH_ALEN) != 0) {
		NSTAT(ns, eth_drop_notus);
		return;
	}
	type = get16(frame + 12);
	if (type == ETH_TYPE_IP)
		ip_input(ns, frame + ETH_HLEN, len - ETH_HLEN);
	else if (type == ETH_TYPE_ARP)
		arp_input(ns, frame + ETH_HLEN, len - ETH_HLEN);
	else
		NSTAT(ns, eth_drop_type);
}

/* frame has room for NET_FRAME_MAX bytes; short frames are padded. */
int
eth_output(struct netstack *ns, uint8_t *frame, size_t len,
	const uint8_t dst[ETH_ALEN], uint16_t type)
{
	memcpy(frame, dst ? dst : eth_bcast, ETH_ALEN);
	memcpy(frame + ETH_ALEN, ns->ns_if.mac, ETH_ALEN);
	put16(frame + 12, type);
	if (len < ETH_MIN_FRAME) {
		memset(frame + len, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	if (ns->ns_if.output(ns->ns_if.ctx, frame, len) < 0) {
		NSTAT(ns, eth_tx_fail);
		return -NET_ENOBUFS;
	}
	NSTAT(ns, eth_tx);
	return 0;
}
