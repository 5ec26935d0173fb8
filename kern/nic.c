/*
 * NIC channels: the secure multiplexing of a NIC's DMA rings among
 * applications (DESIGN.md, 3, Network; formats in kern/abi/nic.h).
 *
 * The kernel owns every device ring and the pages the device receives
 * into. A frame the device filled is classified by the merged filter tree
 * (kern/filter.c) and delivered into the rx ring of each channel it
 * reaches, by copy into a page that channel donated, or by page flip:
 * the filled page is mapped where the donated page was and the donated
 * page replaces it in the device's ring. A full ring or a channel with no
 * donated page drops the frame and counts it; nothing ever waits.
 *
 * Transmit is checked when a descriptor is taken: a frame lies in one
 * page its channel's owner owns (not a ring page), its first
 * NIC_TX_HDR_COPY bytes are copied into the kernel and the source check
 * reads only that copy, which is what the device sends; the rest goes
 * from the pinned user page. A rejected descriptor gets its error as its
 * status and the channel goes on. A TSO frame may span pages (each one
 * checked and pinned); its offload request is checked against the
 * kernel copy of its headers, which must hold them all, so the headers
 * the device repeats in every segment are those the source check read.
 *
 * Secure bindings: ring pages and donated pages are checked (mapped,
 * writable, owned by the caller) and pinned when they are bound; the
 * fast paths then use them through the direct map. Pins keep a page
 * alive when its owner unmaps it or dies; the last unpin frees it.
 *
 * Locking. nic_lock (LOCK_RANK_NIC) guards everything in this file and
 * in kern/filter.c: the channels and their waiter records and deadlines,
 * timed_waiters, the filters and trees, the devices (struct nic, their
 * rings and driver state, the export) and the static tx frame. The
 * system calls and nic_softirq take it first, through nic_call and
 * nic_softirq. Work inside a channel owner's address space -- looking up
 * and pinning the pages it names (chan_tx, chan_take_bufs, the open of a
 * channel), reading its filter (filter_add), a page flip (deliver) --
 * also holds env_lock(c->owner), taken after nic_lock around that work
 * only, so this file never holds two env locks: a kick by one env that
 * polls the device (and so delivers to others) drops its own lock first.
 * Pins and page_ex go through kern/uvm.c (page_lock inside); a pinned
 * page is used through the direct map under nic_lock alone. A waiter
 * record (c->waiter) is set with its env blocked and cleared with it
 * woken (env_wake), both under nic_lock, so a record names exactly a
 * blocked owner. nic_intr takes no lock: it acknowledges the device and
 * sets the atomic n->pending for nic_softirq.
 */
#include "nic.h"
#include "filter.h"
#include "env.h"
#include "uvm.h"
#include "pmap.h"
#include "export.h"
#include "syscall.h"
#include "trap.h"
#include "lapic.h"
#include "ioapic.h"
#include "cpu.h"
#include "timer.h"
#include "console.h"
#include "string.h"
#include "assert.h"
#include "x86.h"
#include "audit.h"
#include "abi/error.h"

#define PIN_MAX		250	/* page_export.pins is 8 bits wide */
#define CHAN_IDENTS	32	/* source identities cached per channel */

enum { TXS_FREE, TXS_INFLIGHT, TXS_FINAL };

struct chan_buf {
	struct page *pg;		/* pinned */
	uintptr_t va;			/* where the owner mapped it */
};

/* A channel: every field under nic_lock. */
struct chan {
	bool open;
	uint16_t gen;			/* bumped at close: stale tx completions */
	struct nic *nic;
	struct env *owner;
	uint32_t flags;			/* NIC_CHAN_* */
	uintptr_t ring_va;
	struct page *ring_pg[NIC_CHAN_PAGES];	/* pinned */
	struct nic_rxring *rx;		/* the ring pages, kernel view */
	struct nic_txring *tx;
	struct nic_bufq *bq;
	struct nic_chan_export *ex;
	/* the kernel's own indices: never read back from the rings */
	uint32_t rx_prod;
	uint32_t tx_cons, tx_done;
	uint32_t bq_cons;
	uint8_t tx_state[NIC_TXRING_SIZE];	/* TXS_* per tx slot */
	bool tx_stalled;		/* stopped taking: device ring full */
	/* donated pages, FIFO */
	struct chan_buf buf[NIC_BUFQ_SIZE];
	uint32_t buf_head, buf_tail;
	/* source identities (from its exclusive filters) */
	struct filter_ident ident[CHAN_IDENTS];
	int nident;			/* > CHAN_IDENTS: look them up */
	/* a blocked sys_nic_wait */
	struct env *waiter;
	uint64_t wait_deadline;		/* TSC; 0 = none */
};

struct nic nics[NIC_MAX];
int nnics;				/* written under nic_lock at boot */

static struct spinlock nic_lock = SPINLOCK_INIT("nic", LOCK_RANK_NIC);
/* under nic_lock: */
static struct nic_exports *nic_ex;
static struct chan chans[NIC_CHAN_MAX];
static int timed_waiters;		/* waiters with a deadline */
static uint64_t wait_next = UINT64_MAX;	/* TSC: no deadline before it; read
					 * unlocked (a hint) by nic_softirq */

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* --- pages --- */

/* One binding more holds pg; false when it has PIN_MAX. */
static bool
page_pin(struct page *pg)
{
	return uvm_page_pin(pg, PIN_MAX);
}

/* One binding fewer; a page neither mapped nor pinned is freed. */
static void
page_unpin(struct page *pg)
{
	uvm_page_unpin(pg);
}

/* The page e maps at page-aligned va if e owns it and may write it (or
 * only read it, with !write); -E_FAULT or -E_PERM otherwise. e's lock
 * held: its page tables, and the owner and kind of a page it maps. */
static int
owned_page(struct env *e, uintptr_t va, bool write, struct page **out)
{
	uint64_t pte;
	struct page *pg = uvm_lookup(e, va, &pte);

	if (!pg || !(pte & PTE_U))
		return -E_FAULT;
	if ((write && !(pte & PTE_W)) || page2ex(pg)->kind != PAGEK_USER ||
	    page2ex(pg)->owner != e->id)
		return -E_PERM;
	*out = pg;
	return 0;
}

static bool
is_ring_page(struct page *pg)
{
	for (int i = 0; i < NIC_CHAN_MAX; i++)
		for (int j = 0; chans[i].open && j < NIC_CHAN_PAGES; j++)
			if (chans[i].ring_pg[j] == pg)
				return true;
	return false;
}

/* --- waking --- */

/* Clears c's waiter record; the waiter it named, or NULL. nic_lock held. */
static struct env *
chan_unwait(struct chan *c)
{
	struct env *e = c->waiter;

	if (!e)
		return NULL;
	c->waiter = NULL;
	if (c->wait_deadline)
		timed_waiters--;
	c->wait_deadline = 0;
	c->ex->waiting = 0;
	return e;
}

/* c's blocked sys_nic_wait returns rax. The record and the block change
 * together under nic_lock, so the env it named is blocked in WAIT_NIC;
 * env_wake checks that again under the scheduler's lock all the same,
 * and never wakes an env blocked in anything else. nic_lock held. */
