/*
 * Sockets: the BSD calls over TCP control blocks, UDP control blocks and
 * ICMP echo queues, on small descriptors private to one stack. Nothing
 * here blocks; libos adds blocking and file descriptors.
 */
#include "net/tcp.h"
#include "net/udp.h"

#define NSOCK_MAX	4096
#define UDP_MAX_PAYLOAD	65507
#define ICMP_ECHO	8

struct nsock {
	int sd;
	int type;
	struct tcpcb *tp;		/* NET_SOCK_STREAM */
	struct udpcb *up;		/* NET_SOCK_DGRAM */
	struct dgram_queue icmpq;	/* NET_SOCK_ICMP: echo replies */
	uint16_t icmp_id;
	uint8_t reuse;
	uint8_t rdshut;
	uint8_t connected;		/* a TCP connection was established once */
	struct net_linger linger;
};

static struct nsock *
sock_get(struct netstack *ns, int sd)
{
	if (sd < 0 || sd >= ns->ns_nsocks)
		return NULL;
	return ns->ns_socks[sd];
}

/* A free descriptor for so, growing the table. -NET_EMFILE/-NET_ENOMEM */
static int
sock_install(struct netstack *ns, struct nsock *so)
{
	struct nsock **t;
	int i, n;

	for (i = 0; i < ns->ns_nsocks; i++)
		if (ns->ns_socks[i] == NULL)
			goto found;
	if (ns->ns_nsocks >= NSOCK_MAX)
		return -NET_EMFILE;
	n = ns->ns_nsocks ? ns->ns_nsocks * 2 : 16;
	t = netglue_alloc((size_t)n * sizeof(*t));
	if (t == NULL)
		return -NET_ENOMEM;
	if (ns->ns_nsocks)
		memcpy(t, ns->ns_socks, (size_t)ns->ns_nsocks * sizeof(*t));
	netglue_free(ns->ns_socks);
	ns->ns_socks = t;
	i = ns->ns_nsocks;
	ns->ns_nsocks = n;
found:
	ns->ns_socks[i] = so;
	so->sd = i;
	return i;
}

int
net_socket(struct netstack *ns, int type)
{
	struct nsock *so;
	int sd;

	if (type != NET_SOCK_STREAM && type != NET_SOCK_DGRAM && type != NET_SOCK_ICMP)
		return -NET_EPROTONOSUPPORT;
	so = netglue_alloc(sizeof(*so));
	if (so == NULL)
		return -NET_ENOMEM;
	so->type = type;
	if (type == NET_SOCK_STREAM) {
		so->tp = tcp_newtcb(ns, &ns->ns_tune);
		if (so->tp == NULL)
			goto nomem;
		so->tp->t_sock = so;
	} else if (type == NET_SOCK_DGRAM) {
		so->up = udp_newcb(ns, ns->ns_tune.rcvbuf);
		if (so->up == NULL)
			goto nomem;
	} else {
		so->icmpq.limit = 64 * 1024;
		so->icmp_id = (uint16_t)net_random32();
	}
	sd = sock_install(ns, so);
	if (sd < 0) {
		if (so->tp)
			tcp_free(so->tp);
		if (so->up)
			udp_freecb(ns, so->up);
		netglue_free(so);
	}
	return sd;
nomem:
	netglue_free(so);
	return -NET_ENOMEM;
}

static int
addr_ok(struct netstack *ns, uint32_t addr)
{
	return addr == 0 || addr == ns->ns_if.addr;
}

int
net_bind(struct netstack *ns, int sd, const struct net_sockaddr *a)
{
	struct nsock *so = sock_get(ns, sd);
	struct tcpcb *tp;
	uint16_t port;

	if (so == NULL)
		return -NET_EBADF;
	if (a == NULL || !addr_ok(ns, a->addr))
		return -NET_EADDRNOTAVAIL;
	if (so->type == NET_SOCK_DGRAM) {
		if (so->up->lport)
			return -NET_EINVAL;
		so->up->reuse = so->reuse;
		return udp_bind(ns, so->up, a->addr, a->port);
	}
	if (so->type != NET_SOCK_STREAM)
		return -NET_EOPNOTSUPP;
	tp = so->tp;
	if (tp->lport || tp->t_state != TCPS_CLOSED)
		return -NET_EINVAL;
	port = a->port;
	if (port == 0)
		port = tcp_ephemeral_port(ns, a->addr, 0, 0);
	if (port == 0 || tcp_port_in_use(ns, a->addr, port, so->reuse))
		return -NET_EADDRINUSE;
	tp->laddr = a->addr;
	tp->lport = port;
	return 0;
}

