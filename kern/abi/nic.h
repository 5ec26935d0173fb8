/*
 * NIC channels as the library OS sees them: the ring formats of a
 * channel, the packet-filter format, and the read-only NIC export.
 *
 * A channel is NIC_CHAN_PAGES pages the application owns, mapped writable
 * at a page-aligned address and bound by sys_nic_open (the kernel pins
 * them until the channel closes):
 *
 *   page 0  struct nic_rxring   kernel -> app: received frames
 *   page 1  struct nic_txring   app -> kernel: frames to send, and their
 *                               completion status
 *   page 2  struct nic_bufq     app -> kernel: pages donated to receive into
 *
 * Indices are free-running 32-bit counters; the slot of index i is
 * i % size. Each side writes only its own index and reads the other's
 * (the kernel never trusts a value the application wrote: a wild index
 * only drops that application's own frames).
 *
 * Receive. The kernel takes a donated page from the buffer queue, copies
 * the frame to its start and appends an rx descriptor naming that page.
 * With NIC_CHAN_FLIP the frame is not copied: the page the device filled
 * is mapped at the donated page's address in its place (and becomes the
 * application's), the donated page goes to the device (zero-copy). Either
 * way the application gets its page back only by posting it again.
 *
 * Transmit. The application fills tx descriptors naming a frame inside
 * one page it owns and advances prod; sys_nic_kick checks and queues them.
 * A TSO frame (NIC_TXF_TSO) may be larger than NIC_FRAME_MAX and cross
 * pages; each of its pages is checked and pinned as the first one is.
 * The first NIC_TX_HDR_COPY bytes travel in a kernel copy that is what the
 * source check looks at (so rewriting the headers after the kick changes
 * nothing); the rest goes to the device from the application's page
 * (zero-copy), pinned until the device is done. Every descriptor gets a
 * final status (NIC_TX_SENT or -E_*) before `done` passes it.
 *
 * The source check. A frame's source MAC is the NIC's. A channel's
 * identity comes from its claims (exclusive filters) that name an IPv4
 * destination address with the standard atoms of an untagged frame with
 * a 20-byte IP header: ethertype (12, 2) = 0x0800 and address (30, 4),
 * with the protocol (23, 1) and the port (36, 2) when they name them. A
 * channel with an identity sends IPv4 from one of its claimed addresses
 * (and protocol and source port, where claimed) and ARP whose sender is
 * the NIC's MAC and a claimed address; nothing else. A channel without
 * one (only subscriptions, or claims on other fields) is raw: only the
 * administrator (principal 0) may send on it.
 *
 * Offloads. A NIC whose export lists NIC_OFFLOAD_* bits computes TCP
 * checksums (NIC_TXF_CSUM) and cuts a large TCP segment into mss-sized
 * ones (NIC_TXF_TSO, a TCP segmentation offload frame) for the frames
 * whose descriptors ask it. Only an untagged IPv4/TCP frame without IP
 * options or fragmentation may ask, whose Ethernet, IP and TCP headers
 * all lie in the kernel copy (so the headers the device repeats in every
 * segment are the ones the source check read); the kernel derives the
 * checksum position and header length from that copy itself. The TCP
 * checksum field must hold the pseudo-header sum (RFC 793 3.1, with the
 * TCP length of the whole frame, folded, not complemented): the device
 * adds the rest. A TSO frame's IP total length is its length less 14, its
 * payload at most NIC_TSO_SEGS_MAX * mss, and mss so that a segment fits
 * in NIC_FRAME_MAX. A request the NIC cannot serve or that breaks these
 * rules is refused (-E_INVAL or -E_NOT_SUPP, reason NIC_TXERR_OFFLOAD).
 */
#ifndef CHITIN_ABI_NIC_H
#define CHITIN_ABI_NIC_H

#include "memlayout.h"

#define NIC_MAX			4	/* NICs the kernel drives */
#define NIC_CHAN_MAX		64	/* channels, all NICs together */
#define NIC_FILTERS_MAX		2048	/* filters, all channels together */
#define NIC_FILTER_ATOMS	8	/* atoms in one filter */
#define NIC_FRAME_MIN		14	/* an Ethernet header */
#define NIC_FRAME_MAX		1514	/* no FCS, no VLAN tag, no jumbo frames */
#define NIC_TX_HDR_COPY		128	/* bytes of a frame sent from a kernel copy */
#define NIC_TSO_FRAME_MAX	(14 + 65535)	/* a TSO frame: one whole IP datagram */
#define NIC_TSO_SEGS_MAX	64	/* segments one TSO frame may become */
#define NIC_TSO_MSS_MIN		64	/* the smallest mss a TSO frame may ask */

