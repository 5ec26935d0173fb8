/*
 * virtio-net over the modern (1.x) PCI transport, split virtqueues:
 * Virtual I/O Device (VIRTIO) Version 1.2, 4.1 (PCI: the vendor
 * capabilities, the common configuration), 2.7 (split virtqueues),
 * 3.1.1 (initialisation) and 5.1 (the network device). Negotiated:
 * VIRTIO_F_VERSION_1, VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS and, when the
 * device offers them (QEMU does with a tap backend), the transmit
 * offloads VIRTIO_NET_F_CSUM and VIRTIO_NET_F_HOST_TSO4 with
 * VIRTIO_F_INDIRECT_DESC (a TSO frame spans up to NIC_TXSEG_MAX pages).
 * No receive offload: a received frame always has its checksums.
 * Interrupts are the legacy INTx line with the ISR status register
 * (4.1.4.5), MSI-X staying disabled.
 *
 * Queue 0 receives: each buffer is a chain of two descriptors, the
 * virtio_net_hdr then a whole page, so a frame starts at its page's
 * first byte as with the e1000. Queue 1 transmits: a chain of the header
 * buffer (virtio_net_hdr followed by the kernel's copy of the frame's
 * first bytes) and, when the frame is longer, the rest in place; a
 * frame in several pieces (TSO) uses its slot's indirect table (2.7.5.3)
 * for the same chain.
 *
 * As with the e1000, kern/nic.c calls these under its nic_lock, which
 * guards this driver's state; only vnet_irq_ack runs in the interrupt
 * handler, with no lock: it reads (and so clears) the ISR status only.
 */
#include "nic.h"
#include "pci.h"
#include "pmap.h"
#include "console.h"
#include "string.h"
#include "assert.h"
#include "abi/error.h"

/* PCI capability (4.1.4) */
#define CAP_TYPE	3
#define CAP_BAR		4
#define CAP_OFFSET	8
#define CAP_LENGTH	12
#define CAP_NOTIFY_MULT	16
#define CFG_COMMON	1
#define CFG_NOTIFY	2
#define CFG_ISR		3
#define CFG_DEVICE	4

/* Common configuration (4.1.4.3), byte offsets */
#define C_DFSELECT	0x00
#define C_DF		0x04
#define C_GFSELECT	0x08
#define C_GF		0x0c
#define C_MSIX		0x10
#define C_STATUS	0x14
#define C_Q_SELECT	0x16
#define C_Q_SIZE	0x18
#define C_Q_MSIX	0x1a
#define C_Q_ENABLE	0x1c
#define C_Q_NOFF	0x1e
#define C_Q_DESC	0x20
#define C_Q_DRIVER	0x28
#define C_Q_DEVICE	0x30
#define NO_VECTOR	0xffff

/* Device status (2.1) */
#define S_ACKNOWLEDGE	1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8

/* Feature bits (5.1.3, 6) */
#define F_NET_CSUM	(1ULL << 0)
#define F_NET_HOST_TSO4	(1ULL << 11)
#define F_NET_MAC	(1ULL << 5)
#define F_NET_STATUS	(1ULL << 16)
#define F_INDIRECT	(1ULL << 28)
#define F_VERSION_1	(1ULL << 32)
#define NET_S_LINK_UP	1

/* Split virtqueue (2.7) */
struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VQD_NEXT	1
#define VQD_WRITE	2
#define VQD_INDIRECT	4

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
};
#define VQ_USED_NO_NOTIFY 1

/* The header before every frame with VERSION_1 (5.1.6) */
#define VNET_HDR	12
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define HDR_F_NEEDS_CSUM	1
#define GSO_NONE		0
#define GSO_TCPV4		1

#define VQ_SIZE		256		/* descriptors per queue (at most) */
#define TX_HDRBUF	256		/* >= VNET_HDR + NIC_TX_HDR_COPY */
#define TX_PER_PAGE	(PGSIZE / TX_HDRBUF)
#define TX_IND		32		/* indirect descriptors per slot, >= 1 + NIC_TXSEG_MAX */
#define IND_PER_PAGE	(PGSIZE / (TX_IND * 16))
static_assert(TX_IND >= 1 + NIC_TXSEG_MAX, "an indirect table holds a whole TSO frame");
static_assert(sizeof(struct vnet_hdr) == VNET_HDR, "struct vnet_hdr is 5.1.6's");

