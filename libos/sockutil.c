/*
 * Around the sockets of libos/socket.c: select over poll, the text forms
 * of addresses, and sock_show, a program's own `netstat -s`.
 */
#include "libos.h"
#include <errno.h>
#include <sock.h>
#include <poll.h>
#include <sys/select.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#define SELECT_MAX	64	/* descriptors one select watches */
#define SHOW_MAX	256	/* sockets sock_show lists */

int
select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	struct pollfd p[SELECT_MAX];
	int n = 0, r, count = 0;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return (int)posix_ret(-EINVAL);
	for (int fd = 0; fd < nfds; fd++) {
		short ev = (rd && FD_ISSET(fd, rd) ? POLLIN : 0) |
			   (wr && FD_ISSET(fd, wr) ? POLLOUT : 0);
		if (!ev && !(ex && FD_ISSET(fd, ex)))
			continue;
		if (n == SELECT_MAX)
			return (int)posix_ret(-EINVAL);
		p[n++] = (struct pollfd){ fd, ev, 0 };
	}
	r = poll(p, (nfds_t)n, tv ? (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000) : -1);
	if (r < 0)
		return r;
	for (int i = 0; i < n; i++) {
		int fd = p[i].fd;
		short got = p[i].revents;
		if (rd && FD_ISSET(fd, rd) && !(got & (POLLIN | POLLHUP | POLLERR)))
			FD_CLR(fd, rd);
		if (wr && FD_ISSET(fd, wr) && !(got & (POLLOUT | POLLERR)))
			FD_CLR(fd, wr);
		if (ex && FD_ISSET(fd, ex) && !(got & (POLLERR | POLLNVAL)))
			FD_CLR(fd, ex);
		count += (rd && FD_ISSET(fd, rd)) + (wr && FD_ISSET(fd, wr)) +
			 (ex && FD_ISSET(fd, ex));
	}
	return count;
}

/* --- addresses --- */

int
inet_aton(const char *s, struct in_addr *a)
{
	uint32_t v;

	if (net_aton(s, &v) < 0)
		return 0;
	a->s_addr = htonl(v);
	return 1;
}

in_addr_t
inet_addr(const char *s)
{
	struct in_addr a;

	return inet_aton(s, &a) ? a.s_addr : INADDR_NONE;
}

char *
inet_ntoa(struct in_addr a)
{
	static char buf[16];

	return net_ntoa(ntohl(a.s_addr), buf);
}

const char *
inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
	char buf[16];
	struct in_addr a;

	if (af != AF_INET || size < INET_ADDRSTRLEN)
		return NULL;
	memcpy(&a, src, sizeof(a));
	net_ntoa(ntohl(a.s_addr), buf);
	memcpy(dst, buf, strlen(buf) + 1);
	return dst;
}

int
inet_pton(int af, const char *src, void *dst)
{
	struct in_addr a;

	if (af != AF_INET)
		return (int)posix_ret(-EAFNOSUPPORT);
	if (!inet_aton(src, &a))
		return 0;
	memcpy(dst, &a, sizeof(a));
	return 1;
}

/* --- sock_show --- */

static void
show_config(struct netstack *ns)
{
	struct net_ifconfig ifc;
	char a[16], m[16], g[16];

	net_get_ifconfig(ns, &ifc);
	cprintf("inet %s netmask %s gateway %s mtu %u ether %02x:%02x:%02x:%02x:%02x:%02x dhcp %s\n",
		net_ntoa(ifc.addr, a), net_ntoa(ifc.netmask, m), net_ntoa(ifc.gateway, g),
		ifc.mtu ? ifc.mtu : 1500, ifc.mac[0], ifc.mac[1], ifc.mac[2], ifc.mac[3],
		ifc.mac[4], ifc.mac[5], net_dhcp_state(ns));
}

