/*
 * tcpbench: TCP throughput and request/response latency over the
 * program's own stack, with its tuning.
 *
 *   tcpbench [OPTS] send HOST PORT BYTES     connect, send BYTES, close
 *   tcpbench [OPTS] recv HOST PORT           connect, read to the end
 *   tcpbench [OPTS] sink PORT [N]            accept N (1) connections, read each to the end
 *   tcpbench [OPTS] source PORT BYTES [N]    accept N (1) connections, send BYTES to each
 *   tcpbench [OPTS] rr HOST PORT COUNT [SIZE]  COUNT exchanges of SIZE (1) bytes with an echo server
 *   tcpbench [OPTS] echo PORT                an echo server (a thread per connection), for ever
 *
 * OPTS: -o WORDS (the stack's configuration: sock.h), -k KNOB=VALUE (a
 * per-socket option: nodelay, cc, iw, sack, ts, wscale, delack, maxseg,
 * rcvbuf, sndbuf...; repeatable), -w SIZE (bytes per send, default 64
 * KiB), -v (the sockets and counters at the end), -t (a sender traces
 * cwnd between losses and prints the longest stretch: see struct trace).
 *
 * Each transfer ends with one line: bytes, zlib's CRC-32 of the bytes,
 * seconds, Mbit/s, and the connection's congestion control, final cwnd
 * and retransmissions (TCP_INFO). Data sent is an xorshift stream.
 */
#include "netapp.h"

#define KNOBS_MAX	16
#define BUF_MAX		(256 * 1024)

static const char *knobs[KNOBS_MAX];
static int nknobs;
static size_t wsize = 64 * 1024;
static bool verbose, tracing;
static uint8_t buf[BUF_MAX];

/* -t: how cwnd grows between losses (RFC 5681 3.1, RFC 9438 4.2-4.4),
 * from TCP_INFO after every send. A period starts when the connection,
 * after a loss, is back in congestion avoidance (out of recovery, cwnd
 * >= ssthresh) and ends at the next loss; the one in which the most
 * bytes were acknowledged is reported (the last one alone is often a
 * few ACKs long). When a period's table fills, every other sample goes
 * and the least gap between two doubles, so it spans the whole period. */
#define TRACE_MAX	256

struct trace_pt {
	uint64_t t_us;		/* since the transfer began */
	uint64_t acked;		/* bytes_acked */
	uint32_t cwnd, srtt_us, snd_wnd;
};

struct trace {
	uint64_t gap_us;	/* least time between two samples kept */
	uint64_t windows;	/* sum of bytes acked / cwnd, thousandths, while
				 * cwnd (not the peer's window) limited us */
	int n;
	struct trace_pt pt[TRACE_MAX];
	struct trace_pt last;	/* the latest sample, kept or not */
};

static struct trace tr_cur, tr_best;
static uint64_t tr_losses;	/* fast retransmits + RTOs so far */
static uint32_t tr_mss;

static uint64_t
trace_acked(const struct trace *t)
{
	return t->n ? t->last.acked - t->pt[0].acked : 0;
}

/* The current period is over: keep it if it is the longest. */
static void
trace_end(void)
{
	if (trace_acked(&tr_cur) > trace_acked(&tr_best))
		tr_best = tr_cur;
	memset(&tr_cur, 0, sizeof(tr_cur));
}

static void
trace_add(struct trace *t, const struct trace_pt *p)
{
	if (t->n > 0 && t->last.cwnd + tr_mss <= t->last.snd_wnd)
		t->windows += (p->acked - t->last.acked) * 1000 / t->last.cwnd;
	t->last = *p;
	if (t->n > 0 && p->t_us - t->pt[t->n - 1].t_us < t->gap_us)
		return;
	if (t->n == TRACE_MAX) {
		for (int i = 0; i < TRACE_MAX / 2; i++)
			t->pt[i] = t->pt[2 * i];
		t->n = TRACE_MAX / 2;
		if (t->gap_us)
			t->gap_us *= 2;
		else if ((t->gap_us = t->pt[1].t_us - t->pt[0].t_us) == 0)
			t->gap_us = 1;
	}
	t->pt[t->n++] = *p;
}

static void
trace_sample(int s, uint64_t t0)
{
	struct net_tcp_info ti;
	socklen_t len = sizeof(ti);
	struct trace_pt p;

	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return;
	if (ti.fast_rexmits + ti.rtos != tr_losses) {
		tr_losses = ti.fast_rexmits + ti.rtos;
		trace_end();
	}
	if (tr_losses == 0 || ti.in_recovery || (tr_cur.n == 0 && ti.cwnd < ti.ssthresh))
		return;
	p.t_us = now_us() - t0;
	p.acked = ti.bytes_acked;
	p.cwnd = ti.cwnd;
	p.srtt_us = ti.srtt_us;
	p.snd_wnd = ti.snd_wnd;
	tr_mss = ti.mss;
	trace_add(&tr_cur, &p);
}

