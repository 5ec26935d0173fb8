/*
 * The host unit tests of net/ (grade/net/unittest.c runs them): a case is
 * a function that returns on the first failed CHECK.
 */
#ifndef GRADE_NET_NETTEST_H
#define GRADE_NET_NETTEST_H

#include <stdio.h>
#include "grade/net/wire.h"

struct nt_case {
	const char *name;
	void (*fn)(void);
};

extern const struct nt_case tcp_cases[];
extern const struct nt_case ip_cases[];

void nt_fail(const char *file, int line, const char *what);
extern int nt_failed;

#define CHECK(c) do { if (!(c)) { nt_fail(__FILE__, __LINE__, #c); return; } } while (0)
#define CHECKV(c, fmt, ...) do { if (!(c)) { char _b[256]; \
	snprintf(_b, sizeof(_b), "%s (" fmt ")", #c, __VA_ARGS__); \
	nt_fail(__FILE__, __LINE__, _b); return; } } while (0)

/* helpers (unittest.c) */
uint8_t nt_pattern(uint64_t i);
/* A TCP connection from A to B's port through w: *cs on A, *ss on B. */
int nt_connect(struct wire *w, uint16_t port, int *ls, int *cs, int *ss);
/* Moves n bytes from sd `from` on stack f to sd `to` on stack 1-f,
 * checking every byte; closes the sender's side at the end and waits for
 * the EOF. Returns 0, or -1 (mismatch or timeout: *why says). */
int nt_transfer(struct wire *w, int f, int from, int to, uint64_t n,
	uint64_t limit_us, const char **why);
struct net_tcp_info nt_info(struct wire *w, int side, int sd);
/* Counter by name */
uint64_t nt_stat(struct wire *w, int side, const char *name);
/* Parses the TCP header of an IPv4 frame: 0 if it is not TCP. */
int nt_tcp_of(const uint8_t *f, size_t len, const uint8_t **tcp, size_t *tcplen);

#endif