struct vq {
	uint16_t size;			/* descriptors */
	uint16_t index;			/* queue number */
	volatile struct vq_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[size] */
	volatile uint16_t *used;	/* flags, idx, then elems */
	volatile uint16_t *notify;	/* its doorbell */
	uint16_t avail_idx;		/* next avail.idx to publish */
	uint16_t used_last;		/* used.idx we have seen */
};

struct vnet {
	volatile uint8_t *common;
	volatile uint8_t *isr;
	volatile uint8_t *devcfg;
	volatile uint8_t *notify_base;
	uint32_t notify_mult;
	uint64_t features;
	bool live;			/* DRIVER_OK set: notifications allowed */
	struct vq rx, tx;
	uint8_t *rx_hdr;		/* VNET_HDR per rx buffer (16 apart) */
	physaddr_t rx_hdr_pa;
	uint8_t *tx_hdr_kva[VQ_SIZE / 2 / TX_PER_PAGE];
	physaddr_t tx_hdr_pa[VQ_SIZE / 2 / TX_PER_PAGE];
	struct vq_desc *tx_ind_kva[VQ_SIZE / 2 / IND_PER_PAGE];	/* with F_INDIRECT */
	physaddr_t tx_ind_pa[VQ_SIZE / 2 / IND_PER_PAGE];
	bool tx_done[VQ_SIZE / 2];	/* per tx slot: the device returned it */
	uint32_t tx_head, tx_tail;	/* oldest slot in flight, next free */
};

static struct vnet vnets[NIC_MAX];
static int nvnet;

#define C8(v, off)	(*(volatile uint8_t *)((v)->common + (off)))
#define C16(v, off)	(*(volatile uint16_t *)((v)->common + (off)))
#define C32(v, off)	(*(volatile uint32_t *)((v)->common + (off)))

static void
c64(struct vnet *v, int off, uint64_t val)
{
	C32(v, off) = (uint32_t)val;
	C32(v, off + 4) = (uint32_t)(val >> 32);
}

static void *
dma_page(physaddr_t *pa)
{
	struct page *pg = page_alloc(PAGE_ZERO);

	if (!pg)
		panic("virtio-net: out of memory");
	*pa = page2pa(pg);
	return page2kva(pg);
}

static volatile struct vq_used_elem *
used_elem(struct vq *q, uint16_t i)
{
	return (volatile struct vq_used_elem *)(q->used + 2) + (i % q->size);
}

/* Publishes the avail index and rings the doorbell unless the device
 * asked not to be notified (2.7.7, 2.7.10). */
static void
vq_publish(struct vnet *v, struct vq *q)
{
	asm volatile("" ::: "memory");
	q->avail[1] = q->avail_idx;
	asm volatile("mfence" ::: "memory");
	if (v->live && !(q->used[0] & VQ_USED_NO_NOTIFY))
		*q->notify = q->index;
}

/* --- operations --- */

/* The virtio_net_hdr asking for what off asks (5.1.6.2). */
static void
vnet_hdr_fill(struct vnet_hdr *h, const struct nic_txoff *off)
{
	*h = (struct vnet_hdr){ 0 };
	if (!(off->flags & (NIC_TXF_CSUM | NIC_TXF_TSO)))
		return;
	h->flags = HDR_F_NEEDS_CSUM;
	h->csum_start = off->csum_start;
	h->csum_offset = off->csum_offset;
	if (off->flags & NIC_TXF_TSO) {
		h->gso_type = GSO_TCPV4;
		h->gso_size = off->mss;
		h->hdr_len = off->hdr_len;
	}
}

/* Slot s's chain through its indirect table: the header buffer then
 * the pieces (2.7.5.3.1: the table's descriptors, not the ring's, chain). */
