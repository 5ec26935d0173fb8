/*
 * netclaim NIC: claims on one NIC. A second env's claim that overlaps
 * the first's (the same UDP port, or all IPv4 to the address) is refused
 * with -E_EXISTS, a disjoint one (TCP on the same port) and shared
 * subscriptions are accepted; once the first env closes its channel the
 * refused claim succeeds. Malformed filters, foreign channels and a
 * second default channel are refused too. netstat lists the channels;
 * an env destroyed with its channel open and frames in flight gives
 * every page back and its claim to whoever asks next.
 */
#include "nettest.h"

static int fails;

static void
want(const char *what, int64_t got, int64_t expected)
{
	if ((expected >= 0 && got < 0) || (expected < 0 && got != expected)) {
		cprintf("netclaim: FAIL: %s: got %ld (%s), want %ld\n", what, got,
			got < 0 ? errstr(got) : "ok", expected);
		fails++;
	}
}

static void
bad_filters(struct nic_chan *c)
{
	struct nic_filter f;

	nic_filter_init(&f, 0);
	want("no atoms", nic_claim(c, &f), -E_INVAL);
	nic_filter_atom(&f, 12, 3, 0xffffff, 0x080045);
	want("width 3", nic_claim(c, &f), -E_INVAL);
	nic_filter_init(&f, 0);
	f.natoms = 1;
	f.atom[0] = (struct nic_atom){ 12, 2, 0, 0x1ffff, 0x0800 };
	want("mask wider than the atom", nic_claim(c, &f), -E_INVAL);
	f.atom[0] = (struct nic_atom){ 12, 2, 0, 0xff00, 0x0801 };
	want("value outside the mask", nic_claim(c, &f), -E_INVAL);
	f.atom[0] = (struct nic_atom){ 1513, 2, 0, 0xffff, 1 };
	want("beyond the largest frame", nic_claim(c, &f), -E_INVAL);
	f.natoms = 2;
	f.atom[0] = (struct nic_atom){ 12, 2, 0, 0xffff, 0x0800 };
	f.atom[1] = (struct nic_atom){ 13, 1, 0, 0xff, 0x00 };
	want("two atoms on one byte", nic_claim(c, &f), -E_INVAL);
	f.natoms = NIC_FILTER_ATOMS + 1;
	want("too many atoms", nic_claim(c, &f), -E_INVAL);
	want("unreadable filter", sys_nic_filter_add(c->id, (void *)0x10), -E_FAULT);
	want("kernel filter", sys_nic_filter_add(c->id, (void *)0xffff800000100000), -E_FAULT);
}

/* The second env: refused while the parent holds the claim. */
static void
second(int nic, int parent_chan)
{
	struct nic_chan c;
	struct nic_filter f;
	uintptr_t va = 0x20000000;

	nt_open("netclaim", &c, nic, 0, 4);
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, NT_GUEST_IP, 17, 5000);
	want("the same UDP port", nic_claim(&c, &f), -E_EXISTS);
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, NT_GUEST_IP, -1, -1);
	want("all IPv4 to the address", nic_claim(&c, &f), -E_EXISTS);
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, NT_GUEST_IP, 6, 5000);
	want("TCP on the same port", nic_claim(&c, &f), 0);
	nic_filter_arp(&f, NIC_FILTER_SHARED);
	want("a shared ARP subscription", nic_claim(&c, &f), 0);
	want("close another env's channel", sys_nic_close(parent_chan), -E_PERM);
	want("kick another env's channel", sys_nic_kick(parent_chan, NIC_KICK_TX), -E_PERM);
	for (int i = 0; i < NIC_CHAN_PAGES; i++)
		sys_page_alloc(0, va + i * PGSIZE, PERM_P | PERM_W, PPN_ANY);
	want("a second default channel", sys_nic_open(nic, va, NIC_CHAN_DEFAULT), -E_BUSY);
	for (int i = 0; i < NIC_CHAN_PAGES; i++)
		sys_page_unmap(0, va + i * PGSIZE);
	ipc_send(thisenv->parent, 1, NULL, 0);	/* parent: close now */
	ipc_recv(NULL, NULL, NULL);
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, NT_GUEST_IP, 17, 5000);
	want("the claim, after the first channel closed", nic_claim(&c, &f), 0);
	nic_close(&c);
	exit(fails);
}

