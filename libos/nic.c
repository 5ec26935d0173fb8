/*
 * NIC channels for programs (libos/include/nic.h): the memory of a
 * channel, filters, and raw-frame send and receive over the rings of
 * kern/abi/nic.h.
 */
#include <nic.h>
#include <thread.h>

#define PERM_DATA	(PERM_P | PERM_W | PERM_NX)
#define KICK_BUF_EVERY	16	/* posted pages handed over in batches */

static bool slot_used[NIC_LIBOS_CHANS];

const volatile struct nic_export *
nic_info(int nic)
{
	if (nic < 0 || nic >= NIC_MAX || !UNIC_EXPORTS->nic[nic].present)
		return NULL;
	return &UNIC_EXPORTS->nic[nic];
}

const volatile struct nic_chan_export *
nic_chan_info(const struct nic_chan *c)
{
	return &UNIC_EXPORTS->chan[c->id];
}

static void
unmap_range(uintptr_t va, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		sys_page_unmap(0, va + i * PGSIZE);
}

static int
map_range(uintptr_t va, size_t pages, uint64_t perm)
{
	for (size_t i = 0; i < pages; i++) {
		int64_t r = sys_page_alloc(0, va + i * PGSIZE, perm, PPN_ANY);
		if (r < 0) {
			unmap_range(va, i);
			return (int)r;
		}
	}
	return 0;
}

#define TX_PAGES	(NIC_TXRING_SIZE * NIC_TXBUF_SIZE / PGSIZE)

/* The pages of window slot: rings, nrxbuf receive pages, tx pages. */
static int
map_window(struct nic_chan *c, int nrxbuf)
{
	uintptr_t base = NIC_LIBOS_VA + (uintptr_t)c->slot * NIC_WINDOW;
	int r;

	if ((r = map_range(base, NIC_CHAN_PAGES, PERM_DATA | PERM_SHARE)) < 0)
		return r;
	c->rxbuf_va = base + NIC_CHAN_PAGES * PGSIZE;
	c->nrxbuf = nrxbuf;
	if ((r = map_range(c->rxbuf_va, nrxbuf, PERM_DATA)) < 0)
		goto unmap_rings;
	c->txbuf_va = c->rxbuf_va + (uintptr_t)nrxbuf * PGSIZE;
	if ((r = map_range(c->txbuf_va, TX_PAGES, PERM_DATA)) < 0)
		goto unmap_rx;
	c->rx = (struct nic_rxring *)base;
	c->tx = (struct nic_txring *)(base + PGSIZE);
	c->bq = (struct nic_bufq *)(base + 2 * PGSIZE);
	return 0;
unmap_rx:
	unmap_range(c->rxbuf_va, nrxbuf);
unmap_rings:
	unmap_range(base, NIC_CHAN_PAGES);
	return r;
}

#define TSO_PAGES	(NIC_TSO_BUFS * NIC_TSO_BUF_SIZE / PGSIZE)
_Static_assert((NIC_CHAN_PAGES + NIC_RXBUF_MAX + TX_PAGES) * PGSIZE <= NIC_TSO_OFF &&
	       NIC_TSO_OFF + TSO_PAGES * PGSIZE <= NIC_WINDOW,
	       "the TSO buffers overlap the channel's other pages or its neighbour");

static uintptr_t
tso_va(const struct nic_chan *c)
{
	return NIC_LIBOS_VA + (uintptr_t)c->slot * NIC_WINDOW + NIC_TSO_OFF;
}

static void
unmap_window(struct nic_chan *c)
{
	unmap_range(NIC_LIBOS_VA + (uintptr_t)c->slot * NIC_WINDOW, NIC_CHAN_PAGES);
	unmap_range(c->rxbuf_va, c->nrxbuf);
	unmap_range(c->txbuf_va, TX_PAGES);
	if (c->tso_mapped)
		unmap_range(tso_va(c), TSO_PAGES);
}

int
nic_open(struct nic_chan *c, int nic, uint32_t flags, int nrxbuf)
{
	int slot, r;
	int64_t id;

	if (nrxbuf < 1 || nrxbuf > NIC_RXBUF_MAX)
		return -E_INVAL;
	for (slot = 0; slot < NIC_LIBOS_CHANS && slot_used[slot]; slot++)
		;
	if (slot == NIC_LIBOS_CHANS)
		return -E_QUOTA;
	memset(c, 0, sizeof(*c));
	c->slot = slot;
	if ((r = map_window(c, nrxbuf)) < 0)
		return r;
	id = sys_nic_open(nic, (uintptr_t)c->rx, flags);
	if (id < 0) {
		unmap_window(c);
		return (int)id;
	}
	slot_used[slot] = true;
	c->id = (int)id;
	c->nic = nic;
	c->flags = flags;
	for (int i = 0; i < nrxbuf; i++)
		c->bq->va[i] = c->rxbuf_va + (uintptr_t)i * PGSIZE;
	c->bq->prod = nrxbuf;
	sys_nic_kick(c->id, NIC_KICK_BUF);
	return 0;
}

