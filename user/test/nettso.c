/*
 * nettso NIC: the transmit offload requests (kern/abi/nic.h, Offloads).
 * The channel claims TCP 10.0.2.15:6100. When the NIC offers checksum
 * and segmentation offload, a well-formed TSO frame spanning pages and a
 * checksum-offload frame are sent, and every malformed request (unknown
 * flags, an mss without TSO, UDP, IP options, a fragment, a lying IP
 * length, a short TCP header, an mss out of bounds, too many segments,
 * an oversized frame, a SYN, a spoofed port, a page not ours) is refused
 * with its error in the ring and counted; the NIC's TSO counter moves by
 * the one good frame. Without offloads every request is refused as not
 * supported. Then FUZZ_DESCS random requests (flags, mss, length, place,
 * header bytes) each get a final status, and either way a plain frame
 * still goes afterwards (and the page audit finds nothing amiss).
 */
#include "nettest.h"

#define PORT		6100
#define PEER_PORT	7100
#define AREA_VA		0x34000000UL	/* TSO frames: NIC_TSO_FRAME_MAX + a page */
#define AREA_PAGES	(NIC_TSO_FRAME_MAX / PGSIZE + 2)
#define MSS		1000
#define FUZZ_DESCS	3000
#define TH_SYN_		0x02
#define TH_PSH_		0x08
#define TH_ACK_		0x10

static int fails, refused;		/* refused: of reason NIC_TXERR_OFFLOAD */
static uint8_t mymac[6];

/* An Ethernet + IPv4 + TCP frame of payload bytes (zeros) at buf, from
 * sport, with TCP flags; its length. The checksum field holds what the
 * NIC wants: the pseudo-header sum, not complemented. */
static size_t
tcp_frame(uint8_t *buf, uint16_t sport, size_t payload, uint8_t flags)
{
	uint8_t *ip = buf + 14, *tcp = ip + 20;
	uint32_t sum;

	memcpy(buf, nt_peer_mac, 6);
	memcpy(buf + 6, mymac, 6);
	nic_put16(buf + 12, 0x0800);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	nic_put16(ip + 2, (uint16_t)(40 + payload));
	ip[8] = 64;
	ip[9] = 6;
	nic_put32(ip + 12, NT_GUEST_IP);
	nic_put32(ip + 16, NT_PEER_IP);
	nic_put16(ip + 10, nic_ip_checksum(ip, 20));
	nic_put16(tcp, sport);
	nic_put16(tcp + 2, PEER_PORT);
	nic_put32(tcp + 4, 1);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	nic_put16(tcp + 14, 1024);
	sum = (NT_GUEST_IP >> 16) + (NT_GUEST_IP & 0xffff) + (NT_PEER_IP >> 16) +
	      (NT_PEER_IP & 0xffff) + 6 + 20 + (uint32_t)payload;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	nic_put16(tcp + 16, (uint16_t)sum);
	memset(tcp + 20, 0, payload);
	return 54 + payload;
}

/* Sends one descriptor and checks its final status; why is the reason
 * the channel should count a refusal under (-1: none). */
static void
try_send(struct nic_chan *c, const char *what, uintptr_t va, size_t len, uint16_t flags,
	 uint16_t mss, int want)
{
	int64_t idx = nic_tx_queue_off(c, va, len, flags, mss);
	int st;

	if (idx < 0) {
		cprintf("nettso: FAIL: %s: queue: %s\n", what, errstr(idx));
		fails++;
		return;
	}
	nic_tx_flush(c);
	st = nic_tx_status(c, (uint32_t)idx);
	if (st != want) {
		cprintf("nettso: FAIL: %s: status %d (%s), want %d\n", what, st,
			st < 0 ? errstr(st) : "sent", want);
		fails++;
	}
}

static uint64_t
offload_refusals(struct nic_chan *c)
{
	return nic_chan_info(c)->tx_rejected[NIC_TXERR_OFFLOAD];
}

/* An offload request the kernel must refuse under NIC_TXERR_OFFLOAD. */
static void
refuse(struct nic_chan *c, const char *what, uintptr_t va, size_t len, uint16_t flags,
       uint16_t mss, int want)
{
	try_send(c, what, va, len, flags, mss, want);
	refused++;
}

