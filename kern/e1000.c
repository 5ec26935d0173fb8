/*
 * Intel 8254x (82540EM as QEMU and Bochs emulate it) with legacy
 * descriptors. Register and descriptor layouts: Intel PCI/PCI-X Family
 * of Gigabit Ethernet Controllers Software Developer's Manual (8254x
 * SDM), chapter 13 (registers) and 3.2.3 / 3.3.3 (descriptors);
 * initialisation order from 14.3-14.5.
 *
 * The driver owns the registers and the two descriptor rings and nothing
 * else: receive pages and frames in flight belong to kern/nic.c, which
 * calls these operations under its nic_lock, the lock of this driver's
 * state too; e1000_irq_ack alone runs in the interrupt handler, with no
 * lock: it reads (and so clears) only ICR, which after bring-up no other
 * path reads.
 */
#include "nic.h"
#include "pci.h"
#include "pmap.h"
#include "timer.h"
#include "console.h"
#include "string.h"
#include "assert.h"
#include "abi/error.h"

/* Registers (SDM 13.4), byte offsets */
#define E_CTRL		0x00000
#define E_STATUS	0x00008
#define E_EERD		0x00014
#define E_ICR		0x000c0
#define E_ITR		0x000c4
#define E_IMS		0x000d0
#define E_IMC		0x000d8
#define E_RCTL		0x00100
#define E_TCTL		0x00400
#define E_TIPG		0x00410
#define E_RDBAL		0x02800
#define E_RDBAH		0x02804
#define E_RDLEN		0x02808
#define E_RDH		0x02810
#define E_RDT		0x02818
#define E_RDTR		0x02820
#define E_TDBAL		0x03800
#define E_TDBAH		0x03804
#define E_TDLEN		0x03808
#define E_TDH		0x03810
#define E_TDT		0x03818
#define E_MPC		0x04010	/* missed packets, clears on read */
#define E_MTA		0x05200	/* 128 entries */
#define E_RAL0		0x05400
#define E_RAH0		0x05404

#define CTRL_LRST	(1u << 3)
#define CTRL_ASDE	(1u << 5)
#define CTRL_SLU	(1u << 6)
#define CTRL_ILOS	(1u << 7)
#define CTRL_RST	(1u << 26)
#define CTRL_VME	(1u << 30)
#define CTRL_PHY_RST	(1u << 31)
#define STATUS_LU	(1u << 1)
#define EERD_START	(1u << 0)
#define EERD_DONE	(1u << 4)
#define RAH_AV		(1u << 31)

#define ICR_TXDW	(1u << 0)
#define ICR_LSC		(1u << 2)
#define ICR_RXDMT0	(1u << 4)
#define ICR_RXO		(1u << 6)
#define ICR_RXT0	(1u << 7)

#define RCTL_EN		(1u << 1)
#define RCTL_BAM	(1u << 15)	/* accept broadcast */
#define RCTL_RDMTS_HALF	(0u << 8)
#define RCTL_BSIZE_2048	(0u << 16)
#define RCTL_SECRC	(1u << 26)	/* strip the CRC */

#define TCTL_EN		(1u << 1)
#define TCTL_PSP	(1u << 3)	/* pad short packets */
#define TCTL_CT(x)	((uint32_t)(x) << 4)
#define TCTL_COLD(x)	((uint32_t)(x) << 12)

/* Legacy receive descriptor (SDM 3.2.3) */
struct e1000_rxd {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	volatile uint8_t status;
	uint8_t errors;
	uint16_t special;
};
#define RXD_DD		0x01
#define RXD_EOP		0x02
#define RXD_ERRORS	0x97	/* CE, SE, SEQ, CXE, RXE */

/* Legacy transmit descriptor (SDM 3.3.3) */
struct e1000_txd {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	volatile uint8_t status;
	uint8_t css;
	uint16_t special;
};
#define TXD_EOP		0x01
#define TXD_IFCS	0x02
#define TXD_RS		0x08
#define TXD_DD		0x01

#define E1000_RXD	256		/* one page of descriptors each */
#define E1000_TXD	256
#define HDRBUF		NIC_TX_HDR_COPY	/* a header buffer per tx descriptor */
#define HDRS_PER_PAGE	(PGSIZE / HDRBUF)
#define ITR_256NS	1000		/* at most ~3900 interrupts a second */

struct e1000 {
	volatile uint32_t *regs;
	struct e1000_rxd *rxd;
	struct e1000_txd *txd;
	uint8_t *hdr_kva[E1000_TXD / HDRS_PER_PAGE];
	physaddr_t hdr_pa[E1000_TXD / HDRS_PER_PAGE];
	uint32_t rx_next;		/* the next descriptor to look at */
	uint32_t rx_last_given;		/* the last refilled: RDT */
	bool rx_discard;		/* dropping pieces of an oversized frame */
	uint32_t tx_tail;		/* the next free descriptor: TDT */
	uint32_t tx_clean;		/* the oldest not reclaimed */
	uint32_t frame_last[E1000_TXD];	/* per frame in flight, its last descriptor */
	uint32_t frames_head, frames_tail;
	uint64_t missed;
};

