/*
 * What the NIC test programs share: the addresses the grader's wire
 * uses (grade/wire.py), time, the frame hash the grader recomputes, and
 * opening a channel with a UDP claim.
 *
 * Every program takes the NIC number as its first argument.
 */
#ifndef CHITIN_USER_NETTEST_H
#define CHITIN_USER_NETTEST_H

#include <nic.h>
#include <thread.h>
#include "testutil.h"

#define NT_GUEST_IP	0x0a00020f	/* 10.0.2.15 */
#define NT_PEER_IP	0x0a000202	/* 10.0.2.2: the wire, or Linux */
#define NT_ETH_TEST	0x88b5		/* IEEE local experimental ethertype */

static const uint8_t nt_peer_mac[6] __attribute__((unused)) = { 2, 0, 0, 0, 0, 2 };

static inline uint64_t
nt_tsc(void)
{
	return tsc_now();
}

static inline uint64_t
nt_us(uint64_t tsc)
{
	return tsc / (clock_tsc_hz() / 1000000 + 1);
}

static inline uint64_t
nt_now_us(void)
{
	return nt_us(tsc_now());
}

static inline void
nt_sleep_until(uint64_t end_us)
{
	while (nt_now_us() < end_us)
		sys_yield();
}

static inline void
nt_sleep_us(uint64_t us)
{
	nt_sleep_until(nt_now_us() + us);
}

/* FNV-1a over bytes, and over a frame sequence as grade/wire.py's
 * frames_hash does: each frame's length (big-endian, 2 bytes), its bytes. */
static inline uint64_t
nt_fnv(uint64_t h, const void *data, size_t n)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#define NT_HASH_INIT	0xcbf29ce484222325ULL

static inline uint64_t
nt_hash_frame(uint64_t h, const void *frame, size_t len)
{
	uint8_t be[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	return nt_fnv(nt_fnv(h, be, 2), frame, len);
}

static inline int
nt_arg(int argc, char **argv, int i, int dflt)
{
	return argc > i ? (int)strtol(argv[i], NULL, 0) : dflt;
}

/* Opens a channel on nic; prints a FAIL line and exits on error. */
static inline void
nt_open(const char *who, struct nic_chan *c, int nic, uint32_t flags, int nbuf)
{
	int r = nic_open(c, nic, flags, nbuf);

	if (r < 0) {
		cprintf("%s: FAIL: nic_open(nic%d): %s\n", who, nic, errstr(r));
		exit(1);
	}
}

/* Claims UDP to the guest address, port; the filter id or exits. */
static inline int
nt_claim_udp(const char *who, struct nic_chan *c, int port)
{
	struct nic_filter f;
	int r;

	nic_filter_init(&f, 0);
	nic_filter_ip(&f, NT_GUEST_IP, 17, port);
	if ((r = nic_claim(c, &f)) < 0) {
		cprintf("%s: FAIL: claim udp port %d: %s\n", who, port, errstr(r));
		exit(1);
	}
	return r;
}

static inline const volatile struct nic_export *
nt_nic(const char *who, int nic)
{
	const volatile struct nic_export *n = nic_info(nic);

	if (!n) {
		cprintf("%s: FAIL: no nic%d\n", who, nic);
		exit(1);
	}
	return n;
}

#endif
