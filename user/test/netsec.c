/*
 * netsec NIC: transmit checks. The channel claims UDP 10.0.2.15:6000, so
 * it may send only as that. Descriptors naming a page another env owns,
 * the ring itself, kernel memory, unmapped memory, a bad length or a
 * frame crossing its page, and frames with a spoofed source MAC, IP,
 * port or protocol are each rejected with an error in the ring, and the
 * channel goes on working. Then a second env (on the other CPU), and
 * then a thread of this env, rewrite the headers of a page over and over
 * while this one transmits from it: the wire must never see a spoofed
 * header (grade/tests_nic.py looks).
 */
#include "nettest.h"

#define PORT		6000
#define PEER_PORT	7000
#define FOREIGN_VA	0x30000000UL
#define SHARED_VA	0x31000000UL
#define RACE_FRAMES	384
#define RACE_BATCH	64
#define RACE_MAX	(8 * RACE_FRAMES)
#define RACE_LEN	300	/* header copy, then a zero-copy tail */

static int fails, refusals;	/* refusals: descriptors try_send expects refused */
static const volatile uint8_t *mac;
static uint8_t mymac[6];

static size_t
udp(uint8_t *buf, uint32_t src_ip, uint16_t sport, const char *text)
{
	return nic_build_udp(buf, nt_peer_mac, mymac, src_ip, NT_PEER_IP, sport,
			     PEER_PORT, text, strlen(text));
}

/* Whether descriptor idx of c gets its final status within us. */
static bool
final_within(struct nic_chan *c, uint32_t idx, uint64_t us)
{
	uint64_t end = nt_now_us() + us;

	while ((int32_t)(c->tx->done - idx) <= 0) {
		if (nt_now_us() > end)
			return false;
		sys_nic_wait(c->id, 1000);
	}
	return true;
}

/* Sends one descriptor and checks its final status. */
static void
try_send(struct nic_chan *c, const char *what, uintptr_t va, size_t len, int want)
{
	int64_t idx = nic_tx_queue_va(c, va, len);
	int st;

	if (idx < 0) {
		cprintf("netsec: FAIL: %s: queue: %s\n", what, errstr(idx));
		fails++;
		return;
	}
	nic_tx_flush(c);
	refusals += want < 0;
	if (!final_within(c, (uint32_t)idx, 5000000)) {
		const volatile struct nic_chan_export *cx = nic_chan_info(c);
		cprintf("netsec: FAIL: %s: no final status in 5 s: prod %u cons %u done %u, "
			"status %d, %u in flight, nic: %lu irqs, %lu sent\n", what,
			c->tx->prod, c->tx->cons, c->tx->done,
			c->tx->desc[idx % NIC_TXRING_SIZE].status, cx->tx_inflight,
			nic_info(c->nic)->irqs, nic_info(c->nic)->tx_frames);
		fails++;
		return;
	}
	st = nic_tx_status(c, (uint32_t)idx);
	if (st != want) {
		cprintf("netsec: FAIL: %s: status %d, want %d\n", what, st, want);
		fails++;
	}
}