int
nic_close(struct nic_chan *c)
{
	int64_t r = sys_nic_close(c->id);

	if (r < 0)
		return (int)r;
	unmap_window(c);
	slot_used[c->slot] = false;
	c->id = -1;
	return 0;
}

/* --- filters --- */

void
nic_filter_init(struct nic_filter *f, uint16_t flags)
{
	memset(f, 0, sizeof(*f));
	f->flags = flags;
}

int
nic_filter_atom(struct nic_filter *f, uint16_t off, uint8_t width, uint32_t mask,
		uint32_t value)
{
	if (f->natoms >= NIC_FILTER_ATOMS)
		return -E_RANGE;
	f->atom[f->natoms++] = (struct nic_atom){ off, width, 0, mask, value & mask };
	return 0;
}

/* IPv4 to ip; proto and port (of a 20-byte header) when >= 0. */
void
nic_filter_ip(struct nic_filter *f, uint32_t ip, int proto, int port)
{
	nic_filter_atom(f, 12, 2, 0xffff, 0x0800);
	nic_filter_atom(f, 14, 1, 0xff, 0x45);
	nic_filter_atom(f, 30, 4, 0xffffffff, ip);
	if (proto >= 0)
		nic_filter_atom(f, 23, 1, 0xff, (uint32_t)proto);
	if (proto >= 0 && port >= 0)
		nic_filter_atom(f, 36, 2, 0xffff, (uint32_t)port);
}

void
nic_filter_arp(struct nic_filter *f, uint16_t flags)
{
	nic_filter_init(f, flags);
	nic_filter_atom(f, 12, 2, 0xffff, 0x0806);
}

int
nic_claim(struct nic_chan *c, const struct nic_filter *f)
{
	return (int)sys_nic_filter_add(c->id, f);
}

int
nic_unclaim(struct nic_chan *c, int filter)
{
	return (int)sys_nic_filter_remove(c->id, filter);
}

/* --- transmit --- */

static bool
tx_full(struct nic_chan *c)
{
	return c->tx_prod - c->tx->done >= NIC_TXRING_SIZE;
}

void *
nic_tx_buf(struct nic_chan *c)
{
	if (tx_full(c)) {
		sys_nic_kick(c->id, NIC_KICK_POLL);
		if (tx_full(c))
			return NULL;
	}
	return (void *)(c->txbuf_va + (uintptr_t)(c->tx_prod % NIC_TXRING_SIZE) * NIC_TXBUF_SIZE);
}

int64_t
nic_tx_queue_off(struct nic_chan *c, uintptr_t va, size_t len, uint16_t flags, uint16_t mss)
{
	uint32_t idx = c->tx_prod;

	if (tx_full(c)) {
		sys_nic_kick(c->id, NIC_KICK_TX | NIC_KICK_POLL);
		if (tx_full(c))
			return -E_AGAIN;
	}
	c->tx->desc[idx % NIC_TXRING_SIZE] = (struct nic_txdesc){
		.va = va, .len = (uint32_t)len, .flags = flags, .mss = mss };
	asm volatile("" ::: "memory");
	c->tx->prod = ++c->tx_prod;
	return idx;
}

int64_t
nic_tx_queue_va(struct nic_chan *c, uintptr_t va, size_t len)
{
	return nic_tx_queue_off(c, va, len, 0, 0);
}

/* Is TSO buffer k free: never queued, or its descriptor final? */
static bool
tso_free(struct nic_chan *c, uint32_t k)
{
	if (c->tso_busy[k] && (int32_t)(c->tx->done - c->tso_idx[k]) > 0)
		c->tso_busy[k] = false;
	return !c->tso_busy[k];
}

void *
nic_tso_buf(struct nic_chan *c)
{
	uint32_t k = c->tso_next % NIC_TSO_BUFS;

	if (!c->tso_mapped) {
		if (map_range(tso_va(c), TSO_PAGES, PERM_DATA) < 0)
			return NULL;
		c->tso_mapped = true;
	}
	if (!tso_free(c, k)) {
		sys_nic_kick(c->id, NIC_KICK_POLL);
		if (!tso_free(c, k))
			return NULL;
	}
	return (void *)(tso_va(c) + (uintptr_t)k * NIC_TSO_BUF_SIZE);
}

int64_t
nic_tso_send(struct nic_chan *c, size_t len, uint16_t mss)
{
	uint32_t k = c->tso_next % NIC_TSO_BUFS;
	int64_t idx;

	if (!c->tso_mapped || len > NIC_TSO_FRAME_MAX)
		return -E_INVAL;
	idx = nic_tx_queue_off(c, tso_va(c) + (uintptr_t)k * NIC_TSO_BUF_SIZE, len,
			       NIC_TXF_TSO, mss);
	if (idx < 0)
		return idx;
	c->tso_idx[k] = (uint32_t)idx;
	c->tso_busy[k] = true;
	c->tso_next++;
	nic_tx_flush(c);
	return idx;
}