static void
show_tune(const struct tcp_tune *t)
{
	cprintf("    tune: cc %s iw %u sack %u ts %u wscale %u delack %u/%ums nodelay %u "
		"rto %u..%ums (init %u) buf %u/%u mss %u\n", t->cc, t->iw, t->sack, t->tstamp,
		t->wscale, t->delack, t->delack_us / 1000, t->nodelay, t->rto_min_us / 1000,
		t->rto_max_us / 1000, t->rto_init_us / 1000, t->sndbuf, t->rcvbuf, t->mss);
}

static void
show_info(struct netstack *ns, int sd, bool tuning)
{
	struct net_tcp_info ti;
	size_t n = sizeof(ti);

	if (net_getsockopt(ns, sd, NET_IPPROTO_TCP, NET_TCP_INFO, &ti, &n) < 0)
		return;
	cprintf("    %s mss %u cwnd %u ssthresh %u srtt %uus rto %ums wnd %u/%u sack %u ts %u "
		"ws %u/%u\n", ti.cc, ti.mss, ti.cwnd, ti.ssthresh, ti.srtt_us, ti.rto_us / 1000,
		ti.snd_wnd, ti.rcv_wnd, ti.opt_sack, ti.opt_tstamp, ti.snd_wscale, ti.rcv_wscale);
	cprintf("    bytes out %lu in %lu, segs out %lu in %lu, rexmits %lu (fast %lu, rto %lu)\n",
		(unsigned long)ti.bytes_sent, (unsigned long)ti.bytes_received,
		(unsigned long)ti.segs_out, (unsigned long)ti.segs_in,
		(unsigned long)ti.rexmits, (unsigned long)ti.fast_rexmits, (unsigned long)ti.rtos);
	if (tuning)
		show_tune(&ti.tune);
}

static void
show_sockets(struct netstack *ns, bool tuning)
{
	static struct net_sockdesc d[SHOW_MAX];
	char la[16], ra[16];
	int n = net_sock_list(ns, d, SHOW_MAX);

	cprintf("proto  recv-q  send-q  local                  remote                 state\n");
	for (int i = 0; i < n && i < SHOW_MAX; i++) {
		char l[24], r[24];
		snprintf(l, sizeof(l), "%s:%u", net_ntoa(d[i].local.addr, la), d[i].local.port);
		snprintf(r, sizeof(r), "%s:%u", net_ntoa(d[i].remote.addr, ra), d[i].remote.port);
		cprintf("%-5s  %6u  %6u  %-21s  %-21s  %s\n",
			d[i].type == NET_SOCK_STREAM ? "tcp" : "udp", d[i].rxq, d[i].txq, l, r,
			d[i].tcp_state >= 0 ? tcp_state_name(d[i].tcp_state) : "");
		if (d[i].type == NET_SOCK_STREAM && d[i].sd >= 0)
			show_info(ns, d[i].sd, tuning);
	}
}

static void
show_counters(struct netstack *ns)
{
	const struct net_stats *st = net_get_stats(ns);
	const uint64_t *v = (const uint64_t *)st;

	for (size_t i = 0; i < NET_NSTATS; i++)
		if (v[i])
			cprintf("  %-28s %lu\n", net_stats_names[i], (unsigned long)v[i]);
}

/* See sock.h. */
void
sock_show(int what)
{
	struct netstack *ns;

	sock_lock();
	ns = sock_stack();
	if (ns == NULL) {
		sock_unlock();
		cprintf("sockets: the stack has not started\n");
		return;
	}
	if (what & SOCK_SHOW_CONFIG)
		show_config(ns);
	if (what & SOCK_SHOW_TUNING) {
		cprintf("defaults for new sockets:\n");
		show_tune(net_tune(ns));
	}
	if (what & SOCK_SHOW_SOCKETS)
		show_sockets(ns, (what & SOCK_SHOW_TUNING) != 0);
	if (what & SOCK_SHOW_COUNTERS) {
		cprintf("counters:\n");
		show_counters(ns);
	}
	sock_unlock();
}
