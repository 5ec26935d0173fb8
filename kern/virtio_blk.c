/*
 * virtio-blk over modern virtio 1.x PCI (Virtual I/O Device spec 1.2:
 * 4.1 "Virtio Over PCI Bus", 2.7 "Split Virtqueues", 5.2 "Block Device").
 *
 * The device's structures are found through its vendor-specific PCI
 * capabilities (common, notify and device configuration, 4.1.4) in
 * memory BARs; the legacy I/O interface of a transitional device is not
 * used. One request queue (virtqueue 0), one request on it at a time:
 * the disk layer's FIFO order is then the order the device sees, which
 * is what a flush barrier needs. A request is a descriptor chain: the
 * header (type, sector), the data pages, the status byte (5.2.6).
 * Completions interrupt through MSI-X vector T_DISK_MSI + n.
 */
#include "virtio_blk.h"
#include "disk.h"
#include "pci.h"
#include "pmap.h"
#include "trap.h"
#include "lapic.h"
#include "cpu.h"
#include "timer.h"
#include "console.h"
#include "string.h"
#include "x86.h"
#include "abi/error.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_BLK_TRANS	0x1001	/* transitional (4.1.2.3) */
#define VIRTIO_BLK_MODERN	0x1042	/* 0x1040 + device type 2 */
#define NVBLK			4

/* Capability types (4.1.4) and the capability's fields */
#define CAP_COMMON		1
#define CAP_NOTIFY		2
#define CAP_ISR			3
#define CAP_DEVICE		4
#define CAP_TYPE		3
#define CAP_BAR			4
#define CAP_OFFSET		8
#define CAP_LENGTH		12
#define CAP_NOTIFY_MULT		16

/* struct virtio_pci_common_cfg (4.1.4.3) */
#define CC_DFSELECT		0x00
#define CC_DF			0x04
#define CC_GFSELECT		0x08
#define CC_GF			0x0c
#define CC_MSIX_CONFIG		0x10
#define CC_STATUS		0x14
#define CC_QSELECT		0x16
#define CC_QSIZE		0x18
#define CC_QMSIX		0x1a
#define CC_QENABLE		0x1c
#define CC_QNOTIFY_OFF		0x1e
#define CC_QDESC		0x20
#define CC_QDRIVER		0x28
#define CC_QDEVICE		0x30

/* Device status (2.1) */
#define ST_ACKNOWLEDGE		1
#define ST_DRIVER		2
#define ST_DRIVER_OK		4
#define ST_FEATURES_OK		8
#define ST_FAILED		128

/* Feature bits (5.2.3, 6) */
#define F_SEG_MAX		(1ULL << 2)
#define F_RO			(1ULL << 5)
#define F_FLUSH			(1ULL << 9)
#define F_VERSION_1		(1ULL << 32)

/* Block device configuration (5.2.4) */
#define CFG_CAPACITY		0
#define CFG_SEG_MAX		12

/* Requests (5.2.6) */
#define T_IN			0
#define T_OUT			1
#define T_FLUSH			4
#define S_OK			0

#define VQ_SIZE_MAX		128
#define NO_VECTOR		0xffff

/* The MSI-X capability (PCI 3.0, 6.8.2) */
#define MSIX_CTRL		2
#define MSIX_TABLE		4
#define MSIX_ENABLE		0x8000
#define MSIX_MASKALL		0x4000

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2	/* the device writes this buffer */

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

struct vblk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct vblk {
	int index;
	struct pci_dev *pci;
	volatile uint8_t *common;
	volatile uint8_t *devcfg;
	volatile uint16_t *notify;	/* virtqueue 0's doorbell */
	uint16_t qsize;
	struct vring_desc *desc;	/* the ring, in one page */
	struct vring_avail *avail;
	volatile struct vring_used *used;
	uint16_t last_used;		/* used entries consumed; under q.lock */
	struct vblk_hdr *hdr;		/* the request header, then the status byte */
	volatile uint8_t *status;
	physaddr_t hdr_pa;
	bool has_flush;			/* VIRTIO_BLK_F_FLUSH: else write-through */
	struct disk_queue q;
	struct disk *disk;
};

static struct vblk vblks[NVBLK];
static int nvblk;