int64_t
nic_tx_queue(struct nic_chan *c, size_t len)
{
	if (len > NIC_TXBUF_SIZE)
		return -E_INVAL;
	return nic_tx_queue_va(c, c->txbuf_va +
			       (uintptr_t)(c->tx_prod % NIC_TXRING_SIZE) * NIC_TXBUF_SIZE, len);
}

int
nic_send_tso(struct nic_chan *c, const void *frame, size_t len, uint16_t mss)
{
	void *buf = NULL;

	if (nic_chan_info(c)->tx_rejected[NIC_TXERR_OFFLOAD] != 0)
		return -E_NOT_SUPP;
	if (len > NIC_TSO_FRAME_MAX)
		return -E_INVAL;
	for (int tries = 0; tries < 100 && !(buf = nic_tso_buf(c)); tries++)
		nic_poll(c);
	if (!buf)
		return -E_AGAIN;
	if (buf != frame)		/* not built in place */
		memcpy(buf, frame, len);
	return nic_tso_send(c, len, mss) < 0 ? -E_AGAIN : 0;
}

int
nic_tx_flush(struct nic_chan *c)
{
	return (int)sys_nic_kick(c->id, NIC_KICK_TX);
}

int64_t
nic_send(struct nic_chan *c, const void *frame, size_t len)
{
	void *buf;
	int64_t idx;

	if (len > NIC_TXBUF_SIZE)
		return -E_INVAL;
	if (!(buf = nic_tx_buf(c)))
		return -E_AGAIN;
	memcpy(buf, frame, len);
	if ((idx = nic_tx_queue(c, len)) < 0)
		return idx;
	nic_tx_flush(c);
	return idx;
}

int
nic_tx_status(struct nic_chan *c, uint32_t idx)
{
	while ((int32_t)(c->tx->done - idx) <= 0) {
		int64_t r = sys_nic_wait(c->id, 1000);
		if (r < 0 && r != -E_AGAIN)
			return (int)r;
	}
	return c->tx->desc[idx % NIC_TXRING_SIZE].status;
}

/* --- receive --- */

int
nic_recv(struct nic_chan *c, struct nic_rxdesc *d, uint64_t timeout_us)
{
	uint64_t per_us = clock_tsc_hz() / 1000000 + 1, start = tsc_now();

	for (;;) {
		uint32_t cons = c->rx->cons;
		if (cons != c->rx->prod) {
			asm volatile("" ::: "memory");
			*d = c->rx->desc[cons % NIC_RXRING_SIZE];
			c->rx->cons = cons + 1;
			return 0;
		}
		uint64_t spent = (tsc_now() - start) / per_us;
		if (timeout_us != ~0ULL && spent >= timeout_us)
			return -E_AGAIN;
		int64_t r = sys_nic_wait(c->id, timeout_us == ~0ULL ? ~0ULL : timeout_us - spent);
		if (r < 0 && r != -E_AGAIN)
			return (int)r;
	}
}

void
nic_rx_done(struct nic_chan *c, uint64_t va)
{
	c->bq->va[c->bq->prod % NIC_BUFQ_SIZE] = va;
	asm volatile("" ::: "memory");
	c->bq->prod++;
	if (++c->bq_unkicked >= KICK_BUF_EVERY) {
		c->bq_unkicked = 0;
		sys_nic_kick(c->id, NIC_KICK_BUF);
	}
}

int
nic_poll(struct nic_chan *c)
{
	c->bq_unkicked = 0;
	return (int)sys_nic_kick(c->id, NIC_KICK_ALL);
}

/* --- frames --- */

/* The Internet checksum (RFC 1071) of data, in host order. */
uint16_t
nic_ip_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
nic_build_udp(uint8_t *buf, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	      uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
	      const void *payload, size_t n)
{
	uint8_t *ip = buf + 14, *udp = ip + 20;

	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	nic_put16(buf + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	nic_put16(ip + 2, (uint16_t)(20 + 8 + n));
	ip[8] = 64;
	ip[9] = 17;
	nic_put32(ip + 12, src_ip);
	nic_put32(ip + 16, dst_ip);
	nic_put16(ip + 10, nic_ip_checksum(ip, 20));
	nic_put16(udp, sport);
	nic_put16(udp + 2, dport);
	nic_put16(udp + 4, (uint16_t)(8 + n));
	nic_put16(udp + 6, 0);		/* no checksum (RFC 768 allows it over IPv4) */
	memcpy(udp + 8, payload, n);
	return 14 + 20 + 8 + n;
}
