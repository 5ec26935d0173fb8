/*
 * The program's own TCP/IP stack behind <sys/socket.h> (libos/socket.c):
 * its configuration, its network thread, and reaching the stack itself
 * (net/net.h, net/socket.h) for what BSD sockets do not say.
 *
 * Configuration, applied in this order when the stack starts (at the
 * first socket(), or sock_start):
 *   1. the defaults: "ip=10.0.2.15/24 gw=10.0.2.2" (QEMU's convention);
 *   2. the system's file /etc/net.conf, when a file system is there
 *      (ifconfig writes it);
 *   3. what the program passed to sock_configure (its own tuning).
 * Words are net_configure's (net/net.h: ip, mask, gw, mtu, dhcp and every
 * TCP knob: cc, iw, sack, delack, nodelay, rcvbuf...) plus the library's:
 *   nic=N        the NIC (default 0)
 *   chan=claim   a channel of the program's own that claims its IPv4
 *                address and a shared copy of ARP (the default): several
 *                programs, each with its own address and tuning, share a
 *                NIC; an address another program claims is refused
 *   chan=default the NIC's default channel: every frame nobody claims
 *   flip=1       zero-copy receive (pages flipped, not copied)
 *   rxbufs=N     receive pages posted (default 128)
 *
 * The network thread. The stack runs in a thread the library starts with
 * it: it takes frames from the channel, runs the stack's timers and wakes
 * the threads that wait on sockets. When no thread can run, the env waits
 * in the kernel for the channel (thread_idle_hook) until the next timer;
 * while the program computes, the thread runs at least every
 * SOCK_TICK_US when the scheduler gets to it, so connections progress.
 * Every call into the stack holds the library's lock: a program that
 * calls net/ directly takes it with sock_lock/sock_unlock.
 *
 * Sockets are descriptors of the fd table (fd.h, device FD_DEV_SOCKET)
 * owned by the env whose stack holds them: a child that inherits one
 * (fork, spawn) cannot use it. Closing the last descriptor leaves the
 * connection to finish in the stack (FIN, TIME-WAIT); at exit the
 * library gives connections up to SOCK_EXIT_LINGER_US to deliver what
 * they still hold, as a kernel stack would after the process.
 *
 * The calls here return 0 (or a count) or a negative errno value.
 */
#ifndef CHITIN_SOCK_H
#define CHITIN_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "net/net.h"
#include "net/socket.h"

#define SOCK_TICK_US	10000		/* the network thread's longest sleep */
#define SOCK_EXIT_LINGER_US	3000000	/* exit waits this long for data to leave */

/* Adds words to the program's configuration (before the stack starts:
 * -EBUSY after). -ENOSPC if the text is too long. */
int sock_configure(const char *conf);
/* Starts the stack if it has not started: 0, or -errno (and, in *why if
 * given, a message: the refused configuration word, the NIC...). */
int sock_start(const char **why);
/* The stack (NULL before it starts) and the lock around every call into
 * it. */
struct netstack *sock_stack(void);
void sock_lock(void);
void sock_unlock(void);
/* net/'s descriptor of socket s, for net_getsockopt and friends (with
 * the lock held); -EBADF, or -ENOTSOCK if s is another descriptor. */
int sock_sd(int s);
/* Waits (with the lock held, which it drops meanwhile) until the network
 * thread has done something or deadline_us (netglue_now_us time; 0:
 * none) has passed: then -ETIMEDOUT. */
int sock_wait(uint64_t deadline_us);
/* Waits until DHCP has bound an address or timeout_us passed: the
 * address (host order), or -ETIMEDOUT. Without DHCP, the address. */
int64_t sock_wait_address(uint64_t timeout_us);

/* Prints the program's sockets (state, queues, TCP windows, RTT,
 * congestion control, tuning with -v) and, with counters, every non-zero
 * stack counter: what `netstat -s` shows of a program. */
#define SOCK_SHOW_SOCKETS	0x1
#define SOCK_SHOW_TUNING	0x2
#define SOCK_SHOW_COUNTERS	0x4
#define SOCK_SHOW_CONFIG	0x8
void sock_show(int what);

#endif