static void
malformed(struct nic_chan *c, uint8_t *a)
{
	uintptr_t va = (uintptr_t)a;
	size_t n;

	n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	refuse(c, "unknown flags", va, n, NIC_TXF_TSO | 0x80, MSS, -E_INVAL);
	refuse(c, "an mss without TSO", va, 100, NIC_TXF_CSUM, MSS, -E_INVAL);
	tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	a[23] = 17;			/* UDP: a claim on TCP also refuses it as spoofed */
	try_send(c, "TSO of UDP", va, n, NIC_TXF_TSO, MSS, -E_PERM);
	n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	a[14] = 0x46;			/* IP options: the port moves to 38 */
	memmove(a + 38, a + 34, n - 34);
	n += 4;
	nic_put16(a + 16, (uint16_t)(n - 14));
	refuse(c, "IP options", va, n, NIC_TXF_TSO, MSS, -E_INVAL);
	n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	a[20] = 0x20;			/* more fragments */
	refuse(c, "a fragment", va, n, NIC_TXF_TSO, MSS, -E_INVAL);
	n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	nic_put16(a + 16, (uint16_t)(n - 14 - MSS));
	refuse(c, "an IP length short of the frame", va, n, NIC_TXF_TSO, MSS, -E_INVAL);
	nic_put16(a + 16, (uint16_t)(n - 14 + 1));
	refuse(c, "an IP length past the frame", va, n, NIC_TXF_TSO, MSS, -E_INVAL);
	n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	a[46] = 4 << 4;			/* a TCP header of 16 bytes */
	refuse(c, "a short TCP header", va, n, NIC_TXF_TSO, MSS, -E_INVAL);
	n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	refuse(c, "an mss of 0", va, n, NIC_TXF_TSO, 0, -E_INVAL);
	refuse(c, "an mss below the least", va, n, NIC_TXF_TSO, NIC_TSO_MSS_MIN - 1, -E_INVAL);
	refuse(c, "an mss past a frame", va, n, NIC_TXF_TSO, NIC_FRAME_MAX - 54 + 1, -E_INVAL);
	n = tcp_frame(a, PORT, (NIC_TSO_SEGS_MAX + 1) * 100, TH_ACK_);
	refuse(c, "too many segments", va, n, NIC_TXF_TSO, 100, -E_INVAL);
	n = tcp_frame(a, PORT, 20 * MSS, TH_SYN_);
	refuse(c, "a SYN", va, n, NIC_TXF_TSO, MSS, -E_INVAL);
	/* refused for other reasons than the request */
	n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	try_send(c, "longer than a TSO frame", va, NIC_TSO_FRAME_MAX + 1, NIC_TXF_TSO, MSS,
		 -E_INVAL);
	try_send(c, "checksum offload past NIC_FRAME_MAX", va, n, NIC_TXF_CSUM, 0, -E_INVAL);
	n = tcp_frame(a, PORT + 1, 20 * MSS, TH_ACK_);
	try_send(c, "a spoofed port", va, n, NIC_TXF_TSO, MSS, -E_PERM);
	n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
	sys_page_unmap(0, AREA_VA + 3 * PGSIZE);
	try_send(c, "a page not mapped", va, n, NIC_TXF_TSO, MSS, -E_FAULT);
	sys_page_alloc(0, AREA_VA + 3 * PGSIZE, PERM_P | PERM_W, PPN_ANY);
}

static void
offloads(struct nic_chan *c, const volatile struct nic_export *ne, uint8_t *a)
{
	uintptr_t va = (uintptr_t)a, end = AREA_VA + AREA_PAGES * PGSIZE;
	uint64_t tso0 = ne->tx_tso;
	size_t n;

	n = tcp_frame(a, PORT, 40 * MSS, TH_ACK_ | TH_PSH_);
	try_send(c, "a TSO frame over 10 pages", va, n, NIC_TXF_TSO, MSS, NIC_TX_SENT);
	n = tcp_frame((uint8_t *)(end - NIC_TSO_FRAME_MAX), PORT, NIC_TSO_FRAME_MAX - 54,
		      TH_ACK_);
	try_send(c, "the largest TSO frame", end - NIC_TSO_FRAME_MAX, n, NIC_TXF_TSO, 1448,
		 NIC_TX_SENT);
	n = tcp_frame(a, PORT, 100, TH_ACK_);
	try_send(c, "checksum offload", va, n, NIC_TXF_CSUM, 0, NIC_TX_SENT);
	malformed(c, a);
	if (ne->tx_tso - tso0 != 2) {
		cprintf("nettso: FAIL: the NIC counted %lu TSO frames, want 2\n",
			ne->tx_tso - tso0);
		fails++;
	}
}