int
net_listen(struct netstack *ns, int sd, int backlog)
{
	struct nsock *so = sock_get(ns, sd);
	struct net_sockaddr any = { 0, 0 };
	int r;

	if (so == NULL)
		return -NET_EBADF;
	if (so->type != NET_SOCK_STREAM)
		return -NET_EOPNOTSUPP;
	if (so->tp->lport == 0 && (r = net_bind(ns, sd, &any)) < 0)
		return r;
	return tcp_usr_listen(so->tp, backlog);
}

int
net_accept(struct netstack *ns, int sd, struct net_sockaddr *peer)
{
	struct nsock *so = sock_get(ns, sd), *nso;
	struct tcpcb *lp, *tp;
	int nsd;

	if (so == NULL)
		return -NET_EBADF;
	if (so->type != NET_SOCK_STREAM || so->tp->t_state != TCPS_LISTEN)
		return -NET_EINVAL;
	lp = so->tp;
	if (lp->t_acceptq == NULL)
		return -NET_EAGAIN;
	nso = netglue_alloc(sizeof(*nso));
	if (nso == NULL)
		return -NET_ENOMEM;
	nso->type = NET_SOCK_STREAM;
	nso->connected = 1;
	nsd = sock_install(ns, nso);
	if (nsd < 0) {
		netglue_free(nso);
		return nsd;
	}
	tp = lp->t_acceptq;
	lp->t_acceptq = tp->t_qnext;
	lp->t_qlen--;
	tp->t_qnext = NULL;
	tp->t_parent = NULL;
	tp->t_sock = nso;
	nso->tp = tp;
	if (peer) {
		peer->addr = tp->faddr;
		peer->port = tp->fport;
	}
	return nsd;
}

static int
tcp_connect_status(struct nsock *so)
{
	struct tcpcb *tp = so->tp;
	int err = tp->t_error;

	if (tp->t_state == TCPS_SYN_SENT || tp->t_state == TCPS_SYN_RECEIVED)
		return -NET_EALREADY;
	if (tp->t_state == TCPS_CLOSED && err) {
		tp->t_error = 0;
		return -err;
	}
	if (tp->t_state == TCPS_CLOSED && so->connected)
		return -NET_EINVAL;
	if (tp->t_state != TCPS_CLOSED)
		return -NET_EISCONN;
	return 1;	/* not yet started */
}

int
net_connect(struct netstack *ns, int sd, const struct net_sockaddr *a)
{
	struct nsock *so = sock_get(ns, sd);
	int r;

	if (so == NULL)
		return -NET_EBADF;
	if (a == NULL)
		return -NET_EINVAL;
	if (so->type == NET_SOCK_DGRAM) {
		if (so->up->lport == 0 && (r = udp_bind(ns, so->up, 0, 0)) < 0)
			return r;
		so->up->faddr = a->addr;
		so->up->fport = a->port;
		return 0;
	}
	if (so->type != NET_SOCK_STREAM)
		return -NET_EOPNOTSUPP;
	r = tcp_connect_status(so);
	if (r <= 0)
		return r;
	r = tcp_usr_connect(so->tp, a->addr, a->port);
	return r;
}

long
net_send(struct netstack *ns, int sd, const void *buf, size_t len, int flags)
{
	struct nsock *so = sock_get(ns, sd);

	if (so == NULL)
		return -NET_EBADF;
	if (so->type != NET_SOCK_STREAM)
		return net_sendto(ns, sd, buf, len, flags, NULL);
	if (so->tp->t_state == TCPS_ESTABLISHED || so->tp->t_state == TCPS_CLOSE_WAIT)
		so->connected = 1;
	return tcp_usr_send(so->tp, buf, len, flags);
}