static void
mb(void)
{
	asm volatile("mfence" ::: "memory");
}

static uint8_t cc_read8(struct vblk *v, int off) { return *(volatile uint8_t *)(v->common + off); }
static uint16_t cc_read16(struct vblk *v, int off) { return *(volatile uint16_t *)(v->common + off); }
static uint32_t cc_read32(struct vblk *v, int off) { return *(volatile uint32_t *)(v->common + off); }
static void cc_write8(struct vblk *v, int off, uint8_t x) { *(volatile uint8_t *)(v->common + off) = x; }
static void cc_write16(struct vblk *v, int off, uint16_t x) { *(volatile uint16_t *)(v->common + off) = x; }
static void cc_write32(struct vblk *v, int off, uint32_t x) { *(volatile uint32_t *)(v->common + off) = x; }

/* 64-bit fields are written as two 32-bit halves, low first (4.1.3.1). */
static void
cc_write64(struct vblk *v, int off, uint64_t x)
{
	cc_write32(v, off, (uint32_t)x);
	cc_write32(v, off + 4, (uint32_t)(x >> 32));
}

/* Maps the structure a vendor capability at cap describes; NULL if it
 * is not in a memory BAR we know. *mult gets a notify multiplier. */
static volatile uint8_t *
cap_map(struct pci_dev *d, int cap, uint32_t *mult)
{
	uint8_t bar = pci_read8(d, cap + CAP_BAR);
	uint32_t off = pci_read32(d, cap + CAP_OFFSET), len = pci_read32(d, cap + CAP_LENGTH);

	if (bar > 5 || d->bar_is_io[bar] || !d->bar[bar] || !len ||
	    (uint64_t)off + len > d->bar_size[bar])
		return NULL;
	if (mult)
		*mult = pci_read32(d, cap + CAP_NOTIFY_MULT);
	return mmio_map(d->bar[bar] + off, len);
}