#define NIC_CHAN_PAGES		3
#define NIC_RXRING_SIZE		128
#define NIC_TXRING_SIZE		128
#define NIC_BUFQ_SIZE		256

/* sys_nic_open flags */
#define NIC_CHAN_DEFAULT	0x1	/* also receive the frames no filter claims */
#define NIC_CHAN_FLIP		0x2	/* receive by page flip instead of copy */
#define NIC_CHAN_FLAGS		(NIC_CHAN_DEFAULT | NIC_CHAN_FLIP)

/* sys_nic_kick what */
#define NIC_KICK_TX		0x1	/* take new tx descriptors */
#define NIC_KICK_BUF		0x2	/* take newly posted receive pages */
#define NIC_KICK_POLL		0x4	/* poll the device now (polling mode) */
#define NIC_KICK_ALL		(NIC_KICK_TX | NIC_KICK_BUF | NIC_KICK_POLL)

/* nic_filter.flags */
#define NIC_FILTER_SHARED	0x1	/* a subscription, not a claim: may overlap */

/* nic_rxdesc.flags */
#define NIC_RX_FLIPPED		0x1	/* the page at va is a new page (flip) */
#define NIC_RX_DEFAULT		0x2	/* no filter claimed it (default channel) */
#define NIC_RX_SHARED		0x4	/* a copy for a shared subscription */

/* nic_txdesc.flags: offloads asked of the NIC (see Offloads above) */
#define NIC_TXF_CSUM		0x1	/* the NIC computes the TCP checksum */
#define NIC_TXF_TSO		0x2	/* TCP segmentation by mss (implies CSUM) */
#define NIC_TXF_ALL		(NIC_TXF_CSUM | NIC_TXF_TSO)

/* nic_export.offloads: what the NIC can do for a frame */
#define NIC_OFFLOAD_CSUM	0x1	/* NIC_TXF_CSUM */
#define NIC_OFFLOAD_TSO4	0x2	/* NIC_TXF_TSO over IPv4 */

/* nic_txdesc.status */
#define NIC_TX_PENDING		0	/* not final yet (what the app writes) */
#define NIC_TX_SENT		1	/* the device took it */

/* tx rejection reasons, for the per-channel counters */
#define NIC_TXERR_LEN		0	/* zero, runt or oversized length */
#define NIC_TXERR_ADDR		1	/* not a user address, or crosses its page */
#define NIC_TXERR_PAGE		2	/* not mapped, not the channel's owner's, or a ring page */
#define NIC_TXERR_SPOOF		3	/* source MAC, IP or port is not the channel's */
#define NIC_TXERR_OFFLOAD	4	/* an offload the NIC lacks, or a malformed request */
#define NIC_TXERR_NREASONS	5

#ifndef __ASSEMBLER__
#include <stdint.h>

/* One atom: (frame[off .. off+width) read big-endian) & mask == value. */
struct nic_atom {
	uint16_t off;			/* byte offset in the frame */
	uint8_t width;			/* 1, 2 or 4 */
	uint8_t pad;
	uint32_t mask;			/* nonzero, within width */
	uint32_t value;			/* no bits outside mask */
};

/* A filter: the conjunction of its atoms (no two may share a byte). */
struct nic_filter {
	uint16_t natoms;		/* 1 .. NIC_FILTER_ATOMS */
	uint16_t flags;			/* NIC_FILTER_* */
	uint32_t pad;
	struct nic_atom atom[NIC_FILTER_ATOMS];
};

struct nic_rxdesc {
	uint64_t va;			/* the page holding the frame (at its start) */
	uint16_t len;			/* frame bytes */
	uint16_t flags;			/* NIC_RX_* */
	int32_t filter;			/* the filter that matched, -1 if none */
};

struct nic_rxring {
	volatile uint32_t prod;		/* kernel: descriptors written */
	volatile uint32_t cons;		/* app: descriptors consumed */
	uint32_t size;			/* NIC_RXRING_SIZE */
	uint32_t pad[13];
	struct nic_rxdesc desc[NIC_RXRING_SIZE];
};