/* Two lines: the longest period's growth from its first sample to its
 * last, with the mean srtt and what was acknowledged meanwhile (bytes,
 * and windows: each ACK's bytes over the cwnd they met, counted while
 * cwnd was below the peer's window, since cwnd grows only then); then
 * up to 25 of its samples as ms:cwnd. */
static void
trace_report(const char *cc)
{
	const struct trace *t = &tr_best;
	uint64_t srtt = 0;
	int i, step;

	trace_end();
	if (t->n == 0) {
		printf("tcpbench: %s between losses: no congestion avoidance\n", cc);
		return;
	}
	for (i = 0; i < t->n; i++)
		srtt += t->pt[i].srtt_us;
	printf("tcpbench: %s between losses: cwnd %u to %u in %lu us, srtt %lu us, "
		"%lu bytes acked, %lu.%03lu windows, mss %u\n", cc, t->pt[0].cwnd,
		t->last.cwnd, (unsigned long)(t->last.t_us - t->pt[0].t_us),
		(unsigned long)(srtt / (uint64_t)t->n), (unsigned long)trace_acked(t),
		(unsigned long)(t->windows / 1000), (unsigned long)(t->windows % 1000), tr_mss);
	printf("tcpbench: %s cwnd trace (ms:bytes):", cc);
	step = (t->n + 23) / 24;
	for (i = 0; i < t->n; i += step)
		printf(" %lu:%u", (unsigned long)((t->pt[i].t_us - t->pt[0].t_us) / 1000),
			t->pt[i].cwnd);
	printf(" %lu:%u\n", (unsigned long)((t->last.t_us - t->pt[0].t_us) / 1000),
		t->last.cwnd);
}

static void
apply_knobs(int s)
{
	for (int i = 0; i < nknobs; i++) {
		if (set_knob(s, knobs[i]) < 0)
			printf("tcpbench: -k %s: %s\n", knobs[i], strerror(errno));
	}
}

static void
report(const char *what, int s, uint64_t bytes, uint32_t crc, uint64_t t0)
{
	struct net_tcp_info ti;
	socklen_t n = sizeof(ti);
	uint64_t us = now_us() - t0;

	memset(&ti, 0, sizeof(ti));
	getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &n);
	if (us == 0)
		us = 1;
	printf("tcpbench: %s %lu bytes crc %08x in %lu.%03lu s: %lu.%lu Mbit/s "
		"(cc %s, cwnd %u, srtt %u us, rexmits %lu, last loss: cwnd %u flight %u "
		"ssthresh %u)\n", what, (unsigned long)bytes, crc,
		(unsigned long)(us / 1000000), (unsigned long)(us / 1000 % 1000),
		(unsigned long)(bytes * 8 / us), (unsigned long)(bytes * 80 / us % 10),
		ti.cc, ti.cwnd, ti.srtt_us, (unsigned long)ti.rexmits, ti.loss_cwnd,
		ti.loss_flight, ti.loss_ssthresh);
}

static const char *
cc_name(int s)
{
	static char name[16];
	socklen_t n = sizeof(name);

	if (getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &n) < 0)
		return "?";
	return name;
}

static int
dial(const char *host, const char *port)
{
	struct sockaddr_in sa;
	int s;

	if (!parse_addr(host, port, &sa)) {
		printf("tcpbench: bad address %s\n", host);
		return -1;
	}
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		printf("tcpbench: socket: %s\n", strerror(errno));
		return -1;
	}
	apply_knobs(s);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("tcpbench: connect %s:%s: %s\n", host, port, strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

static int
listener(const char *port)
{
	struct sockaddr_in sa;
	int s, one = 1;

	parse_addr("0.0.0.0", port, &sa);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	apply_knobs(s);		/* inherited by what it accepts */
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, SOMAXCONN) < 0) {
		printf("tcpbench: listen on %s: %s\n", port, strerror(errno));
		return -1;
	}
	printf("tcpbench: listening on port %s\n", port);
	return s;
}

/* Sends bytes of the stream on s, then closes our side and waits for
 * the peer's. */
static void
do_send(int s, uint64_t bytes)
{
	uint64_t state = 0x2545f4914f6cdd1dULL, t0 = now_us(), sent = 0;
	uint32_t crc = 0;

	while (sent < bytes) {
		size_t k = bytes - sent < wsize ? (size_t)(bytes - sent) : wsize;
		pattern_fill(&state, buf, k);
		crc = crc32_update(crc, buf, k);
		ssize_t r = send(s, buf, k, 0);
		if (r < 0) {
			printf("tcpbench: send: %s after %lu bytes\n", strerror(errno),
			       (unsigned long)sent);
			return;
		}
		sent += (uint64_t)r;
		if (tracing)
			trace_sample(s, t0);
	}
	shutdown(s, SHUT_WR);
	while (recv(s, buf, sizeof(buf), 0) > 0)
		;
	report("sent", s, sent, crc, t0);
	if (tracing)
		trace_report(cc_name(s));
}

