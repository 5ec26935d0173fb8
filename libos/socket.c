/*
 * Sockets for programs: the program's own stack (net/) on a NIC channel of
 * its own, driven by a network thread, and blocking BSD calls over it
 * (include/sys/socket.h, include/sock.h says how it is configured and
 * driven).
 *
 * Locking: S.lk serializes every call into the stack (net/ is not
 * reentrant) and guards everything in S and the descriptor table. A
 * thread that must wait for the network (sock_wait) queues itself on
 * S.waiters and sleeps; the network thread wakes every waiter whenever
 * frames came in or timers ran, and each re-tries its call. The
 * descriptor table is a thin adapter: socket descriptors are
 * SOCK_FD_BASE.. here until the library's file-descriptor table binds
 * them (sock_read/sock_write/sock_close/sock_set_nonblock are its
 * operations).
 */
#include "libos.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <fd.h>
#include <poll.h>
#include <sys/stat.h>
#include <nic.h>
#include <thread.h>
#include <sock.h>
#include <netinet/in.h>
#include "net/netglue.h"

#define CONF_MAX	1024
#define RX_BATCH	64		/* frames per turn of the network thread */
#define RXBUFS_DEFAULT	128
#define NET_STACK_BYTES	(16 * PGSIZE)
#define WAIT_FOREVER_US	(1ULL << 40)
#define CONF_DEFAULT	"ip=10.0.2.15/24 gw=10.0.2.2"
#define CONF_FILE	"/etc/net.conf"

struct waiter {
	struct thread *t;
	int sd;				/* the socket it waits on; -1: anything */
	int events;			/* NET_POLL* it waits for */
	struct waiter *next;
};

static const struct fd_dev sock_dev;
static void sock_exit_linger(void);

static struct {
	struct mutex lk;
	bool started;
	int start_err;
	const char *start_why;
	struct netstack *ns;
	struct nic_chan chan;
	int nic;
	bool use_default;		/* chan=default */
	bool flip;
	int rxbufs;
	int ip_filter, dhcp_filter;	/* claims; -1: none */
	uint32_t claimed_ip;
	struct thread *thr;		/* the network thread */
	struct waiter *waiters;
	uint64_t next_timer;		/* when net_timer wants to run (us) */
	char conf[CONF_MAX];		/* the program's own words */
	char why[96];
} S = { .lk = MUTEX_INITIALIZER, .ip_filter = -1, .dhcp_filter = -1 };


/* --- the channel --- */

static int
chan_output(void *ctx, const void *frame, size_t len)
{
	int64_t r;

	(void)ctx;
	for (int tries = 0; tries < 100; tries++) {
		r = nic_send(&S.chan, frame, len);
		if (r != -E_AGAIN)
			return r < 0 ? -1 : 0;
		nic_poll(&S.chan);	/* ring full: let the device drain it */
	}
	return -1;
}

/* net.h's output_tso, over the channel's TSO buffers. */
static int
chan_output_tso(void *ctx, const void *frame, size_t len, unsigned mss)
{
	(void)ctx;
	return nic_send_tso(&S.chan, frame, len, (uint16_t)mss) < 0 ? -1 : 0;
}

static void *
chan_tso_buf(void *ctx)
{
	(void)ctx;
	return nic_tso_buf(&S.chan);
}

/* Claims IPv4 to addr (every protocol) for the channel, in place of the
 * address claimed before. */
static int
claim_ip(uint32_t addr)
{
	struct nic_filter f;
	int r;

	if (S.use_default || addr == S.claimed_ip)
		return 0;
	nic_filter_init(&f, 0);
	nic_filter_ip(&f, addr, -1, -1);
	if ((r = nic_claim(&S.chan, &f)) < 0)
		return r;
	if (S.ip_filter >= 0)
		nic_unclaim(&S.chan, S.ip_filter);
	S.ip_filter = r;
	S.claimed_ip = addr;
	return 0;
}

/* The shared subscriptions: ARP, and DHCP replies (UDP to port 68)
 * while the address is not known. */
static int
claim_shared(bool dhcp)
{
	struct nic_filter f;
	int r;

	nic_filter_arp(&f, NIC_FILTER_SHARED);
	if ((r = nic_claim(&S.chan, &f)) < 0)
		return r;
	if (!dhcp)
		return 0;
	nic_filter_init(&f, NIC_FILTER_SHARED);
	nic_filter_atom(&f, 12, 2, 0xffff, 0x0800);
	nic_filter_atom(&f, 14, 1, 0xff, 0x45);
	nic_filter_atom(&f, 23, 1, 0xff, 17);
	nic_filter_atom(&f, 36, 2, 0xffff, 68);
	if ((r = nic_claim(&S.chan, &f)) < 0)
		return r;
	S.dhcp_filter = r;
	return 0;
}

