/*
 * net/netglue.h for guest programs, and a stack bound to a NIC channel
 * (include/netif.h).
 *
 * Memory: the library's malloc. Time: the TSC and the
 * clock page's rate. Randomness: RDRAND when the CPU has it, mixed with
 * the TSC.
 */
#include "libos/libos.h"
#include "libos/include/nic.h"
#include "libos/include/thread.h"
#include "libos/include/netif.h"
#include "net/netglue.h"
#include <stdlib.h>

/* The stack's memory is the library's malloc (malloc.c): a large block
 * (a connection's send and receive buffers) is a run of pages unmapped
 * when it is freed, so what a closed connection held goes back to the
 * kernel at once. (The stack once kept its own power-of-two heap that
 * never gave pages back: an httpd under load kept every buffer it had
 * ever used, and a 256 KiB buffer took a 512 KiB block.) */
void *
netglue_alloc(size_t n)
{
	return calloc(1, n);
}

void
netglue_free(void *q)
{
	free(q);
}

uint64_t
netglue_now_us(void)
{
	uint64_t hz = clock_tsc_hz(), t = tsc_now();

	return hz ? t / hz * 1000000 + t % hz * 1000000 / hz : t / 1000;
}

static int
rdrand64(uint64_t *v)
{
	unsigned char ok;

	asm volatile("rdrand %0; setc %1" : "=r" (*v), "=qm" (ok));
	return ok;
}

static int
have_rdrand(void)
{
	uint32_t a, b, c, d;

	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (1), "c" (0));
	return (c >> 30) & 1;
}

void
netglue_random(void *buf, size_t n)
{
	static uint64_t state;
	static int rd = -1;
	uint8_t *p = buf;
	uint64_t v, r;

	if (rd < 0)
		rd = have_rdrand();
	while (n > 0) {
		state += 0x9e3779b97f4a7c15ULL ^ tsc_now();
		v = state;
		if (rd && rdrand64(&r))
			v ^= r;
		v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
		v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
		v ^= v >> 31;
		for (int i = 0; i < 8 && n > 0; i++, n--, v >>= 8)
			*p++ = (uint8_t)v;
	}
}

void
netglue_log(const char *msg)
{
	cprintf("net: %s\n", msg);
}

/* --- the channel --- */

static struct nic_chan chan;
static struct netstack *chan_ns;

static int
chan_output(void *ctx, const void *frame, size_t len)
{
	int64_t r;
	int tries;

	(void)ctx;
	for (tries = 0; tries < 100; tries++) {
		r = nic_send(&chan, frame, len);
		if (r != -E_AGAIN)
			return r < 0 ? -1 : 0;
		nic_poll(&chan);	/* ring full: let the device drain it */
	}
	return -1;
}

static int
chan_output_tso(void *ctx, const void *frame, size_t len, unsigned mss)
{
	(void)ctx;
	return nic_send_tso(&chan, frame, len, (uint16_t)mss) < 0 ? -1 : 0;
}

static void *
chan_tso_buf(void *ctx)
{
	(void)ctx;
	return nic_tso_buf(&chan);
}

struct netstack *
netif_open(int nic, const char *conf, const char **bad)
{
	const volatile struct nic_export *ne = nic_info(nic);
	struct net_ifconfig ifc;

	if (chan_ns != NULL || ne == NULL || !ne->present)
		return NULL;
	if (nic_open(&chan, nic, NIC_CHAN_DEFAULT, 64) < 0)
		return NULL;
	memset(&ifc, 0, sizeof(ifc));
	for (int i = 0; i < 6; i++)
		ifc.mac[i] = ne->mac[i];
	ifc.output = chan_output;
	if (ne->offloads & NIC_OFFLOAD_TSO4) {
		ifc.output_tso = chan_output_tso;
		ifc.tso_buf = chan_tso_buf;
	}
	chan_ns = net_create(&ifc);
	if (chan_ns == NULL) {
		nic_close(&chan);
		return NULL;
	}
	if (conf && net_configure(chan_ns, conf, bad) < 0) {
		net_destroy(chan_ns);
		nic_close(&chan);
		chan_ns = NULL;
		return NULL;
	}
	return chan_ns;
}

int
netif_poll(struct netstack *ns, uint64_t timeout_us)
{
	struct nic_rxdesc d;
	uint64_t next, now;
	int n = 0;

	while (n < 256 && nic_recv(&chan, &d, 0) == 0) {
		net_input(ns, (const void *)d.va, d.len);
		nic_rx_done(&chan, d.va);
		n++;
	}
	next = net_timer(ns);
	if (n > 0 || timeout_us == 0)
		return n;
	now = netglue_now_us();
	if (next > now && next - now < timeout_us)
		timeout_us = next - now;
	if (next <= now)
		return 0;
	if (nic_recv(&chan, &d, timeout_us) == 0) {
		net_input(ns, (const void *)d.va, d.len);
		nic_rx_done(&chan, d.va);
		n++;
	}
	net_timer(ns);
	return n;
}
