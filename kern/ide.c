/*
 * IDE/ATA disks on the two legacy channels (ATA/ATAPI-6, the command
 * block at 0x1f0/0x170 and control block at 0x3f6/0x376, IRQ 14/15),
 * with PCI bus-master DMA when the PIIX-style controller has it (Intel
 * 82371AB PIIX4 datasheet, 5.2 "Bus Master IDE"), PIO otherwise, or
 * everywhere with `ide=pio` on the boot command line.
 *
 * Both drives of a channel share one request queue (one command at a
 * time on the cable). Every request is one ATA command of at most 256
 * sectors, and completes by interrupt:
 *   DMA: one interrupt at the end; the bus-master status says how it went.
 *   PIO in (read): an interrupt per sector with DRQ set; the sector is
 *     read in the handler (ATA-6, 9.7 "PIO data-in").
 *   PIO out (write): the first sector is written after the command when
 *     DRQ shows; then an interrupt after each sector (9.8 "PIO data-out").
 * ATAPI drives are recognised by their signature and left alone.
 */
#include "ide.h"
#include "disk.h"
#include "pci.h"
#include "pmap.h"
#include "trap.h"
#include "ioapic.h"
#include "lapic.h"
#include "cpu.h"
#include "cmdline.h"
#include "timer.h"
#include "console.h"
#include "string.h"
#include "x86.h"
#include "abi/error.h"

/* Command block registers (offsets from the channel's base) */
#define ATA_DATA	0
#define ATA_ERROR	1
#define ATA_COUNT	2
#define ATA_LBA0	3
#define ATA_LBA1	4
#define ATA_LBA2	5
#define ATA_DEVICE	6	/* bit 6 LBA, bit 4 DEV (0 master, 1 slave) */
#define ATA_STATUS	7	/* read: status (clears INTRQ); write: command */
#define ATA_COMMAND	7
/* Control block: alternate status (read, no side effect) / device control */
#define CTL_NIEN	0x02
#define CTL_SRST	0x04

#define ST_ERR		0x01
#define ST_DRQ		0x08
#define ST_DF		0x20
#define ST_DRDY		0x40
#define ST_BSY		0x80

#define CMD_READ_PIO		0x20
#define CMD_READ_PIO_EXT	0x24
#define CMD_READ_DMA_EXT	0x25
#define CMD_WRITE_PIO		0x30
#define CMD_WRITE_PIO_EXT	0x34
#define CMD_WRITE_DMA_EXT	0x35
#define CMD_READ_DMA		0xc8
#define CMD_WRITE_DMA		0xca
#define CMD_FLUSH		0xe7
#define CMD_FLUSH_EXT		0xea
#define CMD_IDENTIFY		0xec

/* Bus-master registers (from the channel's bus-master base) */
#define BM_CMD		0
#define BM_STATUS	2
#define BM_PRD		4
#define BMC_START	0x01
#define BMC_TO_MEMORY	0x08	/* the controller writes memory: a disk read */
#define BMS_ACTIVE	0x01
#define BMS_ERROR	0x02
#define BMS_INTR	0x04
#define BMS_DMA0	0x20	/* drive 0 is DMA capable (software bit) */
#define PRD_EOT		0x80000000u

#define IDE_TIMEOUT_US	1000000

struct ide_channel;

struct ide_drive {
	struct ide_channel *ch;
	int unit;			/* 0 master, 1 slave */
	bool lba48;
	bool dma;
	uint64_t sectors;
	char model[41];
	struct disk *disk;
};

struct ide_channel {
	int index;			/* 0 primary, 1 secondary */
	uint16_t cmd, ctl;		/* command and control block ports */
	uint16_t bm;			/* bus-master base, 0 if none */
	int irq;
	struct ide_drive drive[2];
	struct disk_queue q;
	uint32_t *prd;			/* the PRD table (one page) */
	physaddr_t prd_pa;
	/* the active request, under q.lock */
	bool cur_dma;
	uint32_t sect_done, nsect;
};

static struct ide_channel channels[2] = {
	{ .index = 0, .cmd = 0x1f0, .ctl = 0x3f6, .irq = 14 },
	{ .index = 1, .cmd = 0x170, .ctl = 0x376, .irq = 15 },
};

