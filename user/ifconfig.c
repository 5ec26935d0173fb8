/*
 * ifconfig: the network configuration of the system. Every program runs
 * its own stack (sock.h), configured from /etc/net.conf and then by
 * itself; ifconfig shows and writes that file, and shows which programs
 * claim which addresses on the NICs.
 *
 *   ifconfig                   NICs, addresses claimed (by whom), the file
 *   ifconfig WORDS...          checks the words (net_configure's) and
 *                              writes them to /etc/net.conf
 *   ifconfig dhcp [SECONDS]    asks a DHCP server (RFC 2131) for an
 *                              address, prints the lease and writes it
 *                              to /etc/net.conf
 *   ifconfig -s [WORDS...]     starts a stack with the configuration and
 *                              prints it as a program would get it
 */
#include "netapp.h"
#include <nic.h>
#include <sys/stat.h>

#define CONF_FILE	"/etc/net.conf"

static void
show_nics(void)
{
	const volatile struct nic_exports *x = UNIC_EXPORTS;

	for (uint32_t i = 0; i < x->nnic && i < NIC_MAX; i++) {
		const volatile struct nic_export *n = &x->nic[i];
		const volatile uint8_t *m = n->mac;
		printf("nic%u: %s ether %02x:%02x:%02x:%02x:%02x:%02x link %s, %u channels\n", i,
		       (const char *)n->model, m[0], m[1], m[2], m[3], m[4], m[5],
		       n->link_up ? "up" : "down", n->nchan);
	}
	if (x->nnic == 0)
		printf("ifconfig: no NIC\n");
}

/* The addresses programs claim: exclusive filters on IPv4's destination. */
static void
show_claims(void)
{
	const volatile struct nic_exports *x = UNIC_EXPORTS;
	char a[16];

	for (int f = 0; f < NIC_FILTERS_MAX; f++) {
		const volatile struct nic_filter_export *fx = &x->filter[f];
		uint32_t ip = 0;
		bool any_proto = true;
		if (fx->chan < 0 || (fx->flags & NIC_FILTER_SHARED))
			continue;
		for (int k = 0; k < fx->natoms && k < NIC_FILTER_ATOMS; k++) {
			if (fx->atom[k].off == 30 && fx->atom[k].width == 4)
				ip = fx->atom[k].value;
			if (fx->atom[k].off == 23 || fx->atom[k].off == 36)
				any_proto = false;
		}
		if (ip == 0 || !any_proto)
			continue;
		envid_t owner = x->chan[fx->chan].owner;
		const volatile struct env_export *e = env_lookup(owner);
		printf("inet %s claimed by [%08x] %s (channel %d)\n", net_ntoa(ip, a), owner,
		       e->id == owner ? (const char *)e->name : "?", fx->chan);
	}
}

static void
show_file(void)
{
	char buf[1024];
	ssize_t n;
	int fd = open(CONF_FILE, O_RDONLY);

	if (fd < 0) {
		printf("%s: none (programs start with ip=10.0.2.15/24 gw=10.0.2.2)\n", CONF_FILE);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	printf("%s: %s%s", CONF_FILE, buf, n > 0 && buf[n - 1] == '\n' ? "" : "\n");
}

static int
discard(void *ctx, const void *frame, size_t len)
{
	(void)ctx, (void)frame, (void)len;
	return 0;
}

/* net_configure's verdict on text, on a stack with no NIC. */
static bool
check_words(const char *text)
{
	struct net_ifconfig ifc = { .output = discard };
	struct netstack *ns = net_create(&ifc);
	const char *bad = NULL;
	char copy[1024];
	int r;

	if (ns == NULL)
		return false;
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *w = strstr(copy, "dhcp=1"); w; w = strstr(w, "dhcp=1"))
		memset(w, ' ', 6);	/* would start the client on the scratch stack */
	r = net_configure(ns, copy, &bad);
	net_destroy(ns);
	if (r < 0 && !(bad && (strncmp(bad, "nic=", 4) == 0 || strncmp(bad, "chan=", 5) == 0 ||
			       strncmp(bad, "flip=", 5) == 0 || strncmp(bad, "rxbufs=", 7) == 0)))
		fprintf(stderr, "ifconfig: '%.40s': %s\n", bad ? bad : "?", strerror(-r));
	return r == 0;
}

static int
write_file(const char *text)
{
	int fd = open(CONF_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		mkdir("/etc", 0755);
		fd = open(CONF_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	}
	if (fd < 0 || write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "ifconfig: %s: %s (no file system?)\n", CONF_FILE, strerror(errno));
		return 1;
	}
	close(fd);
	printf("ifconfig: %s: %s\n", CONF_FILE, text);
	return 0;
}

static int
prefix_len(uint32_t mask)
{
	int n = 0;

	while (mask & 0x80000000u) {
		n++;
		mask <<= 1;
	}
	return n;
}

static int
do_dhcp(int seconds)
{
	struct net_ifconfig ifc;
	char a[16], g[16], text[96];
	int64_t r;

	sock_configure("ip=0.0.0.0 dhcp=1");
	if (!net_up())
		return 1;
	r = sock_wait_address((uint64_t)seconds * 1000000);
	if (r < 0) {
		printf("ifconfig: dhcp: no lease in %d s (%s)\n", seconds, net_dhcp_state(sock_stack()));
		return 1;
	}
	sock_lock();
	net_get_ifconfig(sock_stack(), &ifc);
	sock_unlock();
	snprintf(text, sizeof(text), "ip=%s/%d gw=%s", net_ntoa(ifc.addr, a),
		 prefix_len(ifc.netmask), net_ntoa(ifc.gateway, g));
	printf("ifconfig: dhcp: leased %s\n", text);
	return write_file(text);
}

int
main(int argc, char **argv)
{
	char text[1024] = "";

	if (argc == 1) {
		show_nics();
		show_claims();
		show_file();
		return 0;
	}
	if (strcmp(argv[1], "dhcp") == 0)
		return do_dhcp(argc > 2 ? atoi(argv[2]) : 10);
	for (int i = strcmp(argv[1], "-s") == 0 ? 2 : 1; i < argc; i++) {
		size_t l = strlen(text);
		snprintf(text + l, sizeof(text) - l, "%s%s", l ? " " : "", argv[i]);
	}
	if (!check_words(text))
		return 1;
	if (strcmp(argv[1], "-s") == 0) {
		sock_configure(text);
		if (!net_up())
			return 1;
		sock_show(SOCK_SHOW_CONFIG | SOCK_SHOW_TUNING);
		return 0;
	}
	return write_file(text);
}
