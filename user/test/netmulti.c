/*
 * netmulti NIC COUNT STRAY: three envs claim UDP ports 7001-7003 on one
 * NIC and each must get exactly its COUNT frames; each also subscribes to
 * ARP (shared) and gets its own copy of the broadcast ARP request sent
 * first. The STRAY frames to port 7004 match no filter and are counted as
 * dropped; then a default channel opens and gets the next STRAY ones.
 */
#include "nettest.h"

#define NAPPS		3
#define PORT0		7001
#define PORT_NONE	7004

static void
app(int nic, int port, int count, envid_t parent)
{
	struct nic_chan c;
	struct nic_rxdesc d;
	uint64_t hash = NT_HASH_INIT;
	int got = 0, foreign = 0, shared = 0;
	struct nic_filter arp;

	nt_open("netmulti", &c, nic, 0, 64);
	nt_claim_udp("netmulti", &c, port);
	nic_filter_arp(&arp, NIC_FILTER_SHARED);
	if (nic_claim(&c, &arp) < 0)
		cprintf("netmulti: FAIL: ARP subscription\n");
	ipc_send(parent, (uint64_t)port, NULL, 0);
	while (got < count && nic_recv(&c, &d, 10000000) == 0) {
		const uint8_t *p = (const uint8_t *)d.va;
		if (d.flags & NIC_RX_SHARED) {
			shared += d.len >= 14 && nic_get16(p + 12) == 0x0806;
		} else {
			if (d.len < 42 || nic_get16(p + 36) != port)
				foreign++;
			hash = nt_hash_frame(hash, p, d.len);
			got++;
		}
		nic_rx_done(&c, d.va);
	}
	while (got == count && nic_recv(&c, &d, 200000) == 0) {
		foreign++;		/* one too many: a copy, or another's */
		nic_rx_done(&c, d.va);
	}
	cprintf("netmulti: port %d got %d frames (%d foreign) hash %016lx, %d shared\n",
		port, got, foreign, hash, shared);
	nic_close(&c);
	exit(got == count && !foreign ? 0 : 1);
}

/* Phase 2: the default channel gets the unclaimed frames. */
static int
default_channel(int nic, int count)
{
	struct nic_chan c;
	struct nic_rxdesc d;
	uint64_t hash = NT_HASH_INIT;
	int got = 0, foreign = 0;

	nt_open("netmulti", &c, nic, NIC_CHAN_DEFAULT, 64);
	cprintf("netmulti: ready2\n");
	while (got < count && nic_recv(&c, &d, 10000000) == 0) {
		if (d.len < 42 || nic_get16((const uint8_t *)d.va + 36) != PORT_NONE ||
		    !(d.flags & NIC_RX_DEFAULT))
			foreign++;
		hash = nt_hash_frame(hash, (const void *)d.va, d.len);
		got++;
		nic_rx_done(&c, d.va);
	}
	cprintf("netmulti: default got %d frames (%d foreign) hash %016lx\n", got, foreign, hash);
	nic_close(&c);
	return got == count && !foreign;
}

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), count = nt_arg(argc, argv, 2, 30);
	int stray = nt_arg(argc, argv, 3, 20);
	const volatile struct nic_export *n = nt_nic("netmulti", nic);
	int status, failed = 0;
	uint64_t u0;

	for (int k = 0; k < NAPPS; k++) {
		envid_t id = fork();
		if (id < 0)
			panic("fork: %s", errstr(id));
		if (id == 0)
			app(nic, PORT0 + k, count, thisenv->parent);
	}
	for (int k = 0; k < NAPPS; k++)
		ipc_recv(NULL, NULL, NULL);
	u0 = n->rx_unclaimed;
	cprintf("netmulti: ready1\n");
	for (int k = 0; k < NAPPS; k++)
		if (wait(0, &status) < 0 || status != 0)
			failed++;
	cprintf("netmulti: %lu unclaimed frames dropped\n", n->rx_unclaimed - u0);
	if (!default_channel(nic, stray))
		failed++;
	cprintf(failed ? "netmulti: FAIL\n" : "netmulti: ok\n");
	return tu_audit("netmulti");
}