static void
insw(uint16_t port, void *buf, size_t words)
{
	asm volatile("rep insw" : "+D"(buf), "+c"(words) : "d"(port) : "memory");
}

static void
outsw(uint16_t port, const void *buf, size_t words)
{
	asm volatile("rep outsw" : "+S"(buf), "+c"(words) : "d"(port) : "memory");
}

/* ATA-6 asks for 400 ns after a device select before the status means
 * anything: four reads of the alternate status take at least that. */
static void
delay400(struct ide_channel *ch)
{
	for (int i = 0; i < 4; i++)
		inb(ch->ctl);
}

/* Waits until (alternate status & mask) == want; false on timeout or
 * a floating bus. */
static bool
wait_status(struct ide_channel *ch, uint8_t mask, uint8_t want, uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz / 1000000 * us;
	uint8_t st;

	do {
		st = inb(ch->ctl);
		if (st == 0xff)
			return false;
		if ((st & mask) == want)
			return true;
		cpu_relax();
	} while (rdtsc() < end);
	return false;
}

static void
select_drive(struct ide_channel *ch, int unit, uint8_t lba_high)
{
	outb(ch->cmd + ATA_DEVICE, 0xe0 | (unit << 4) | (lba_high & 0x0f));
	delay400(ch);
}

/* The address and count registers, LBA48 or LBA28 (ATA-6, 6.2). */
static void
set_taskfile(struct ide_channel *ch, struct ide_drive *drv, uint64_t lba, uint32_t count)
{
	uint16_t c = ch->cmd;

	if (drv->lba48) {
		outb(c + ATA_DEVICE, 0x40 | (drv->unit << 4));
		/* the "previous" (high-order) bytes first */
		outb(c + ATA_COUNT, count >> 8);
		outb(c + ATA_LBA0, lba >> 24);
		outb(c + ATA_LBA1, lba >> 32);
		outb(c + ATA_LBA2, lba >> 40);
	} else {
		outb(c + ATA_DEVICE, 0xe0 | (drv->unit << 4) | ((lba >> 24) & 0x0f));
	}
	outb(c + ATA_COUNT, count & 0xff);	/* 256 is 0 */
	outb(c + ATA_LBA0, lba);
	outb(c + ATA_LBA1, lba >> 8);
	outb(c + ATA_LBA2, lba >> 16);
}

static void *
sector_ptr(const struct disk_req *r, uint32_t sect)
{
	uint8_t *page = KADDR((physaddr_t)r->ppn[sect / DISK_SECTORS_PER_BLOCK] << PGSHIFT);

	return page + (sect % DISK_SECTORS_PER_BLOCK) * DISK_SECTOR;
}

/* Can r go by DMA? The PRD entries hold 32-bit addresses. */
static bool
dma_possible(const struct ide_drive *drv, const struct disk_req *r)
{
	if (!drv->dma || r->op == DREQ_FLUSH)
		return false;
	for (uint32_t i = 0; i < r->npages; i++)
		if (r->ppn[i] >= (1u << (32 - PGSHIFT)))
			return false;
	return true;
}

/* Loads the PRD table with r's pages (each a whole page: never across
 * a 64 KiB boundary) and arms the bus master, not yet started. */
static void
dma_setup(struct ide_channel *ch, const struct disk_req *r)
{
	for (uint32_t i = 0; i < r->npages; i++) {
		ch->prd[2 * i] = r->ppn[i] << PGSHIFT;
		ch->prd[2 * i + 1] = PGSIZE | (i + 1 == r->npages ? PRD_EOT : 0);
	}
	outb(ch->bm + BM_CMD, 0);
	outl(ch->bm + BM_PRD, (uint32_t)ch->prd_pa);
	outb(ch->bm + BM_STATUS, inb(ch->bm + BM_STATUS) | BMS_ERROR | BMS_INTR);
	outb(ch->bm + BM_CMD, r->op == DREQ_READ ? BMC_TO_MEMORY : 0);
}