static void
chan_wake_with(struct chan *c, uint64_t rax)
{
	struct env *e = chan_unwait(c);

	if (e)
		env_wake(e, WAIT_NIC, rax);
}

/* Something arrived on c: a frame or a tx completion. */
static void
chan_wake(struct chan *c)
{
	if (c->waiter)
		c->ex->wakeups++;
	chan_wake_with(c, 0);
}

/* The waits whose deadline passed return -E_AGAIN; wait_next becomes
 * the earliest deadline left. nic_lock held. */
static void
wake_expired(void)
{
	uint64_t now = rdtsc(), next = UINT64_MAX;

	for (int i = 0; i < NIC_CHAN_MAX && timed_waiters; i++) {
		struct chan *c = &chans[i];
		if (!c->waiter || !c->wait_deadline)
			continue;
		if (now >= c->wait_deadline)
			chan_wake_with(c, (uint64_t)-E_AGAIN);
		else
			next = MIN(next, c->wait_deadline);
	}
	__atomic_store_n(&wait_next, next, __ATOMIC_RELAXED);
}

/* --- receive --- */

/* Whether b may be flipped out: only this binding holds it, only the
 * owner maps it, once, writable, still at b->va. Else we copy. The
 * owner's lock held: no one maps or pins the page anew meanwhile (both
 * start from a lookup in the owner's space; the NIC's own pins are under
 * nic_lock). */
static bool
flip_ok(struct chan *c, const struct chan_buf *b, uint64_t *pte)
{
	const struct page_export *x = page2ex(b->pg);

	return x->pins == 1 && x->maps == 1 && x->owner == c->owner->id &&
	       uvm_lookup(c->owner, b->va, pte) == b->pg && (*pte & PTE_W);
}

/*
 * The device's page pg (holding len bytes) takes the place of donated
 * page b in the owner's address space; b becomes the kernel's and is
 * returned, to go to the device. The rest of pg is zeroed: it may hold
 * an older frame of someone else.
 */
static struct page *
flip(struct chan *c, struct chan_buf *b, struct page *pg, size_t len, uint64_t pte)
{
	memset((uint8_t *)page2kva(pg) + len, 0, PGSIZE - len);
	uvm_adopt_page(pg, c->owner);
	if (uvm_insert(c->owner, pg, b->va, pte & PERM_USER_OK) < 0) {
		uvm_page_disown(pg);	/* cannot happen: the PTE exists */
		return NULL;
	}
	uvm_page_unpin_disown(b->pg);
	return b->pg;
}

/* flip under the owner's lock, if flip_ok; NULL when we must copy. */
static struct page *
flip_locked(struct chan *c, struct chan_buf *b, struct page *pg, size_t len)
{
	struct page *back = NULL;
	uint64_t pte;

	env_lock(c->owner);
	if (flip_ok(c, b, &pte))
		back = flip(c, b, pg, len, pte);
	env_unlock(c->owner);
	return back;
}

/*
 * Delivers frame (len bytes in the device's page pg) to c, tagged with
 * filter and flags. Returns the page the device slot gets back: pg, or
 * the donated page that replaced it by a flip. nic_lock held, no env
 * lock (a flip takes the owner's).
 */
static struct page *
deliver(struct chan *c, struct page *pg, size_t len, int filter, uint16_t flags,
	bool may_flip)
{
	struct chan_buf b;
	struct page *back = pg, *flipped = NULL;
	struct nic_rxdesc *d;

	if (c->rx_prod - c->rx->cons >= NIC_RXRING_SIZE) {
		c->ex->rx_ring_full++;
		return pg;
	}
	if (c->buf_head == c->buf_tail) {
		c->ex->rx_no_buf++;
		return pg;
	}
	b = c->buf[c->buf_head++ % NIC_BUFQ_SIZE];
	c->ex->rx_bufs--;
	if (may_flip && (c->flags & NIC_CHAN_FLIP))
		flipped = flip_locked(c, &b, pg, len);
	if (flipped) {
		back = flipped;
		flags |= NIC_RX_FLIPPED;
		c->ex->rx_flipped++;
	} else {
		memcpy(page2kva(b.pg), page2kva(pg), len);
		page_unpin(b.pg);
	}
	d = &c->rx->desc[c->rx_prod % NIC_RXRING_SIZE];
	*d = (struct nic_rxdesc){ b.va, (uint16_t)len, flags, filter };
	asm volatile("" ::: "memory");	/* x86 keeps stores in order */
	c->rx->prod = ++c->rx_prod;
	c->ex->rx_frames++;
	c->ex->rx_bytes += len;
	if (filter >= 0)
		filter_hit(filter);
	chan_wake(c);
	return back;
}

/* Classifies one frame and delivers it; returns the page for the slot. */
static struct page *
demux(struct nic *n, struct page *pg, size_t len)
{
	int ids[FILTER_MATCH_MAX], k, seen[FILTER_MATCH_MAX], nseen = 0;
	uint64_t t0 = rdtsc(), steps;

	k = filter_classify(n->id, page2kva(pg), len, ids, FILTER_MATCH_MAX, &steps);
	n->ex->demux_cycles += rdtsc() - t0;
	n->ex->demux_frames++;
	n->ex->demux_steps += steps;
	if (k == 0) {
		if (n->ex->default_chan >= 0)
			return deliver(&chans[n->ex->default_chan], pg, len, -1,
				       NIC_RX_DEFAULT, true);
		n->ex->rx_unclaimed++;
		return pg;
	}
	if (k == 1)
		return deliver(&chans[filter_chan(ids[0])], pg, len, ids[0],
			       filter_shared(ids[0]) ? NIC_RX_SHARED : 0, true);
	for (int i = 0; i < k; i++) {	/* copies; one per channel */
		int ch = filter_chan(ids[i]), j;
		for (j = 0; j < nseen && seen[j] != ch; j++)
			;
		if (j < nseen)
			continue;
		seen[nseen++] = ch;
		deliver(&chans[ch], pg, len, ids[i],
			filter_shared(ids[i]) ? NIC_RX_SHARED : 0, false);
	}
	return pg;
}

static void
nic_rx(struct nic *n)
{
	int slot, len, done = 0;

	for (int budget = n->rx_slots; budget > 0; budget--) {
		len = n->ops->rx_next(n, &slot);
		if (len == -1)
			break;
		struct page *pg = n->rx_page[slot];
		if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX) {
			n->ex->rx_malformed++;
		} else {
			n->ex->rx_frames++;
			n->ex->rx_bytes += len;
			pg = demux(n, pg, len);
		}
		n->rx_page[slot] = pg;
		n->ops->rx_give(n, slot, page2pa(pg));
		done++;
	}
	if (done)
		n->ops->rx_kick(n);
}

/* --- transmit --- */

/* Marks final the slots whose status is final, in order. */
static void
tx_advance(struct chan *c)
{
	uint32_t old = c->tx_done;

	while (c->tx_done != c->tx_cons &&
	       c->tx_state[c->tx_done % NIC_TXRING_SIZE] == TXS_FINAL)
		c->tx_state[c->tx_done++ % NIC_TXRING_SIZE] = TXS_FREE;
	if (c->tx_done != old) {
		asm volatile("" ::: "memory");
		c->tx->done = c->tx_done;
		chan_wake(c);
	}
}

