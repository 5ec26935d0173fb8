/*
 * The NIC layer: what a driver (kern/e1000.c, kern/virtio_net.c) gives
 * the kernel and what it gets from it. A driver owns its device's
 * registers and hardware descriptor rings and nothing else; kern/nic.c
 * owns the receive pages, the channels, the filters (kern/filter.c) and
 * the export at UNICS.
 *
 * Locking: kern/nic.c's nic_lock (LOCK_RANK_NIC) guards the channels,
 * the filters (kern/filter.c), struct nic and everything of a driver:
 * the driver's operations are called with it held, except irq_ack. The
 * interrupt handler (nic_intr) takes no lock: it only acknowledges the
 * device and sets the atomic pending flag; the work happens in
 * nic_softirq, which takes nic_lock, or in a polling system call.
 */
#ifndef CHITIN_KERN_NIC_H
#define CHITIN_KERN_NIC_H
#include "kernel.h"
#include "abi/nic.h"

#define NIC_RX_SLOTS_MAX	256	/* receive buffers a device may hold */
#define NIC_TXQ_MAX		256	/* frames a device may have in flight */
/* pages one frame may touch: a TSO frame at the end of its first page */
#define NIC_TXSEG_MAX		((NIC_TSO_FRAME_MAX + PGSIZE - 2) / PGSIZE + 1)

/* A piece of a frame the device reads in place. */
struct nic_txseg {
	physaddr_t pa;
	uint32_t len;
};

/* An offload request the kernel checked (kern/nic.c, tx_offload), in the
 * terms of virtio's struct virtio_net_hdr (VIRTIO 1.2, 5.1.6.2). */
struct nic_txoff {
	uint16_t flags;			/* NIC_TXF_*; 0: none */
	uint16_t csum_start;		/* where the checksummed bytes begin */
	uint16_t csum_offset;		/* the checksum field, from csum_start */
	uint16_t hdr_len;		/* Ethernet + IP + TCP headers */
	uint16_t mss;			/* NIC_TXF_TSO: payload per segment */
};

struct nic;

/*
 * A driver's operations. Slots name receive buffers (0 .. rx_slots-1);
 * the device fills them in the order they were given and the driver
 * reports them in that order. Transmitted frames complete in the order
 * they were posted.
 */
struct nic_ops {
	/* Queue a frame: hlen bytes at hdr (kernel memory, copied by the
	 * driver before it returns) then the nseg pieces seg[] (none if
	 * nseg is 0; more than one only for a TSO frame), with the offloads
	 * off asks (only those the driver put in the export's offloads).
	 * -E_AGAIN when the ring is full. */
	int (*tx_post)(struct nic *n, const void *hdr, size_t hlen,
		       const struct nic_txseg *seg, int nseg,
		       const struct nic_txoff *off);
	void (*tx_kick)(struct nic *n);		/* tell the device about posts */
	int (*tx_reap)(struct nic *n);		/* frames completed since last call */
	/* The next filled slot: its frame length, or -1 if none, or -2
	 * (slot still set) for a frame the device marked bad. */
	int (*rx_next)(struct nic *n, int *slot);
	void (*rx_give)(struct nic *n, int slot, physaddr_t pa);	/* refill */
	void (*rx_kick)(struct nic *n);		/* tell the device about refills */
	bool (*irq_ack)(struct nic *n);		/* hard irq: read-and-clear; ours? */
	bool (*link_up)(struct nic *n);
	uint64_t (*missed)(struct nic *n);	/* frames the device dropped so far */
};

/* One in-flight transmitted frame, in posting order. */
struct nic_txinfo {
	struct page *pg[NIC_TXSEG_MAX];	/* the pinned data pages */
	uint8_t npg;			/* how many */
	int16_t chan;			/* the channel, or -1 */
	uint16_t gen;			/* the channel's generation then */
	uint32_t idx;			/* its tx ring index */
};

struct nic {
	/* set at registration (boot), read-only after */
	int id;				/* index in nics[] and the export */
	const struct nic_ops *ops;
	void *priv;			/* the driver's state (under nic_lock) */
	struct nic_export *ex;		/* its export slot: under nic_lock but
					 * irqs, which nic_intr adds to atomically */
	int vector;			/* its interrupt vector, 0 if none */
	int rx_slots;			/* receive buffers given to the device */
	/* atomic: set by nic_intr, taken by nic_softirq */
	bool pending;			/* the interrupt handler saw work */
	/* under nic_lock */
	struct page *rx_page[NIC_RX_SLOTS_MAX];	/* the page in each slot */
	struct nic_txinfo txq[NIC_TXQ_MAX];	/* frames in flight, FIFO */
	uint32_t txq_head, txq_tail;	/* oldest, next free */
};

extern struct nic nics[NIC_MAX];
extern int nnics;			/* grows at boot only, under nic_lock */

/* Drivers: register a device whose rings are ready to take rx_slots
 * receive buffers (handed over through ops->rx_give), which serves the
 * transmit offloads (NIC_OFFLOAD_*). NULL if full. */
struct nic *nic_register(const struct nic_ops *ops, void *priv,
			 const uint8_t mac[6], const char *model, int rx_slots,
			 uint32_t offloads);
/* Route the device's legacy INTx line (PCI interrupt line irq) to
 * nic_intr; NICs may share a line. */
void nic_attach_irq(struct nic *n, int irq);

void nic_init(void);		/* the export; before any driver */
/* Pending device work and expired waits; from trap_resume with no lock
 * held (it takes nic_lock when there is work). */
void nic_softirq(void);
struct env;
/* Closes e's channels, before its address space goes (env_destroy). The
 * caller may hold the env-table lock but not e's lock or any lock ranked
 * after LOCK_RANK_NIC; it takes nic_lock (and no env lock: closing only
 * unpins pages). */
void nic_env_gone(struct env *e);
/* kern/audit.h: reads without locks, every other CPU parked. */
int nic_audit(void);

#endif