static uint8_t
rw_command(const struct ide_drive *drv, int op, bool dma)
{
	if (op == DREQ_READ)
		return dma ? (drv->lba48 ? CMD_READ_DMA_EXT : CMD_READ_DMA)
			   : (drv->lba48 ? CMD_READ_PIO_EXT : CMD_READ_PIO);
	return dma ? (drv->lba48 ? CMD_WRITE_DMA_EXT : CMD_WRITE_DMA)
		   : (drv->lba48 ? CMD_WRITE_PIO_EXT : CMD_WRITE_PIO);
}

/* The queue's start function: issue r's command (q->lock held). */
static int
ide_start(struct disk_queue *q, struct disk_req *r)
{
	struct ide_channel *ch = q->priv;
	struct ide_drive *drv = r->disk->priv;

	select_drive(ch, drv->unit, 0);
	if (!wait_status(ch, ST_BSY | ST_DRQ, 0, IDE_TIMEOUT_US))
		return -E_IO;
	ch->sect_done = 0;
	ch->nsect = r->npages * DISK_SECTORS_PER_BLOCK;
	if (r->op == DREQ_FLUSH) {
		ch->cur_dma = false;
		outb(ch->cmd + ATA_COMMAND, drv->lba48 ? CMD_FLUSH_EXT : CMD_FLUSH);
		return 0;
	}
	ch->cur_dma = dma_possible(drv, r);
	if (ch->cur_dma)
		dma_setup(ch, r);
	set_taskfile(ch, drv, r->block * DISK_SECTORS_PER_BLOCK, ch->nsect);
	outb(ch->cmd + ATA_COMMAND, rw_command(drv, r->op, ch->cur_dma));
	if (ch->cur_dma) {
		outb(ch->bm + BM_CMD, (r->op == DREQ_READ ? BMC_TO_MEMORY : 0) | BMC_START);
		return 0;
	}
	if (r->op == DREQ_WRITE) {
		/* PIO out: no interrupt before the first sector (ATA-6 9.8) */
		if (!wait_status(ch, ST_BSY | ST_DRQ, ST_DRQ, IDE_TIMEOUT_US))
			return -E_IO;
		outsw(ch->cmd + ATA_DATA, sector_ptr(r, 0), DISK_SECTOR / 2);
	}
	return 0;
}

/* DMA finished (or not yet): the bus-master status decides. */
static void
service_dma(struct ide_channel *ch)
{
	uint8_t bms = inb(ch->bm + BM_STATUS), st;

	if (!(bms & BMS_INTR))
		return;		/* not ours, or not yet */
	outb(ch->bm + BM_CMD, 0);
	st = inb(ch->cmd + ATA_STATUS);
	outb(ch->bm + BM_STATUS, bms | BMS_ERROR | BMS_INTR);
	disk_complete(&ch->q, (st & (ST_ERR | ST_DF)) || (bms & BMS_ERROR) ? -E_IO : 0);
}

/* One PIO step of the active request after an interrupt. */
static void
service_pio(struct ide_channel *ch, struct disk_req *r)
{
	uint8_t st = inb(ch->cmd + ATA_STATUS);	/* acknowledges INTRQ */

	if (st & ST_BSY)
		return;
	if (st & (ST_ERR | ST_DF))
		return disk_complete(&ch->q, -E_IO);
	if (r->op == DREQ_FLUSH)
		return disk_complete(&ch->q, 0);
	if (r->op == DREQ_READ) {
		if (!(st & ST_DRQ))
			return;		/* not ready yet (polling) */
		insw(ch->cmd + ATA_DATA, sector_ptr(r, ch->sect_done), DISK_SECTOR / 2);
		if (++ch->sect_done == ch->nsect)
			disk_complete(&ch->q, 0);
		return;
	}
	if (++ch->sect_done == ch->nsect)
		return disk_complete(&ch->q, 0);
	if (!(st & ST_DRQ))
		return disk_complete(&ch->q, -E_IO);
	outsw(ch->cmd + ATA_DATA, sector_ptr(r, ch->sect_done), DISK_SECTOR / 2);
}

