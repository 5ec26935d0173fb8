/*
 * Runs the host unit tests of net/: every case, or those named on the
 * command line. One line per case, then "N passed, N failed".
 */
#include <stdlib.h>
#include <string.h>
#include "grade/net/nettest.h"

int nt_failed;
static const char *cur_name;

void
nt_fail(const char *file, int line, const char *what)
{
	nt_failed = 1;
	printf("    %s:%d: %s\n", file, line, what);
}

uint8_t
nt_pattern(uint64_t i)
{
	uint64_t z = i / 7 * 0x9e3779b97f4a7c15ULL;

	return (uint8_t)((z >> 29) ^ i);
}

struct net_tcp_info
nt_info(struct wire *w, int side, int sd)
{
	struct net_tcp_info ti;
	size_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	net_getsockopt(w->ns[side], sd, NET_IPPROTO_TCP, NET_TCP_INFO, &ti, &len);
	return ti;
}

uint64_t
nt_stat(struct wire *w, int side, const char *name)
{
	const uint64_t *v = (const uint64_t *)net_get_stats(w->ns[side]);
	size_t i;

	for (i = 0; i < NET_NSTATS; i++)
		if (strcmp(net_stats_names[i], name) == 0)
			return v[i];
	fprintf(stderr, "no counter %s\n", name);
	abort();
}

int
nt_tcp_of(const uint8_t *f, size_t len, const uint8_t **tcp, size_t *tcplen)
{
	size_t ihl, tot;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6)
		return 0;
	ihl = (size_t)(f[14] & 0xf) * 4;
	tot = (size_t)(f[16] << 8 | f[17]);
	if (tot + 14 > len || ihl + 20 > tot)
		return 0;
	*tcp = f + 14 + ihl;
	*tcplen = tot - ihl;
	return 1;
}

static int cn_ls, cn_ss;

static int
accepted(struct wire *w)
{
	cn_ss = net_accept(w->ns[WIRE_B], cn_ls, NULL);
	return cn_ss >= 0;
}

int
nt_connect(struct wire *w, uint16_t port, int *ls, int *cs, int *ss)
{
	struct net_sockaddr a = { 0, port };
	int r;

	*ls = net_socket(w->ns[WIRE_B], NET_SOCK_STREAM);
	if (*ls < 0 || net_bind(w->ns[WIRE_B], *ls, &a) < 0 ||
	    net_listen(w->ns[WIRE_B], *ls, 16) < 0)
		return -1;
	*cs = net_socket(w->ns[WIRE_A], NET_SOCK_STREAM);
	a.addr = WIRE_ADDR(WIRE_B);
	r = net_connect(w->ns[WIRE_A], *cs, &a);
	if (r != -NET_EINPROGRESS)
		return -1;
	cn_ls = *ls;
	if (!wire_run(w, 10000000, accepted))
		return -1;
	*ss = cn_ss;
	return 0;
}

static struct {
	int f, from, to;
	uint64_t n, sent, rcvd;
	int bad, eof, shut;
	const char *why;
} X;

static int
transfer_step(struct wire *w)
{
	uint8_t buf[16384];
	long r;
	size_t k, i;

	while (X.sent < X.n) {
		k = (size_t)(X.n - X.sent < sizeof(buf) ? X.n - X.sent : sizeof(buf));
		for (i = 0; i < k; i++)
			buf[i] = nt_pattern(X.sent + i);
		r = net_send(w->ns[X.f], X.from, buf, k, 0);
		if (r <= 0)
			break;
		X.sent += (uint64_t)r;
	}
	if (X.sent == X.n && !X.shut) {
		net_shutdown(w->ns[X.f], X.from, NET_SHUT_WR);
		X.shut = 1;
	}
	while ((r = net_recv(w->ns[1 - X.f], X.to, buf, sizeof(buf), 0)) > 0) {
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != nt_pattern(X.rcvd + i)) {
				X.bad = 1;
				X.why = "data mismatch";
				return 1;
			}
		X.rcvd += (uint64_t)r;
	}
	if (r == 0) {
		X.eof = 1;
		return 1;
	}
	if (r != -NET_EAGAIN) {
		X.bad = 1;
		X.why = net_strerror((int)r);
		return 1;
	}
	return 0;
}

int
nt_transfer(struct wire *w, int f, int from, int to, uint64_t n,
	uint64_t limit_us, const char **why)
{
	memset(&X, 0, sizeof(X));
	X.f = f;
	X.from = from;
	X.to = to;
	X.n = n;
	X.why = "timeout";
	if (!wire_run(w, limit_us, transfer_step) || X.bad || X.rcvd != n) {
		*why = X.rcvd != n && !X.bad ? (X.eof ? "short stream" : "timeout") : X.why;
		fprintf(stderr, "transfer: sent %llu rcvd %llu of %llu\n",
			(unsigned long long)X.sent, (unsigned long long)X.rcvd,
			(unsigned long long)n);
		return -1;
	}
	return 0;
}

static int
run_list(const struct nt_case *c, int argc, char **argv, int *pass, int *fail)
{
	int i, want;

	for (; c->name; c++) {
		want = argc <= 1;
		for (i = 1; i < argc; i++)
			if (strcmp(argv[i], c->name) == 0)
				want = 1;
		if (!want)
			continue;
		cur_name = c->name;
		nt_failed = 0;
		c->fn();
		printf("%s %s\n", nt_failed ? "FAIL" : "ok  ", c->name);
		fflush(stdout);
		if (nt_failed)
			(*fail)++;
		else
			(*pass)++;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int pass = 0, fail = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	run_list(ip_cases, argc, argv, &pass, &fail);
	run_list(tcp_cases, argc, argv, &pass, &fail);
	printf("net unit tests: %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
