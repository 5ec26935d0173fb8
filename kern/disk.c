/*
 * The disk layer: the disk table and its export, per-device FIFO request
 * queues, and the hand-off of completed requests from interrupt handlers
 * to code that runs under disk_lock (see kern/disk.h).
 */
#include "disk.h"
#include "blockmap.h"
#include "bcache.h"
#include "export.h"
#include "timer.h"
#include "console.h"
#include "string.h"
#include "assert.h"
#include "x86.h"
#include "audit.h"
#include "abi/error.h"

#define DISK_SYNC_TIMEOUT_US	10000000	/* a boot-time request: 10 s */

struct disk disks[NDISK];
int ndisks;

static struct disk_export *disk_ex;	/* disk_ex[NDISK] at UDISKS */

/* The block maps, the buffer-cache registry, the disk system calls'
 * operations and waiters (kern/disk.h says what it guards). */
struct spinlock disk_lock = SPINLOCK_INIT("disk", LOCK_RANK_DISK);

/* Finished requests with a callback, oldest first. */
static struct spinlock done_lock = SPINLOCK_INIT("disk_done", LOCK_RANK_DISKDONE);
static struct disk_req *done_head, *done_tail;

void
disk_queue_init(struct disk_queue *q, const char *name)
{
	spin_init(&q->lock, name, LOCK_RANK_DISKQ);
	q->head = q->tail = q->active = NULL;
}

/* The export is made on first use: drivers register before disk_init. */
static struct disk_export *
disk_export_table(void)
{
	if (!disk_ex)
		disk_ex = export_alloc(sizeof(struct disk_export) * NDISK, UDISKS);
	return disk_ex;
}

/*
 * Adds a drive to the table (boot only, from a driver's init). max_pages
 * is the largest request it takes, at least 2 (more than DREQ_PAGES are
 * not used). NULL if the table is full.
 */
struct disk *
disk_register(const char *name, const char *model, struct disk_queue *q, void *priv,
	      uint64_t sectors, uint32_t max_pages, uint32_t driver, uint32_t flags)
{
	struct disk *d;

	if (ndisks == NDISK) {
		cprintf("disk: table full, %s ignored\n", name);
		return NULL;
	}
	d = &disks[ndisks];
	d->id = ndisks++;
	d->ex = &disk_export_table()[d->id];
	d->q = q;
	d->priv = priv;
	d->sectors = sectors;
	assert(max_pages >= 2);
	d->max_pages = MIN(max_pages, (uint32_t)DREQ_PAGES);
	strlcpy(d->ex->name, name, sizeof(d->ex->name));
	strlcpy(d->ex->model, model, sizeof(d->ex->model));
	d->ex->sectors = sectors;
	d->ex->driver = driver;
	d->ex->flags = flags;
	d->ex->state = DISK_NO_SUPER;
	return d;
}

struct disk *
disk_get(int id)
{
	if (id < 0 || id >= ndisks)
		return NULL;
	return &disks[id];
}

static void start_next(struct disk_queue *q);

/* Puts r on the device if it is idle, else at the tail of the queue. */
void
disk_submit(struct disk_req *r)
{
	struct disk_queue *q = r->disk->q;

	r->finished = false;
	r->status = 0;
	r->next = NULL;
	spin_lock(&q->lock);
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	if (!q->active)
		start_next(q);
	spin_unlock(&q->lock);
}

static void
count(struct disk_req *r)
{
	struct disk_export *x = r->disk->ex;

	if (r->status < 0) {
		x->errors++;
		return;
	}
	if (r->op == DREQ_READ) {
		x->reads++;
		x->blocks_read += r->npages;
	} else if (r->op == DREQ_WRITE) {
		x->writes++;
		x->blocks_written += r->npages;
	} else {
		x->flushes++;
	}
}

static void
finish(struct disk_req *r, int status)
{
	r->status = status < 0 ? -E_IO : 0;
	count(r);
	if (r->done) {
		r->next = NULL;
		spin_lock(&done_lock);
		if (done_tail)
			done_tail->next = r;
		else
			done_head = r;
		done_tail = r;
		spin_unlock(&done_lock);
	}
	__atomic_store_n(&r->finished, true, __ATOMIC_RELEASE);
}

/* Puts the oldest waiting request on the device. One the driver
 * finishes at once (start returns 1) or cannot start (< 0) is done
 * here, and the next one tried. Caller holds q->lock. */
static void
start_next(struct disk_queue *q)
{
	struct disk_req *r;
	int rc;

	while ((r = q->head) != NULL) {
		q->head = r->next;
		if (!q->head)
			q->tail = NULL;
		q->active = r;
		if ((rc = q->start(q, r)) == 0)
			return;
		q->active = NULL;
		finish(r, rc > 0 ? 0 : -E_IO);
	}
}