/* The channel's device has something to say (q.lock held). */
static void
ide_service(struct ide_channel *ch)
{
	struct disk_req *r = ch->q.active;

	if (!r) {
		inb(ch->cmd + ATA_STATUS);	/* a stray interrupt: acknowledge */
		return;
	}
	if (ch->cur_dma)
		service_dma(ch);
	else
		service_pio(ch, r);
}

static void
ide_poll(struct disk_queue *q)
{
	struct ide_channel *ch = q->priv;

	if (inb(ch->ctl) & ST_BSY)
		return;
	spin_lock(&q->lock);
	ide_service(ch);
	spin_unlock(&q->lock);
}

static void
ide_intr(struct trapframe *tf)
{
	struct ide_channel *ch = &channels[tf->vector == (uint64_t)(T_IRQ0 + channels[0].irq) ? 0 : 1];

	spin_lock(&ch->q.lock);
	ide_service(ch);
	spin_unlock(&ch->q.lock);
	lapic_eoi();
}

/* The model string of IDENTIFY words 27-46: two characters a word, the
 * first in the high byte; trailing blanks dropped. */
static void
identify_model(const uint16_t *id, char *model)
{
	int n = 0;

	for (int w = 27; w <= 46; w++) {
		model[n++] = (char)(id[w] >> 8);
		model[n++] = (char)id[w];
	}
	model[n] = '\0';
	while (n > 0 && (model[n - 1] == ' ' || model[n - 1] == '\0'))
		model[--n] = '\0';
	for (int i = 0; i < n; i++)
		if (model[i] < ' ' || model[i] > '~')
			model[i] = '?';
}

/* IDENTIFY DEVICE, polled; false (with why) if no ATA disk answers. */
static bool
identify(struct ide_channel *ch, int unit, uint16_t *id, const char **why)
{
	uint8_t st;

	*why = NULL;
	select_drive(ch, unit, 0);
	st = inb(ch->cmd + ATA_STATUS);
	if (st == 0 || st == 0xff)
		return false;	/* no drive, or no channel (floating bus) */
	if (!wait_status(ch, ST_BSY, 0, IDE_TIMEOUT_US))
		return false;
	for (int reg = ATA_COUNT; reg <= ATA_LBA2; reg++)
		outb(ch->cmd + reg, 0);
	outb(ch->cmd + ATA_COMMAND, CMD_IDENTIFY);
	delay400(ch);
	if (inb(ch->ctl) == 0 || !wait_status(ch, ST_BSY, 0, IDE_TIMEOUT_US))
		return false;
	if (inb(ch->cmd + ATA_LBA1) || inb(ch->cmd + ATA_LBA2)) {
		*why = "ATAPI or SATA device";	/* its signature (ATA-6 9.12) */
		return false;
	}
	if (!wait_status(ch, ST_DRQ | ST_ERR, ST_DRQ, IDE_TIMEOUT_US))
		return false;
	insw(ch->cmd + ATA_DATA, id, 256);
	inb(ch->cmd + ATA_STATUS);
	return true;
}

/* Fills drv from IDENTIFY data; false for a disk we cannot address. */
static bool
parse_identify(struct ide_drive *drv, const uint16_t *id, bool bm, const char **why)
{
	if (!(id[49] & (1 << 9))) {
		*why = "no LBA";
		return false;
	}
	identify_model(id, drv->model);
	drv->lba48 = id[83] & (1 << 10);
	drv->sectors = drv->lba48
		? (uint64_t)id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32 |
		  (uint64_t)id[103] << 48
		: (uint64_t)id[60] | (uint64_t)id[61] << 16;
	/* DMA: word 49 bit 8, and some multiword or Ultra DMA mode */
	drv->dma = bm && (id[49] & (1 << 8)) && ((id[63] & 7) || (id[88] & 0x7f));
	return true;
}

