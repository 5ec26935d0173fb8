/*
 * NIC channels from the library OS (libos/nic.c): open a channel with its
 * rings and pages, claim frames with filters, send and receive raw
 * Ethernet frames. Formats and limits: kern/abi/nic.h.
 *
 * A channel's memory lives in a window of NIC_WINDOW bytes at
 * NIC_LIBOS_VA + k * NIC_WINDOW (k: the library's own slot number):
 * the NIC_CHAN_PAGES ring pages (mapped PERM_SHARE, so fork does not
 * make them copy-on-write under the kernel), then the receive pages,
 * then the transmit pages (two 2 KiB frame buffers per page); from
 * NIC_TSO_OFF into the window, the TSO buffers, mapped at the first
 * nic_tso_buf.
 *
 * Nothing here is thread-safe: one thread per channel.
 */
#ifndef CHITIN_LIBOS_NIC_H
#define CHITIN_LIBOS_NIC_H

#include <chitin.h>
#include "kern/abi/nic.h"

#define NIC_LIBOS_VA	0x0000500000000000UL	/* the library's channel windows */
#define NIC_WINDOW	(4UL << 20)
#define NIC_LIBOS_CHANS	64
#define NIC_RXBUF_MAX	NIC_BUFQ_SIZE	/* receive pages a channel may post */
#define NIC_TXBUF_SIZE	2048		/* one frame per half page */
#define NIC_TSO_BUFS	8		/* TSO frames in flight per channel */
#define NIC_TSO_BUF_SIZE ((NIC_TSO_FRAME_MAX + PGSIZE - 1) / PGSIZE * PGSIZE)
#define NIC_TSO_OFF	(NIC_WINDOW / 2)	/* past the rx and tx pages at most */

/* The system calls (kern/abi/syscall.h), typed. */
int64_t sys_nic_open(int nic, uintptr_t ring_va, uint32_t flags);
int64_t sys_nic_close(int chan);
int64_t sys_nic_filter_add(int chan, const struct nic_filter *f);
int64_t sys_nic_filter_remove(int chan, int filter);
int64_t sys_nic_kick(int chan, uint32_t what);
int64_t sys_nic_wait(int chan, uint64_t timeout_us);

struct nic_chan {
	int id;				/* the kernel's channel id */
	int nic;
	int slot;			/* the library's window */
	uint32_t flags;			/* NIC_CHAN_* */
	struct nic_rxring *rx;
	struct nic_txring *tx;
	struct nic_bufq *bq;
	uintptr_t rxbuf_va;		/* nrxbuf pages */
	int nrxbuf;
	uintptr_t txbuf_va;		/* NIC_TXRING_SIZE half pages */
	uint32_t tx_prod;		/* our copy of tx->prod */
	uint32_t bq_unkicked;		/* pages posted since the last kick */
	bool tso_mapped;		/* the TSO buffers exist */
	uint32_t tso_next;		/* the TSO buffer to use next */
	uint32_t tso_idx[NIC_TSO_BUFS];	/* each one's last descriptor index */
	bool tso_busy[NIC_TSO_BUFS];	/* ... while it may be in flight */
};

/* The read-only state of NIC nic (NULL if there is none). */
const volatile struct nic_export *nic_info(int nic);
const volatile struct nic_chan_export *nic_chan_info(const struct nic_chan *c);

/* Opens a channel on nic (NIC_CHAN_* flags) with nrxbuf receive pages
 * (1 .. NIC_RXBUF_MAX) posted. 0 or -E_*. */
int nic_open(struct nic_chan *c, int nic, uint32_t flags, int nrxbuf);
int nic_close(struct nic_chan *c);

/* Filters: build one atom by atom (offsets into the Ethernet frame,
 * values in host order, compared big-endian), or with a helper. */
void nic_filter_init(struct nic_filter *f, uint16_t flags);
int nic_filter_atom(struct nic_filter *f, uint16_t off, uint8_t width,
		    uint32_t mask, uint32_t value);
void nic_filter_ip(struct nic_filter *f, uint32_t ip, int proto, int port);	/* -1: any */
void nic_filter_arp(struct nic_filter *f, uint16_t flags);
int nic_claim(struct nic_chan *c, const struct nic_filter *f);	/* filter id */
int nic_unclaim(struct nic_chan *c, int filter);

/* Transmit. nic_send copies the frame into the channel's next tx
 * buffer, queues it and kicks; -E_AGAIN if the ring is full. For
 * zero-copy, fill nic_tx_buf() yourself and nic_tx_queue() it, or queue
 * any frame of your own pages with nic_tx_queue_va; nic_tx_flush kicks.
 * Each returns the descriptor's index (for nic_tx_status). */
int64_t nic_send(struct nic_chan *c, const void *frame, size_t len);
void *nic_tx_buf(struct nic_chan *c);		/* NULL if the ring is full */
int64_t nic_tx_queue(struct nic_chan *c, size_t len);
int64_t nic_tx_queue_va(struct nic_chan *c, uintptr_t va, size_t len);
int nic_tx_flush(struct nic_chan *c);
/* Queues len bytes at va (pages of c's owner) asking the NIC for the
 * offloads flags (NIC_TXF_*, which its nic_export lists), mss for
 * NIC_TXF_TSO (kern/abi/nic.h, Offloads). */
int64_t nic_tx_queue_off(struct nic_chan *c, uintptr_t va, size_t len,
			 uint16_t flags, uint16_t mss);
/* TSO: a free NIC_TSO_BUF_SIZE buffer (NULL if all are in flight or
 * cannot be mapped); nic_tso_send queues the frame built in it and
 * kicks. */
void *nic_tso_buf(struct nic_chan *c);
int64_t nic_tso_send(struct nic_chan *c, size_t len, uint16_t mss);
/* Copies a TSO frame into a TSO buffer (polling the device a while for
 * a free one; no copy if it was built in nic_tso_buf's) and sends it; -E_AGAIN if none came free, -E_NOT_SUPP if
 * the kernel has refused an offload request of c before (the caller
 * then sends ordinary frames). */
int nic_send_tso(struct nic_chan *c, const void *frame, size_t len, uint16_t mss);
/* Waits (polling the device) until descriptor idx is final; its status:
 * NIC_TX_SENT or -E_*. */
int nic_tx_status(struct nic_chan *c, uint32_t idx);

/* Receive: the next frame's descriptor (the frame is at d->va), waiting
 * up to timeout_us (0: not at all; ~0: for ever). -E_AGAIN if none.
 * Give the page back with nic_rx_done when finished with it. */
int nic_recv(struct nic_chan *c, struct nic_rxdesc *d, uint64_t timeout_us);
void nic_rx_done(struct nic_chan *c, uint64_t va);
int nic_poll(struct nic_chan *c);		/* polling mode: kick everything */

/* Frame building helpers (host-order arguments). */
uint16_t nic_ip_checksum(const void *data, size_t len);
static inline void nic_put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static inline void nic_put32(uint8_t *p, uint32_t v)
{ p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static inline uint16_t nic_get16(const uint8_t *p) { return p[0] << 8 | p[1]; }
static inline uint32_t nic_get32(const uint8_t *p)
{ return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
/* An Ethernet + IPv4 + UDP frame into buf (>= 42 + n bytes); its length. */
size_t nic_build_udp(uint8_t *buf, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		     uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
		     const void *payload, size_t n);

#endif