static long
icmp_sendto(struct netstack *ns, struct nsock *so, const uint8_t *buf, size_t len,
	const struct net_sockaddr *to)
{
	int r;

	/* Like Linux ping sockets: the app writes an echo request header
	 * and payload; we set the identifier and the checksum. */
	if (to == NULL)
		return -NET_EDESTADDRREQ;
	if (len < 8 || buf[0] != ICMP_ECHO || buf[1] != 0)
		return -NET_EINVAL;
	r = icmp_send_echo(ns, to->addr, so->icmp_id, get16(buf + 6), buf + 8, len - 8);
	return r < 0 ? r : (long)len;
}

long
net_sendto(struct netstack *ns, int sd, const void *buf, size_t len, int flags,
	const struct net_sockaddr *to)
{
	struct nsock *so = sock_get(ns, sd);
	struct udpcb *up;
	uint32_t dst;
	uint16_t dport;
	int r;

	if (so == NULL)
		return -NET_EBADF;
	if (so->type == NET_SOCK_STREAM)
		return to ? -NET_EISCONN : net_send(ns, sd, buf, len, flags);
	if (so->type == NET_SOCK_ICMP)
		return icmp_sendto(ns, so, buf, len, to);
	up = so->up;
	dst = to ? to->addr : up->faddr;
	dport = to ? to->port : up->fport;
	if (dport == 0)
		return to ? -NET_EINVAL : -NET_EDESTADDRREQ;
	if (len > UDP_MAX_PAYLOAD)
		return -NET_EMSGSIZE;
	if (up->lport == 0 && (r = udp_bind(ns, up, 0, 0)) < 0)
		return r;
	r = udp_output(ns, up->laddr ? up->laddr : ns->ns_if.addr, up->lport,
		dst, dport, buf, len);
	return r < 0 ? r : (long)len;
}

long
net_recv(struct netstack *ns, int sd, void *buf, size_t len, int flags)
{
	return net_recvfrom(ns, sd, buf, len, flags, NULL);
}

static long
dgram_recv(struct dgram_queue *q, void *buf, size_t len, int flags,
	struct net_sockaddr *from)
{
	struct dgram *d = q->head;
	size_t n;

	if (d == NULL)
		return -NET_EAGAIN;
	n = NET_MIN(len, (size_t)d->len);
	memcpy(buf, d->data, n);
	if (from) {
		from->addr = d->src;
		from->port = d->sport;
	}
	if (!(flags & NET_MSG_PEEK))
		netglue_free(dgram_dequeue(q));
	return (long)n;
}

long
net_recvfrom(struct netstack *ns, int sd, void *buf, size_t len, int flags,
	struct net_sockaddr *from)
{
	struct nsock *so = sock_get(ns, sd);

	if (so == NULL)
		return -NET_EBADF;
	if (so->type == NET_SOCK_DGRAM)
		return dgram_recv(&so->up->q, buf, len, flags, from);
	if (so->type == NET_SOCK_ICMP)
		return dgram_recv(&so->icmpq, buf, len, flags, from);
	if (so->rdshut)
		return 0;
	if (so->tp->t_state >= TCPS_ESTABLISHED)
		so->connected = 1;
	if (from) {
		from->addr = so->tp->faddr;
		from->port = so->tp->fport;
	}
	return tcp_usr_recv(so->tp, buf, len, flags);
}

void
sock_icmp_deliver(struct netstack *ns, const struct ip_pkt *p,
	const uint8_t *icmp, size_t len)
{
	int i;

	for (i = 0; i < ns->ns_nsocks; i++) {
		struct nsock *so = ns->ns_socks[i];
		if (so && so->type == NET_SOCK_ICMP && so->icmp_id == get16(icmp + 4)) {
			dgram_enqueue(&so->icmpq, p->src, 0, icmp, len);
			return;
		}
	}
	NSTAT(ns, icmp_drop_type);
}