static void
vnet_tx_indirect(struct vnet *v, uint32_t s, physaddr_t hdr_pa, size_t hdr_len,
		 const struct nic_txseg *seg, int nseg)
{
	struct vq_desc *t = v->tx_ind_kva[s / IND_PER_PAGE] + (s % IND_PER_PAGE) * TX_IND;
	volatile struct vq_desc *d = &v->tx.desc[2 * s];

	t[0] = (struct vq_desc){ hdr_pa, (uint32_t)hdr_len, VQD_NEXT, 1 };
	for (int i = 0; i < nseg; i++)
		t[i + 1] = (struct vq_desc){ seg[i].pa, seg[i].len,
			(uint16_t)(i + 1 < nseg ? VQD_NEXT : 0), (uint16_t)(i + 2) };
	d->addr = v->tx_ind_pa[s / IND_PER_PAGE] + (s % IND_PER_PAGE) * TX_IND * 16;
	d->len = (uint32_t)(nseg + 1) * 16;
	d->flags = VQD_INDIRECT;
}

static int
vnet_tx_post(struct nic *n, const void *hdr, size_t hlen, const struct nic_txseg *seg,
	     int nseg, const struct nic_txoff *off)
{
	struct vnet *v = n->priv;
	struct vq *q = &v->tx;
	uint32_t slots = q->size / 2, s;
	physaddr_t pa;
	uint8_t *buf;

	if (v->tx_tail - v->tx_head >= slots)
		return -E_AGAIN;
	if (nseg > 1 && !(v->features & F_INDIRECT))
		return -E_INVAL;	/* nic.c never asks: no TSO without it */
	s = v->tx_tail++ % slots;
	buf = v->tx_hdr_kva[s / TX_PER_PAGE] + (s % TX_PER_PAGE) * TX_HDRBUF;
	pa = v->tx_hdr_pa[s / TX_PER_PAGE] + (s % TX_PER_PAGE) * TX_HDRBUF;
	vnet_hdr_fill((struct vnet_hdr *)buf, off);
	memcpy(buf + VNET_HDR, hdr, hlen);
	if (nseg > 1) {
		vnet_tx_indirect(v, s, pa, VNET_HDR + hlen, seg, nseg);
	} else {
		q->desc[2 * s].addr = pa;
		q->desc[2 * s].len = VNET_HDR + hlen;
		q->desc[2 * s].flags = nseg ? VQD_NEXT : 0;
		q->desc[2 * s].next = 2 * s + 1;
		q->desc[2 * s + 1].addr = nseg ? seg[0].pa : 0;
		q->desc[2 * s + 1].len = nseg ? seg[0].len : 0;
		q->desc[2 * s + 1].flags = 0;
	}
	v->tx_done[s] = false;
	q->avail[2 + q->avail_idx++ % q->size] = 2 * s;
	return 0;
}

static void
vnet_tx_kick(struct nic *n)
{
	struct vnet *v = n->priv;

	if (v->tx.avail[1] != v->tx.avail_idx)
		vq_publish(v, &v->tx);
}

/* Frames done, counted in posting order (the device may return them out
 * of order; a slot is reused only once all before it are back). */
static int
vnet_tx_reap(struct nic *n)
{
	struct vnet *v = n->priv;
	struct vq *q = &v->tx;
	uint32_t slots = q->size / 2;
	int done = 0;

	while (q->used_last != q->used[1]) {
		uint32_t id = used_elem(q, q->used_last++)->id;
		if (id < q->size && !(id & 1))
			v->tx_done[id / 2] = true;
	}
	while (v->tx_head != v->tx_tail && v->tx_done[v->tx_head % slots]) {
		v->tx_done[v->tx_head++ % slots] = false;
		done++;
	}
	return done;
}

static int
vnet_rx_next(struct nic *n, int *slot)
{
	struct vnet *v = n->priv;
	struct vq *q = &v->rx;

	while (q->used_last != q->used[1]) {
		asm volatile("" ::: "memory");
		volatile struct vq_used_elem *e = used_elem(q, q->used_last++);
		uint32_t id = e->id, len = e->len;
		if (id >= q->size || (id & 1))
			continue;	/* not a buffer we gave: ignore */
		*slot = id / 2;
		return len < VNET_HDR ? -2 : (int)(len - VNET_HDR);
	}
	return -1;
}