static struct e1000 e1000s[NIC_MAX];
static int ne1000;

static uint32_t
rd(struct e1000 *e, uint32_t reg)
{
	return e->regs[reg / 4];
}

static void
wr(struct e1000 *e, uint32_t reg, uint32_t v)
{
	e->regs[reg / 4] = v;
}

static void *
dma_page(physaddr_t *pa)
{
	struct page *pg = page_alloc(PAGE_ZERO);

	if (!pg)
		panic("e1000: out of memory");
	*pa = page2pa(pg);
	return page2kva(pg);
}

/* --- operations --- */

static int
e1000_tx_post(struct nic *n, const void *hdr, size_t hlen, const struct nic_txseg *seg,
	      int nseg, const struct nic_txoff *off)
{
	struct e1000 *e = n->priv;
	uint32_t used = (e->tx_tail - e->tx_clean) % E1000_TXD;
	physaddr_t data = nseg ? seg[0].pa : 0;
	size_t dlen = nseg ? seg[0].len : 0;
	uint32_t need = dlen ? 2 : 1, i = e->tx_tail;

	if (nseg > 1 || off->flags)
		return -E_INVAL;	/* no offloads here: nic.c never asks */

	if (E1000_TXD - 1 - used < need || e->frames_tail - e->frames_head >= E1000_TXD)
		return -E_AGAIN;
	memcpy(e->hdr_kva[i / HDRS_PER_PAGE] + (i % HDRS_PER_PAGE) * HDRBUF, hdr, hlen);
	e->txd[i] = (struct e1000_txd){
		.addr = e->hdr_pa[i / HDRS_PER_PAGE] + (i % HDRS_PER_PAGE) * HDRBUF,
		.length = hlen, .cmd = TXD_IFCS | (dlen ? 0 : TXD_EOP | TXD_RS) };
	if (dlen) {
		i = (i + 1) % E1000_TXD;
		e->txd[i] = (struct e1000_txd){ .addr = data, .length = dlen,
			.cmd = TXD_IFCS | TXD_EOP | TXD_RS };
	}
	e->frame_last[e->frames_tail++ % E1000_TXD] = i;
	e->tx_tail = (i + 1) % E1000_TXD;
	return 0;
}

static void
e1000_tx_kick(struct nic *n)
{
	struct e1000 *e = n->priv;

	asm volatile("" ::: "memory");
	wr(e, E_TDT, e->tx_tail);
}

/* Frames whose last descriptor the device wrote back (SDM 3.3.3.2). */
static int
e1000_tx_reap(struct nic *n)
{
	struct e1000 *e = n->priv;
	int done = 0;

	while (e->frames_head != e->frames_tail) {
		uint32_t last = e->frame_last[e->frames_head % E1000_TXD];
		if (!(e->txd[last].status & TXD_DD))
			break;
		e->tx_clean = (last + 1) % E1000_TXD;
		e->frames_head++;
		done++;
	}
	return done;
}

static int
e1000_rx_next(struct nic *n, int *slot)
{
	struct e1000 *e = n->priv;
	struct e1000_rxd *d = &e->rxd[e->rx_next];
	uint8_t status = d->status;
	bool bad;

	if (!(status & RXD_DD))
		return -1;
	asm volatile("" ::: "memory");	/* the rest after DD (x86: loads in order) */
	*slot = e->rx_next;
	e->rx_next = (e->rx_next + 1) % E1000_RXD;
	/* A frame longer than a buffer spans descriptors: drop all of it. */
	bad = e->rx_discard || !(status & RXD_EOP) || (d->errors & RXD_ERRORS);
	e->rx_discard = !(status & RXD_EOP);
	return bad ? -2 : d->length;
}

static void
e1000_rx_give(struct nic *n, int slot, physaddr_t pa)
{
	struct e1000 *e = n->priv;

	e->rxd[slot] = (struct e1000_rxd){ .addr = pa };
	e->rx_last_given = slot;
}

/* The device owns [RDH, RDT): the slot just refilled becomes the one
 * gap, so all buffers but one are always the device's (SDM 3.2.6). */
static void
e1000_rx_kick(struct nic *n)
{
	struct e1000 *e = n->priv;

	asm volatile("" ::: "memory");
	wr(e, E_RDT, e->rx_last_given);
}

static bool
e1000_irq_ack(struct nic *n)
{
	return rd(n->priv, E_ICR) != 0;	/* reading clears it (SDM 13.4.17) */
}

static bool
e1000_link_up(struct nic *n)
{
	return rd(n->priv, E_STATUS) & STATUS_LU;
}

static uint64_t
e1000_missed(struct nic *n)
{
	struct e1000 *e = n->priv;

	e->missed += rd(e, E_MPC);
	return e->missed;
}

static const struct nic_ops e1000_ops = {
	.tx_post = e1000_tx_post, .tx_kick = e1000_tx_kick, .tx_reap = e1000_tx_reap,
	.rx_next = e1000_rx_next, .rx_give = e1000_rx_give, .rx_kick = e1000_rx_kick,
	.irq_ack = e1000_irq_ack, .link_up = e1000_link_up, .missed = e1000_missed,
};