int
net_shutdown(struct netstack *ns, int sd, int how)
{
	struct nsock *so = sock_get(ns, sd);

	if (so == NULL)
		return -NET_EBADF;
	if (how < NET_SHUT_RD || how > NET_SHUT_RDWR)
		return -NET_EINVAL;
	if (so->type != NET_SOCK_STREAM)
		return 0;
	if (so->tp->t_state == TCPS_CLOSED || so->tp->t_state == TCPS_LISTEN)
		return -NET_ENOTCONN;
	if (how != NET_SHUT_WR)
		so->rdshut = 1;
	if (how != NET_SHUT_RD)
		tcp_usr_shutdown_wr(so->tp);
	return 0;
}

int
net_close(struct netstack *ns, int sd)
{
	struct nsock *so = sock_get(ns, sd);

	if (so == NULL)
		return -NET_EBADF;
	if (so->tp)
		tcp_usr_close(so->tp, so->linger.l_onoff && so->linger.l_linger == 0);
	if (so->up)
		udp_freecb(ns, so->up);
	dgram_flush(&so->icmpq);
	ns->ns_socks[sd] = NULL;
	netglue_free(so);
	return 0;
}

void
sock_free_all(struct netstack *ns)
{
	int i;

	for (i = 0; i < ns->ns_nsocks; i++) {
		struct nsock *so = ns->ns_socks[i];
		if (so == NULL)
			continue;
		if (so->tp)
			so->tp->t_sock = NULL;
		dgram_flush(&so->icmpq);
		netglue_free(so);
	}
	netglue_free(ns->ns_socks);
	ns->ns_socks = NULL;
	ns->ns_nsocks = 0;
	udp_free_all(ns);
}

int
net_sock_poll(struct netstack *ns, int sd)
{
	struct nsock *so = sock_get(ns, sd);
	struct tcpcb *tp;
	int ev = 0;

	if (so == NULL)
		return NET_POLLERR | NET_POLLHUP;
	if (so->type == NET_SOCK_DGRAM)
		return NET_POLLOUT | (so->up->q.head ? NET_POLLIN : 0);
	if (so->type == NET_SOCK_ICMP)
		return NET_POLLOUT | (so->icmpq.head ? NET_POLLIN : 0);
	tp = so->tp;
	if (tp->t_state == TCPS_LISTEN)
		return tp->t_acceptq ? NET_POLLIN : 0;
	if (tp->rb_len > 0 || (tp->t_flags & TF_RCVD_FIN) || so->rdshut)
		ev |= NET_POLLIN;
	if (tcps_synchronized(tp->t_state) && tcps_can_snd(tp->t_state) &&
	    !(tp->t_flags & TF_WANTFIN) && tp->sb_len < tp->sb_cap)
		ev |= NET_POLLOUT;
	if (tp->t_error)
		ev |= NET_POLLERR | NET_POLLIN | NET_POLLOUT;
	if (tp->t_state == TCPS_CLOSED && (tp->t_error || so->connected))
		ev |= NET_POLLHUP | NET_POLLIN;
	if ((tp->t_flags & TF_RCVD_FIN) && (tp->t_flags & TF_WANTFIN))
		ev |= NET_POLLHUP;
	if (tp->t_state >= TCPS_ESTABLISHED)
		so->connected = 1;
	return ev;
}

int
net_sock_next(struct netstack *ns, int after)
{
	int i;

	for (i = after + 1; i < ns->ns_nsocks; i++)
		if (ns->ns_socks[i])
			return i;
	return -1;
}

int
net_getsockname(struct netstack *ns, int sd, struct net_sockaddr *a)
{
	struct nsock *so = sock_get(ns, sd);

	if (so == NULL)
		return -NET_EBADF;
	if (so->tp) {
		a->addr = so->tp->laddr ? so->tp->laddr : 0;
		a->port = so->tp->lport;
	} else if (so->up) {
		a->addr = so->up->laddr;
		a->port = so->up->lport;
	} else {
		a->addr = ns->ns_if.addr;
		a->port = 0;
	}
	return 0;
}