/* --- configuration --- */

static bool
word_is(const char *w, size_t n, const char *key)
{
	size_t k = strlen(key);

	return n > k && strncmp(w, key, k) == 0 && w[k] == '=';
}

/* Takes the library's own words out of text (into S); the rest stays
 * for net_configure. */
static void
conf_library_words(char *text)
{
	char *w = text, *e;

	for (;;) {
		while (*w == ' ' || *w == '\t' || *w == '\n' || *w == ',')
			w++;
		if (*w == '\0')
			return;
		for (e = w; *e && *e != ' ' && *e != '\t' && *e != '\n' && *e != ','; e++)
			;
		size_t n = (size_t)(e - w);
		bool mine = true;
		if (word_is(w, n, "nic"))
			S.nic = (int)strtol(w + 4, NULL, 0);
		else if (word_is(w, n, "chan"))
			S.use_default = strncmp(w + 5, "default", 7) == 0;
		else if (word_is(w, n, "flip"))
			S.flip = w[5] == '1';
		else if (word_is(w, n, "rxbufs"))
			S.rxbufs = (int)strtol(w + 7, NULL, 0);
		else
			mine = false;
		if (mine)
			memset(w, ' ', n);
		w = e;
	}
}

/* Whether text holds word (as a whole word). */
static bool
conf_has(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = text; *p; p++)
		if (strncmp(p, word, n) == 0 && (p == text || p[-1] == ' ' || p[-1] == '\n' ||
		    p[-1] == '\t' || p[-1] == ',') && (p[n] == '\0' || p[n] == ' ' ||
		    p[n] == '\n' || p[n] == '\t' || p[n] == ','))
			return true;
	return false;
}

/* The system's configuration file (when there is a file system with
 * one), appended to buf of size cap. */
static void
conf_read_file(char *buf, size_t cap)
{
	size_t len = strlen(buf);
	ssize_t r;
	int fd;

	if (len + 2 >= cap || (fd = open(CONF_FILE, O_RDONLY)) < 0)
		return;
	buf[len++] = '\n';
	r = read(fd, buf + len, cap - len - 1);
	buf[len + (r > 0 ? (size_t)r : 0)] = '\0';
	close(fd);
}

/* See sock.h. */
int
sock_configure(const char *conf)
{
	size_t l = strlen(S.conf), n = strlen(conf);
	int r = 0;

	mutex_lock(&S.lk);
	if (S.started)
		r = -EBUSY;
	else if (l + n + 2 > sizeof(S.conf))
		r = -ENOSPC;
	else {
		S.conf[l] = ' ';
		memcpy(S.conf + l + 1, conf, n + 1);
	}
	mutex_unlock(&S.lk);
	return r;
}

/* --- the network thread --- */

/* Frames from the ring into the stack: how many. Lock held. */
static int
rx_frames(int max)
{
	struct nic_rxdesc d;
	int n = 0;

	while (n < max && nic_recv(&S.chan, &d, 0) == 0) {
		net_input(S.ns, (const void *)d.va, d.len);
		nic_rx_done(&S.chan, d.va);
		n++;
	}
	return n;
}

/* Wakes the waiters whose socket is ready now (all of them when timers
 * ran: a connection may have timed out). Lock held. */
static void
wake_waiters(bool all)
{
	for (struct waiter *w = S.waiters; w; w = w->next)
		if (all || w->sd < 0 ||
		    (net_sock_poll(S.ns, w->sd) & (w->events | NET_POLLERR | NET_POLLHUP)))
			thread_wake(w->t);
}

/* A DHCP lease (or its change) moves the channel's claim. */
static void
follow_address(void)
{
	struct net_ifconfig ifc;

	net_get_ifconfig(S.ns, &ifc);
	if (ifc.addr != 0 && ifc.addr != S.claimed_ip && claim_ip(ifc.addr) < 0)
		netglue_log("cannot claim the leased address: another program has it");
}

static bool
rx_pending(void)
{
	return S.chan.rx->cons != S.chan.rx->prod;
}

