/*
 * tapnet: the host-built stack on a Linux tap device, so that Linux's own
 * TCP can be its peer (grade/net/taptest.py drives it, inside a network
 * namespace it creates). One thread, one poll loop.
 *
 *	tapnet TAP [key=value...]	net_configure words, plus:
 *	    loss=P		drop this fraction of frames each way (our glue)
 *	    source=N		bytes the source service sends
 *
 * Services: TCP and UDP echo on 7, TCP sink on 9 (reads to EOF, reports
 * the count and CRC-32), TCP source on 19 (sends source= bytes, reports
 * the CRC-32, closes). Commands on stdin, one per line:
 *	send A.B.C.D PORT N	connect, send N bytes, close; report
 *	recv A.B.C.D PORT	connect, read to EOF; report
 *	connect A.B.C.D PORT	connect, report the outcome, close
 *	stats			print the non-zero counters
 *	quit
 * Every report is one line starting with the service or command name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include "net/net.h"
#include "net/socket.h"
#include "net/netglue.h"

#define MAXCONN	256

enum role { R_NONE, R_ECHO, R_SINK, R_SOURCE, R_SEND, R_RECV, R_CONNECT };

struct conn {
	enum role role;
	int sd;
	uint64_t count, target;
	uint32_t crc;
	uint64_t start_us;
	int shut;
	uint8_t pend[16384];	/* echo: read but not yet sent back */
	size_t npend;
	uint64_t rng;
};

static struct netstack *ns;
static int tapfd;
static double loss;
static uint64_t loss_rng = 88172645463325252ULL;
static uint64_t source_bytes = 16u << 20;
static struct conn conns[MAXCONN];
static int ls_echo, ls_sink, ls_source, us_echo;

static uint32_t crc_table[256];

static void
crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

/* CRC-32 as zlib computes it (crc starts at 0). */
static uint32_t
crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static int
lose(void)
{
	if (loss <= 0)
		return 0;
	loss_rng ^= loss_rng << 13;
	loss_rng ^= loss_rng >> 7;
	loss_rng ^= loss_rng << 17;
	return (double)(loss_rng % 1000000) < loss * 1e6;
}

static int
tap_output(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	if (lose())
		return 0;
	if (write(tapfd, frame, len) < 0)
		return errno == EAGAIN ? -1 : -1;
	return 0;
}

static int
tap_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct conn *
conn_new(enum role role, int sd)
{
	int i;

	for (i = 0; i < MAXCONN; i++) {
		if (conns[i].role == R_NONE) {
			memset(&conns[i], 0, sizeof(conns[i]));
			conns[i].role = role;
			conns[i].sd = sd;
			conns[i].start_us = netglue_now_us();
			conns[i].rng = 0x2545f4914f6cdd1dULL + (uint64_t)sd;
			return &conns[i];
		}
	}
	net_close(ns, sd);
	return NULL;
}

static void
conn_end(struct conn *c)
{
	net_close(ns, c->sd);
	c->role = R_NONE;
}

static const char *
role_name(enum role r)
{
	static const char *const n[] = { "", "echo", "sink", "source", "send", "recv", "connect" };
	return n[r];
}

static double
mbps(struct conn *c)
{
	uint64_t us = netglue_now_us() - c->start_us;
	return us ? c->count * 8.0 / (double)us : 0;
}

static void
report_error(struct conn *c, long err)
{
	printf("%s: error %s after %llu bytes\n", role_name(c->role),
		net_strerror((int)err), (unsigned long long)c->count);
	conn_end(c);
}

/* Reads what is there; 1 at EOF, -1 on error (reported). */
static int
drain(struct conn *c)
{
	uint8_t buf[65536];
	long r;

	while ((r = net_recv(ns, c->sd, buf, sizeof(buf), 0)) > 0) {
		c->crc = crc32_update(c->crc, buf, (size_t)r);
		c->count += (uint64_t)r;
	}
	if (r == 0)
		return 1;
	if (r != -NET_EAGAIN) {
		report_error(c, r);
		return -1;
	}
	return 0;
}

static uint8_t
next_byte(struct conn *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return (uint8_t)(c->rng >> 24);
}

/* Sends pattern bytes until target (pend holds what was generated but
 * not yet taken), then closes our side. */
static void
pump(struct conn *c)
{
	size_t k, i;
	long r;

	while (c->count < c->target || c->npend > 0) {
		if (c->npend == 0) {
			k = (size_t)(c->target - c->count < sizeof(c->pend) ?
				c->target - c->count : sizeof(c->pend));
			for (i = 0; i < k; i++)
				c->pend[i] = next_byte(c);
			c->crc = crc32_update(c->crc, c->pend, k);
			c->count += k;
			c->npend = k;
		}
		r = net_send(ns, c->sd, c->pend, c->npend, 0);
		if (r == -NET_EAGAIN)
			return;
		if (r < 0) {
			report_error(c, r);
			return;
		}
		memmove(c->pend, c->pend + r, c->npend - (size_t)r);
		c->npend -= (size_t)r;
	}
	if (!c->shut) {
		net_shutdown(ns, c->sd, NET_SHUT_WR);
		c->shut = 1;
	}
}