/*
 * The active request of q finished with status (0 or negative); the next
 * waiting one goes on the device. Called with q->lock held, by drivers
 * from their interrupt handler or poll function.
 */
void
disk_complete(struct disk_queue *q, int status)
{
	struct disk_req *r = q->active;

	assert(spin_holding(&q->lock) && r);
	q->active = NULL;
	finish(r, status);
	start_next(q);
}

/* The oldest finished request with a callback, taken off the list; NULL
 * when there is none. */
static struct disk_req *
done_pop(void)
{
	struct disk_req *r;

	spin_lock(&done_lock);
	r = done_head;
	if (r) {
		done_head = r->next;
		if (!done_head)
			done_tail = NULL;
	}
	spin_unlock(&done_lock);
	return r;
}

/*
 * Runs the callbacks of finished requests, oldest first. Caller holds
 * disk_lock and no env lock (a callback takes the lock of the env it
 * answers). A callback may submit more requests; whatever finishes
 * meanwhile is run too.
 */
void
disk_reap_locked(void)
{
	struct disk_req *r;

	assert(spin_holding(&disk_lock));
	while ((r = done_pop()) != NULL)
		r->done(r);
}

/*
 * disk_reap_locked for a caller holding no lock (trap_resume). The list
 * is looked at first without disk_lock, so that a CPU coming back from
 * a trap does not contend for it when nothing finished: a request that
 * lands just after the look is reaped by the next trap_resume or disk
 * call on any CPU.
 */
void
disk_reap(void)
{
	if (!__atomic_load_n(&done_head, __ATOMIC_ACQUIRE))
		return;
	spin_lock(&disk_lock);
	disk_reap_locked();
	spin_unlock(&disk_lock);
}

/* Forgets r, which the device never finished: its queue no longer
 * points at it (r may be on the caller's stack). */
static void
disk_abandon(struct disk_req *r)
{
	struct disk_queue *q = r->disk->q;

	spin_lock(&q->lock);
	if (q->active == r)
		q->active = NULL;
	for (struct disk_req **pp = &q->head; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	q->tail = NULL;
	for (struct disk_req *w = q->head; w; w = w->next)
		q->tail = w;
	spin_unlock(&q->lock);
	r->disk->ex->errors++;
}

/*
 * Boot time, interrupts off: submits r and polls the device until it
 * finishes. Returns its status; -E_IO after DISK_SYNC_TIMEOUT_US, the
 * request then abandoned on the device (the disk is not used again).
 */
int
disk_io_sync(struct disk_req *r)
{
	uint64_t end = rdtsc() + tsc_hz / 1000000 * DISK_SYNC_TIMEOUT_US;

	r->done = NULL;
	disk_submit(r);
	while (!__atomic_load_n(&r->finished, __ATOMIC_ACQUIRE)) {
		if (rdtsc() > end) {
			disk_abandon(r);
			return -E_IO;
		}
		r->disk->q->poll(r->disk->q);
		cpu_relax();
	}
	return r->status;
}

/* disk_io_sync of n blocks from block into or out of the pages ppn[]
 * (op DREQ_READ or DREQ_WRITE), in requests the driver takes. */
int
disk_rw_sync(struct disk *d, int op, uint64_t block, uint32_t n, const uint32_t *ppn)
{
	struct disk_req r;
	int err;

	for (uint32_t done = 0; done < n; done += r.npages) {
		memset(&r, 0, sizeof(r));
		r.disk = d;
		r.op = op;
		r.block = block + done;
		r.npages = MIN(n - done, d->max_pages);
		r.ppn = ppn + done;
		if ((err = disk_io_sync(&r)) < 0)
			return err;
	}
	return 0;
}

/* After the drivers: check each disk's ownership superblock and load its
 * map (kern/blockmap.c), and set up the buffer-cache registry. */
void
disk_init(void)
{
	disk_export_table();
	bcache_init();
	for (int i = 0; i < ndisks; i++)
		blockmap_load(&disks[i]);
}

/*
 * The disk table: each disk is its own slot and export, it has an
 * ownership map exactly when it is DISK_READY, and that map is sound
 * (blockmap_audit). The request queues are not looked at: interrupt
 * handlers change them under their own locks. Returns the problems
 * found. Reads without locks: the audit runs with every other CPU parked
 * outside any lock (kern/audit.h).
 */
int
disk_audit(void)
{
	int n = 0;

	for (int i = 0; i < ndisks; i++) {
		struct disk *d = &disks[i];
		if (d->id != i || d->ex != &disk_ex[i]) {
			n += audit_report("disk %d: not its own slot or export", i);
			continue;
		}
		if ((d->ex->state == DISK_READY) != (d->map != NULL))
			n += audit_report("disk %s: state %u, but %s a map", d->ex->name,
					  d->ex->state, d->map ? "has" : "has no");
		if (d->map)
			n += blockmap_audit(d);
	}
	return n;
}