static void
vnet_rx_give(struct nic *n, int slot, physaddr_t pa)
{
	struct vnet *v = n->priv;
	struct vq *q = &v->rx;

	q->desc[2 * slot] = (struct vq_desc){ v->rx_hdr_pa + 16 * slot, VNET_HDR,
		VQD_WRITE | VQD_NEXT, 2 * slot + 1 };
	q->desc[2 * slot + 1] = (struct vq_desc){ pa, PGSIZE, VQD_WRITE, 0 };
	q->avail[2 + q->avail_idx++ % q->size] = 2 * slot;
}

static void
vnet_rx_kick(struct nic *n)
{
	struct vnet *v = n->priv;

	vq_publish(v, &v->rx);
}

static bool
vnet_irq_ack(struct nic *n)
{
	return *((struct vnet *)n->priv)->isr != 0;	/* reading clears it */
}

static bool
vnet_link_up(struct nic *n)
{
	struct vnet *v = n->priv;

	if (!(v->features & F_NET_STATUS))
		return true;
	return *(volatile uint16_t *)(v->devcfg + 6) & NET_S_LINK_UP;
}

static uint64_t
vnet_missed(struct nic *n)
{
	return 0;		/* virtio counts nothing of the kind */
}

static const struct nic_ops vnet_ops = {
	.tx_post = vnet_tx_post, .tx_kick = vnet_tx_kick, .tx_reap = vnet_tx_reap,
	.rx_next = vnet_rx_next, .rx_give = vnet_rx_give, .rx_kick = vnet_rx_kick,
	.irq_ack = vnet_irq_ack, .link_up = vnet_link_up, .missed = vnet_missed,
};

/* --- bring-up --- */

/* Maps the structure a vendor capability at cap describes. */
static volatile uint8_t *
cap_map(struct pci_dev *d, int cap)
{
	int bar = pci_read8(d, cap + CAP_BAR);
	uint32_t off = pci_read32(d, cap + CAP_OFFSET), len = pci_read32(d, cap + CAP_LENGTH);

	if (bar > 5 || d->bar_is_io[bar] || !d->bar[bar] || !len ||
	    (uint64_t)off + len > d->bar_size[bar])
		return NULL;
	return mmio_map(d->bar[bar] + off, len);
}