static void chan_tx(struct chan *c);

/* Completions from the device: unpin, report, resume stalled channels. */
static void
nic_tx_reap(struct nic *n)
{
	bool stalled = false;

	for (int k = n->ops->tx_reap(n); k > 0 && n->txq_head != n->txq_tail; k--) {
		struct nic_txinfo *ti = &n->txq[n->txq_head++ % NIC_TXQ_MAX];
		struct chan *c = ti->chan >= 0 ? &chans[ti->chan] : NULL;
		for (int j = 0; j < ti->npg; j++)
			page_unpin(ti->pg[j]);
		if (!c || !c->open || c->gen != ti->gen)
			continue;
		c->tx->desc[ti->idx % NIC_TXRING_SIZE].status = NIC_TX_SENT;
		c->tx_state[ti->idx % NIC_TXRING_SIZE] = TXS_FINAL;
		c->ex->tx_inflight--;
		tx_advance(c);
	}
	for (int i = 0; i < NIC_CHAN_MAX; i++)
		if (chans[i].open && chans[i].nic == n && chans[i].tx_stalled) {
			chans[i].tx_stalled = false;
			stalled = true;
			chan_tx(&chans[i]);
		}
	if (stalled)
		n->ops->tx_kick(n);
}

static bool
ident_ok(const struct filter_ident *id, const uint8_t *h, size_t hlen)
{
	uint16_t type = h[12] << 8 | h[13];

	if (type == 0x0806)		/* ARP: sender MAC checked by the caller */
		return hlen >= 32 && load_be32(h + 28) == id->ip;
	if (type != 0x0800 || hlen < 34 || load_be32(h + 26) != id->ip)
		return false;
	if (id->proto >= 0 && h[23] != id->proto)
		return false;
	if (id->port >= 0) {
		size_t l4 = 14 + 4 * (h[14] & 0xf);
		if ((h[14] & 0xf) < 5 || hlen < l4 + 2 || (h[l4] << 8 | h[l4 + 1]) != id->port)
			return false;
	}
	return true;
}

/* Is the frame whose first hlen bytes are h (a kernel copy) from c? */
static bool
source_ok(struct chan *c, const uint8_t *h, size_t hlen)
{
	struct filter_ident id;

	if (memcmp(h + 6, c->nic->ex->mac, 6) != 0)
		return false;
	if ((h[12] << 8 | h[13]) == 0x0806 && (hlen < 28 || memcmp(h + 22, c->nic->ex->mac, 6)))
		return false;
	if (c->nident == 0)		/* a raw channel: the administrator's
					 * (read under the owner's lock) */
		return c->owner->ex->principal == 0;
	for (int i = 0; i < c->nident && i < CHAN_IDENTS; i++)
		if (ident_ok(&c->ident[i], h, hlen))
			return true;
	if (c->nident <= CHAN_IDENTS)
		return false;
	for (int f = 0; f < NIC_FILTERS_MAX; f++)
		if (filter_chan(f) == c - chans && filter_ident(f, &id) && ident_ok(&id, h, hlen))
			return true;
	return false;
}

/* A frame as tx_check found it: the kernel copy of its headers, the
 * pages under it, the pieces the device reads in place, the offloads. */
struct tx_frame {
	uint8_t hdr[NIC_TX_HDR_COPY];
	size_t hlen;
	struct page *pg[NIC_TXSEG_MAX];	/* every page the frame touches */
	int npg;
	struct nic_txseg seg[NIC_TXSEG_MAX];	/* the bytes past hdr */
	uint8_t seg_pg[NIC_TXSEG_MAX];	/* the index in pg[] of each piece */
	int nseg;
	struct nic_txoff off;
};

/* The offloads d asks for, before anything else is read: unknown flags
 * (-E_INVAL) or ones c's NIC lacks (-E_NOT_SUPP). */
static int
tx_offload_wanted(struct chan *c, const struct nic_txdesc *d)
{
	uint32_t need = 0;

	if (d->flags & ~NIC_TXF_ALL)
		return -E_INVAL;
	if (d->flags & NIC_TXF_CSUM)
		need |= NIC_OFFLOAD_CSUM;
	if (d->flags & NIC_TXF_TSO)
		need |= NIC_OFFLOAD_CSUM | NIC_OFFLOAD_TSO4;
	if (!(d->flags & NIC_TXF_TSO) && d->mss)
		return -E_INVAL;
	return (c->nic->ex->offloads & need) == need ? 0 : -E_NOT_SUPP;
}

/*
 * The offload request of d, checked against the kernel copy of its
 * headers f->hdr (abi/nic.h, Offloads): an IPv4/TCP frame, no IP options
 * or fragments, its TCP header inside the copy, the IP length that of
 * the frame, an mss that keeps every segment within NIC_FRAME_MAX and
 * at most NIC_TSO_SEGS_MAX of them. Fills f->off; -E_INVAL otherwise.
 */
static int
tx_offload(const struct nic_txdesc *d, struct tx_frame *f)
{
	const uint8_t *h = f->hdr;
	uint32_t iplen, hdr_len, payload;

	f->off = (struct nic_txoff){ 0 };
	if (!d->flags)
		return 0;
	if (f->hlen < 14 + 20 + 20 || (h[12] << 8 | h[13]) != 0x0800 || h[14] != 0x45 ||
	    h[23] != 6 || ((h[20] << 8 | h[21]) & 0x3fff) != 0)
		return -E_INVAL;
	iplen = h[16] << 8 | h[17];
	hdr_len = 14 + 20 + 4 * (h[14 + 20 + 12] >> 4);
	if (hdr_len < 14 + 20 + 20 || hdr_len > f->hlen || 14 + iplen < hdr_len)
		return -E_INVAL;
	/* the device checksums to the end of the buffer: only Ethernet's
	 * zero padding of a short frame may follow the datagram */
	if (14 + iplen != d->len && (14 + iplen > d->len || d->len > 60))
		return -E_INVAL;
	f->off = (struct nic_txoff){ NIC_TXF_CSUM, 14 + 20, 16, (uint16_t)hdr_len, 0 };
	if (!(d->flags & NIC_TXF_TSO))
		return 0;
	payload = d->len - hdr_len;
	if (d->mss < NIC_TSO_MSS_MIN || d->mss > NIC_FRAME_MAX - hdr_len ||
	    payload > (uint32_t)NIC_TSO_SEGS_MAX * d->mss || (h[14 + 20 + 13] & 0x06))
		return -E_INVAL;	/* no SYN or RST is cut in pieces */
	if (payload > d->mss) {		/* else it goes whole, checksummed */
		f->off.flags |= NIC_TXF_TSO;
		f->off.mss = d->mss;
	}
	return 0;
}

