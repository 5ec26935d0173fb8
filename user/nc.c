/*
 * nc: a TCP or UDP connection between standard input/output and the
 * network, over the program's own stack.
 *
 *   nc [OPTS] HOST PORT      connect (TCP; with -u, UDP datagrams)
 *   nc -l [OPTS] PORT        accept one connection (with -u, the first
 *                            datagram's sender becomes the peer)
 *
 * OPTS: -u (UDP), -o CONF (the stack's configuration), -k KNOB=VALUE (a
 * socket option, as tcpbench), -N BYTES (send BYTES of a generated
 * stream instead of standard input), -q (do not copy what arrives to
 * standard output: count it), -v (say what happens). When the input ends
 * nc shuts its side down and goes on until the peer closes; then it
 * prints "nc: received N bytes crc C" with -q or -v.
 */
#include "netapp.h"

#define CHUNK	(64 * 1024)

static bool udp, quiet, verbose;
static int64_t gen_bytes = -1;
static const char *knobs[8];
static int nknobs;
static int sock = -1;
static struct sockaddr_in peer;
static bool have_peer;

static int
usage(void)
{
	fprintf(stderr, "usage: nc [-u] [-q] [-v] [-o CONF] [-k KNOB=V] [-N BYTES] HOST PORT | "
		"nc -l [-u] [...] PORT\n");
	return 2;
}

static ssize_t
out(const void *buf, size_t n)
{
	if (udp)
		return sendto(sock, buf, n, 0, (struct sockaddr *)&peer, sizeof(peer));
	return send(sock, buf, n, 0);
}

/* The sending side: standard input, or -N's stream; then our FIN. */
static void *
sender(void *arg)
{
	static uint8_t buf[CHUNK];
	uint64_t state = 0x2545f4914f6cdd1dULL, left = (uint64_t)gen_bytes;
	uint32_t crc = 0;
	ssize_t n;

	(void)arg;
	for (;;) {
		if (gen_bytes >= 0) {
			n = left < (udp ? 1024 : CHUNK) ? (ssize_t)left : (udp ? 1024 : CHUNK);
			pattern_fill(&state, buf, (size_t)n);
			left -= (uint64_t)n;
		} else {
			n = read(0, buf, udp ? 1024 : CHUNK);
		}
		if (n <= 0)
			break;
		crc = crc32_update(crc, buf, (size_t)n);
		if (out(buf, (size_t)n) != n) {
			fprintf(stderr, "nc: send: %s\n", strerror(errno));
			break;
		}
	}
	if (verbose || quiet)
		printf("nc: sent %lu bytes crc %08x\n",
		       (unsigned long)(gen_bytes >= 0 ? (uint64_t)gen_bytes - left : 0), crc);
	if (!udp)
		shutdown(sock, SHUT_WR);
	return NULL;
}

/* The receiving side, until the peer closes. */
static void
receiver(void)
{
	static uint8_t buf[CHUNK];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	uint64_t got = 0, t0 = now_us();
	uint32_t crc = 0;
	ssize_t n;

	while ((n = recvfrom(sock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 0) {
		crc = crc32_update(crc, buf, (size_t)n);
		got += (uint64_t)n;
		if (!quiet)
			write(1, buf, (size_t)n);
	}
	if (n < 0)
		fprintf(stderr, "nc: recv: %s\n", strerror(errno));
	if (verbose || quiet)
		printf("nc: received %lu bytes crc %08x in %lu ms\n", (unsigned long)got, crc,
		       (unsigned long)((now_us() - t0) / 1000));
}

static int
open_socket(void)
{
	int s = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0), one = 1;

	if (s < 0) {
		fprintf(stderr, "nc: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	for (int i = 0; i < nknobs; i++)
		if (set_knob(s, knobs[i]) < 0)
			fprintf(stderr, "nc: -k %s: %s\n", knobs[i], strerror(errno));
	return s;
}

/* -l: the first connection (TCP) or datagram's sender (UDP). */
static int
do_listen(const char *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(peer);
	uint8_t first[2048];
	ssize_t n;
	int l;

	parse_addr("0.0.0.0", port, &a);
	if ((l = open_socket()) < 0)
		return -1;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || (!udp && listen(l, 1) < 0)) {
		fprintf(stderr, "nc: listen on %s: %s\n", port, strerror(errno));
		return -1;
	}
	printf("nc: listening on %s port %s\n", udp ? "udp" : "tcp", port);
	if (!udp) {
		sock = accept(l, (struct sockaddr *)&peer, &al);
		close(l);
	} else {
		sock = l;
		n = recvfrom(l, first, sizeof(first), 0, (struct sockaddr *)&peer, &al);
		if (n > 0 && !quiet)
			write(1, first, (size_t)n);
	}
	if (sock < 0)
		return -1;
	have_peer = true;
	if (verbose)
		printf("nc: connection from %s:%u\n", inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
	return 0;
}

static int
do_connect(const char *host, const char *port)
{
	if (!parse_addr(host, port, &peer))
		return usage();
	if ((sock = open_socket()) < 0)
		return -1;
	if (connect(sock, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		fprintf(stderr, "nc: connect to %s port %s: %s\n", host, port, strerror(errno));
		return -1;
	}
	have_peer = true;
	if (verbose)
		printf("nc: connected to %s port %s\n", host, port);
	return 0;
}

int
main(int argc, char **argv)
{
	bool lflag = false;
	struct thread *t;
	int i = 1, k;

	while (i < argc && argv[i][0] == '-') {
		if ((k = take_conf_arg(argc, argv, i)) > 0) {
			i += k;
			continue;
		}
		if (strcmp(argv[i], "-l") == 0)
			lflag = true;
		else if (strcmp(argv[i], "-u") == 0)
			udp = true;
		else if (strcmp(argv[i], "-q") == 0)
			quiet = true;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (strcmp(argv[i], "-N") == 0 && i + 1 < argc)
			gen_bytes = (int64_t)parse_size(argv[++i]);
		else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc && nknobs < 8)
			knobs[nknobs++] = argv[++i];
		else
			return usage();
		i++;
	}
	if ((lflag && argc - i != 1) || (!lflag && argc - i != 2))
		return usage();
	if (!net_up())
		return 1;
	if ((lflag ? do_listen(argv[i]) : do_connect(argv[i], argv[i + 1])) < 0)
		return 1;
	if (thread_create(&t, sender, NULL) < 0)
		return 1;
	if (udp && gen_bytes >= 0) {
		thread_join(t, NULL);	/* UDP has no end: send, then stop */
		return 0;
	}
	receiver();
	return 0;
}
