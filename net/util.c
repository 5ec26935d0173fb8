/*
 * Helpers every layer uses: the Internet checksum (RFC 1071), SipHash-2-4
 * for the ISN generator, address text, error names, counter names.
 */
#include "net/netpriv.h"

/* The one's-complement sum of data, added to sum (not yet folded).
 * Bytes are taken as big-endian 16-bit words; an odd last byte is padded
 * with zero (RFC 1071 section 4.1). */
uint32_t
net_csum_partial(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	while (len >= 2) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
net_csum(const void *data, size_t len)
{
	return net_csum_fold(net_csum_partial(0, data, len));
}

/* The TCP/UDP pseudo-header sum (RFC 9293 3.1, RFC 768). */
uint32_t
net_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len)
{
	uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff)
		+ proto + len;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

static uint64_t
rotl64(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND do { \
	v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
	v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
} while (0)

/* SipHash-2-4 of data under key: the keyed pseudorandom function F() of
 * RFC 9293 3.4.1 (RFC 6528 asks for a PRF no attacker can invert). */
uint64_t
net_siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = key[1] ^ 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i;

	for (; len >= 8; len -= 8, p += 8) {
		m = 0;
		for (i = 0; i < 8; i++)
			m |= (uint64_t)p[i] << (8 * i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < len; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
net_logf(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	netglue_log(buf);
}

uint32_t
net_random32(void)
{
	uint32_t r;

	netglue_random(&r, sizeof(r));
	return r;
}

/* Is addr one of ours (the configured address)? */
int
net_is_local(struct netstack *ns, uint32_t addr)
{
	return ns->ns_if.addr != 0 && addr == ns->ns_if.addr;
}

/* Limited or directed broadcast, or multicast (class D). */
int
net_is_bcast(struct netstack *ns, uint32_t addr)
{
	uint32_t m = ns->ns_if.netmask;

	if (addr == IP_BROADCAST || (addr >> 28) == 0xe)
		return 1;
	return m != 0 && m != IP_BROADCAST && ns->ns_if.addr != 0 &&
		(addr & m) == (ns->ns_if.addr & m) && (addr | m) == IP_BROADCAST;
}

int
net_aton(const char *s, uint32_t *addr)
{
	uint32_t a = 0, part;
	int i, digits;

	for (i = 0; i < 4; i++) {
		part = 0;
		for (digits = 0; *s >= '0' && *s <= '9'; s++, digits++) {
			part = part * 10 + (uint32_t)(*s - '0');
			if (part > 255 || digits > 2)
				return -NET_EINVAL;
		}
		if (digits == 0 || (i < 3 && *s++ != '.'))
			return -NET_EINVAL;
		a = a << 8 | part;
	}
	if (*s != '\0')
		return -NET_EINVAL;
	*addr = a;
	return 0;
}

static char *
put_dec(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

char *
net_ntoa(uint32_t addr, char buf[16])
{
	char *p = buf;
	int i;

	for (i = 3; i >= 0; i--) {
		p = put_dec(p, (addr >> (8 * i)) & 0xff);
		if (i)
			*p++ = '.';
	}
	*p = '\0';
	return buf;
}

const char *
net_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:			return "success";
	case NET_ENOENT:	return "no such entry";
	case NET_EBADF:		return "bad socket descriptor";
	case NET_EAGAIN:	return "would block";
	case NET_ENOMEM:	return "out of memory";
	case NET_EINVAL:	return "invalid argument";
	case NET_EMFILE:	return "too many sockets";
	case NET_EPIPE:		return "broken pipe";
	case NET_EDESTADDRREQ:	return "destination address required";
	case NET_EMSGSIZE:	return "message too long";
	case NET_ENOPROTOOPT:	return "protocol option not available";
	case NET_EPROTONOSUPPORT: return "protocol not supported";
	case NET_EOPNOTSUPP:	return "operation not supported";
	case NET_EAFNOSUPPORT:	return "address family not supported";
	case NET_EADDRINUSE:	return "address in use";
	case NET_EADDRNOTAVAIL:	return "address not available";
	case NET_ENETUNREACH:	return "network unreachable";
	case NET_ECONNABORTED:	return "connection aborted";
	case NET_ECONNRESET:	return "connection reset by peer";
	case NET_ENOBUFS:	return "no buffer space";
	case NET_EISCONN:	return "already connected";
	case NET_ENOTCONN:	return "not connected";
	case NET_ETIMEDOUT:	return "connection timed out";
	case NET_ECONNREFUSED:	return "connection refused";
	case NET_EHOSTUNREACH:	return "host unreachable";
	case NET_EALREADY:	return "operation already in progress";
	case NET_EINPROGRESS:	return "operation in progress";
	default:		return "unknown error";
	}
}

const char *const net_stats_names[] = {
#define NET_STATS_NAME(name) #name,
	NET_STATS_LIST(NET_STATS_NAME)
#undef NET_STATS_NAME
};