static void
step_echo(struct conn *c)
{
	long r;

	for (;;) {
		if (c->npend > 0) {
			r = net_send(ns, c->sd, c->pend, c->npend, 0);
			if (r == -NET_EAGAIN)
				return;
			if (r < 0) {
				conn_end(c);
				return;
			}
			memmove(c->pend, c->pend + r, c->npend - (size_t)r);
			c->npend -= (size_t)r;
			if (c->npend > 0)
				return;
		}
		r = net_recv(ns, c->sd, c->pend, sizeof(c->pend), 0);
		if (r == -NET_EAGAIN)
			return;
		if (r <= 0) {
			conn_end(c);
			return;
		}
		c->npend = (size_t)r;
	}
}

static void
step_conn(struct conn *c)
{
	int ev = net_sock_poll(ns, c->sd), r;
	int err = 0;
	size_t len = sizeof(err);

	switch (c->role) {
	case R_ECHO:
		step_echo(c);
		break;
	case R_SINK:
	case R_RECV:
		r = drain(c);
		if (r == 1) {
			printf("%s: %llu bytes crc %08x %.1f Mbit/s\n", role_name(c->role),
				(unsigned long long)c->count, c->crc, mbps(c));
			conn_end(c);
		}
		break;
	case R_SOURCE:
	case R_SEND:
		if (!c->shut && !(ev & (NET_POLLOUT | NET_POLLERR)))
			break;
		if (!c->shut)
			pump(c);
		if (c->role != R_NONE && c->shut) {
			/* done once the peer closes too (its EOF) */
			uint8_t b[4096];
			long n = net_recv(ns, c->sd, b, sizeof(b), 0);
			if (n == 0 || (n < 0 && n != -NET_EAGAIN)) {
				struct net_tcp_info ti;
				size_t tl = sizeof(ti);
				net_getsockopt(ns, c->sd, NET_IPPROTO_TCP, NET_TCP_INFO, &ti, &tl);
				printf("%s: %llu bytes crc %08x %.1f Mbit/s rexmits %llu\n",
					role_name(c->role), (unsigned long long)c->count, c->crc,
					mbps(c), (unsigned long long)ti.rexmits);
				conn_end(c);
			}
		}
		break;
	case R_CONNECT:
		if (ev & (NET_POLLOUT | NET_POLLERR | NET_POLLHUP)) {
			net_getsockopt(ns, c->sd, NET_SOL_SOCKET, NET_SO_ERROR, &err, &len);
			printf("connect: %s\n", err ? net_strerror(err) : "ok");
			conn_end(c);
		}
		break;
	default:
		break;
	}
}

static void
accept_all(int ls, enum role role)
{
	struct conn *c;
	int sd;

	while ((sd = net_accept(ns, ls, NULL)) >= 0) {
		c = conn_new(role, sd);
		if (c && role == R_SOURCE)
			c->target = source_bytes;
	}
}

static void
udp_echo(void)
{
	uint8_t buf[65536];
	struct net_sockaddr from;
	long r;

	while ((r = net_recvfrom(ns, us_echo, buf, sizeof(buf), 0, &from)) >= 0)
		net_sendto(ns, us_echo, buf, (size_t)r, 0, &from);
}

static int
listen_on(int type, uint16_t port)
{
	struct net_sockaddr a = { 0, port };
	int sd = net_socket(ns, type), one = 1;

	net_setsockopt(ns, sd, NET_SOL_SOCKET, NET_SO_REUSEADDR, &one, sizeof(one));
	if (net_bind(ns, sd, &a) < 0)
		return -1;
	if (type == NET_SOCK_STREAM && net_listen(ns, sd, 128) < 0)
		return -1;
	return sd;
}

static void
print_stats(void)
{
	const uint64_t *v = (const uint64_t *)net_get_stats(ns);
	size_t i;

	printf("stats:");
	for (i = 0; i < NET_NSTATS; i++)
		if (v[i])
			printf(" %s=%llu", net_stats_names[i], (unsigned long long)v[i]);
	printf("\n");
}

static void
print_netstat(void)
{
	struct net_sockdesc d[64];
	struct net_tcp_info ti;
	size_t tl;
	int n = net_sock_list(ns, d, 64), i;

	for (i = 0; i < n && i < 64; i++) {
		if (d[i].type != NET_SOCK_STREAM || d[i].tcp_state == 1)
			continue;
		memset(&ti, 0, sizeof(ti));
		tl = sizeof(ti);
		if (d[i].sd >= 0)
			net_getsockopt(ns, d[i].sd, NET_IPPROTO_TCP, NET_TCP_INFO, &ti, &tl);
		printf("netstat: sd %d port %u->%u %s rxq %u txq %u cwnd %u snd_wnd %u unacked %u rto %u\n",
			d[i].sd, d[i].local.port, d[i].remote.port, tcp_state_name(d[i].tcp_state),
			d[i].rxq, d[i].txq, ti.cwnd, ti.snd_wnd, ti.unacked, ti.rto_us);
	}
	printf("netstat: end\n");
}

