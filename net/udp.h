/*
 * UDP control blocks and datagram queues (udp.c), for socket.c and the
 * DHCP client. A datagram queue also holds ICMP echo replies for ping
 * sockets.
 */
#ifndef NET_UDP_H
#define NET_UDP_H

#include "net/netpriv.h"

#define UDP_HLEN	8

struct dgram {
	struct dgram *next;
	uint32_t src;			/* sender's address and port */
	uint16_t sport;
	uint32_t len;
	uint8_t data[];
};

struct dgram_queue {
	struct dgram *head, *tail;
	uint32_t bytes;			/* payload bytes queued */
	uint32_t limit;			/* SO_RCVBUF */
};

struct udpcb {
	struct udpcb *next;		/* ns_udps list */
	uint32_t laddr, faddr;		/* faddr/fport: connect()ed peer, or 0 */
	uint16_t lport, fport;
	struct dgram_queue q;
	int reuse;			/* SO_REUSEADDR */
};

/* 0, or -1 (full, or no memory: the datagram is dropped). */
int dgram_enqueue(struct dgram_queue *q, uint32_t src, uint16_t sport,
	const void *data, size_t len);
struct dgram *dgram_dequeue(struct dgram_queue *q);
void dgram_flush(struct dgram_queue *q);

struct udpcb *udp_newcb(struct netstack *ns, uint32_t rcvbuf);
void udp_freecb(struct netstack *ns, struct udpcb *up);
/* port 0: an ephemeral port. -NET_EADDRINUSE */
int udp_bind(struct netstack *ns, struct udpcb *up, uint32_t addr, uint16_t port);
int udp_output(struct netstack *ns, uint32_t src, uint16_t sport, uint32_t dst,
	uint16_t dport, const void *data, size_t len);
void udp_free_all(struct netstack *ns);

#endif