static void *
net_thread(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t now, wait;
		int n;

		mutex_lock(&S.lk);
		n = rx_frames(RX_BATCH);
		now = netglue_now_us();
		if (n > 0 || now >= S.next_timer) {
			bool timers = now >= S.next_timer;
			S.next_timer = net_timer(S.ns);
			follow_address();
			wake_waiters(timers);
		}
		mutex_unlock(&S.lk);
		if (n > 0 || rx_pending()) {
			thread_yield();		/* the woken run before more comes in */
			continue;
		}
		now = netglue_now_us();
		wait = S.next_timer > now ? S.next_timer - now : 0;
		if (wait > SOCK_TICK_US)
			wait = SOCK_TICK_US;
		if (wait > 0)
			thread_sleep_us(wait);
	}
	return NULL;
}

/* No thread can run: wait for the channel until until_tsc (see
 * thread_idle_hook), then let the network thread look. */
static void
idle_hook(uint64_t until_tsc)
{
	uint64_t us = WAIT_FOREVER_US, now = tsc_now(), hz = clock_tsc_hz();

	if (until_tsc) {
		if ((int64_t)(until_tsc - now) <= 0)
			us = 0;
		else
			us = (until_tsc - now) / (hz / 1000000 + 1) + 1;
	}
	if (us > 0 && !rx_pending())
		sys_nic_wait(S.chan.id, us);
	thread_wake(S.thr);
}

/* --- starting --- */

static int
start_fail(int r, const char *why)
{
	S.start_err = r;
	snprintf(S.why, sizeof(S.why), "%s", why);
	S.start_why = S.why;
	return r;
}

static int
open_channel(bool dhcp)
{
	const volatile struct nic_export *ne = nic_info(S.nic);
	uint32_t flags = (S.use_default ? NIC_CHAN_DEFAULT : 0) | (S.flip ? NIC_CHAN_FLIP : 0);
	int r;

	if (ne == NULL)
		return start_fail(-ENODEV, "no such NIC");
	if (S.rxbufs <= 0 || S.rxbufs > NIC_RXBUF_MAX)
		S.rxbufs = RXBUFS_DEFAULT;
	if ((r = nic_open(&S.chan, S.nic, flags, S.rxbufs)) < 0)
		return start_fail(-errno_from_error(r), S.use_default ? "the NIC's default channel is taken"
				  : "cannot open a NIC channel");
	if (!S.use_default && (r = claim_shared(dhcp)) < 0) {
		nic_close(&S.chan);
		return start_fail(-errno_from_error(r), "cannot subscribe to ARP");
	}
	return 0;
}

static int
start_stack(char *conf)
{
	const volatile struct nic_export *ne = nic_info(S.nic);
	struct net_ifconfig ifc;
	const char *bad = NULL;
	int r;

	memset(&ifc, 0, sizeof(ifc));
	for (int i = 0; i < 6; i++)
		ifc.mac[i] = ne->mac[i];
	ifc.output = chan_output;
	if (ne->offloads & NIC_OFFLOAD_TSO4) {
		ifc.output_tso = chan_output_tso;
		ifc.tso_buf = chan_tso_buf;
	}
	if ((S.ns = net_create(&ifc)) == NULL)
		return start_fail(-ENOMEM, "no memory for the stack");
	if (net_configure(S.ns, conf, &bad) < 0) {
		snprintf(S.why, sizeof(S.why), "bad configuration word '%.40s'", bad ? bad : "?");
		return start_fail(-EINVAL, S.why);
	}
	net_get_ifconfig(S.ns, &ifc);
	if (ifc.addr && (r = claim_ip(ifc.addr)) < 0)
		return start_fail(r == -E_EXISTS ? -EADDRINUSE : -errno_from_error(r),
				  "the address is claimed by another program");
	S.next_timer = net_timer(S.ns);
	return 0;
}

static int
start_locked(void)
{
	static char conf[2 * CONF_MAX + 64];
	int r;

	if (S.started)
		return S.start_err;
	S.started = true;
	if ((r = fd_dev_register(&sock_dev)) < 0)
		return start_fail(r, "the descriptor table refuses sockets");
	snprintf(conf, sizeof(conf), "%s", CONF_DEFAULT);
	conf_read_file(conf, sizeof(conf) - CONF_MAX - 2);
	strcpy(conf + strlen(conf), " ");
	strcpy(conf + strlen(conf), S.conf);
	conf_library_words(conf);
	if ((r = open_channel(conf_has(conf, "dhcp=1"))) < 0)
		return r;
	if ((r = start_stack(conf)) < 0) {
		if (S.ns)
			net_destroy(S.ns);
		S.ns = NULL;
		nic_close(&S.chan);
		return r;
	}
	if ((r = thread_create_stack(&S.thr, net_thread, NULL, NET_STACK_BYTES)) < 0) {
		net_destroy(S.ns);
		S.ns = NULL;
		nic_close(&S.chan);
		return start_fail(-errno_from_error(r), "cannot start the network thread");
	}
	thread_idle_hook = idle_hook;
	atexit(sock_exit_linger);
	return 0;
}