static uint64_t fuzz_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
fuzz_rand(void)
{
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 7;
	fuzz_state ^= fuzz_state << 17;
	return (uint32_t)fuzz_state;
}

/* Random offload requests over a well-formed TSO frame with a few of
 * its header bytes changed: whatever the kernel makes of each, it
 * reports a final status for it. */
static void
fuzz(struct nic_chan *c, uint8_t *a)
{
	uintptr_t end = AREA_VA + AREA_PAGES * PGSIZE;
	int sent = 0;

	for (int i = 0; i < FUZZ_DESCS; i++) {
		uint32_t len = fuzz_rand() % (NIC_TSO_FRAME_MAX + 64), off = fuzz_rand() % PGSIZE;
		uint16_t flags = (uint16_t)(fuzz_rand() % 8), mss = (uint16_t)(fuzz_rand() % 1600);
		uintptr_t va = AREA_VA + off;
		int64_t idx;

		size_t n = tcp_frame(a + off, PORT, 20 * MSS, TH_ACK_);

		if (fuzz_rand() % 2) {		/* mostly well-formed: some go */
			len = (uint32_t)n;
			flags = NIC_TXF_TSO;
			mss = (uint16_t)(NIC_TSO_MSS_MIN + fuzz_rand() % 1400);
		}
		for (int k = fuzz_rand() % 4; k > 0; k--)
			a[off + 12 + fuzz_rand() % 60] = (uint8_t)fuzz_rand();
		if (va + len > end)
			len = (uint32_t)(end - va);
		idx = nic_tx_queue_off(c, va, len, flags, mss);
		if (idx < 0 || (nic_tx_flush(c), nic_tx_status(c, (uint32_t)idx)) == NIC_TX_SENT)
			sent++;
	}
	cprintf("nettso: %d random requests, %d sent\n", FUZZ_DESCS, sent);
}

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0);
	const volatile struct nic_export *ne = nt_nic("nettso", nic);
	struct nic_filter f;
	struct nic_chan c;
	uint64_t rej0;
	uint8_t *a = (uint8_t *)AREA_VA;
	size_t n;

	for (int i = 0; i < 6; i++)
		mymac[i] = ne->mac[i];
	nt_open("nettso", &c, nic, 0, 4);
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, NT_GUEST_IP, 6, PORT);
	if (nic_claim(&c, &f) < 0) {
		cprintf("nettso: FAIL: claim tcp port %d\n", PORT);
		return 1;
	}
	for (int i = 0; i < AREA_PAGES; i++)
		sys_page_alloc(0, AREA_VA + (uintptr_t)i * PGSIZE, PERM_P | PERM_W, PPN_ANY);
	rej0 = offload_refusals(&c);
	if ((ne->offloads & (NIC_OFFLOAD_CSUM | NIC_OFFLOAD_TSO4)) ==
	    (NIC_OFFLOAD_CSUM | NIC_OFFLOAD_TSO4)) {
		cprintf("nettso: offloads csum tso4\n");
		offloads(&c, ne, a);
	} else {
		cprintf("nettso: offloads none\n");
		n = tcp_frame(a, PORT, 20 * MSS, TH_ACK_);
		refuse(&c, "TSO", (uintptr_t)a, n, NIC_TXF_TSO, MSS, -E_NOT_SUPP);
		n = tcp_frame(a, PORT, 100, TH_ACK_);
		refuse(&c, "checksum offload", (uintptr_t)a, n, NIC_TXF_CSUM, 0, -E_NOT_SUPP);
	}
	if (offload_refusals(&c) - rej0 != (uint64_t)refused) {
		cprintf("nettso: FAIL: %lu offload refusals counted, want %d\n",
			offload_refusals(&c) - rej0, refused);
		fails++;
	}
	fuzz(&c, a);
	n = tcp_frame(a, PORT, 100, TH_ACK_);
	try_send(&c, "a plain frame afterwards", (uintptr_t)a, n, 0, 0, NIC_TX_SENT);
	nic_close(&c);
	for (int i = 0; i < AREA_PAGES; i++)
		sys_page_unmap(0, AREA_VA + (uintptr_t)i * PGSIZE);
	if (fails)
		cprintf("nettso: FAIL: %d checks\n", fails);
	else
		cprintf("nettso: ok, %d offload requests refused\n", refused);
	return tu_audit("nettso");
}
