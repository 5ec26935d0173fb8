/*
 * The fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput over
 * every file of the corpus directories given, then over N mutations of
 * them from a fixed seed (byte flips, truncations, splices) so that a
 * gcc-only `make test` still fuzzes a little.
 *
 *	fuzz_regress [-m N] DIR...	(N mutations; default 2000)
 *	fuzz_regress -w DIR		write the seed corpus into DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "net/netpriv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXSEEDS	2048
#define MAXSIZE		65536

static uint8_t *seeds[MAXSEEDS];
static size_t seedlen[MAXSEEDS];
static int nseeds;

static int
load_dir(const char *dir)
{
	struct dirent *e;
	char path[1024];
	DIR *d = opendir(dir);
	FILE *f;

	if (d == NULL) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL && nseeds < MAXSEEDS) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		seeds[nseeds] = malloc(MAXSIZE);
		seedlen[nseeds] = fread(seeds[nseeds], 1, MAXSIZE, f);
		fclose(f);
		nseeds++;
	}
	closedir(d);
	return 0;
}

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static size_t
mutate(uint8_t *buf, size_t len)
{
	int k = 1 + (int)rnd(8), i;

	for (i = 0; i < k && len > 0; i++) {
		switch (rnd(5)) {
		case 0: buf[rnd((uint32_t)len)] ^= (uint8_t)(1u << rnd(8)); break;
		case 1: buf[rnd((uint32_t)len)] = (uint8_t)rnd(256); break;
		case 2: len = rnd((uint32_t)len) + 1; break;
		case 3: {
			int s = (int)rnd((uint32_t)nseeds);
			size_t at = rnd((uint32_t)len), n = seedlen[s] / 2;
			if (at + n < MAXSIZE) {
				memcpy(buf + at, seeds[s] + seedlen[s] - n, n);
				len = at + n;
			}
			break;
		}
		default: {
			/* an interesting value at a random place */
			static const uint8_t v[] = { 0, 1, 0x7f, 0x80, 0xff, 0x40, 0x05, 0x0f };
			buf[rnd((uint32_t)len)] = v[rnd(sizeof(v))];
		}
		}
	}
	return len;
}

/* --- writing the seed corpus --- */

static uint8_t rec[MAXSIZE];
static size_t reclen;

static void
add(uint8_t flags, const uint8_t *p, size_t len)
{
	rec[reclen++] = flags;
	put16(rec + reclen, (uint16_t)len);
	reclen += 2;
	memcpy(rec + reclen, p, len);
	reclen += len;
}

/* An IPv4 packet from 10.0.0.1 with payload pl (checksums right). */
static size_t
ip4(uint8_t *p, uint8_t proto, const uint8_t *pl, size_t len, uint16_t frag)
{
	uint32_t sum;

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + len));
	put16(p + 4, 77);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, 0x0a000001u);
	put32(p + 16, 0x0a000002u);
	put16(p + 10, net_csum(p, 20));
	memcpy(p + 20, pl, len);
	if (proto == 6 || proto == 17) {
		int off = proto == 6 ? 16 : 6;
		put16(p + 20 + off, 0);
		sum = net_pseudo_sum(0x0a000001u, 0x0a000002u, proto, (uint32_t)len);
		put16(p + 20 + off, net_csum_fold(net_csum_partial(sum, p + 20, len)));
	} else if (proto == 1) {
		put16(p + 22, 0);
		put16(p + 22, net_csum(p + 20, len));
	}
	return 20 + len;
}

static size_t
tcpseg(uint8_t *t, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *opt,
	size_t olen, const char *data)
{
	size_t dl = data ? strlen(data) : 0;

	memset(t, 0, 20);
	put16(t, 1234);
	put16(t + 2, 80);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)(((20 + olen) / 4) << 4);
	t[13] = flags;
	put16(t + 14, 8192);
	if (olen)
		memcpy(t + 20, opt, olen);
	if (dl)
		memcpy(t + 20 + olen, data, dl);
	return 20 + olen + dl;
}

static int
write_seed(const char *dir, const char *name)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	fwrite(rec, 1, reclen, f);
	fclose(f);
	reclen = 0;
	return 0;
}

