/*
 * net/ internals shared by its files: the stack structure, wire-format
 * helpers and the prototypes of the layers below TCP. Not for programs
 * (they include net.h, socket.h, cc.h).
 *
 * Headers are parsed with get16/get32 at explicit offsets, never by
 * casting a frame to a struct: frames may be unaligned and every read is
 * checked against the length first.
 */
#ifndef NET_NETPRIV_H
#define NET_NETPRIV_H

#include <stdint.h>
#include <stddef.h>
#include "net/netglue.h"
#include "net/net.h"
#include "net/cc.h"

#define ETH_HLEN	14
#define ETH_ALEN	6
#define ETH_TYPE_IP	0x0800
#define ETH_TYPE_ARP	0x0806
#define IP_HLEN		20	/* without options */
#define NET_HEADROOM	(ETH_HLEN + IP_HLEN)
#define NET_MTU_DEFAULT	1500
#define NET_FRAME_MAX	(ETH_HLEN + 9000)
#define NET_TX_MAX	NET_TSO_FRAME	/* a TSO frame: one whole datagram */

#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17

#define IP_ANY		0u
#define IP_BROADCAST	0xffffffffu

#define NET_ARP_SLOTS	256	/* a full one evicts (arp_victim): a SYN flood
				 * from 150 on-link addresses fits */
#define NET_REASS_SLOTS	4
#define NET_CC_SLOTS	8

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p)
{ return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v)
{ p[0] = v >> 24; p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

#define NET_MIN(a, b)	((a) < (b) ? (a) : (b))
#define NET_MAX(a, b)	((a) > (b) ? (a) : (b))

/* A frame waiting for its neighbour's address. */
struct arp_held {
	struct arp_held *next;
	uint16_t len;
	uint8_t frame[];
};
#define ARP_HOLD_MAX	64	/* frames per neighbour: a whole fragmented datagram */

/* One ARP cache entry (RFC 826; timeouts per RFC 1122 2.3.2.1). */
struct arp_entry {
	uint32_t ae_ip;			/* 0: free */
	uint8_t ae_mac[ETH_ALEN];
	uint8_t ae_state;		/* ARP_INCOMPLETE, ARP_RESOLVED */
	uint8_t ae_tries;		/* requests sent while incomplete */
	uint64_t ae_expire;		/* resolved: when it goes stale; incomplete: next request */
	uint64_t ae_used;		/* created, or last sent through (eviction order) */
	struct arp_held *ae_hold;	/* frames waiting for the answer (RFC 1122 2.3.2.2) */
	uint16_t ae_nheld;
};

/* One IPv4 datagram being reassembled (RFC 791 section 3.2). */
struct ip_reass {
	int ir_used;
	uint32_t ir_src, ir_dst;
	uint16_t ir_id;
	uint8_t ir_proto;
	uint64_t ir_deadline;
	uint32_t ir_total;		/* payload length, once the last fragment came; 0 before */
	uint32_t ir_have;		/* payload bytes received */
	uint8_t *ir_buf;		/* 65535 bytes */
	uint8_t ir_map[8192 / 8];	/* one bit per 8-byte block received */
	uint8_t ir_hdr[60];		/* the first fragment's header (for ICMP) */
	uint8_t ir_hlen;
};

/* What IP hands to ICMP, UDP and TCP. */
struct ip_pkt {
	uint32_t src, dst;
	uint8_t proto, ttl;
	const uint8_t *hdr;		/* the IP header, hlen bytes */
	size_t hlen;
	const uint8_t *data;		/* the payload, len bytes */
	size_t len;
};

struct tcpcb;
struct udpcb;
struct nsock;
struct dhcp_client;

struct netstack {
	struct net_ifconfig ns_if;
	uint16_t ns_mtu;
	struct net_stats ns_stats;
	struct tcp_tune ns_tune;		/* defaults for new sockets */
	uint8_t ns_tx[NET_TX_MAX];		/* the one frame being built */
	uint16_t ns_ip_id;			/* next IP identification */
	struct arp_entry ns_arp[NET_ARP_SLOTS];
	uint16_t ns_arp_last;			/* index arp_find tries first */
	uint64_t ns_arp_next;			/* next ARP timer run */
	struct ip_reass ns_reass[NET_REASS_SLOTS];
	uint64_t ns_icmp_err_time;		/* ICMP error rate limit: token time */
	uint32_t ns_icmp_err_tokens;
	const struct tcp_cc_ops *ns_cc[NET_CC_SLOTS];
	struct tcpcb *ns_tcbs;			/* every TCP connection and listener */
	uint32_t ns_ntcbs;
	uint64_t ns_isn_key[2];			/* RFC 9293 3.4.1 F() secret */
	uint64_t ns_chall_time;			/* RFC 5961 7 challenge-ACK limit */
	uint32_t ns_chall_count;
	uint16_t ns_next_port;			/* ephemeral port cursor */
	struct udpcb *ns_udps;
	struct nsock **ns_socks;		/* descriptor table */
	int ns_nsocks;
	struct dhcp_client *ns_dhcp;
	uint64_t ns_boot_us;			/* for timestamps (RFC 7323 clock) */
};

#define NSTAT(ns, name)	((ns)->ns_stats.name++)

/* util.c */
uint16_t net_csum_add(uint32_t sum, const void *data, size_t len, uint32_t *out);
uint16_t net_csum(const void *data, size_t len);
uint32_t net_csum_partial(uint32_t sum, const void *data, size_t len);
uint16_t net_csum_fold(uint32_t sum);
uint32_t net_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len);
uint64_t net_siphash(const uint64_t key[2], const void *data, size_t len);
void net_logf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
uint32_t net_random32(void);
int net_is_local(struct netstack *ns, uint32_t addr);
int net_is_bcast(struct netstack *ns, uint32_t addr);