/* The pages under d, each checked as the owner's, not a ring page. */
static int
tx_pages(struct chan *c, const struct nic_txdesc *d, struct tx_frame *f)
{
	uintptr_t va = ROUNDDOWN(d->va, PGSIZE), end = d->va + d->len;
	int r;

	for (f->npg = 0; va < end; va += PGSIZE, f->npg++) {
		if ((r = owned_page(c->owner, va, false, &f->pg[f->npg])) < 0)
			return r;
		if (is_ring_page(f->pg[f->npg]))
			return -E_PERM;
		if (page2ex(f->pg[f->npg])->pins >= PIN_MAX)
			return -E_BUSY;	/* early; tx_pin's pins decide */
	}
	return 0;
}

/* Copies the first hlen bytes of the frame (from off in its first page)
 * into f->hdr and cuts the rest into pieces at page boundaries. */
static void
tx_gather(struct tx_frame *f, size_t off, size_t len)
{
	size_t pos = 0, i = 0;

	f->hlen = MIN(len, NIC_TX_HDR_COPY);
	f->nseg = 0;
	for (; pos < len; i++, off = 0) {
		size_t n = MIN(len - pos, PGSIZE - off), h = 0;
		if (pos < f->hlen) {
			h = MIN(n, f->hlen - pos);
			memcpy(f->hdr + pos, (uint8_t *)page2kva(f->pg[i]) + off, h);
		}
		if (n > h) {
			f->seg[f->nseg] = (struct nic_txseg){ page2pa(f->pg[i]) + off + h,
							      (uint32_t)(n - h) };
			f->seg_pg[f->nseg++] = (uint8_t)i;
		}
		pos += n;
	}
}

/*
 * Checks descriptor d (a copy) of c and fills f. Returns 0 or an error
 * with *why set to a NIC_TXERR_* reason.
 */
static int
tx_check(struct chan *c, const struct nic_txdesc *d, struct tx_frame *f, int *why)
{
	size_t off = d->va & (PGSIZE - 1);
	bool tso = d->flags & NIC_TXF_TSO;
	int r;

	*why = NIC_TXERR_OFFLOAD;
	if ((r = tx_offload_wanted(c, d)) < 0)
		return r;
	*why = NIC_TXERR_LEN;
	if (d->len < NIC_FRAME_MIN || d->len > (tso ? NIC_TSO_FRAME_MAX : NIC_FRAME_MAX))
		return -E_INVAL;
	*why = NIC_TXERR_ADDR;
	if (d->va >= UTOP || d->len > UTOP - d->va)
		return -E_FAULT;
	if (!tso && off + d->len > PGSIZE)
		return -E_RANGE;
	*why = NIC_TXERR_PAGE;
	if ((r = tx_pages(c, d, f)) < 0)
		return r;
	tx_gather(f, off, d->len);
	*why = NIC_TXERR_SPOOF;
	if (!source_ok(c, f->hdr, f->hlen))
		return -E_PERM;
	*why = NIC_TXERR_OFFLOAD;
	return tx_offload(d, f);
}

/* Pins the pages f's pieces lie in, for info ti; -E_BUSY (nothing kept
 * pinned) if one is pinned too often, which a page mapped at several of
 * the frame's addresses can be. */
static int
tx_pin(const struct tx_frame *f, struct nic_txinfo *ti)
{
	ti->npg = 0;
	for (int i = 0; i < f->nseg; i++) {
		struct page *pg = f->pg[f->seg_pg[i]];
		if (!page_pin(pg)) {
			while (ti->npg > 0)
				page_unpin(ti->pg[--ti->npg]);
			return -E_BUSY;
		}
		ti->pg[ti->npg++] = pg;
	}
	return 0;
}

/* The NIC counts what it sent with offloads. */
static void
tx_count(struct chan *c, const struct nic_txdesc *d, const struct tx_frame *f)
{
	struct nic_export *ne = c->nic->ex;

	c->ex->tx_frames++;
	c->ex->tx_bytes += d->len;
	ne->tx_frames++;
	ne->tx_bytes += d->len;
	if (f->off.flags)
		ne->tx_csum++;
	if (f->off.flags & NIC_TXF_TSO)
		ne->tx_tso++;
}

/* Hands checked frame f (descriptor index idx) to the device: 0, or
 * -E_AGAIN when the device is full (nothing done), or tx_pin's error. */
static int
tx_post(struct chan *c, uint32_t idx, struct tx_frame *f)
{
	struct nic *n = c->nic;
	struct nic_txinfo *ti = &n->txq[n->txq_tail % NIC_TXQ_MAX];
	int r;

	if (n->txq_tail - n->txq_head >= NIC_TXQ_MAX)
		return -E_AGAIN;
	if ((r = tx_pin(f, ti)) < 0)
		return r;
	if ((r = n->ops->tx_post(n, f->hdr, f->hlen, f->seg, f->nseg, &f->off)) < 0) {
		while (ti->npg > 0)
			page_unpin(ti->pg[--ti->npg]);
		return r;
	}
	ti->chan = (int16_t)(c - chans);
	ti->gen = c->gen;
	ti->idx = idx;
	n->txq_tail++;
	return 0;
}

/* The frame being checked: too big for the stack, one for all CPUs, so
 * under nic_lock like the rest. */
static struct tx_frame tx_frame;

/* Takes c's new tx descriptors while the device has room. nic_lock and
 * the owner's lock held: the checks look pages up in its address space
 * and pin them before anyone may unmap them. */
static void
chan_tx_take(struct chan *c)
{
	struct nic *n = c->nic;
	uint32_t avail = c->tx->prod - c->tx_cons;
	uint32_t room = NIC_TXRING_SIZE - (c->tx_cons - c->tx_done);
	struct tx_frame *f = &tx_frame;

	if (avail > room)		/* a wild prod: take what fits */
		avail = room;
	for (; avail > 0; avail--) {
		uint32_t i = c->tx_cons % NIC_TXRING_SIZE;
		struct nic_txdesc d = c->tx->desc[i];
		int why, r = tx_check(c, &d, f, &why);

		if (r == 0 && (r = tx_post(c, c->tx_cons, f)) == -E_AGAIN) {
			c->tx_stalled = true;
			n->ex->tx_full++;
			break;
		}
		if (r < 0) {
			if (r == -E_BUSY)
				why = NIC_TXERR_PAGE;
			c->tx->desc[i].status = r;
			c->tx_state[i] = TXS_FINAL;
			c->ex->tx_rejected[why]++;
		} else {
			c->tx_state[i] = TXS_INFLIGHT;
			c->ex->tx_inflight++;
			tx_count(c, &d, f);
		}
		c->tx_cons++;
	}
}

/* Takes c's new tx descriptors; reports the rejected ones done. nic_lock
 * held, no env lock. */
static void
chan_tx(struct chan *c)
{
	env_lock(c->owner);
	chan_tx_take(c);
	env_unlock(c->owner);
	c->tx->cons = c->tx_cons;
	tx_advance(c);
}

/* Takes the pages c's owner posted since the last time. nic_lock held;
 * the owner's lock is taken around the lookups and pins. */
