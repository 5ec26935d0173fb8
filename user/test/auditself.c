/*
 * auditself: the kernel audit is clean while bindings of every kind
 * exist (a NIC channel with donated pages and filters, a registered
 * buffer-cache page, an owned time slot), and it is able to fail:
 * KDEBUG_AUDIT_SELFTEST breaks one invariant of each kind on purpose,
 * reversibly, and must see every one (the kernel prints a line per
 * breakage). Without a NIC or a disk with an ownership map, those
 * bindings are skipped.
 */
#include <nic.h>
#include "testutil.h"

#define MAPVA	0x0000300000000000ULL

static int fails;

static void
want(const char *what, int64_t got, int64_t expected)
{
	if (got != expected) {
		cprintf("auditself: FAIL: %s: got %ld (%s), want %ld\n", what, got,
			got < 0 ? errstr(got) : "ok", expected);
		fails++;
	}
}

/* A writable disk with an ownership map, or -1. */
static int
ready_disk(void)
{
	for (int i = 0; i < NDISK; i++)
		if (UDISK_TABLE[i].state == DISK_READY && !(UDISK_TABLE[i].flags & DISK_F_RDONLY))
			return i;
	return -1;
}

/* A channel on nic 0 with donated pages, a claim and a subscription. */
static bool
bind_nic(struct nic_chan *c)
{
	struct nic_filter f;

	if (!nic_info(0) || nic_open(c, 0, 0, 4) < 0)
		return false;
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, 0x0a00020f, 17, 7777);
	if (nic_claim(c, &f) < 0)
		fails++;
	nic_filter_arp(&f, NIC_FILTER_SHARED);
	if (nic_claim(c, &f) < 0)
		fails++;
	return true;
}

/* A registered page of a fresh block of disk; its block, or -1. */
static int64_t
bind_block(int disk)
{
	int64_t b = sys_disk_alloc(disk, 1, 0, 0600);

	if (b < 0) {
		want("disk_alloc", b, 0);
		return -1;
	}
	if (sys_bcache_map(disk, b, MAPVA, PERM_P | PERM_U) < 0)
		want("bcache_map", -1, 0);
	return b;
}

/* Another principal may not run the selftest: a child as principal 1. */
static void
selftest_refused(void)
{
	envid_t child = fork();
	int status;

	if (child < 0) {
		want("fork", child, 0);
		return;
	}
	if (child == 0) {
		/* the parent sets the principal meanwhile */
		while (thisenv->principal != 1)
			sys_yield();
		exit(sys_kdebug(KDEBUG_AUDIT_SELFTEST, 0) == -E_PERM ? 0 : 1);
	}
	want("set principal", sys_env_set_principal(child, 1), 0);
	wait(child, &status);
	want("selftest as principal 1 refused", status, 0);
}

int
main(int argc, char **argv)
{
	struct nic_chan c;
	int disk = ready_disk();
	bool nic = bind_nic(&c);
	int64_t block = disk >= 0 ? bind_block(disk) : -1;
	int64_t slot = sys_slice_acquire(0, 0, 5);

	cprintf("auditself: bindings: nic channel %s, registered block %s, slot %s\n",
		nic ? "yes" : "no", block >= 0 ? "yes" : "no", slot == 0 ? "yes" : "no");
	want("audit with bindings", sys_kdebug(KDEBUG_AUDIT, 0), 0);
	want("audit selftest", sys_kdebug(KDEBUG_AUDIT_SELFTEST, 0), 0);
	selftest_refused();
	if (slot == 0)
		sys_slice_release(0, 5);
	if (block >= 0) {
		sys_page_unmap(0, MAPVA);
		want("disk_free", sys_disk_free(disk, block, 1), 0);
	}
	if (nic)
		want("nic_close", nic_close(&c), 0);
	if (fails)
		return 1;
	cprintf("auditself: ok, the audit is clean with bindings and catches every broken invariant\n");
	return tu_audit("auditself");
}
