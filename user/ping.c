/*
 * ping [-o CONF] [-c COUNT] [-i MS] [-s SIZE] [-W MS] HOST: ICMP echo
 * (RFC 792) over a ping socket of the program's own stack (SOCK_RAW,
 * IPPROTO_ICMP: the stack sets the identifier and the checksum).
 *
 * One line per reply ("SIZE bytes from HOST: icmp_seq=N time=T ms"),
 * then the summary Unix pings print. Exits 0 if any reply came.
 */
#include "netapp.h"

#define ICMP_HDR	8

static int
usage(void)
{
	fprintf(stderr, "usage: ping [-o CONF] [-c COUNT] [-i MS] [-s SIZE] [-W MS] HOST\n");
	return 2;
}

/* Waits up to wait_us for the reply to seq; its round trip, or 0. */
static uint64_t
await_reply(int s, uint16_t seq, uint64_t sent_at, uint64_t wait_us, size_t *len)
{
	uint8_t buf[1600];
	struct timeval tv = { 0, 0 };
	uint64_t dl = sent_at + wait_us;

	for (;;) {
		uint64_t now = now_us();
		if (now >= dl)
			return 0;
		tv.tv_sec = (time_t)((dl - now) / 1000000);
		tv.tv_usec = (suseconds_t)((dl - now) % 1000000);
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t r = recv(s, buf, sizeof(buf), 0);
		if (r < 0)
			return 0;
		if (r >= ICMP_HDR && buf[0] == 0 && (buf[6] << 8 | buf[7]) == seq) {
			*len = (size_t)r;
			return now_us() - sent_at + 1;
		}
	}
}

int
main(int argc, char **argv)
{
	int count = 4, interval_ms = 1000, wait_ms = 2000, i, k, s;
	size_t size = 56, len = 0;
	unsigned sent = 0, got = 0;
	uint64_t rtt_min = ~0ULL, rtt_max = 0, rtt_sum = 0;
	static uint8_t pkt[1600];
	struct sockaddr_in to;
	char addr[16];

	for (i = 1; i < argc && argv[i][0] == '-'; ) {
		if ((k = take_conf_arg(argc, argv, i)) > 0) {
			i += k;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "-c") == 0)
			count = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-i") == 0)
			interval_ms = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-s") == 0)
			size = (size_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-W") == 0)
			wait_ms = atoi(argv[i + 1]);
		else
			return usage();
		i += 2;
	}
	if (i != argc - 1 || size > sizeof(pkt) - ICMP_HDR || !parse_addr(argv[i], "0", &to))
		return usage();
	if (!net_up())
		return 1;
	if ((s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0) {
		fprintf(stderr, "ping: socket: %s\n", strerror(errno));
		return 1;
	}
	inet_ntop(AF_INET, &to.sin_addr, addr, sizeof(addr));
	printf("PING %s: %u data bytes\n", addr, (unsigned)size);
	for (int seq = 1; seq <= count; seq++) {
		uint64_t t = now_us(), rtt;
		pkt[0] = 8;			/* echo request */
		pkt[1] = 0;
		pkt[6] = (uint8_t)(seq >> 8);
		pkt[7] = (uint8_t)seq;
		for (size_t b = 0; b < size; b++)
			pkt[ICMP_HDR + b] = (uint8_t)b;
		if (sendto(s, pkt, ICMP_HDR + size, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			printf("ping: sendto: %s\n", strerror(errno));
			continue;
		}
		sent++;
		if ((rtt = await_reply(s, (uint16_t)seq, t, (uint64_t)wait_ms * 1000, &len)) != 0) {
			got++;
			rtt_sum += rtt;
			rtt_min = rtt < rtt_min ? rtt : rtt_min;
			rtt_max = rtt > rtt_max ? rtt : rtt_max;
			printf("%u bytes from %s: icmp_seq=%d time=%lu.%03lu ms\n", (unsigned)len, addr,
			       seq, (unsigned long)(rtt / 1000), (unsigned long)(rtt % 1000));
		}
		if (seq < count && now_us() - t < (uint64_t)interval_ms * 1000)
			usleep((useconds_t)((uint64_t)interval_ms * 1000 - (now_us() - t)));
	}
	printf("--- %s ping statistics ---\n%u packets transmitted, %u received, %u%% packet loss\n",
	       addr, sent, got, sent ? (sent - got) * 100 / sent : 0);
	if (got)
		printf("rtt min/avg/max = %lu.%03lu/%lu.%03lu/%lu.%03lu ms\n",
		       (unsigned long)(rtt_min / 1000), (unsigned long)(rtt_min % 1000),
		       (unsigned long)(rtt_sum / got / 1000), (unsigned long)(rtt_sum / got % 1000),
		       (unsigned long)(rtt_max / 1000), (unsigned long)(rtt_max % 1000));
	close(s);
	return got ? 0 : 1;
}