static void
chan_take_bufs(struct chan *c)
{
	uint32_t avail = c->bq->prod - c->bq_cons;

	if (avail > NIC_BUFQ_SIZE)
		avail = NIC_BUFQ_SIZE;
	env_lock(c->owner);
	for (; avail > 0 && c->buf_tail - c->buf_head < NIC_BUFQ_SIZE; avail--) {
		uintptr_t va = c->bq->va[c->bq_cons++ % NIC_BUFQ_SIZE];
		struct page *pg;
		if (uvm_check_va(va) < 0 || owned_page(c->owner, va, true, &pg) < 0 ||
		    is_ring_page(pg) || !page_pin(pg)) {
			c->ex->buf_rejected++;
			continue;
		}
		c->buf[c->buf_tail++ % NIC_BUFQ_SIZE] = (struct chan_buf){ pg, va };
		c->ex->rx_bufs++;
	}
	env_unlock(c->owner);
	c->bq->cons = c->bq_cons;
}

/* --- the device side --- */

/* Everything the device has for us: link, completions, frames. nic_lock
 * held and no env lock: delivering and resuming stalled channels take
 * their owners' locks one at a time. */
static void
nic_service(struct nic *n)
{
	n->ex->link_up = n->ops->link_up(n);
	n->ex->rx_missed = n->ops->missed(n);
	nic_tx_reap(n);
	nic_rx(n);
}

/* The interrupt: acknowledge every NIC on this vector; the work waits
 * for nic_softirq. It runs before any lock is taken and takes none: it
 * reads only what nic_register set before routing the line, reads and
 * clears the device's cause register (which no locked path touches), and
 * sets the atomic pending flag. */