static void
checks(struct nic_chan *c, uint8_t *buf, envid_t child)
{
	uintptr_t va = (uintptr_t)buf;
	size_t n;

	try_send(c, "good frame", va, udp(buf, NT_GUEST_IP, PORT, "GOOD 1"), NIC_TX_SENT);
	sys_page_alloc(child, FOREIGN_VA, PERM_P | PERM_W, PPN_ANY);
	sys_page_map(child, FOREIGN_VA, 0, FOREIGN_VA, PERM_P | PERM_W);
	n = udp((uint8_t *)FOREIGN_VA, NT_GUEST_IP, PORT, "EVIL foreign page");
	try_send(c, "another env's page", FOREIGN_VA, n, -E_PERM);
	try_send(c, "the tx ring", (uintptr_t)c->tx, 64, -E_PERM);
	try_send(c, "the rx ring", (uintptr_t)c->rx, 64, -E_PERM);
	try_send(c, "kernel memory", 0xffff800000100000UL, 64, -E_FAULT);
	try_send(c, "the exports", UEXPORTS, 64, -E_FAULT);
	try_send(c, "unmapped memory", 0x32000000UL, 64, -E_FAULT);
	n = udp(buf, NT_GUEST_IP, PORT, "EVIL length");
	try_send(c, "zero length", va, 0, -E_INVAL);
	try_send(c, "a runt", va, 10, -E_INVAL);
	try_send(c, "too long", va, NIC_FRAME_MAX + 1, -E_INVAL);
	try_send(c, "crossing its page", (va & ~(uintptr_t)(PGSIZE - 1)) + PGSIZE - 100, 200,
		 -E_RANGE);
	n = udp(buf, NT_GUEST_IP, PORT, "EVIL mac");
	buf[11] ^= 1;
	try_send(c, "spoofed source MAC", va, n, -E_PERM);
	n = udp(buf, NT_GUEST_IP + 1, PORT, "EVIL ip");
	try_send(c, "spoofed source IP", va, n, -E_PERM);
	n = udp(buf, NT_GUEST_IP, PORT + 1, "EVIL port");
	try_send(c, "spoofed source port", va, n, -E_PERM);
	n = udp(buf, NT_GUEST_IP, PORT, "EVIL proto");
	buf[23] = 6;
	try_send(c, "another protocol", va, n, -E_PERM);
	n = udp(buf, NT_GUEST_IP, PORT, "EVIL short");
	try_send(c, "an IPv4 header cut short", va, 30, -E_PERM);
	buf[14] = 0x4f;			/* 60-byte IP header: the port at 74 */
	try_send(c, "a port beyond the frame", va, 75, -E_PERM);
	/* ARP: who-has 10.0.2.2, from the channel's address or another */
	memset(buf, 0, 60);
	memcpy(buf, "\xff\xff\xff\xff\xff\xff", 6);
	memcpy(buf + 6, mymac, 6);
	memcpy(buf + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	memcpy(buf + 22, mymac, 6);
	nic_put32(buf + 28, NT_GUEST_IP + 84);
	memset(buf + 32, 0, 6);
	nic_put32(buf + 38, NT_PEER_IP);
	try_send(c, "ARP from another address", va, 60, -E_PERM);
	nic_put32(buf + 28, NT_GUEST_IP);
	try_send(c, "ARP from the channel's address", va, 60, NIC_TX_SENT);
	try_send(c, "good frame after the rejections", va,
		 udp(buf, NT_GUEST_IP, PORT, "GOOD 2"), NIC_TX_SENT);
}

/* Descriptors c's export counts as rejected, for reason why or all (-1). */
static uint64_t
rejected(struct nic_chan *c, int why)
{
	const volatile struct nic_chan_export *cx = nic_chan_info(c);
	uint64_t n = 0;

	for (int r = 0; r < NIC_TXERR_NREASONS; r++)
		if (why < 0 || r == why)
			n += cx->tx_rejected[r];
	return n;
}

/* The racer: flips the source IP and port between the channel's and
 * spoofed ones until told to stop (the last byte of the page); says it
 * runs in the byte before. */
static void
rewrite_headers(void)
{
	volatile uint8_t *p = (volatile uint8_t *)SHARED_VA;

	p[PGSIZE - 2] = 1;
	while (!p[PGSIZE - 1]) {
		p[29] = 99;			/* 10.0.2.99 */
		p[34] = 6666 >> 8, p[35] = 6666 & 0xff;
		p[29] = 15;
		p[34] = PORT >> 8, p[35] = PORT & 0xff;
	}
}

/* The same as a thread of the sender's env. Threads of an env share its
 * CPU and are preempted only when another env wants it, so this one
 * yields: sometimes with the header spoofed (the kick that follows must
 * refuse the frames), always with it spoofed again right after a kick
 * (the device, which may read later, must still send the checked one). */
static void *
racer_thread(void *arg)
{
	volatile uint8_t *p = (volatile uint8_t *)SHARED_VA;

	for (unsigned k = 0; !p[PGSIZE - 1]; k++) {
		p[29] = 99;
		p[34] = 6666 >> 8, p[35] = 6666 & 0xff;
		if (k % 3 == 0)
			thread_yield();
		p[29] = 15;
		p[34] = PORT >> 8, p[35] = PORT & 0xff;
		thread_yield();
	}
	return arg;
}

/* Kicks c; with a racing thread, lets it run before the kick and again
 * after it, while the device may still be reading. */
static void
kick(struct nic_chan *c, bool thread)
{
	if (thread)
		thread_yield();
	nic_tx_flush(c);
	if (thread)
		thread_yield();
}

/*
 * Sends RACE_FRAMES frames from the page a racer rewrites: a forked env
 * (on the other CPU, truly in parallel) or a thread of this env (which
 * runs whenever the slice ends, between a queue and its kick, or between
 * the kick and the device's read). Counts what was sent and refused.
 */
static void
race(struct nic_chan *c, bool thread, int *sent, int *refused)
{
	uint8_t *p = (uint8_t *)SHARED_VA;
	struct thread *t = NULL;
	envid_t child = 0;
	int status;

	udp(p, NT_GUEST_IP, PORT, "RACE");
	nic_put16(p + 16, RACE_LEN - 14);	/* an IP datagram of RACE_LEN bytes */
	p[PGSIZE - 1] = p[PGSIZE - 2] = 0;
	if (thread) {
		if ((status = thread_create(&t, racer_thread, NULL)) < 0) {
			cprintf("netsec: FAIL: thread_create: %s\n", errstr(status));
			fails++;
			return;
		}
	} else if ((child = fork()) == 0) {
		sys_env_set_affinity(0, 2);	/* CPU 1; we stay on CPU 0 */
		rewrite_headers();
		exit(0);
	} else {
		sys_env_set_affinity(0, 1);
		for (uint64_t end = nt_now_us() + 5000000; !p[PGSIZE - 2] && nt_now_us() < end;)
			sys_yield();
	}
	/* RACE_FRAMES, and more (up to RACE_MAX) until the racer has won
	 * and lost a check at least once: on a loaded host its CPU may
	 * stand still for a while */
	for (int done = 0; done < RACE_FRAMES || ((!*sent || !*refused) && done < RACE_MAX);
	     done += RACE_BATCH) {
		int64_t first = -1, idx = -1;
		for (int i = 0; i < RACE_BATCH; i++) {
			while ((idx = nic_tx_queue_va(c, SHARED_VA, RACE_LEN)) < 0)
				nic_poll(c);
			if (first < 0)
				first = idx;
			if (i % 8 == 7)
				kick(c, thread);
		}
		kick(c, thread);
		nic_tx_status(c, (uint32_t)idx);
		for (int64_t i = first; i <= idx; i++) {
			int st = c->tx->desc[i % NIC_TXRING_SIZE].status;
			*sent += st == NIC_TX_SENT;
			*refused += st == -E_PERM;
		}
	}
	p[PGSIZE - 1] = 1;
	if (thread) {
		thread_join(t, NULL);
	} else {
		wait(child, &status);
		sys_env_set_affinity(0, ~0ULL);
	}
}

/* One race, reported; the spoof counter must count each refusal. */
static int
race_report(struct nic_chan *c, bool thread)
{
	uint64_t rej0 = rejected(c, NIC_TXERR_SPOOF);
	int sent = 0, refused = 0;

	race(c, thread, &sent, &refused);
	cprintf("netsec: race with %s: %d frames sent, %d refused as spoofed (%lu counted)\n",
		thread ? "a thread" : "an env", sent, refused,
		rejected(c, NIC_TXERR_SPOOF) - rej0);
	if (sent + refused < RACE_FRAMES || (sent + refused) % RACE_BATCH ||
	    rejected(c, NIC_TXERR_SPOOF) - rej0 != (uint64_t)refused)
		fails++;
	return sent;
}

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), sent;
	uint64_t rej0;
	struct nic_chan c;
	envid_t child;
	uint8_t *buf;

	mac = nt_nic("netsec", nic)->mac;
	for (int i = 0; i < 6; i++)
		mymac[i] = mac[i];
	nt_open("netsec", &c, nic, 0, 4);
	nt_claim_udp("netsec", &c, PORT);
	buf = nic_tx_buf(&c);
	if ((child = fork()) == 0)
		for (;;)
			ipc_recv(NULL, NULL, NULL);
	rej0 = rejected(&c, -1);
	checks(&c, buf, child);
	if (rejected(&c, -1) - rej0 != (uint64_t)refusals) {
		cprintf("netsec: FAIL: %lu rejections counted, want %d\n",
			rejected(&c, -1) - rej0, refusals);
		fails++;
	}
	sys_env_destroy(child);
	sys_page_alloc(0, SHARED_VA, PERM_P | PERM_W | PERM_SHARE, PPN_ANY);
	sent = race_report(&c, false);
	sent += race_report(&c, true);
	nic_close(&c);
	sys_page_unmap(0, FOREIGN_VA);
	sys_page_unmap(0, SHARED_VA);
	cprintf(fails ? "netsec: FAIL\n" : "netsec: done %d\n", sent);
	return tu_audit("netsec");
}