static bool
find_caps(struct pci_dev *d, struct vnet *v)
{
	for (int cap = pci_find_cap(d, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(d, PCI_CAP_VENDOR, cap)) {
		int type = pci_read8(d, cap + CAP_TYPE);
		if (type == CFG_COMMON && !v->common)
			v->common = cap_map(d, cap);
		else if (type == CFG_ISR && !v->isr)
			v->isr = cap_map(d, cap);
		else if (type == CFG_DEVICE && !v->devcfg)
			v->devcfg = cap_map(d, cap);
		else if (type == CFG_NOTIFY && !v->notify_base) {
			v->notify_base = cap_map(d, cap);
			v->notify_mult = pci_read32(d, cap + CAP_NOTIFY_MULT);
		}
	}
	return v->common && v->isr && v->devcfg && v->notify_base;
}

/* Sets up queue index with at most VQ_SIZE descriptors (4.1.5.1.3). */
static bool
vq_init(struct vnet *v, struct vq *q, int index)
{
	physaddr_t dpa, apa, upa;
	uint16_t max;

	C16(v, C_Q_SELECT) = index;
	max = C16(v, C_Q_SIZE);
	if (max < 2)
		return false;
	q->index = index;
	for (q->size = VQ_SIZE; q->size > max; q->size /= 2)
		;
	q->desc = dma_page(&dpa);
	q->avail = dma_page(&apa);
	q->used = dma_page(&upa);
	C16(v, C_Q_SIZE) = q->size;
	C16(v, C_Q_MSIX) = NO_VECTOR;
	c64(v, C_Q_DESC, dpa);
	c64(v, C_Q_DRIVER, apa);
	c64(v, C_Q_DEVICE, upa);
	q->notify = (volatile uint16_t *)(v->notify_base + C16(v, C_Q_NOFF) * v->notify_mult);
	C16(v, C_Q_ENABLE) = 1;
	return true;
}

/* Reset, acknowledge, negotiate (3.1.1); false if the device refuses. */
static bool
negotiate(struct vnet *v)
{
	uint64_t want = F_VERSION_1 | F_NET_MAC | F_NET_STATUS | F_NET_CSUM |
		F_NET_HOST_TSO4 | F_INDIRECT;

	C8(v, C_STATUS) = 0;
	for (int i = 0; i < 1000000 && C8(v, C_STATUS) != 0; i++)
		;
	C8(v, C_STATUS) = S_ACKNOWLEDGE;
	C8(v, C_STATUS) = S_ACKNOWLEDGE | S_DRIVER;
	C32(v, C_DFSELECT) = 0;
	v->features = C32(v, C_DF);
	C32(v, C_DFSELECT) = 1;
	v->features |= (uint64_t)C32(v, C_DF) << 32;
	if (!(v->features & F_VERSION_1))
		return false;
	v->features &= want;
	if (!(v->features & F_NET_CSUM))	/* 5.1.3.1: TSO needs CSUM */
		v->features &= ~F_NET_HOST_TSO4;
	C32(v, C_GFSELECT) = 0;
	C32(v, C_GF) = (uint32_t)v->features;
	C32(v, C_GFSELECT) = 1;
	C32(v, C_GF) = (uint32_t)(v->features >> 32);
	C8(v, C_STATUS) = S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK;
	return C8(v, C_STATUS) & S_FEATURES_OK;
}

static bool
vnet_setup(struct vnet *v)
{
	physaddr_t pa;

	if (!negotiate(v))
		return false;
	C16(v, C_MSIX) = NO_VECTOR;
	if (!vq_init(v, &v->rx, 0) || !vq_init(v, &v->tx, 1))
		return false;
	v->rx_hdr = dma_page(&v->rx_hdr_pa);
	for (int i = 0; i < v->tx.size / 2; i += TX_PER_PAGE) {
		v->tx_hdr_kva[i / TX_PER_PAGE] = dma_page(&pa);
		v->tx_hdr_pa[i / TX_PER_PAGE] = pa;
	}
	for (int i = 0; (v->features & F_INDIRECT) && i < v->tx.size / 2; i += IND_PER_PAGE) {
		v->tx_ind_kva[i / IND_PER_PAGE] = dma_page(&pa);
		v->tx_ind_pa[i / IND_PER_PAGE] = pa;
	}
	return true;
}

/* What the kernel may ask of the device per frame (NIC_OFFLOAD_*). */
static uint32_t
vnet_offloads(struct vnet *v)
{
	uint32_t o = 0;

	if (v->features & F_NET_CSUM)
		o |= NIC_OFFLOAD_CSUM;
	if ((v->features & F_NET_HOST_TSO4) && (v->features & F_INDIRECT))
		o |= NIC_OFFLOAD_TSO4;
	return o;
}

static void
vnet_attach(struct pci_dev *d)
{
	struct vnet *v = &vnets[nvnet];
	uint8_t mac[6] = { 0x52, 0x54, 0x00, 0, 0, (uint8_t)(0x10 + nvnet) };
	struct nic *n;

	pci_enable(d, true);
	if (!find_caps(d, v) || !vnet_setup(v)) {
		cprintf("virtio-net: %02x:%02x.%x: not a usable virtio 1.x device\n",
			d->bus, d->dev, d->fn);
		if (v->common)
			C8(v, C_STATUS) = 0x80;	/* FAILED */
		memset(v, 0, sizeof(*v));
		return;
	}
	if (v->features & F_NET_MAC)
		for (int i = 0; i < 6; i++)
			mac[i] = v->devcfg[i];
	n = nic_register(&vnet_ops, v, mac, "virtio-net", v->rx.size / 2, vnet_offloads(v));
	if (!n)
		return;
	nvnet++;
	nic_attach_irq(n, d->irq_pin ? d->irq_line : -1);
	C8(v, C_STATUS) = S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK;
	v->live = true;
	vq_publish(v, &v->rx);
}

/* Every virtio network function (0x1041 modern; 0x1000 transitional,
 * driven through its modern interface). */
void
virtio_net_init(void)
{
	static const uint16_t ids[] = { 0x1041, 0x1000 };
	struct pci_dev *d;

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		while (nvnet < NIC_MAX && (d = pci_find(0x1af4, ids[i], "virtio-net")))
			vnet_attach(d);
}