int
net_getpeername(struct netstack *ns, int sd, struct net_sockaddr *a)
{
	struct nsock *so = sock_get(ns, sd);

	if (so == NULL)
		return -NET_EBADF;
	if (so->tp && so->tp->t_state >= TCPS_SYN_RECEIVED) {
		a->addr = so->tp->faddr;
		a->port = so->tp->fport;
		return 0;
	}
	if (so->up && so->up->fport) {
		a->addr = so->up->faddr;
		a->port = so->up->fport;
		return 0;
	}
	return -NET_ENOTCONN;
}

int
net_sock_list(struct netstack *ns, struct net_sockdesc *out, int max)
{
	struct tcpcb *tp;
	struct udpcb *up;
	int n = 0, i;

	for (tp = ns->ns_tcbs; tp; tp = tp->t_next, n++) {
		if (n >= max)
			continue;
		out[n].sd = tp->t_sock ? tp->t_sock->sd : -1;
		out[n].type = NET_SOCK_STREAM;
		out[n].local.addr = tp->laddr;
		out[n].local.port = tp->lport;
		out[n].remote.addr = tp->faddr;
		out[n].remote.port = tp->fport;
		out[n].tcp_state = tp->t_state;
		out[n].rxq = tp->rb_len;
		out[n].txq = tp->sb_len;
	}
	for (up = ns->ns_udps; up; up = up->next, n++) {
		if (n >= max)
			continue;
		out[n].sd = -1;
		for (i = 0; i < ns->ns_nsocks; i++)
			if (ns->ns_socks[i] && ns->ns_socks[i]->up == up)
				out[n].sd = i;
		out[n].type = NET_SOCK_DGRAM;
		out[n].local.addr = up->laddr;
		out[n].local.port = up->lport;
		out[n].remote.addr = up->faddr;
		out[n].remote.port = up->fport;
		out[n].tcp_state = -1;
		out[n].rxq = up->q.bytes;
		out[n].txq = 0;
	}
	return n;
}

/* --- options --- */