static int
write_corpus(const char *dir)
{
	uint8_t t[2048], p[2048];
	static const uint8_t sack[] = { 1, 1, 5, 10, 0, 0, 0x03, 0xf0, 0, 0, 0x07, 0xd0 };
	static const uint8_t ts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t badopt[] = { 2, 40, 0, 0 };
	static const uint8_t synopt[] = { 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0 };
	uint8_t u[64], icmp[64], arp[28];
	size_t n;

	mkdir(dir, 0755);
	/* data in order, out of order, a FIN */
	n = tcpseg(t, 1001, 0, 0x18, NULL, 0, "hello");
	add(2, p, ip4(p, 6, t, n, 0));
	n = tcpseg(t, 1010, 0, 0x18, NULL, 0, "later");
	add(2, p, ip4(p, 6, t, n, 0));
	n = tcpseg(t, 1006, 0, 0x19, NULL, 0, "gap");
	add(2, p, ip4(p, 6, t, n, 0));
	write_seed(dir, "tcp-data");
	/* SACK and timestamp options, RST in the window, SYN in the window */
	n = tcpseg(t, 1001, 0, 0x10, sack, sizeof(sack), NULL);
	add(2, p, ip4(p, 6, t, n, 0));
	n = tcpseg(t, 1001, 0, 0x10, ts, sizeof(ts), "x");
	add(2, p, ip4(p, 6, t, n, 0));
	n = tcpseg(t, 1500, 0, 0x04, NULL, 0, NULL);
	add(2, p, ip4(p, 6, t, n, 0));
	n = tcpseg(t, 1002, 0, 0x02, NULL, 0, NULL);
	add(2, p, ip4(p, 6, t, n, 0));
	write_seed(dir, "tcp-rst-syn");
	/* a new connection with every option, and a bad option length */
	n = tcpseg(t, 5000, 0, 0x02, synopt, sizeof(synopt), NULL);
	put16(t, 4321);
	add(0, p, ip4(p, 6, t, n, 0));
	n = tcpseg(t, 5000, 0, 0x02, badopt, sizeof(badopt), NULL);
	add(0, p, ip4(p, 6, t, n, 0));
	write_seed(dir, "tcp-syn-options");
	/* fragments: two halves of a UDP datagram, an overlap, a lone one */
	memset(u, 'u', sizeof(u));
	put16(u, 999);
	put16(u + 2, 53);
	put16(u + 4, 48);
	put16(u + 6, 0);
	n = ip4(p, 17, u, 48, 0x2000);
	put16(p + 2, 20 + 24);
	put16(p + 10, 0);
	put16(p + 10, net_csum(p, 20));
	add(0, p, 20 + 24);
	n = ip4(p, 17, u + 24, 24, 3);
	add(0, p, n);
	n = ip4(p, 17, u, 48, 0x2001);
	add(2 | (10 << 2), p, n);
	write_seed(dir, "ip-fragments");
	/* UDP to a closed port, ICMP echo, ARP request */
	put16(u + 2, 9999);
	put16(u + 4, 16);
	add(0, p, ip4(p, 17, u, 16, 0));
	memset(icmp, 'p', sizeof(icmp));
	icmp[0] = 8;
	icmp[1] = 0;
	add(0, p, ip4(p, 1, icmp, 40, 0));
	memset(arp, 0, sizeof(arp));
	put16(arp, 1);
	put16(arp + 2, 0x0800);
	arp[4] = 6;
	arp[5] = 4;
	put16(arp + 6, 1);
	memcpy(arp + 8, "\x02\0\0\0\0\x01", 6);
	put32(arp + 14, 0x0a000001u);
	put32(arp + 24, 0x0a000002u);
	add(1, arp, sizeof(arp));
	write_seed(dir, "udp-icmp-arp");
	/* an IP header that lies about its lengths */
	n = ip4(p, 6, t, 20, 0);
	p[0] = 0x4f;
	add(2, p, n);
	p[0] = 0x45;
	put16(p + 2, 2000);
	add(2, p, n);
	write_seed(dir, "ip-lies");
	return 0;
}

static void
run(const uint8_t *d, size_t n)
{
	static uint8_t copy[MAXSIZE];

	/* a private copy: the target must not rely on anything past n */
	memcpy(copy, d, n);
	LLVMFuzzerTestOneInput(copy, n);
}

int
main(int argc, char **argv)
{
	static uint8_t buf[MAXSIZE];
	long mutations = 2000, i;
	int a = 1, s;
	size_t len;

	if (argc == 3 && strcmp(argv[1], "-w") == 0)
		return write_corpus(argv[2]) < 0;
	if (argc > 2 && strcmp(argv[1], "-m") == 0) {
		mutations = atol(argv[2]);
		a = 3;
	}
	for (; a < argc; a++)
		if (load_dir(argv[a]) < 0)
			return 1;
	if (nseeds == 0) {
		fprintf(stderr, "fuzz_regress: no seeds\n");
		return 1;
	}
	for (s = 0; s < nseeds; s++)
		run(seeds[s], seedlen[s]);
	for (i = 0; i < mutations; i++) {
		s = (int)rnd((uint32_t)nseeds);
		memcpy(buf, seeds[s], seedlen[s]);
		len = mutate(buf, seedlen[s]);
		run(buf, len);
	}
	printf("fuzz_regress: %d seeds, %ld mutations: 1 passed, 0 failed\n", nseeds, mutations);
	return 0;
}