/* See sock.h. */
int
sock_start(const char **why)
{
	int r;

	mutex_lock(&S.lk);
	r = start_locked();
	mutex_unlock(&S.lk);
	if (r < 0 && why)
		*why = S.start_why;
	return r;
}

struct netstack *
sock_stack(void)
{
	return S.ns;
}

void
sock_lock(void)
{
	mutex_lock(&S.lk);
}

void
sock_unlock(void)
{
	S.next_timer = 0;	/* the program's calls may have armed timers */
	mutex_unlock(&S.lk);
}

/* A call into the stack may have armed a timer (a FIN's or data's
 * retransmission, a persist or keepalive timer) earlier than the one the
 * network thread sleeps towards; when no frame comes back (the FIN was
 * lost) nothing else would make it look again. Lock held. */
static void
timers_changed(void)
{
	S.next_timer = 0;
}

/* Waits until socket sd (-1: anything) may have one of events (NET_POLL*)
 * or deadline_us passes (-ETIMEDOUT). Lock held; dropped meanwhile. */
static int
wait_for(int sd, int events, uint64_t deadline_us)
{
	struct waiter w = { thread_self(), sd, events, S.waiters }, **pp;
	uint64_t now = netglue_now_us();

	if (deadline_us && now >= deadline_us)
		return -ETIMEDOUT;
	S.waiters = &w;
	/* no switch between the unlock and the sleep: a wake-up in
	 * between would be lost */
	thread_preempt_disable();
	mutex_unlock(&S.lk);
	thread_sleep_us(deadline_us ? deadline_us - now : WAIT_FOREVER_US);
	thread_preempt_enable();
	mutex_lock(&S.lk);
	for (pp = &S.waiters; *pp; pp = &(*pp)->next)
		if (*pp == &w) {
			*pp = w.next;
			break;
		}
	return 0;
}

/* See sock.h. Lock held. */
int
sock_wait(uint64_t deadline_us)
{
	return wait_for(-1, 0, deadline_us);
}

/* See sock.h. */
int64_t
sock_wait_address(uint64_t timeout_us)
{
	uint64_t deadline = netglue_now_us() + timeout_us;
	struct net_ifconfig ifc;
	int64_t r;

	mutex_lock(&S.lk);
	if ((r = start_locked()) < 0) {
		mutex_unlock(&S.lk);
		return r;
	}
	for (;;) {
		net_get_ifconfig(S.ns, &ifc);
		if (ifc.addr != 0) {
			r = ifc.addr;
			break;
		}
		if (sock_wait(deadline) < 0) {
			r = -ETIMEDOUT;
			break;
		}
	}
	mutex_unlock(&S.lk);
	return r;
}

/* --- descriptors --- */

/*
 * A socket descriptor is a description of the fd table (fd.h) whose
 * private part is struct sock. The stack is this env's: another env that
 * shares the description (fork, spawn) gets -EBADF from it.
 */
struct sock {
	envid_t owner;			/* the env whose stack holds it */
	int sd;				/* net/'s descriptor */
	int type;			/* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW */
	uint64_t rcvtimeo_us;		/* 0: wait for ever */
	uint64_t sndtimeo_us;
};
_Static_assert(sizeof(struct sock) <= FD_PRIV_SIZE, "struct sock fits a description");

static struct sock *
sock_of(struct fd *fd)
{
	struct sock *so = (struct sock *)fd->fd_priv;

	return fd_dev(fd) == &sock_dev && so->owner == thisenv->id && S.ns ? so : NULL;
}

/* Socket descriptor s, its description in *fdp (if fdp): -EBADF, or
 * -ENOTSOCK for another kind of descriptor. */
static int
sock_get(int s, struct sock **out, struct fd **fdp)
{
	struct fd *fd = fd_lookup(s);

	if (fd == NULL)
		return -EBADF;
	if ((*out = sock_of(fd)) == NULL)
		return fd_dev(fd) == &sock_dev ? -EBADF : -ENOTSOCK;
	if (fdp)
		*fdp = fd;
	return 0;
}