static void
probe_drive(struct ide_channel *ch, int unit, bool force_pio)
{
	struct ide_drive *drv = &ch->drive[unit];
	static uint16_t id[256];
	const char *why;
	char name[8];
	int n = ch->index * 2 + unit;

	snprintf(name, sizeof(name), "hd%d", n);
	if (!identify(ch, unit, id, &why) || !parse_identify(drv, id, ch->bm && !force_pio, &why)) {
		if (why)
			cprintf("ide: %s: %s, not used\n", name, why);
		return;
	}
	drv->ch = ch;
	drv->unit = unit;
	if (drv->dma)
		outb(ch->bm + BM_STATUS, inb(ch->bm + BM_STATUS) | (BMS_DMA0 << unit));
	/* a command moves at most 256 sectors with LBA28, 65536 with LBA48 */
	drv->disk = disk_register(name, drv->model, &ch->q, drv, drv->sectors,
				  drv->lba48 ? DREQ_PAGES : 256 / DISK_SECTORS_PER_BLOCK,
				  drv->dma ? DISK_DRV_IDE_DMA : DISK_DRV_IDE_PIO,
				  n == 0 ? DISK_F_BOOT : 0);
	cprintf("ide: %s: '%s', %lu sectors (%lu MiB), %s, %s\n", name, drv->model,
		drv->sectors, drv->sectors >> 11, drv->lba48 ? "LBA48" : "LBA28",
		drv->dma ? "bus-master DMA" : "PIO");
}

static void
channel_init(struct ide_channel *ch, bool force_pio)
{
	struct page *pg;

	if (inb(ch->ctl) == 0xff && inb(ch->cmd + ATA_STATUS) == 0xff)
		return;		/* nothing decodes these ports */
	if (ch->bm && (pg = page_alloc(PAGE_ZERO)) != NULL) {
		ch->prd = page2kva(pg);
		ch->prd_pa = page2pa(pg);
	} else {
		ch->bm = 0;
	}
	disk_queue_init(&ch->q, ch->index ? "ide1" : "ide0");
	ch->q.priv = ch;
	ch->q.start = ide_start;
	ch->q.poll = ide_poll;
	outb(ch->ctl, 0);	/* nIEN clear: the drives interrupt */
	probe_drive(ch, 0, force_pio);
	probe_drive(ch, 1, force_pio);
	if (!ch->drive[0].disk && !ch->drive[1].disk)
		return;
	trap_set_handler(T_IRQ0 + ch->irq, ide_intr);
	ioapic_route(ch->irq, T_IRQ0 + ch->irq, bsp->apic_id);
}

/* The PCI IDE function in compatibility mode, with its bus-master base
 * (BAR4) when it has one. A channel in native mode is switched to
 * compatibility mode if the controller allows it, else left out. */
static void
find_controller(bool *use[2])
{
	struct pci_dev *d = pci_find_class(0x01, 0x01, "ide");
	uint8_t progif;

	if (!d) {
		cprintf("ide: no PCI IDE controller; legacy ports, PIO\n");
		return;
	}
	progif = d->progif;
	for (int c = 0; c < 2; c++) {
		uint8_t native = 1 << (2 * c), programmable = 2 << (2 * c);
		if ((progif & native) && (progif & programmable))
			progif &= ~native;
		if (progif & native)
			*use[c] = false;
	}
	if (progif != d->progif)
		pci_write32(d, 0x08, (pci_read32(d, 0x08) & ~0xff00u) | (uint32_t)progif << 8);
	if ((progif & 0x80) && d->bar_is_io[4] && d->bar[4]) {
		pci_enable(d, true);
		channels[0].bm = (uint16_t)d->bar[4];
		channels[1].bm = (uint16_t)d->bar[4] + 8;
	}
	cprintf("ide: %02x:%02x.%x %04x:%04x, bus master at port 0x%x\n", d->bus, d->dev,
		d->fn, d->vendor, d->device, channels[0].bm);
}

/* Finds the controller and the drives on both channels (boot, after
 * pci_init, interrupts off); registers each ATA disk with kern/disk.c. */
void
ide_init(void)
{
	bool use0 = true, use1 = true, *use[2] = { &use0, &use1 };
	char mode[8];
	bool force_pio = cmdline_get("ide", mode, sizeof(mode)) && strcmp(mode, "pio") == 0;

	find_controller(use);
	if (use0)
		channel_init(&channels[0], force_pio);
	if (use1)
		channel_init(&channels[1], force_pio);
}