struct nic_txdesc {
	uint64_t va;			/* the frame's first byte */
	uint32_t len;			/* its length; va+len stays in va's page
					 * unless NIC_TXF_TSO */
	uint16_t flags;			/* NIC_TXF_* */
	uint16_t mss;			/* NIC_TXF_TSO: TCP payload per segment */
	volatile int32_t status;	/* kernel: NIC_TX_SENT or -E_* */
	uint32_t pad;
};

struct nic_txring {
	volatile uint32_t prod;		/* app: descriptors written */
	volatile uint32_t cons;		/* kernel: descriptors taken */
	volatile uint32_t done;		/* kernel: descriptors with a final status */
	uint32_t size;			/* NIC_TXRING_SIZE */
	uint32_t pad[12];
	struct nic_txdesc desc[NIC_TXRING_SIZE];
};

struct nic_bufq {
	volatile uint32_t prod;		/* app: pages posted */
	volatile uint32_t cons;		/* kernel: pages taken */
	uint32_t size;			/* NIC_BUFQ_SIZE */
	uint32_t pad[13];
	uint64_t va[NIC_BUFQ_SIZE];	/* page-aligned addresses of owned pages */
};

/* One NIC in the export. Counters only grow. */
struct nic_export {
	uint32_t present;		/* 1 if a driver runs this slot */
	uint32_t link_up;
	uint8_t mac[6];
	uint16_t offloads;		/* NIC_OFFLOAD_* */
	char model[16];			/* "e1000", "virtio-net" */
	int32_t default_chan;		/* the default channel, -1 if none */
	uint32_t nchan;			/* channels open on it */
	uint32_t nfilters;		/* filters installed on it */
	uint32_t irq;			/* its interrupt line */
	uint64_t irqs;			/* interrupts taken */
	uint64_t rx_frames, rx_bytes;	/* received from the device */
	uint64_t tx_frames, tx_bytes;	/* given to the device */
	uint64_t rx_unclaimed;		/* no filter, no default channel: dropped */
	uint64_t rx_malformed;		/* runt, oversized or device error: dropped */
	uint64_t rx_missed;		/* the device had no buffer for it */
	uint64_t tx_full;		/* times the device's tx ring was full */
	uint64_t demux_frames;		/* frames classified */
	uint64_t demux_cycles;		/* TSC cycles spent classifying them */
	uint64_t demux_steps;		/* tree tests made classifying them */
	uint64_t claims_refused;	/* filters refused: overlapping a claim */
	uint64_t tx_csum;		/* frames sent with checksum offload (TSO too) */
	uint64_t tx_tso;		/* ... of which TSO frames */
};

/* One channel in the export. */
struct nic_chan_export {
	int32_t owner;			/* envid_t; 0 when the slot is free */
	uint16_t nic;
	uint16_t flags;			/* NIC_CHAN_* */
	uint64_t ring_va;		/* its ring pages in the owner's space */
	uint32_t nfilters;
	uint32_t rx_bufs;		/* donated pages the kernel holds */
	uint32_t waiting;		/* the owner blocks in sys_nic_wait */
	uint32_t tx_inflight;		/* frames the device still reads */
	uint64_t rx_frames, rx_bytes;	/* delivered */
	uint64_t rx_flipped;		/* ... of which by page flip */
	uint64_t rx_ring_full;		/* dropped: its rx ring was full */
	uint64_t rx_no_buf;		/* dropped: no donated page */
	uint64_t buf_rejected;		/* posted pages refused */
	uint64_t tx_frames, tx_bytes;	/* accepted and queued */
	uint64_t tx_rejected[NIC_TXERR_NREASONS];
	uint64_t wakeups;
};

/* One installed filter in the export. */
struct nic_filter_export {
	int32_t chan;			/* its channel, -1 when the slot is free */
	uint16_t flags;			/* NIC_FILTER_* */
	uint16_t natoms;
	uint64_t hits;			/* frames it delivered */
	struct nic_atom atom[NIC_FILTER_ATOMS];
};

/* Everything at UNICS. */
struct nic_exports {
	uint32_t nnic;			/* NICs found */
	uint32_t chan_max;		/* NIC_CHAN_MAX */
	uint32_t filters_max;		/* NIC_FILTERS_MAX */
	uint32_t pad;
	struct nic_export nic[NIC_MAX];
	struct nic_chan_export chan[NIC_CHAN_MAX];
	struct nic_filter_export filter[NIC_FILTERS_MAX];
};

#define UNIC_EXPORTS	((const volatile struct nic_exports *)UNICS)
#endif

#endif