static void
nic_intr(struct trapframe *tf)
{
	int n = __atomic_load_n(&nnics, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (nics[i].vector == (int)tf->vector && nics[i].ops->irq_ack(&nics[i])) {
			__atomic_store_n(&nics[i].pending, true, __ATOMIC_RELEASE);
			__atomic_fetch_add(&nics[i].ex->irqs, 1, __ATOMIC_RELAXED);
		}
	lapic_eoi();
}

/* Whether nic_softirq has anything to do: read without the lock, so a
 * flag set or a waiter added meanwhile waits for the next trap (the
 * timer's tick at the latest). wait_next may be early (a waiter woken
 * before its time), never late. */
static bool
softirq_wanted(void)
{
	int n = __atomic_load_n(&nnics, __ATOMIC_ACQUIRE);

	if (rdtsc() >= __atomic_load_n(&wait_next, __ATOMIC_RELAXED))
		return true;
	for (int i = 0; i < n; i++)
		if (__atomic_load_n(&nics[i].pending, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

/* From trap_resume on every CPU, with no lock held: the work the
 * interrupt handler left, and the waits whose time is up. Takes nic_lock
 * only when there is some. */
void
nic_softirq(void)
{
	if (!softirq_wanted())
		return;
	spin_lock(&nic_lock);
	for (int i = 0; i < nnics; i++)
		if (__atomic_exchange_n(&nics[i].pending, false, __ATOMIC_ACQ_REL))
			nic_service(&nics[i]);
	if (rdtsc() >= wait_next)
		wake_expired();
	spin_unlock(&nic_lock);
}

/* Routes PCI interrupt line irq to nic_intr on the BSP (several NICs may
 * share it). Without a usable line the NIC is polled only (kicks, waits).
 * At boot, before interrupts are on. */
void
nic_attach_irq(struct nic *n, int irq)
{
	if (irq <= 0 || irq >= 24) {
		cprintf("nic%d: no usable interrupt line (%d): polling only\n", n->id, irq);
		return;
	}
	n->vector = T_IRQ0 + irq;
	n->ex->irq = irq;
	trap_set_handler(n->vector, nic_intr);
	if (irq < ISA_IRQS)	/* PIIX routes PCI links to ISA IRQs; the MADT says how */
		ioapic_route(irq, n->vector, bsp->apic_id);
	else
		ioapic_route_gsi(irq, n->vector, bsp->apic_id, IOAPIC_LEVEL | IOAPIC_ACTIVE_LOW);
}

/* nic_register's work, under nic_lock: the APs are up by then and run
 * nic_softirq, which must see a NIC whole or not at all. */
static struct nic *
nic_add(const struct nic_ops *ops, void *priv, const uint8_t mac[6],
	const char *model, int rx_slots, uint32_t offloads)
{
	struct nic *n;

	if (nnics == NIC_MAX || !nic_ex)
		return NULL;
	assert(rx_slots > 0 && rx_slots <= NIC_RX_SLOTS_MAX);
	n = &nics[nnics];
	n->id = nnics;
	n->ops = ops;
	n->priv = priv;
	n->ex = &nic_ex->nic[nnics];
	n->rx_slots = rx_slots;
	memcpy(n->ex->mac, mac, 6);
	strlcpy(n->ex->model, model, sizeof(n->ex->model));
	for (int i = 0; i < rx_slots; i++) {
		n->rx_page[i] = page_alloc(PAGE_ZERO);
		if (!n->rx_page[i])
			panic("nic: out of memory for receive buffers");
		ops->rx_give(n, i, page2pa(n->rx_page[i]));
	}
	ops->rx_kick(n);
	n->ex->link_up = ops->link_up(n);
	n->ex->offloads = (uint16_t)offloads;
	n->ex->present = 1;
	nic_ex->nnic = nnics + 1;
	__atomic_store_n(&nnics, nnics + 1, __ATOMIC_RELEASE);	/* nic_intr reads it */
	return n;
}

/* A driver's device joins: its export slot, its receive pages (handed to
 * the driver's ring through rx_give). NULL when NIC_MAX are registered
 * or nic_init has not run. Boot only; panics when memory runs out. */
struct nic *
nic_register(const struct nic_ops *ops, void *priv, const uint8_t mac[6],
	     const char *model, int rx_slots, uint32_t offloads)
{
	struct nic *n;

	spin_lock(&nic_lock);
	n = nic_add(ops, priv, mac, model, rx_slots, offloads);
	spin_unlock(&nic_lock);
	if (!n)
		return NULL;
	cprintf("nic%d: %s %02x:%02x:%02x:%02x:%02x:%02x, link %s, %d rx buffers%s%s\n",
		n->id, model, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		n->ex->link_up ? "up" : "down", rx_slots,
		(offloads & NIC_OFFLOAD_CSUM) ? ", tx csum" : "",
		(offloads & NIC_OFFLOAD_TSO4) ? ", tso4" : "");
	return n;
}

/* The export at UNICS (before any driver, even with no NIC at all, so
 * that netstat always finds it). Boot, BSP. */
void
nic_init(void)
{
	nic_ex = export_alloc(sizeof(*nic_ex), UNICS);
	static_assert(sizeof(*nic_ex) <= UNICS_MAX, "the NIC export outgrew UNICS");
	nic_ex->chan_max = NIC_CHAN_MAX;
	nic_ex->filters_max = NIC_FILTERS_MAX;
	for (int i = 0; i < NIC_MAX; i++)
		nic_ex->nic[i].default_chan = -1;
	for (int i = 0; i < NIC_CHAN_MAX; i++)
		chans[i].ex = &nic_ex->chan[i];
	filter_init(nic_ex->filter);
}

/* --- channels --- */

/* The system calls' common frame: fn runs under nic_lock and, with
 * env, under cur's lock too (a call that works in cur's address space
 * only, never in another env's); both are dropped on every way out. */
static int64_t
nic_call(int64_t (*fn)(struct env *, const uint64_t *), struct env *cur,
	 const uint64_t *a, bool env)
{
	int64_t r;

	spin_lock(&nic_lock);
	if (env)
		env_lock(cur);
	r = fn(cur, a);
	if (env)
		env_unlock(cur);
	spin_unlock(&nic_lock);
	return r;
}

/* The channel id a[0] of cur: *out, or -E_INVAL (no such channel) or
 * -E_PERM (another env's). nic_lock held. */
static int
chan_get(struct env *cur, uint64_t id, struct chan **out)
{
	if (id >= NIC_CHAN_MAX || !chans[id].open)
		return -E_INVAL;
	if (chans[id].owner != cur)
		return -E_PERM;
	*out = &chans[id];
	return 0;
}

/* Filter id joined c: its identity, if it gives one, joins c's. */
static void
chan_ident_add(struct chan *c, int id)
{
	struct filter_ident fi;

	if (!filter_ident(id, &fi))
		return;
	if (c->nident < CHAN_IDENTS)
		c->ident[c->nident] = fi;
	c->nident++;
}

/* c's source identities, from its exclusive filters, afresh. */
static void
chan_idents(struct chan *c)
{
	struct filter_ident id;

	c->nident = 0;
	for (int f = 0; f < NIC_FILTERS_MAX; f++)
		if (filter_chan(f) == c - chans && filter_ident(f, &id)) {
			if (c->nident < CHAN_IDENTS)
				c->ident[c->nident] = id;
			c->nident++;
		}
}

/* Closes c: its filters go, its pages are unpinned. nic_lock held; no
 * env lock needed: unpinning changes page_ex (page_lock, inside) and no
 * page table. A waiter (only the owner waits) is gone or going: its
 * record just goes. */
static void
chan_close(struct chan *c)
{
	struct nic *n = c->nic;
	int id = c - chans;

	n->ex->nfilters -= filter_remove_chan(id);
	if (n->ex->default_chan == id)
		n->ex->default_chan = -1;
	while (c->buf_head != c->buf_tail)
		page_unpin(c->buf[c->buf_head++ % NIC_BUFQ_SIZE].pg);
	chan_unwait(c);
	/* Frames in flight keep their data pages pinned until the device
	 * is done; the completion sees the new generation and stops there. */
	for (int i = 0; i < NIC_CHAN_PAGES; i++)
		page_unpin(c->ring_pg[i]);
	c->open = false;
	c->gen++;
	n->ex->nchan--;
	memset(c->ex, 0, sizeof(*c->ex));
}

/* e is being destroyed: its channels close, before its address space
 * goes. The caller holds the env-table lock, not e's; we take nic_lock
 * (and no env lock: chan_close touches no page table). */
void
nic_env_gone(struct env *e)
{
	spin_lock(&nic_lock);
	for (int i = 0; i < NIC_CHAN_MAX; i++)
		if (chans[i].open && chans[i].owner == e)
			chan_close(&chans[i]);
	spin_unlock(&nic_lock);
}

/* Checks the ring pages at va for cur; fills pg[]. nic_lock and cur's
 * lock held. */
static int
ring_pages(struct env *cur, uintptr_t va, struct page **pg)
{
	int r;

	if (uvm_check_va(va) < 0 || va > UTOP - NIC_CHAN_PAGES * PGSIZE)
		return -E_INVAL;
	for (int i = 0; i < NIC_CHAN_PAGES; i++) {
		if ((r = owned_page(cur, va + i * PGSIZE, true, &pg[i])) < 0)
			return r;
		if (page2ex(pg[i])->pins >= PIN_MAX || is_ring_page(pg[i]))
			return -E_BUSY;
		for (int j = 0; j < i; j++)
			if (pg[j] == pg[i])
				return -E_INVAL;
	}
	return 0;
}

/* Pins the ring pages; -E_BUSY, none kept, if one has PIN_MAX already
 * (ring_pages looked early: a disk binding may have pinned it since).
 * cur's lock held: the pages stay mapped, so an unpin frees nothing. */
static int
ring_pin(struct page **pg)
{
	for (int i = 0; i < NIC_CHAN_PAGES; i++)
		if (!page_pin(pg[i])) {
			while (i > 0)
				page_unpin(pg[--i]);
			return -E_BUSY;
		}
	return 0;
}

/* Channel c opens with the ring pages pg[], pinned already. */
static void
chan_setup(struct chan *c, struct nic *n, struct env *cur, uintptr_t va,
	   uint32_t flags, struct page **pg)
{
	uint16_t gen = c->gen;
	struct nic_chan_export *ex = c->ex;

	memset(c, 0, sizeof(*c));
	c->open = true;
	c->gen = gen;
	c->ex = ex;
	c->nic = n;
	c->owner = cur;
	c->flags = flags;
	c->ring_va = va;
	for (int i = 0; i < NIC_CHAN_PAGES; i++)
		c->ring_pg[i] = pg[i];
	c->rx = page2kva(pg[0]);
	c->tx = page2kva(pg[1]);
	c->bq = page2kva(pg[2]);
	*c->rx = (struct nic_rxring){ .size = NIC_RXRING_SIZE };
	*c->tx = (struct nic_txring){ .size = NIC_TXRING_SIZE };
	*c->bq = (struct nic_bufq){ .size = NIC_BUFQ_SIZE };
	memset(c->ex, 0, sizeof(*c->ex));
	c->ex->owner = cur->id;
	c->ex->nic = n->id;
	c->ex->flags = flags;
	c->ex->ring_va = va;
	n->ex->nchan++;
}

/* sys_nic_open under nic_lock and cur's lock. */
static int64_t
nic_open(struct env *cur, const uint64_t *a)
{
	struct page *pg[NIC_CHAN_PAGES];
	uint32_t flags = (uint32_t)a[2];
	struct nic *n;
	int r, id;

	if (a[0] >= (uint64_t)nnics || a[2] != flags || (flags & ~NIC_CHAN_FLAGS))
		return -E_INVAL;
	n = &nics[a[0]];
	if ((r = ring_pages(cur, a[1], pg)) < 0)
		return r;
	if (flags & NIC_CHAN_DEFAULT) {
		if (cur->ex->principal != 0)
			return -E_PERM;
		if (n->ex->default_chan >= 0)
			return -E_BUSY;
	}
	for (id = 0; id < NIC_CHAN_MAX && chans[id].open; id++)
		;
	if (id == NIC_CHAN_MAX)
		return -E_QUOTA;
	if ((r = ring_pin(pg)) < 0)
		return r;
	chan_setup(&chans[id], n, cur, a[1], flags, pg);
	if (flags & NIC_CHAN_DEFAULT)
		n->ex->default_chan = id;
	return id;
}

/*
 * Opens a channel on NIC a[0] with the NIC_CHAN_PAGES pages at a[1] as
 * its rings, flags a[2] (NIC_CHAN_*). Returns the channel id. Errors:
 * -E_INVAL (bad NIC, flags or address, a page given twice), -E_FAULT (a
 * page not mapped), -E_PERM (not the caller's, not writable; a default
 * channel wanted by a principal other than 0), -E_BUSY (a page already a
 * ring, or pinned too often; the NIC already has a default channel),
 * -E_QUOTA (no free channel).
 */
int64_t
sys_nic_open(struct env *cur, const uint64_t *a)
{
	return nic_call(nic_open, cur, a, true);
}

static int64_t
nic_close(struct env *cur, const uint64_t *a)
{
	struct chan *c;
	int r = chan_get(cur, a[0], &c);

	if (r < 0)
		return r;
	chan_close(c);
	return 0;
}

/* Closes channel a[0]: its filters go, its pages are released (frames
 * in flight finish first). -E_INVAL, -E_PERM as chan_get. */
int64_t
sys_nic_close(struct env *cur, const uint64_t *a)
{
	return nic_call(nic_close, cur, a, false);
}

/* sys_nic_filter_add under nic_lock and cur's lock (copy_from_user). */
static int64_t
nic_filter_add(struct env *cur, const uint64_t *a)
{
	struct nic_filter in, f;
	struct chan *c;
	int r = chan_get(cur, a[0], &c);

	if (r < 0)
		return r;
	if (copy_from_user(cur, &in, a[1], sizeof(in)) < 0)
		return -E_FAULT;
	if ((r = filter_check(&in, &f)) < 0)
		return r;
	if (filter_conflict(c->nic->id, &f) >= 0) {
		c->nic->ex->claims_refused++;
		return -E_EXISTS;
	}
	if ((r = filter_install(c->nic->id, c - chans, &f)) < 0)
		return r;
	c->nic->ex->nfilters++;
	c->ex->nfilters++;
	chan_ident_add(c, r);
	return r;
}

/*
 * Installs the filter at a[1] on channel a[0]; returns its id. Errors:
 * chan_get's, -E_FAULT (unreadable), -E_INVAL (malformed: see
 * filter_check), -E_EXISTS (overlaps another claim on the NIC),
 * -E_QUOTA (the filter table is full).
 */
int64_t
sys_nic_filter_add(struct env *cur, const uint64_t *a)
{
	return nic_call(nic_filter_add, cur, a, true);
}

static int64_t
nic_filter_remove(struct env *cur, const uint64_t *a)
{
	struct chan *c;
	int r = chan_get(cur, a[0], &c);

	if (r < 0)
		return r;
	if (a[1] >= NIC_FILTERS_MAX || filter_chan(a[1]) != c - chans)
		return -E_NOT_FOUND;
	filter_remove(a[1]);
	c->nic->ex->nfilters--;
	c->ex->nfilters--;
	chan_idents(c);
	return 0;
}

/* Removes filter a[1] of channel a[0]; -E_NOT_FOUND if it is not one. */
int64_t
sys_nic_filter_remove(struct env *cur, const uint64_t *a)
{
	return nic_call(nic_filter_remove, cur, a, false);
}

/* nic_lock held, no env lock: the work on c takes its owner's lock, a
 * poll its receivers' one at a time. */
static void
chan_kick(struct chan *c, uint32_t what)
{
	if (what & NIC_KICK_BUF)
		chan_take_bufs(c);
	if (what & NIC_KICK_TX) {
		chan_tx(c);
		c->nic->ops->tx_kick(c->nic);
	}
	if (what & NIC_KICK_POLL)
		nic_service(c->nic);
}

static int64_t
nic_kick(struct env *cur, const uint64_t *a)
{
	struct chan *c;
	int r = chan_get(cur, a[0], &c);

	if (r < 0)
		return r;
	if (a[1] & ~(uint64_t)NIC_KICK_ALL)
		return -E_INVAL;
	chan_kick(c, a[1]);
	return 0;
}

/* Takes channel a[0]'s new tx descriptors and posted pages and polls the
 * device, as a[1] (NIC_KICK_*) says. -E_INVAL for unknown bits. */
int64_t
sys_nic_kick(struct env *cur, const uint64_t *a)
{
	return nic_call(nic_kick, cur, a, false);
}

/* sys_nic_wait under nic_lock: the waiter record and the block happen
 * together under it, so no waker (which needs nic_lock to see the
 * record) runs between them and finds cur not yet blocked. */
static int64_t
nic_wait(struct env *cur, const uint64_t *a)
{
	struct chan *c;
	uint64_t us = a[1];
	int r = chan_get(cur, a[0], &c);

	if (r < 0)
		return r;
	chan_kick(c, NIC_KICK_ALL);
	if (c->rx_prod != c->rx->cons)
		return 0;
	if (us == 0)
		return -E_AGAIN;
	c->waiter = cur;
	c->wait_deadline = us >= (1ULL << 40) ? 0 : rdtsc() + us * (tsc_hz / 1000000);
	if (c->wait_deadline) {
		timed_waiters++;
		if (c->wait_deadline < wait_next)
			__atomic_store_n(&wait_next, c->wait_deadline, __ATOMIC_RELAXED);
	}
	c->ex->waiting = 1;
	return syscall_block(cur, WAIT_NIC);
}

/*
 * Kicks channel a[0] (everything), then returns 0 at once if its rx ring
 * holds frames, else blocks until a frame or a tx completion arrives (0)
 * or a[1] microseconds pass (-E_AGAIN; 0 = do not block, ~0 = forever).
 * The waker stores the result (env_wake).
 */
int64_t
sys_nic_wait(struct env *cur, const uint64_t *a)
{
	return nic_call(nic_wait, cur, a, false);
}

/* --- the audit (kern/audit.h) --- */

/* A page a binding of c holds: c's owner's user page (a page changes
 * owner only when its owner ends, and c closes first), one pin. */
static int
audit_chan_page(struct chan *c, struct page *pg, const char *what)
{
	const struct page_export *x;

	if (!pg || pg < pages || pg >= pages + npages)
		return audit_report("nic: channel %ld: %s is no page", (long)(c - chans), what);
	x = page2ex(pg);
	audit_pin(pg);
	if (x->kind != PAGEK_USER || x->owner != c->owner->id)
		return audit_report("nic: channel %ld: %s %lx is kind %u of %08x, not the owner's",
				    (long)(c - chans), what, (unsigned long)page2ppn(pg),
				    x->kind, x->owner);
	return 0;
}

/* The transmit side of c: the window of taken slots, the in-flight
 * count against the slots' states. */
static int
audit_chan_tx(struct chan *c)
{
	uint32_t inflight = 0, busy = c->tx_cons - c->tx_done;
	int n = 0;

	if (busy > NIC_TXRING_SIZE)
		return audit_report("nic: channel %ld: %u tx slots taken", (long)(c - chans), busy);
	for (uint32_t i = 0; i < NIC_TXRING_SIZE; i++) {
		bool taken = (uint32_t)(i - c->tx_done % NIC_TXRING_SIZE) % NIC_TXRING_SIZE < busy;
		if (taken != (c->tx_state[i] != TXS_FREE))
			n += audit_report("nic: channel %ld: tx slot %u state %u out of its window",
					  (long)(c - chans), i, c->tx_state[i]);
		inflight += c->tx_state[i] == TXS_INFLIGHT;
	}
	if (inflight != c->ex->tx_inflight)
		n += audit_report("nic: channel %ld: exports %u frames in flight, %u are",
				  (long)(c - chans), c->ex->tx_inflight, inflight);
	return n;
}

/* A blocked sys_nic_wait: the owner, blocked in it. The record and the
 * block change together under nic_lock (nic_wait, chan_wake_with), and
 * the audit runs with every other CPU parked outside any lock, so it may
 * compare them without the scheduler's lock. */
static int
audit_chan_waiter(struct chan *c, int *timed)
{
	const struct env *w = c->waiter;

	if (c->ex->waiting != (w != NULL))
		return audit_report("nic: channel %ld: exports waiting %u", (long)(c - chans),
				    c->ex->waiting);
	if (!w)
		return 0;
	*timed += c->wait_deadline != 0;
	if (w != c->owner || w->status != ENV_NOT_RUNNABLE || w->ex->wait != WAIT_NIC)
		return audit_report("nic: channel %ld: waiter [%08x] is not its owner, blocked",
				    (long)(c - chans), w->id);
	return 0;
}

/* One open channel: a live owner, its export, its pinned pages. */
static int
audit_chan_open(struct chan *c, int *timed)
{
	int id = c - chans, n = 0;

	if (c->nic < nics || c->nic >= nics + nnics)
		return audit_report("nic: channel %d: on no NIC", id);
	if (c->owner < envs || c->owner >= envs + NENV || !audit_env_live(c->owner))
		return audit_report("nic: channel %d: owner is not a live env", id);
	if (c->ex->owner != c->owner->id || c->ex->nic != c->nic->id ||
	    c->ex->flags != c->flags || c->ex->ring_va != c->ring_va)
		n += audit_report("nic: channel %d: its export differs from it", id);
	for (int k = 0; k < NIC_CHAN_PAGES; k++)
		n += audit_chan_page(c, c->ring_pg[k], "ring page");
	if ((void *)c->rx != page2kva(c->ring_pg[0]) || (void *)c->tx != page2kva(c->ring_pg[1]) ||
	    (void *)c->bq != page2kva(c->ring_pg[2]))
		n += audit_report("nic: channel %d: ring views are not its ring pages", id);
	if (c->buf_tail - c->buf_head > NIC_BUFQ_SIZE ||
	    c->ex->rx_bufs != c->buf_tail - c->buf_head)
		n += audit_report("nic: channel %d: holds %u donated pages, exports %u", id,
				  c->buf_tail - c->buf_head, c->ex->rx_bufs);
	else
		for (uint32_t b = c->buf_head; b != c->buf_tail; b++)
			n += audit_chan_page(c, c->buf[b % NIC_BUFQ_SIZE].pg, "donated page");
	if (((c->flags & NIC_CHAN_DEFAULT) != 0) != (c->nic->ex->default_chan == id))
		n += audit_report("nic: channel %d: default flag and NIC default disagree", id);
	return n + audit_chan_tx(c) + audit_chan_waiter(c, timed);
}

/* Channel c, open or closed; counts it on its NIC's nchan[]. */
static int
audit_chan(struct chan *c, uint32_t nfilters, int *nchan, int *timed)
{
	int n = 0;

	if (!c->open && (c->ex->owner || c->waiter))
		return audit_report("nic: channel %ld: closed but owned or waited on",
				    (long)(c - chans));
	if (!c->open)
		return 0;
	n = audit_chan_open(c, timed);
	if (c->nic >= nics && c->nic < nics + nnics)
		nchan[c->nic->id]++;
	if (c->ex->nfilters != nfilters)
		n += audit_report("nic: channel %ld: exports %u filters, has %u", (long)(c - chans),
				  c->ex->nfilters, nfilters);
	return n;
}

/* A device: its receive pages are the kernel's; frames in flight pin
 * their data pages; its export counts its channels and filters. */
static int
audit_device(struct nic *n, const int *nchan, const int *nfilt)
{
	int p = 0;

	for (int i = 0; i < n->rx_slots; i++) {
		struct page *pg = n->rx_page[i];
		if (pg < pages || pg >= pages + npages || page2ex(pg)->kind != PAGEK_KERNEL)
			p += audit_report("nic%d: rx slot %d holds no kernel page", n->id, i);
	}
	if (n->txq_tail - n->txq_head > NIC_TXQ_MAX)
		p += audit_report("nic%d: %u frames in flight", n->id, n->txq_tail - n->txq_head);
	else
		for (uint32_t t = n->txq_head; t != n->txq_tail; t++) {
			const struct nic_txinfo *ti = &n->txq[t % NIC_TXQ_MAX];
			for (int j = 0; j < ti->npg; j++)
				p += audit_pin(ti->pg[j]);
		}
	if (n->ex->nchan != (uint32_t)nchan[n->id] || n->ex->nfilters != (uint32_t)nfilt[n->id])
		p += audit_report("nic%d: exports %u channels %u filters, has %d and %d", n->id,
				  n->ex->nchan, n->ex->nfilters, nchan[n->id], nfilt[n->id]);
	if (n->ex->default_chan >= NIC_CHAN_MAX ||
	    (n->ex->default_chan >= 0 && !chans[n->ex->default_chan].open))
		p += audit_report("nic%d: default channel %d is not open", n->id,
				  n->ex->default_chan);
	return p;
}

/* Every installed filter belongs to an open channel on the filter's NIC;
 * counts them per NIC and per channel. */
static int
audit_filters(int *nfilt, uint32_t *chan_filters)
{
	int n = 0;

	for (int f = 0; f < NIC_FILTERS_MAX; f++) {
		int ch = filter_chan(f), nic = filter_nic(f);
		if (ch < 0)
			continue;
		if (ch >= NIC_CHAN_MAX || !chans[ch].open || chans[ch].nic->id != nic) {
			n += audit_report("nic: filter %d: its channel %d is not open on nic%d",
					  f, ch, nic);
			continue;
		}
		nfilt[nic]++;
		chan_filters[ch]++;
	}
	return n;
}

/*
 * The NIC layer: every open channel has a live owner, its ring and
 * donated pages are the owner's and pinned once per binding (declared to
 * the page audit with audit_pin, as are the data pages of frames in
 * flight), its export mirrors it; every filter belongs to an open
 * channel on its NIC; the counts in the exports match. Returns the
 * problems found. Every other CPU is parked outside any lock (kern/audit.h),
 * so it reads without taking nic_lock.
 */
int
nic_audit(void)
{
	static uint32_t chan_filters[NIC_CHAN_MAX];
	int nchan[NIC_MAX] = { 0 }, nfilt[NIC_MAX] = { 0 }, timed = 0, n;

	for (int i = 0; i < NIC_CHAN_MAX; i++)
		chan_filters[i] = 0;
	n = audit_filters(nfilt, chan_filters);
	for (int i = 0; i < NIC_CHAN_MAX; i++)
		n += audit_chan(&chans[i], chan_filters[i], nchan, &timed);
	for (int i = 0; i < nnics; i++)
		n += audit_device(&nics[i], nchan, nfilt);
	if (timed != timed_waiters)
		n += audit_report("nic: %d timed waiters, but the count says %d", timed,
				  timed_waiters);
	return n;
}