static void
do_recv(int s)
{
	uint64_t t0 = now_us(), got = 0;
	uint32_t crc = 0;
	ssize_t r;

	while ((r = recv(s, buf, sizeof(buf), 0)) > 0) {
		crc = crc32_update(crc, buf, (size_t)r);
		got += (uint64_t)r;
	}
	if (r < 0)
		printf("tcpbench: recv: %s after %lu bytes\n", strerror(errno), (unsigned long)got);
	report("received", s, got, crc, t0);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
sort_u64(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && cmp_u64(&v[j - 1], &v[j]) > 0; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static void
do_rr(int s, int count, size_t size)
{
	static uint64_t rtt[4096];
	int one = 1;

	if (count > 4096)
		count = 4096;
	if (size > sizeof(buf))
		size = sizeof(buf);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(buf, 'x', size);
	for (int i = 0; i < count; i++) {
		uint64_t t = now_us();
		if (send(s, buf, size, 0) != (ssize_t)size ||
		    recv(s, buf, size, MSG_WAITALL) != (ssize_t)size) {
			printf("tcpbench: rr: the echo stopped after %d\n", i);
			return;
		}
		rtt[i] = now_us() - t;
	}
	sort_u64(rtt, count);
	printf("tcpbench: rr %d x %lu bytes: median %lu us, p90 %lu us, min %lu us\n", count,
		(unsigned long)size, (unsigned long)rtt[count / 2],
		(unsigned long)rtt[count * 9 / 10], (unsigned long)rtt[0]);
}

static void *
echo_conn(void *arg)
{
	int s = (int)(intptr_t)arg;
	uint8_t b[4096];
	ssize_t r;

	while ((r = recv(s, b, sizeof(b), 0)) > 0)
		if (send(s, b, (size_t)r, 0) != r)
			break;
	close(s);
	return NULL;
}

static void
serve(const char *mode, const char *port, uint64_t bytes, int n)
{
	int l = listener(port), s;

	if (l < 0)
		return;
	for (int i = 0; n == 0 || i < n; i++) {
		if ((s = accept(l, NULL, NULL)) < 0) {
			printf("tcpbench: accept: %s\n", strerror(errno));
			return;
		}
		if (strcmp(mode, "echo") == 0) {
			thread_create(NULL, echo_conn, (void *)(intptr_t)s);
			continue;
		}
		if (strcmp(mode, "sink") == 0)
			do_recv(s);
		else
			do_send(s, bytes);
		close(s);
	}
}

static int
usage(void)
{
	printf("usage: tcpbench [-o CONF] [-k KNOB=V] [-w SIZE] [-v] [-t] "
		"send HOST PORT BYTES | recv HOST PORT | sink PORT [N] | source PORT BYTES [N] | "
		"rr HOST PORT COUNT [SIZE] | echo PORT\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *mode;
	int i = 1, s, k;

	while (i < argc && argv[i][0] == '-') {
		if ((k = take_conf_arg(argc, argv, i)) > 0)
			i += k;
		else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc && nknobs < KNOBS_MAX)
			knobs[nknobs++] = argv[i + 1], i += 2;
		else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
			wsize = parse_size(argv[i + 1]), i += 2;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = true, i++;
		else if (strcmp(argv[i], "-t") == 0)
			tracing = true, i++;
		else
			return usage();
	}
	if (wsize == 0 || wsize > BUF_MAX)
		wsize = BUF_MAX;
	if (i >= argc || !net_up())
		return i >= argc ? usage() : 1;
	mode = argv[i++];
	argc -= i;
	argv += i;
	if (strcmp(mode, "send") == 0 && argc >= 3) {
		if ((s = dial(argv[0], argv[1])) < 0)
			return 1;
		do_send(s, parse_size(argv[2]));
	} else if (strcmp(mode, "recv") == 0 && argc >= 2) {
		if ((s = dial(argv[0], argv[1])) < 0)
			return 1;
		do_recv(s);
	} else if (strcmp(mode, "rr") == 0 && argc >= 3) {
		if ((s = dial(argv[0], argv[1])) < 0)
			return 1;
		do_rr(s, (int)strtol(argv[2], NULL, 0), argc > 3 ? parse_size(argv[3]) : 1);
	} else if (strcmp(mode, "sink") == 0 && argc >= 1) {
		serve(mode, argv[0], 0, argc > 1 ? (int)strtol(argv[1], NULL, 0) : 1);
	} else if (strcmp(mode, "source") == 0 && argc >= 2) {
		serve(mode, argv[0], parse_size(argv[1]),
		      argc > 2 ? (int)strtol(argv[2], NULL, 0) : 1);
	} else if (strcmp(mode, "echo") == 0 && argc >= 1) {
		serve(mode, argv[0], 0, 0);
	} else {
		return usage();
	}
	if (verbose)
		sock_show(SOCK_SHOW_SOCKETS | SOCK_SHOW_COUNTERS | SOCK_SHOW_TUNING);
	return 0;
}