/* One command line from stdin; 1 to quit. */
static int
command(char *line)
{
	char verb[16], ip[32];
	unsigned long long n = 0;
	unsigned port = 0;
	struct net_sockaddr a;
	struct conn *c;
	enum role role;
	int sd, k;

	k = sscanf(line, "%15s %31s %u %llu", verb, ip, &port, &n);
	if (k < 1)
		return 0;
	if (strcmp(verb, "quit") == 0)
		return 1;
	if (strcmp(verb, "stats") == 0) {
		print_stats();
		return 0;
	}
	if (strcmp(verb, "netstat") == 0) {
		print_netstat();
		return 0;
	}
	role = strcmp(verb, "send") == 0 ? R_SEND : strcmp(verb, "recv") == 0 ? R_RECV :
		strcmp(verb, "connect") == 0 ? R_CONNECT : R_NONE;
	if (role == R_NONE || k < 3 || net_aton(ip, &a.addr) < 0) {
		printf("error: bad command\n");
		return 0;
	}
	a.port = (uint16_t)port;
	sd = net_socket(ns, NET_SOCK_STREAM);
	k = net_connect(ns, sd, &a);
	if (k != -NET_EINPROGRESS) {
		printf("%s: error %s\n", verb, net_strerror(k));
		net_close(ns, sd);
		return 0;
	}
	c = conn_new(role, sd);
	if (c)
		c->target = n;
	return 0;
}

static int
read_commands(void)
{
	static char buf[4096];
	static size_t have;
	char *nl;
	ssize_t r = read(0, buf + have, sizeof(buf) - 1 - have);

	if (r <= 0)
		return 1;
	have += (size_t)r;
	buf[have] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		if (command(buf))
			return 1;
		have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, have + 1);
	}
	return 0;
}

static void
step_all(void)
{
	int i;

	accept_all(ls_echo, R_ECHO);
	accept_all(ls_sink, R_SINK);
	accept_all(ls_source, R_SOURCE);
	udp_echo();
	for (i = 0; i < MAXCONN; i++)
		if (conns[i].role != R_NONE)
			step_conn(&conns[i]);
}

static int
setup(int argc, char **argv)
{
	struct net_ifconfig ifc;
	const char *bad;
	int i;

	memset(&ifc, 0, sizeof(ifc));
	memcpy(ifc.mac, "\x02\x00\x00\xc4\x17\x02", 6);
	ifc.output = tap_output;
	ns = net_create(&ifc);
	for (i = 2; i < argc; i++) {
		if (strncmp(argv[i], "loss=", 5) == 0)
			loss = atof(argv[i] + 5);
		else if (strncmp(argv[i], "source=", 7) == 0)
			source_bytes = strtoull(argv[i] + 7, NULL, 0);
		else if (net_configure(ns, argv[i], &bad) < 0) {
			fprintf(stderr, "tapnet: bad word %s\n", argv[i]);
			return -1;
		}
	}
	ls_echo = listen_on(NET_SOCK_STREAM, 7);
	ls_sink = listen_on(NET_SOCK_STREAM, 9);
	ls_source = listen_on(NET_SOCK_STREAM, 19);
	us_echo = listen_on(NET_SOCK_DGRAM, 7);
	if (ls_echo < 0 || ls_sink < 0 || ls_source < 0 || us_echo < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	uint8_t frame[16384];
	struct pollfd pfd[2];
	uint64_t next, now;
	int timeout, quit = 0, i;
	ssize_t r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: tapnet TAP [key=value...]\n");
		return 2;
	}
	crc_init();
	tapfd = tap_open(argv[1]);
	if (tapfd < 0) {
		perror("tapnet: tap");
		return 1;
	}
	if (setup(argc, argv) < 0)
		return 1;
	printf("tapnet: ready\n");
	while (!quit) {
		next = net_timer(ns);
		now = netglue_now_us();
		timeout = next <= now ? 0 : next - now > 100000 ? 100 : (int)((next - now + 999) / 1000);
		pfd[0].fd = tapfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = 0;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 256; i++) {
			r = read(tapfd, frame, sizeof(frame));
			if (r <= 0)
				break;
			if (!lose())
				net_input(ns, frame, (size_t)r);
		}
		if (pfd[1].revents & (POLLIN | POLLHUP))
			quit = read_commands();
		step_all();
	}
	print_stats();
	net_destroy(ns);
	close(tapfd);
	return 0;
}