/* eth.c */
void eth_input(struct netstack *ns, const uint8_t *frame, size_t len);
/* Sends frame[0..len) (an Ethernet frame whose header eth_output fills). */
int eth_output(struct netstack *ns, uint8_t *frame, size_t len,
	const uint8_t dst[ETH_ALEN], uint16_t type);

/* arp.c */
void arp_input(struct netstack *ns, const uint8_t *pkt, size_t len);
/* Sends an IPv4 frame to next hop nh, resolving it first if needed (the
 * frame is then held, copied). */
int arp_output(struct netstack *ns, uint8_t *frame, size_t len, uint32_t nh);
/* nh's MAC address if the cache has it resolved, else NULL. */
const uint8_t *arp_resolved(struct netstack *ns, uint32_t nh);
void arp_announce(struct netstack *ns);
uint64_t arp_timer(struct netstack *ns, uint64_t now);
void arp_flush(struct netstack *ns);

/* ip.c */
void ip_input(struct netstack *ns, const uint8_t *pkt, size_t len);
/* frame holds NET_HEADROOM bytes of room, then len bytes of payload;
 * ip_output writes the headers and sends it (fragmenting if it must). */
int ip_output(struct netstack *ns, uint8_t *frame, size_t len, uint8_t proto,
	uint32_t src, uint32_t dst, uint8_t ttl);
/* Sends a TCP frame (as ip_output) of len bytes, larger than the MTU,
 * by the NIC's segmentation offload, segments of mss payload bytes;
 * -NET_EAGAIN (nothing sent) when the next hop is not resolved or the
 * interface refuses it. */
int ip_output_tso(struct netstack *ns, uint8_t *frame, size_t len, uint32_t src,
	uint32_t dst, unsigned mss);
/* The source address for a packet to dst (0 if none). */
uint32_t ip_source_for(struct netstack *ns, uint32_t dst);
uint64_t ip_reass_timer(struct netstack *ns, uint64_t now);
void ip_reass_flush(struct netstack *ns);
/* ipfrag.c: a fragment of pkt; calls back into ip_deliver when complete */
void ip_reass_input(struct netstack *ns, const uint8_t *hdr, size_t hlen,
	const uint8_t *data, size_t len);
void ip_deliver(struct netstack *ns, const struct ip_pkt *p);

/* icmp.c */
void icmp_input(struct netstack *ns, const struct ip_pkt *p);
/* Destination unreachable (code) about the datagram p (RFC 792, RFC 1122 3.2.2). */
void icmp_send_unreach(struct netstack *ns, const struct ip_pkt *p, uint8_t code);
int icmp_send_echo(struct netstack *ns, uint32_t dst, uint16_t id, uint16_t seq,
	const void *data, size_t len);

/* udp.c */
void udp_input(struct netstack *ns, const struct ip_pkt *p);
/* dhcp.c */
int dhcp_input(struct netstack *ns, const struct ip_pkt *p, const uint8_t *udp, size_t len);
uint64_t dhcp_timer(struct netstack *ns, uint64_t now);
void dhcp_free(struct netstack *ns);

/* tcp_subr.c */
void tcp_input(struct netstack *ns, const struct ip_pkt *p);
uint64_t tcp_timer_all(struct netstack *ns, uint64_t now);
void tcp_free_all(struct netstack *ns);
/* socket.c */
void sock_free_all(struct netstack *ns);
/* Socket-level ICMP echo reply delivery (socket.c). */
void sock_icmp_deliver(struct netstack *ns, const struct ip_pkt *p,
	const uint8_t *icmp, size_t len);

#endif