static int
get_int(const void *val, size_t len, int *out)
{
	if (val == NULL || len < sizeof(int))
		return -NET_EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int
put_int(void *val, size_t *len, int v)
{
	if (val == NULL || len == NULL || *len < sizeof(int))
		return -NET_EINVAL;
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

/* Buffer sizes can change only until the buffers exist. */
static int
set_bufsize(struct nsock *so, int name, int v)
{
	uint32_t sz = (uint32_t)NET_MAX(v, 2048);

	sz = NET_MIN(sz, 64u << 20);
	if (so->type == NET_SOCK_DGRAM) {
		if (name == NET_SO_RCVBUF)
			so->up->q.limit = sz;
		return 0;
	}
	if (so->type != NET_SOCK_STREAM)
		return 0;
	if (so->tp->sb_buf || so->tp->rb_buf)
		return -NET_EISCONN;
	if (name == NET_SO_RCVBUF)
		so->tp->t_tune.rcvbuf = sz;
	else
		so->tp->t_tune.sndbuf = sz;
	return 0;
}

static int
sol_socket_set(struct nsock *so, int name, const void *val, size_t len)
{
	int v, r;

	if (name == NET_SO_LINGER) {
		if (val == NULL || len < sizeof(struct net_linger))
			return -NET_EINVAL;
		memcpy(&so->linger, val, sizeof(so->linger));
		return 0;
	}
	if ((r = get_int(val, len, &v)) < 0)
		return r;
	switch (name) {
	case NET_SO_REUSEADDR:
		so->reuse = v != 0;
		if (so->up)
			so->up->reuse = so->reuse;
		return 0;
	case NET_SO_SNDBUF:
	case NET_SO_RCVBUF:
		return set_bufsize(so, name, v);
	case NET_SO_KEEPALIVE:
		if (so->tp == NULL)
			return 0;
		so->tp->t_tune.keepalive = v != 0;
		if (v && so->tp->t_state >= TCPS_ESTABLISHED)
			tcp_timer_set(so->tp, TT_KEEP, so->tp->t_tune.keep_idle_us);
		return 0;
	}
	return -NET_ENOPROTOOPT;
}

static int
sol_socket_get(struct nsock *so, int name, void *val, size_t *len)
{
	int err;

	switch (name) {
	case NET_SO_REUSEADDR:
		return put_int(val, len, so->reuse);
	case NET_SO_TYPE:
		return put_int(val, len, so->type);
	case NET_SO_ERROR:
		err = so->tp ? so->tp->t_error : 0;
		if (so->tp && so->tp->t_state != TCPS_CLOSED)
			so->tp->t_error = 0;
		return put_int(val, len, err);
	case NET_SO_SNDBUF:
		return put_int(val, len, so->tp ? (int)so->tp->t_tune.sndbuf : 0);
	case NET_SO_RCVBUF:
		return put_int(val, len, so->tp ? (int)so->tp->t_tune.rcvbuf :
			so->up ? (int)so->up->q.limit : 0);
	case NET_SO_KEEPALIVE:
		return put_int(val, len, so->tp ? so->tp->t_tune.keepalive : 0);
	case NET_SO_ACCEPTCONN:
		return put_int(val, len, so->tp && so->tp->t_state == TCPS_LISTEN);
	case NET_SO_LINGER:
		if (val == NULL || len == NULL || *len < sizeof(so->linger))
			return -NET_EINVAL;
		memcpy(val, &so->linger, sizeof(so->linger));
		*len = sizeof(so->linger);
		return 0;
	}
	return -NET_ENOPROTOOPT;
}

/* Switches a connection's congestion control, keeping its window. */
static int
set_congestion(struct tcpcb *tp, const void *val, size_t len)
{
	char name[16];
	const struct tcp_cc_ops *ops;
	uint32_t cwnd = tp->t_cc.cwnd, ssthresh = tp->t_cc.ssthresh;

	if (val == NULL || len == 0)
		return -NET_EINVAL;
	len = NET_MIN(len, sizeof(name) - 1);
	memcpy(name, val, len);
	name[len] = '\0';
	ops = tcp_cc_find(tp->t_ns, name);
	if (ops == NULL)
		return -NET_ENOENT;
	tp->t_ccops = ops;
	memcpy(tp->t_tune.cc, name, strlen(name) + 1);
	if (tp->t_state >= TCPS_ESTABLISHED) {
		ops->init(&tp->t_cc);
		tp->t_cc.cwnd = cwnd;
		tp->t_cc.ssthresh = ssthresh;
	}
	return 0;
}

/* An int option that maps onto a tcp_tune field: its address, the
 * multiplier from the option's unit to the field's, and whether it is a
 * flag (0/1). NULL if name is not one of them. */
static void *
tune_field(struct tcp_tune *t, int name, uint32_t *mult, int *is_flag)
{
	*mult = 1;
	*is_flag = 0;
	switch (name) {
	case NET_TCP_KEEPIDLE:		*mult = 1000000; return &t->keep_idle_us;
	case NET_TCP_KEEPINTVL:		*mult = 1000000; return &t->keep_intvl_us;
	case NET_TCP_KEEPCNT:		return &t->keep_cnt;
	case NET_TCP_USER_TIMEOUT:	*mult = 1000; return &t->user_timeout_us;
	case NET_TCP_INITCWND:		return &t->iw;
	case NET_TCP_DELACK_MS:		*mult = 1000; return &t->delack_us;
	case NET_TCP_RTO_MIN_MS:	*mult = 1000; return &t->rto_min_us;
	case NET_TCP_RTO_MAX_MS:	*mult = 1000; return &t->rto_max_us;
	case NET_TCP_RTO_INIT_MS:	*mult = 1000; return &t->rto_init_us;
	case NET_TCP_TIMEWAIT_MS:	*mult = 1000; return &t->timewait_us;
	case NET_TCP_DUPTHRESH:		return &t->dupthresh;
	case NET_TCP_MAXSEG:		return &t->mss;
	case NET_TCP_NODELAY:		*is_flag = 1; return &t->nodelay;
	case NET_TCP_SACK:		*is_flag = 1; return &t->sack;
	case NET_TCP_TIMESTAMPS:	*is_flag = 1; return &t->tstamp;
	case NET_TCP_WSCALE:		*is_flag = 1; return &t->wscale;
	case NET_TCP_DELACK:		*is_flag = 1; return &t->delack;
	case NET_TCP_TSO:		*is_flag = 1; return &t->tso;
	}
	return NULL;
}

static int
tcp_opt_set(struct tcpcb *tp, int name, const void *val, size_t len)
{
	uint32_t mult;
	int v, flag, r;
	void *f;

	if (name == NET_TCP_CONGESTION)
		return set_congestion(tp, val, len);
	if ((r = get_int(val, len, &v)) < 0)
		return r;
	if (name == NET_TCP_QUICKACK) {
		tp->t_tune.delack = v == 0;
		return 0;
	}
	f = tune_field(&tp->t_tune, name, &mult, &flag);
	if (f == NULL)
		return -NET_ENOPROTOOPT;
	if (v < 0 || (uint64_t)v * mult > 0xffffffffu)
		return -NET_EINVAL;
	if (flag) {
		*(uint8_t *)f = v != 0;
	} else {
		uint32_t u = (uint32_t)v * mult;
		memcpy(f, &u, sizeof(u));
	}
	if (name == NET_TCP_RTO_MIN_MS || name == NET_TCP_RTO_MAX_MS)
		tcp_rto_update(tp);
	if (name == NET_TCP_NODELAY && v && tcps_synchronized(tp->t_state))
		tcp_output(tp);
	return 0;
}

static int
tcp_opt_get(struct tcpcb *tp, int name, void *val, size_t *len)
{
	struct net_tcp_info ti;
	uint32_t mult, u;
	int flag;
	void *f;

	if (name == NET_TCP_INFO) {
		if (val == NULL || len == NULL)
			return -NET_EINVAL;
		tcp_fill_info(tp, &ti);
		*len = NET_MIN(*len, sizeof(ti));
		memcpy(val, &ti, *len);
		return 0;
	}
	if (name == NET_TCP_CONGESTION) {
		if (val == NULL || len == NULL || *len == 0)
			return -NET_EINVAL;
		*len = NET_MIN(*len, strlen(tp->t_ccops->name) + 1);
		memcpy(val, tp->t_ccops->name, *len);
		((char *)val)[*len - 1] = '\0';
		return 0;
	}
	if (name == NET_TCP_QUICKACK)
		return put_int(val, len, !tp->t_tune.delack);
	if (name == NET_TCP_MAXSEG && tcps_synchronized(tp->t_state))
		return put_int(val, len, tp->t_maxseg);
	f = tune_field(&tp->t_tune, name, &mult, &flag);
	if (f == NULL)
		return -NET_ENOPROTOOPT;
	if (flag)
		return put_int(val, len, *(uint8_t *)f);
	memcpy(&u, f, sizeof(u));
	return put_int(val, len, (int)(u / mult));
}

int
net_setsockopt(struct netstack *ns, int sd, int level, int name,
	const void *val, size_t len)
{
	struct nsock *so = sock_get(ns, sd);

	if (so == NULL)
		return -NET_EBADF;
	if (level == NET_SOL_SOCKET)
		return sol_socket_set(so, name, val, len);
	if (level == NET_IPPROTO_TCP && so->tp)
		return tcp_opt_set(so->tp, name, val, len);
	return -NET_ENOPROTOOPT;
}

int
net_getsockopt(struct netstack *ns, int sd, int level, int name,
	void *val, size_t *len)
{
	struct nsock *so = sock_get(ns, sd);

	if (so == NULL)
		return -NET_EBADF;
	if (level == NET_SOL_SOCKET)
		return sol_socket_get(so, name, val, len);
	if (level == NET_IPPROTO_TCP && so->tp)
		return tcp_opt_get(so->tp, name, val, len);
	return -NET_ENOPROTOOPT;
}
