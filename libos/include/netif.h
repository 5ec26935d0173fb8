/*
 * The TCP/IP stack (net/) on a NIC channel: libos/netglue.c implements
 * net/netglue.h for guest programs and ties a stack to a channel.
 *
 *	struct netstack *ns = netif_open(0, "ip=10.0.2.15/24 cc=cubic", &bad);
 *	for (;;) { netif_poll(ns, 10000); ... net_accept/net_recv/net_send ... }
 *
 * The program drives the stack from its own loop (one thread): netif_poll
 * hands received frames to the stack and runs its timers, waiting up to
 * timeout_us for a frame when there is nothing to do. The socket calls
 * are net/socket.h's (non-blocking).
 */
#ifndef CHITIN_NETIF_H
#define CHITIN_NETIF_H

#include <stdint.h>
#include "net/net.h"
#include "net/socket.h"

/* A stack on NIC nic's default channel, configured by conf
 * (net_configure words; *bad names a refused word). NULL on failure. */
struct netstack *netif_open(int nic, const char *conf, const char **bad);
/* Frames in, timers run; waits up to timeout_us when idle. Returns the
 * frames handled. */
int netif_poll(struct netstack *ns, uint64_t timeout_us);

#endif