/* A descriptor for net/'s sd (lock held); net/ closes sd on failure. */
static int
sock_fd_alloc(int sd, int type, bool nonblock)
{
	struct fd *fd;
	int n = fd_alloc(&sock_dev, O_RDWR | (nonblock ? O_NONBLOCK : 0), &fd);
	struct sock *so;

	if (n < 0) {
		net_close(S.ns, sd);
		return n;
	}
	so = (struct sock *)fd->fd_priv;
	*so = (struct sock){ .owner = thisenv->id, .sd = sd, .type = type };
	return n;
}

int
sock_sd(int s)
{
	struct sock *so;
	int r = sock_get(s, &so, NULL);

	return r < 0 ? r : so->sd;
}

static uint64_t
deadline_of(uint64_t timeo_us)
{
	return timeo_us ? netglue_now_us() + timeo_us : 0;
}

static bool
dontwait(const struct fd *fd, int flags)
{
	return (fd->fd_flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

/* --- addresses --- */

static int
addr_in(const struct sockaddr *a, socklen_t len, struct net_sockaddr *out)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)a;

	if (a == NULL || len < sizeof(*in))
		return -EINVAL;
	if (in->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	out->addr = ntohl(in->sin_addr.s_addr);
	out->port = ntohs(in->sin_port);
	return 0;
}

static void
addr_out(const struct net_sockaddr *na, struct sockaddr *a, socklen_t *len)
{
	struct sockaddr_in in;

	if (a == NULL || len == NULL)
		return;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(na->port);
	in.sin_addr.s_addr = htonl(na->addr);
	memcpy(a, &in, *len < sizeof(in) ? *len : sizeof(in));
	*len = sizeof(in);
}

/* --- the calls (POSIX: -1 and errno on failure) --- */

static int
net_type(int base, int protocol)
{
	if (base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
		return NET_SOCK_STREAM;
	if (base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
		return NET_SOCK_DGRAM;
	if ((base == SOCK_RAW || base == SOCK_DGRAM) && protocol == IPPROTO_ICMP)
		return NET_SOCK_ICMP;
	return -EPROTONOSUPPORT;
}

int
socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), nt, r;

	if (domain != AF_INET)
		return (int)posix_ret(-EAFNOSUPPORT);
	if ((nt = net_type(base, protocol)) < 0)
		return (int)posix_ret(nt);
	mutex_lock(&S.lk);
	if ((r = start_locked()) == 0 && (r = net_socket(S.ns, nt)) >= 0)
		r = sock_fd_alloc(r, base, (type & SOCK_NONBLOCK) != 0);
	mutex_unlock(&S.lk);
	return (int)posix_ret(r);
}

int
bind(int s, const struct sockaddr *addr, socklen_t len)
{
	struct net_sockaddr na;
	struct sock *so;
	int r;

	if ((r = sock_get(s, &so, NULL)) == 0 && (r = addr_in(addr, len, &na)) == 0) {
		mutex_lock(&S.lk);
		r = net_bind(S.ns, so->sd, &na);
		mutex_unlock(&S.lk);
	}
	return (int)posix_ret(r);
}

int
listen(int s, int backlog)
{
	struct sock *so;
	int r;

	if ((r = sock_get(s, &so, NULL)) == 0) {
		mutex_lock(&S.lk);
		r = net_listen(S.ns, so->sd, backlog);
		mutex_unlock(&S.lk);
	}
	return (int)posix_ret(r);
}

int
accept(int s, struct sockaddr *addr, socklen_t *len)
{
	struct net_sockaddr peer;
	struct sock *so;
	struct fd *fd;
	uint64_t dl;
	int r;

	if ((r = sock_get(s, &so, &fd)) < 0)
		return (int)posix_ret(r);
	mutex_lock(&S.lk);
	dl = deadline_of(so->rcvtimeo_us);
	while ((r = net_accept(S.ns, so->sd, &peer)) == -EAGAIN && !dontwait(fd, 0))
		if (wait_for(so->sd, NET_POLLIN, dl) < 0)
			break;
	if (r >= 0)
		r = sock_fd_alloc(r, SOCK_STREAM, false);
	mutex_unlock(&S.lk);
	if (r >= 0)
		addr_out(&peer, addr, len);
	return (int)posix_ret(r);
}

int
connect(int s, const struct sockaddr *addr, socklen_t len)
{
	struct net_sockaddr na;
	struct sock *so;
	struct fd *fd;
	uint64_t dl;
	int r;

	if ((r = sock_get(s, &so, &fd)) < 0 || (r = addr_in(addr, len, &na)) < 0)
		return (int)posix_ret(r);
	mutex_lock(&S.lk);
	dl = deadline_of(so->sndtimeo_us);
	r = net_connect(S.ns, so->sd, &na);
	timers_changed();
	while ((r == -EINPROGRESS || r == -EALREADY) && !dontwait(fd, 0)) {
		if (wait_for(so->sd, NET_POLLOUT, dl) < 0)
			break;
		r = net_connect(S.ns, so->sd, &na);
		timers_changed();
	}
	if (r == -EISCONN && !dontwait(fd, 0))
		r = 0;
	mutex_unlock(&S.lk);
	return (int)posix_ret(r);
}

/* send, sendto and write: a stream call waits until all of buf is
 * queued (or an error; then what was queued counts). */
static ssize_t
sock_send(struct sock *so, struct fd *fd, const void *buf, size_t len, int flags,
	  const struct net_sockaddr *to)
{
	uint64_t dl;
	size_t done = 0;
	long r;

	mutex_lock(&S.lk);
	dl = deadline_of(so->sndtimeo_us);
	for (;;) {
		r = net_sendto(S.ns, so->sd, (const uint8_t *)buf + done, len - done,
			       flags & NET_MSG_MORE, to);
		timers_changed();
		if (r >= 0) {
			done += (size_t)r;
			if (done == len || so->type != SOCK_STREAM)
				break;
			continue;
		}
		if (r != -EAGAIN || dontwait(fd, flags) || wait_for(so->sd, NET_POLLOUT, dl) < 0)
			break;
	}
	mutex_unlock(&S.lk);
	if (done > 0 && so->type == SOCK_STREAM)
		return (ssize_t)done;
	return r;
}

ssize_t
sendto(int s, const void *buf, size_t len, int flags, const struct sockaddr *to,
       socklen_t tolen)
{
	struct net_sockaddr na;
	struct sock *so;
	struct fd *fd;
	long r;

	if ((r = sock_get(s, &so, &fd)) < 0 || (to && (r = addr_in(to, tolen, &na)) < 0))
		return posix_ret(r);
	return posix_ret(sock_send(so, fd, buf, len, flags, to ? &na : NULL));
}

ssize_t
send(int s, const void *buf, size_t len, int flags)
{
	return sendto(s, buf, len, flags, NULL, 0);
}

/* recv, recvfrom and read. */
static ssize_t
sock_recv(struct sock *so, struct fd *fd, void *buf, size_t len, int flags,
	  struct net_sockaddr *from)
{
	bool all = (flags & MSG_WAITALL) && !(flags & MSG_PEEK) && so->type == SOCK_STREAM;
	size_t got = 0;
	uint64_t dl;
	long r;

	mutex_lock(&S.lk);
	dl = deadline_of(so->rcvtimeo_us);
	for (;;) {
		r = net_recvfrom(S.ns, so->sd, (uint8_t *)buf + got, len - got,
				 flags & NET_MSG_PEEK, from);
		if (r > 0 && all) {
			got += (size_t)r;
			if (got < len)
				continue;
			break;
		}
		if (r != -EAGAIN || dontwait(fd, flags) || wait_for(so->sd, NET_POLLIN, dl) < 0)
			break;
	}
	mutex_unlock(&S.lk);
	return got > 0 ? (ssize_t)got : r;
}

ssize_t
recvfrom(int s, void *buf, size_t len, int flags, struct sockaddr *from,
	 socklen_t *fromlen)
{
	struct net_sockaddr na = { 0, 0 };
	struct sock *so;
	struct fd *fd;
	long r;

	if ((r = sock_get(s, &so, &fd)) < 0)
		return posix_ret(r);
	if ((r = sock_recv(so, fd, buf, len, flags, &na)) >= 0)
		addr_out(&na, from, fromlen);
	return posix_ret(r);
}

ssize_t
recv(int s, void *buf, size_t len, int flags)
{
	return recvfrom(s, buf, len, flags, NULL, NULL);
}

int
shutdown(int s, int how)
{
	struct sock *so;
	int r;

	if ((r = sock_get(s, &so, NULL)) == 0) {
		mutex_lock(&S.lk);
		r = net_shutdown(S.ns, so->sd, how);
		timers_changed();
		mutex_unlock(&S.lk);
	}
	return (int)posix_ret(r);
}

static int
timeo_set(uint64_t *us, const void *val, socklen_t len)
{
	const struct timeval *tv = val;

	if (len < sizeof(*tv) || tv->tv_sec < 0 || tv->tv_usec < 0)
		return -EINVAL;
	*us = (uint64_t)tv->tv_sec * 1000000 + (uint64_t)tv->tv_usec;
	return 0;
}

int
setsockopt(int s, int level, int name, const void *val, socklen_t len)
{
	struct sock *so;
	int r;

	if ((r = sock_get(s, &so, NULL)) < 0 || (val == NULL && (r = -EFAULT)))
		return (int)posix_ret(r);
	if (level == SOL_SOCKET && name == SO_RCVTIMEO)
		return (int)posix_ret(timeo_set(&so->rcvtimeo_us, val, len));
	if (level == SOL_SOCKET && name == SO_SNDTIMEO)
		return (int)posix_ret(timeo_set(&so->sndtimeo_us, val, len));
	mutex_lock(&S.lk);
	r = net_setsockopt(S.ns, so->sd, level, name, val, len);
	timers_changed();
	mutex_unlock(&S.lk);
	return (int)posix_ret(r);
}

static int
timeo_get(uint64_t us, void *val, socklen_t *len)
{
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	if (*len < sizeof(tv))
		return -EINVAL;
	memcpy(val, &tv, sizeof(tv));
	*len = sizeof(tv);
	return 0;
}

int
getsockopt(int s, int level, int name, void *val, socklen_t *len)
{
	struct sock *so;
	size_t n;
	int r;

	if ((r = sock_get(s, &so, NULL)) < 0 || ((val == NULL || len == NULL) && (r = -EFAULT)))
		return (int)posix_ret(r);
	if (level == SOL_SOCKET && name == SO_RCVTIMEO)
		return (int)posix_ret(timeo_get(so->rcvtimeo_us, val, len));
	if (level == SOL_SOCKET && name == SO_SNDTIMEO)
		return (int)posix_ret(timeo_get(so->sndtimeo_us, val, len));
	n = *len;
	mutex_lock(&S.lk);
	r = net_getsockopt(S.ns, so->sd, level, name, val, &n);
	mutex_unlock(&S.lk);
	*len = (socklen_t)n;
	return (int)posix_ret(r);
}

int
getsockname(int s, struct sockaddr *addr, socklen_t *len)
{
	struct net_ifconfig ifc;
	struct net_sockaddr na;
	struct sock *so;
	int r;

	if ((r = sock_get(s, &so, NULL)) < 0)
		return (int)posix_ret(r);
	mutex_lock(&S.lk);
	r = net_getsockname(S.ns, so->sd, &na);
	net_get_ifconfig(S.ns, &ifc);
	mutex_unlock(&S.lk);
	if (r == 0 && na.addr == 0)
		na.addr = ifc.addr;
	if (r == 0)
		addr_out(&na, addr, len);
	return (int)posix_ret(r);
}

int
getpeername(int s, struct sockaddr *addr, socklen_t *len)
{
	struct net_sockaddr na;
	struct sock *so;
	int r;

	if ((r = sock_get(s, &so, NULL)) < 0)
		return (int)posix_ret(r);
	mutex_lock(&S.lk);
	r = net_getpeername(S.ns, so->sd, &na);
	mutex_unlock(&S.lk);
	if (r == 0)
		addr_out(&na, addr, len);
	return (int)posix_ret(r);
}

/* --- the descriptor operations --- */

static ssize_t
dev_read(struct fd *fd, void *buf, size_t n)
{
	struct sock *so = sock_of(fd);

	return so ? sock_recv(so, fd, buf, n, 0, NULL) : -EBADF;
}

static ssize_t
dev_write(struct fd *fd, const void *buf, size_t n)
{
	struct sock *so = sock_of(fd);

	return so ? sock_send(so, fd, buf, n, 0, NULL) : -EBADF;
}

/* Whether another descriptor of this env than fd's own refers to fd's
 * description (a dup). */
static bool
dup_here(struct fd *fd)
{
	uint64_t mine = uvpt_pte((uintptr_t)fd);
	int n = fd_num(fd);

	for (int i = 0; i < FD_MAX; i++)
		if (i != n && fd_lookup(i) &&
		    pte_ppn(uvpt_pte((uintptr_t)fd_lookup(i))) == pte_ppn(mine))
			return true;
	return false;
}

/* The connection goes on closing by itself in the stack (FIN, TIME-WAIT)
 * once the owner's last descriptor of it goes. */
static int
dev_close(struct fd *fd, int last)
{
	struct sock *so = sock_of(fd);

	(void)last;
	if (so == NULL || dup_here(fd))
		return 0;
	mutex_lock(&S.lk);
	net_close(S.ns, so->sd);
	timers_changed();
	so->owner = 0;
	mutex_unlock(&S.lk);
	return 0;
}

static int
dev_fstat(struct fd *fd, struct stat *st)
{
	(void)fd;
	memset(st, 0, sizeof(*st));
	st->st_dev = FD_DEV_SOCKET;
	st->st_mode = S_IFSOCK | 0666;
	return 0;
}

/* FD_POLL_* are poll's bits, as NET_POLL* are. */
static int
dev_poll(struct fd *fd)
{
	struct sock *so = sock_of(fd);
	int ev;

	if (so == NULL)
		return POLLNVAL;
	mutex_lock(&S.lk);
	ev = net_sock_poll(S.ns, so->sd);
	mutex_unlock(&S.lk);
	return ev;
}

static const struct fd_dev sock_dev = {
	.dev_id = FD_DEV_SOCKET,
	.dev_name = "socket",
	.dev_read = dev_read,
	.dev_write = dev_write,
	.dev_close = dev_close,
	.dev_fstat = dev_fstat,
	.dev_poll = dev_poll,
};

/* --- exit --- */

/* Whether a closed connection still has data or a FIN to deliver. Lock
 * held. */
static bool
delivering(void)
{
	static struct net_sockdesc d[64];
	int n = net_sock_list(S.ns, d, 64);

	for (int i = 0; i < n && i < 64; i++) {
		const char *st = d[i].type == NET_SOCK_STREAM ? tcp_state_name(d[i].tcp_state) : "";
		if (strcmp(st, "FIN_WAIT_1") == 0 || strcmp(st, "CLOSING") == 0 ||
		    strcmp(st, "LAST_ACK") == 0)
			return true;
	}
	return false;
}

/* atexit: close this env's sockets and give what they still hold up to
 * SOCK_EXIT_LINGER_US to reach the peer. */
static void
sock_exit_linger(void)
{
	uint64_t dl = netglue_now_us() + SOCK_EXIT_LINGER_US;

	for (int n = 0; n < FD_MAX; n++) {
		struct fd *fd = fd_lookup(n);
		if (fd && sock_of(fd))
			close(n);
	}
	mutex_lock(&S.lk);
	while (delivering() && sock_wait(dl) == 0)
		;
	mutex_unlock(&S.lk);
}

/* --- poll --- */

#define POLL_OTHERS_US	10000	/* how often non-socket descriptors are looked at */

/* What is true of descriptor p->fd, into p->revents; whether fd is a
 * socket of ours (the others cannot wake a sock_wait). Lock held. */
static bool
poll_one(struct pollfd *p)
{
	struct fd *fd = p->fd < 0 ? NULL : fd_lookup(p->fd);
	const struct fd_dev *dev = fd ? fd_dev(fd) : NULL;
	struct sock *so;
	int ev;

	p->revents = 0;
	if (p->fd < 0)
		return true;
	if (dev == NULL) {
		p->revents = POLLNVAL;
		return true;
	}
	if ((so = sock_of(fd)) != NULL)
		ev = net_sock_poll(S.ns, so->sd);
	else if (dev->dev_poll)
		ev = dev->dev_poll(fd);
	else
		ev = POLLIN | POLLOUT;	/* a file never blocks */
	p->revents = (short)(ev & (p->events | POLLERR | POLLHUP | POLLNVAL));
	return so != NULL || !dev->dev_poll;
}

int
poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	uint64_t dl = timeout_ms > 0 ? netglue_now_us() + (uint64_t)timeout_ms * 1000 : 0;
	bool only_socks;
	int ready;

	mutex_lock(&S.lk);
	for (;;) {
		ready = 0;
		only_socks = true;
		for (nfds_t i = 0; i < n; i++) {
			only_socks &= poll_one(&fds[i]);
			ready += fds[i].revents != 0;
		}
		if (ready || timeout_ms == 0 || (dl && netglue_now_us() >= dl))
			break;
		if (S.ns && only_socks) {
			sock_wait(dl);
			continue;
		}
		/* a console or a pipe: look again in a while */
		mutex_unlock(&S.lk);
		thread_sleep_us(POLL_OTHERS_US);
		mutex_lock(&S.lk);
	}
	mutex_unlock(&S.lk);
	return ready;
}