/* Finds and maps the common, notify and device structures. */
static bool
find_structures(struct vblk *v, volatile uint8_t **notify_base, uint32_t *mult)
{
	struct pci_dev *d = v->pci;

	for (int cap = pci_find_cap(d, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(d, PCI_CAP_VENDOR, cap)) {
		switch (pci_read8(d, cap + CAP_TYPE)) {
		case CAP_COMMON:
			if (!v->common)
				v->common = cap_map(d, cap, NULL);
			break;
		case CAP_NOTIFY:
			if (!*notify_base)
				*notify_base = cap_map(d, cap, mult);
			break;
		case CAP_DEVICE:
			if (!v->devcfg)
				v->devcfg = cap_map(d, cap, NULL);
			break;
		}
	}
	return v->common && *notify_base && v->devcfg;
}

/* Resets the device and negotiates features (3.1.1 steps 1-6). */
static bool
negotiate(struct vblk *v, uint64_t *features)
{
	uint64_t dev, want = F_VERSION_1 | F_FLUSH | F_RO | F_SEG_MAX;
	uint64_t end = rdtsc() + tsc_hz;

	cc_write8(v, CC_STATUS, 0);
	while (cc_read8(v, CC_STATUS) != 0)
		if (rdtsc() > end)
			return false;
	cc_write8(v, CC_STATUS, ST_ACKNOWLEDGE);
	cc_write8(v, CC_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
	cc_write32(v, CC_DFSELECT, 0);
	dev = cc_read32(v, CC_DF);
	cc_write32(v, CC_DFSELECT, 1);
	dev |= (uint64_t)cc_read32(v, CC_DF) << 32;
	if (!(dev & F_VERSION_1))
		return false;
	*features = dev & want;
	cc_write32(v, CC_GFSELECT, 0);
	cc_write32(v, CC_GF, (uint32_t)*features);
	cc_write32(v, CC_GFSELECT, 1);
	cc_write32(v, CC_GF, (uint32_t)(*features >> 32));
	cc_write8(v, CC_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
	return cc_read8(v, CC_STATUS) & ST_FEATURES_OK;
}

/* MSI-X table entry 0 -> vector on the BSP, and MSI-X on (PCI 3.0,
 * 6.8.2; the message format is Intel SDM vol. 3A, 11.11). */
static bool
msix_setup(struct vblk *v, int vector)
{
	struct pci_dev *d = v->pci;
	int cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	uint32_t tbl, bir;
	volatile uint32_t *entry;

	if (!cap)
		return false;
	tbl = pci_read32(d, cap + MSIX_TABLE);
	bir = tbl & 7;
	if (bir > 5 || d->bar_is_io[bir] || !d->bar[bir])
		return false;
	entry = mmio_map(d->bar[bir] + (tbl & ~7u), 16);
	entry[0] = 0xfee00000u | (bsp->apic_id << 12);
	entry[1] = 0;
	entry[2] = (uint32_t)vector;
	entry[3] = 0;			/* unmasked */
	pci_write16(d, cap + MSIX_CTRL,
		    (pci_read16(d, cap + MSIX_CTRL) | MSIX_ENABLE) & ~MSIX_MASKALL);
	return true;
}

/* Virtqueue 0 in one zeroed page: up to VQ_SIZE_MAX descriptors, the
 * available ring at 2 KiB, the used ring at 2.5 KiB (alignments 16, 2
 * and 4: 2.7). Enabled later, once its MSI-X vector is set. */
static bool
queue_setup(struct vblk *v, volatile uint8_t *notify_base, uint32_t mult)
{
	struct page *ring = page_alloc(PAGE_ZERO), *hdr = page_alloc(PAGE_ZERO);
	uint16_t max;

	if (!ring || !hdr)
		return false;
	cc_write16(v, CC_QSELECT, 0);
	max = cc_read16(v, CC_QSIZE);
	if (max < 3)
		return false;
	v->qsize = MIN(max, VQ_SIZE_MAX);
	v->desc = page2kva(ring);
	v->avail = (void *)((uint8_t *)v->desc + 2048);
	v->used = (void *)((uint8_t *)v->desc + 2560);
	v->hdr = page2kva(hdr);
	v->hdr_pa = page2pa(hdr);
	v->status = (volatile uint8_t *)v->hdr + sizeof(struct vblk_hdr);
	cc_write16(v, CC_QSIZE, v->qsize);
	cc_write64(v, CC_QDESC, page2pa(ring));
	cc_write64(v, CC_QDRIVER, page2pa(ring) + 2048);
	cc_write64(v, CC_QDEVICE, page2pa(ring) + 2560);
	v->notify = (volatile uint16_t *)(notify_base + cc_read16(v, CC_QNOTIFY_OFF) * mult);
	return true;
}

/* The queue's start function: one descriptor chain for r (q.lock held). */
static int
vblk_start(struct disk_queue *q, struct disk_req *r)
{
	struct vblk *v = q->priv;
	uint16_t n = 0;

	if (r->op == DREQ_FLUSH && !v->has_flush)
		return 1;	/* a device without a write cache (5.2.6.2) */

	v->hdr->type = r->op == DREQ_READ ? T_IN : r->op == DREQ_WRITE ? T_OUT : T_FLUSH;
	v->hdr->reserved = 0;
	v->hdr->sector = r->op == DREQ_FLUSH ? 0 : r->block * DISK_SECTORS_PER_BLOCK;
	*v->status = 0xff;
	v->desc[n++] = (struct vring_desc){ v->hdr_pa, sizeof(struct vblk_hdr), VRING_DESC_F_NEXT, 1 };
	for (uint32_t i = 0; i < r->npages; i++, n++)
		v->desc[n] = (struct vring_desc){ (physaddr_t)r->ppn[i] << PGSHIFT, PGSIZE,
			VRING_DESC_F_NEXT | (r->op == DREQ_READ ? VRING_DESC_F_WRITE : 0), n + 1 };
	v->desc[n] = (struct vring_desc){ v->hdr_pa + sizeof(struct vblk_hdr), 1,
					  VRING_DESC_F_WRITE, 0 };
	v->avail->ring[v->avail->idx % v->qsize] = 0;
	mb();
	v->avail->idx++;
	mb();
	*v->notify = 0;
	return 0;
}

/* Takes a finished request off the used ring (q.lock held). */
static void
vblk_service(struct vblk *v)
{
	if (v->used->idx == v->last_used || !v->q.active)
		return;
	v->last_used++;
	disk_complete(&v->q, *v->status == S_OK ? 0 : -E_IO);
}

static void
vblk_poll(struct disk_queue *q)
{
	spin_lock(&q->lock);
	vblk_service(q->priv);
	spin_unlock(&q->lock);
}

static void
vblk_intr(struct trapframe *tf)
{
	struct vblk *v = &vblks[tf->vector - T_DISK_MSI];

	spin_lock(&v->q.lock);
	vblk_service(v);
	spin_unlock(&v->q.lock);
	lapic_eoi();
}

static uint64_t
capacity(struct vblk *v)
{
	volatile uint32_t *cfg = (volatile uint32_t *)(v->devcfg + CFG_CAPACITY);

	return cfg[0] | (uint64_t)cfg[1] << 32;
}

/* Brings up one device; false (and why) if it cannot be used. */
static bool
vblk_setup(struct vblk *v, const char **why)
{
	volatile uint8_t *notify_base = NULL;
	uint32_t mult = 0, max_pages;
	uint64_t features;
	char name[8];

	pci_enable(v->pci, true);
	if (!find_structures(v, &notify_base, &mult))
		return *why = "no modern virtio capabilities", false;
	if (!negotiate(v, &features))
		return *why = "feature negotiation failed", false;
	v->has_flush = features & F_FLUSH;
	max_pages = VQ_SIZE_MAX - 2;
	if (features & F_SEG_MAX)
		max_pages = MIN(max_pages, *(volatile uint32_t *)(v->devcfg + CFG_SEG_MAX));
	if (!queue_setup(v, notify_base, mult))
		return *why = "virtqueue setup failed", false;
	max_pages = MIN(max_pages, v->qsize - 2u);
	if (max_pages < 2)
		return *why = "takes too few segments per request", false;
	if (!msix_setup(v, T_DISK_MSI + v->index))
		return *why = "no MSI-X", false;
	cc_write16(v, CC_MSIX_CONFIG, NO_VECTOR);
	cc_write16(v, CC_QSELECT, 0);
	cc_write16(v, CC_QMSIX, 0);
	if (cc_read16(v, CC_QMSIX) != 0)
		return *why = "the device took no MSI-X vector", false;
	cc_write16(v, CC_QENABLE, 1);
	disk_queue_init(&v->q, "vblk");
	v->q.priv = v;
	v->q.start = vblk_start;
	v->q.poll = vblk_poll;
	trap_set_handler(T_DISK_MSI + v->index, vblk_intr);
	cc_write8(v, CC_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	snprintf(name, sizeof(name), "vd%d", v->index);
	v->disk = disk_register(name, "virtio-blk", &v->q, v, capacity(v), max_pages,
				DISK_DRV_VIRTIO, (features & F_RO) ? DISK_F_RDONLY : 0);
	cprintf("virtio-blk: %s at %02x:%02x.%x: %lu sectors (%lu MiB)%s%s, msi-x vector %d\n",
		name, v->pci->bus, v->pci->dev, v->pci->fn, capacity(v), capacity(v) >> 11,
		(features & F_FLUSH) ? ", flush" : "", (features & F_RO) ? ", read-only" : "",
		T_DISK_MSI + v->index);
	return true;
}

/* Finds every virtio-blk PCI function (boot, after pci_init). */
void
virtio_blk_init(void)
{
	struct pci_dev *d;
	const char *why;

	while (nvblk < NVBLK && ((d = pci_find(VIRTIO_VENDOR, VIRTIO_BLK_TRANS, "virtio-blk")) ||
				 (d = pci_find(VIRTIO_VENDOR, VIRTIO_BLK_MODERN, "virtio-blk")))) {
		struct vblk *v = &vblks[nvblk];
		v->index = nvblk;
		v->pci = d;
		if (vblk_setup(v, &why)) {
			nvblk++;
			continue;
		}
		cprintf("virtio-blk: %02x:%02x.%x: %s, not used\n", d->bus, d->dev, d->fn, why);
		if (v->common)
			cc_write8(v, CC_STATUS, ST_FAILED);
		memset(v, 0, sizeof(*v));
	}
}