/* --- bring-up --- */

/* EEPROM word w through EERD (SDM 13.4.4; the 82540EM's format). */
static uint16_t
eeprom_read(struct e1000 *e, int w)
{
	wr(e, E_EERD, EERD_START | (uint32_t)w << 8);
	for (int i = 0; i < 100000; i++) {
		uint32_t v = rd(e, E_EERD);
		if (v & EERD_DONE)
			return v >> 16;
	}
	return 0xffff;
}

/* The MAC address: the receive address the reset loaded from the
 * EEPROM, else the EEPROM itself (SDM 13.4.62). */
static void
read_mac(struct e1000 *e, uint8_t *mac)
{
	uint32_t lo = rd(e, E_RAL0), hi = rd(e, E_RAH0);

	if (!(hi & RAH_AV)) {
		uint16_t w0 = eeprom_read(e, 0), w1 = eeprom_read(e, 1), w2 = eeprom_read(e, 2);
		lo = w0 | (uint32_t)w1 << 16;
		hi = w2;
	}
	for (int i = 0; i < 4; i++)
		mac[i] = lo >> (8 * i);
	mac[4] = hi;
	mac[5] = hi >> 8;
	wr(e, E_RAL0, lo);
	wr(e, E_RAH0, (hi & 0xffff) | RAH_AV);
}

static void
reset(struct e1000 *e)
{
	wr(e, E_IMC, 0xffffffff);
	wr(e, E_CTRL, rd(e, E_CTRL) | CTRL_RST);
	timer_delay_us(1000);		/* RST self-clears within 1 us (13.4.1) */
	wr(e, E_IMC, 0xffffffff);
	(void)rd(e, E_ICR);
	wr(e, E_CTRL, (rd(e, E_CTRL) | CTRL_SLU | CTRL_ASDE) &
	   ~(CTRL_LRST | CTRL_PHY_RST | CTRL_ILOS | CTRL_VME));
}

/* Receive setup (SDM 14.4): ring, then RCTL; the buffers come later. */
static void
rx_init(struct e1000 *e)
{
	physaddr_t pa;

	e->rxd = dma_page(&pa);
	for (int i = 0; i < 128; i++)
		wr(e, E_MTA + 4 * i, 0);
	wr(e, E_RDBAL, (uint32_t)pa);
	wr(e, E_RDBAH, (uint32_t)(pa >> 32));
	wr(e, E_RDLEN, E1000_RXD * sizeof(struct e1000_rxd));
	wr(e, E_RDH, 0);
	wr(e, E_RDT, 0);
	wr(e, E_RDTR, 0);
	wr(e, E_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC | RCTL_RDMTS_HALF | RCTL_BSIZE_2048);
}

/* Transmit setup (SDM 14.5), with the IEEE 802.3 IPG values. */
static void
tx_init(struct e1000 *e)
{
	physaddr_t pa;

	e->txd = dma_page(&pa);
	for (int i = 0; i < E1000_TXD / HDRS_PER_PAGE; i++)
		e->hdr_kva[i] = dma_page(&e->hdr_pa[i]);
	wr(e, E_TDBAL, (uint32_t)pa);
	wr(e, E_TDBAH, (uint32_t)(pa >> 32));
	wr(e, E_TDLEN, E1000_TXD * sizeof(struct e1000_txd));
	wr(e, E_TDH, 0);
	wr(e, E_TDT, 0);
	wr(e, E_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT(0x10) | TCTL_COLD(0x40));
	wr(e, E_TIPG, 10 | 8 << 10 | 6 << 20);
}

static void
e1000_attach(struct pci_dev *d)
{
	struct e1000 *e = &e1000s[ne1000];
	uint8_t mac[6];
	struct nic *n;

	if (d->bar_is_io[0] || d->bar_size[0] < 0x20000) {
		cprintf("e1000: %02x:%02x.%x: no register BAR\n", d->bus, d->dev, d->fn);
		return;
	}
	pci_enable(d, true);
	e->regs = mmio_map(d->bar[0], d->bar_size[0]);
	reset(e);
	read_mac(e, mac);
	rx_init(e);
	tx_init(e);
	n = nic_register(&e1000_ops, e, mac, "e1000", E1000_RXD, 0);
	if (!n)
		return;
	ne1000++;
	nic_attach_irq(n, d->irq_pin ? d->irq_line : -1);
	wr(e, E_ITR, ITR_256NS);
	wr(e, E_IMS, ICR_RXT0 | ICR_RXO | ICR_RXDMT0 | ICR_LSC | ICR_TXDW);
}

/* Every 82540EM / 82545EM on the bus (QEMU's -device e1000, Bochs' e1000). */
void
e1000_init(void)
{
	static const uint16_t ids[] = { 0x100e, 0x100f };
	struct pci_dev *d;

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		while (ne1000 < NIC_MAX && (d = pci_find(0x8086, ids[i], "e1000")))
			e1000_attach(d);
}