/* The claim on port a dead env held (user/test/netdoom.c) is free. */
static void
reclaim(int nic, int port)
{
	struct nic_chan c;
	struct nic_filter f;

	nt_open("netclaim", &c, nic, 0, 4);
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, NT_GUEST_IP, 17, port);
	want("the claim of a destroyed env", nic_claim(&c, &f), 0);
	nic_close(&c);
	cprintf("netclaim: a destroyed env's claim is free again\n");
}

/* Destroys an env (user/test/netdoom.c) holding a channel with frames
 * in flight; the free page count comes back to where it was. */
static void
destroy_busy_env(int nic)
{
	char arg[16];
	uint64_t free0, free1 = 0;
	uint32_t inflight = 0;
	envid_t child;
	int status;

	snprintf(arg, sizeof(arg), "%d", nic);
	if ((child = spawnl("netdoom", "netdoom", "-", (char *)NULL)) >= 0)
		wait(child, &status);		/* its page tables are warm now */
	free0 = sys_kdebug(KDEBUG_FREE, 0);
	if ((child = spawnl("netdoom", "netdoom", arg, (char *)NULL)) < 0) {
		want("spawn netdoom", child, 0);
		return;
	}
	ipc_recv(NULL, NULL, NULL);
	for (int i = 0; i < NIC_CHAN_MAX; i++)
		if (UNIC_EXPORTS->chan[i].owner == child)
			inflight = UNIC_EXPORTS->chan[i].tx_inflight;
	sys_env_destroy(child);
	wait(child, &status);
	for (int i = 0; i < 200 && (free1 = sys_kdebug(KDEBUG_FREE, 0)) != free0; i++)
		nt_sleep_us(10000);		/* frames still in flight */
	cprintf("netclaim: destroyed an env with %u frames in flight: pages free %lu, then %lu\n",
		inflight, free0, free1);
	want("pages back after the destroy", free1 == free0 ? 0 : -E_NO_MEM, 0);
	reclaim(nic, 5002);
}

int
main(int argc, char **argv)
{
	int nic = nt_arg(argc, argv, 1, 0), status, fid;
	struct nic_chan c, dflt;
	struct nic_filter f;
	envid_t child;

	nt_nic("netclaim", nic);
	nt_open("netclaim", &c, nic, 0, 4);	/* channel 0 */
	nt_open("netclaim", &dflt, nic, NIC_CHAN_DEFAULT, 4);
	fid = nt_claim_udp("netclaim", &c, 5000);
	nic_filter_arp(&f, NIC_FILTER_SHARED);
	want("a shared ARP subscription", nic_claim(&c, &f), 0);
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, NT_GUEST_IP, 17, 5000);
	want("the same claim twice", nic_claim(&c, &f), -E_EXISTS);
	bad_filters(&c);
	want("open with bad flags", sys_nic_open(nic, 0x10000000, 0x80), -E_INVAL);
	want("open on no NIC", sys_nic_open(NIC_MAX + 3, 0x10000000, 0), -E_INVAL);
	want("open on unmapped pages", sys_nic_open(nic, 0x10000000, 0), -E_FAULT);
	want("open on the ring pages again", sys_nic_open(nic, (uintptr_t)c.rx, 0), -E_BUSY);
	want("open on kernel memory", sys_nic_open(nic, 0xffff800000000000, 0), -E_INVAL);
	want("remove a filter not mine", sys_nic_filter_remove(c.id, fid + 999), -E_NOT_FOUND);
	if ((child = fork()) == 0)
		second(nic, c.id);
	ipc_recv(NULL, NULL, NULL);
	if ((fid = spawnl("netstat", "netstat", (char *)NULL)) >= 0)
		wait(fid, &status);
	nic_close(&c);
	ipc_send(child, 1, NULL, 0);
	if (wait(child, &status) < 0 || status != 0)
		fails++;
	nic_close(&dflt);
	destroy_busy_env(nic);
	cprintf(fails ? "netclaim: FAIL\n" : "netclaim: ok\n");
	return tu_audit("netclaim");
}
