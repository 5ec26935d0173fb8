/*
 * What the network programs (ping, nc, tcpbench, httpd, wget, ifconfig)
 * share: the clock in microseconds, zlib's CRC-32 (what the grader's
 * Linux side computes), a fast byte generator, "-o CONF" handling and
 * address parsing. Header-only, static: each program is one file.
 */
#ifndef USER_NETAPP_H
#define USER_NETAPP_H

#include <chitin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <thread.h>
#include <sock.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include "net/netglue.h"

static inline uint64_t
now_us(void)
{
	return netglue_now_us();
}

/* CRC-32 (IEEE 802.3, reflected; zlib's crc32), a byte at a time. */
static uint32_t crc_table[256];

static inline uint32_t
crc32_update(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	if (crc_table[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Fills buf with the next n bytes of the xorshift64 stream at *state. */
static inline void
pattern_fill(uint64_t *state, uint8_t *buf, size_t n)
{
	uint64_t x = *state;

	for (size_t i = 0; i < n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (size_t k = 0; k < 8 && i + k < n; k++)
			buf[i + k] = (uint8_t)(x >> (8 * k));
	}
	*state = x;
}

/* "-o WORDS": adds the words to the stack's configuration; returns how
 * many arguments it took (0 if argv[i] is not -o). */
static inline int
take_conf_arg(int argc, char **argv, int i)
{
	int r;

	if (strcmp(argv[i], "-o") != 0 || i + 1 >= argc)
		return 0;
	if ((r = sock_configure(argv[i + 1])) < 0)
		fprintf(stderr, "%s: -o %s: %s\n", binaryname, argv[i + 1], strerror(-r));
	return 2;
}

/* Starts the stack, or says why not and returns false. */
static inline bool
net_up(void)
{
	const char *why = NULL;
	int r = sock_start(&why);

	if (r < 0)
		fprintf(stderr, "%s: network: %s (%s)\n", binaryname, strerror(-r), why ? why : "?");
	return r == 0;
}

/* "a.b.c.d" and a port into *sa. */
static inline bool
parse_addr(const char *host, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)strtol(port, NULL, 10));
	return inet_aton(host, &sa->sin_addr) != 0;
}

/* A decimal with an optional K, M or G suffix (binary multiples). */
static inline uint64_t
parse_size(const char *s)
{
	char *end;
	uint64_t v = (uint64_t)strtol(s, &end, 0);

	if (*end == 'K' || *end == 'k')
		v <<= 10;
	else if (*end == 'M' || *end == 'm')
		v <<= 20;
	else if (*end == 'G' || *end == 'g')
		v <<= 30;
	return v;
}

/* Sets the per-socket knob "name=value" (setsockopt names a Linux
 * programmer knows, and Chitin's): 0, or -1 and errno. */
static inline int
set_knob(int s, const char *kv)
{
	static const struct { const char *name; int level, opt; } knobs[] = {
		{ "nodelay", IPPROTO_TCP, TCP_NODELAY }, { "maxseg", IPPROTO_TCP, TCP_MAXSEG },
		{ "quickack", IPPROTO_TCP, TCP_QUICKACK }, { "iw", IPPROTO_TCP, TCP_INITCWND },
		{ "sack", IPPROTO_TCP, TCP_SACK }, { "ts", IPPROTO_TCP, TCP_TIMESTAMPS },
		{ "wscale", IPPROTO_TCP, TCP_WSCALE }, { "delack", IPPROTO_TCP, TCP_DELACK },
		{ "delack_ms", IPPROTO_TCP, TCP_DELACK_MS },
		{ "rto_min_ms", IPPROTO_TCP, TCP_RTO_MIN_MS },
		{ "rcvbuf", SOL_SOCKET, SO_RCVBUF }, { "sndbuf", SOL_SOCKET, SO_SNDBUF },
		{ "user_timeout", IPPROTO_TCP, TCP_USER_TIMEOUT },
	};
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : 0;

	if (!eq) {
		errno = EINVAL;
		return -1;
	}
	if (n == 2 && strncmp(kv, "cc", 2) == 0)
		return setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, eq + 1,
				  (socklen_t)strlen(eq + 1));
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (strlen(knobs[i].name) == n && strncmp(kv, knobs[i].name, n) == 0) {
			int v = (int)strtol(eq + 1, NULL, 0);
			return setsockopt(s, knobs[i].level, knobs[i].opt, &v, sizeof(v));
		}
	errno = ENOPROTOOPT;
	return -1;
}

#endif
