/*
 * The disk layer: the table of disks the drivers found, and a FIFO
 * request queue per device (an IDE channel's two drives share one).
 *
 * A driver registers each drive with disk_register and gives its queue a
 * start function (put a request on the device) and a poll function
 * (finish what the device has done, without interrupts). Its interrupt
 * handler, and poll, call disk_complete for the active request. One
 * request per queue is on the device at a time, so requests are carried
 * out in the order they were submitted: that order is what makes
 * sys_disk_flush a barrier.
 *
 * Completed requests with a done callback wait on a list until
 * disk_reap runs their callbacks under disk_lock: at the next
 * trap_resume on any CPU (which holds no lock then; the BSP ticks even
 * when idle, so one comes soon) or at the start or end of the next disk
 * system call. Interrupt handlers only queue: they may interrupt code
 * holding any lock, so they never take disk_lock.
 *
 * Locking, outermost first (kern/spinlock.h):
 *   disk_lock (LOCK_RANK_DISK) guards struct disk's map state and the
 *   block maps (kern/blockmap.c), the buffer-cache registry
 *   (kern/bcache.c), and the disk calls' operations and waiters
 *   (kern/sys_disk.c); the done callbacks run under it.
 *   Each queue's fields are under its own lock (LOCK_RANK_DISKQ;
 *   interrupt handlers take it), the done list under done_lock
 *   (LOCK_RANK_DISKDONE). A request's fields belong to its submitter
 *   until disk_submit and again once its callback runs.
 *   The disk table is written at boot only.
 */
#ifndef CHITIN_KERN_DISK_H
#define CHITIN_KERN_DISK_H
#include "kernel.h"
#include "spinlock.h"
#include "abi/disk.h"

#define DREQ_PAGES	64	/* most pages (blocks) per device request: 256 KiB */

enum { DREQ_READ = 1, DREQ_WRITE, DREQ_FLUSH };

struct disk;
struct disk_queue;

struct disk_req {
	struct disk *disk;
	uint8_t op;			/* DREQ_* */
	volatile bool finished;		/* set by disk_complete */
	int status;			/* 0 or -E_IO, once finished */
	uint64_t block;			/* first block */
	uint32_t npages;		/* blocks, one page each (0 for a flush) */
	const uint32_t *ppn;		/* the pages, npages of them */
	void (*done)(struct disk_req *r);	/* under disk_lock; NULL: none */
	void *arg;			/* for done */
	struct disk_req *next;		/* on a queue or the done list */
};

struct disk_queue {
	struct spinlock lock;		/* guards everything below */
	struct disk_req *head, *tail;	/* waiting, oldest first */
	struct disk_req *active;	/* on the device */
	void *priv;			/* the driver's */
	/* Put r on the device: 0; or 1 when it is done already (a flush
	 * the device does not need); or -E_IO if it cannot even start.
	 * Called with the lock held, from any context. */
	int (*start)(struct disk_queue *q, struct disk_req *r);
	/* Finish what the device has done, as the interrupt handler would
	 * (boot, before interrupts). Called without the lock. */
	void (*poll)(struct disk_queue *q);
};

struct disk {
	int id;				/* index in disks[] and UDISKS */
	struct disk_export *ex;		/* its exported record */
	struct disk_queue *q;
	void *priv;			/* the driver's drive */
	uint64_t sectors;
	uint32_t max_pages;		/* pages per request the driver takes */
	struct blockmap *map;		/* NULL unless DISK_READY (set at boot;
					 * its contents under disk_lock) */
};

extern struct disk disks[NDISK];
extern int ndisks;
extern struct spinlock disk_lock;	/* see the top of this file */

void disk_queue_init(struct disk_queue *q, const char *name);
struct disk *disk_register(const char *name, const char *model, struct disk_queue *q,
			   void *priv, uint64_t sectors, uint32_t max_pages,
			   uint32_t driver, uint32_t flags);
void disk_submit(struct disk_req *r);
int disk_io_sync(struct disk_req *r);		/* boot: submit and poll */
int disk_rw_sync(struct disk *d, int op, uint64_t block, uint32_t n, const uint32_t *ppn);
void disk_complete(struct disk_queue *q, int status);	/* driver, lock held */
void disk_reap(void);				/* takes disk_lock; hold no lock */
void disk_reap_locked(void);			/* disk_lock held, no env lock */
void disk_init(void);				/* after the drivers: load the maps */
struct disk *disk_get(int id);			/* a registered disk or NULL */
int disk_audit(void);				/* kern/audit.h */
int disk_ops_audit(void);			/* kern/sys_disk.c; kern/audit.h */

#endif
