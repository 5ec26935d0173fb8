/*
 * The stack's counters: one list, from which net.h makes struct net_stats
 * and stats.c the names a tool prints (ifconfig/netstat, the tests).
 * Every dropped frame increments exactly one counter named for the reason.
 */
#ifndef NET_STATS_H
#define NET_STATS_H

#define NET_STATS_LIST(X) \
	X(eth_rx)			/* frames handed to net_input */ \
	X(eth_tx)			/* frames given to the interface */ \
	X(eth_drop_short)		/* shorter than an Ethernet header */ \
	X(eth_drop_type)		/* neither IPv4 nor ARP */ \
	X(eth_drop_notus)		/* destination MAC neither ours nor broadcast */ \
	X(eth_tx_fail)			/* the interface refused a frame */ \
	X(arp_rx) \
	X(arp_drop_short)		/* shorter than an IPv4-over-Ethernet ARP */ \
	X(arp_drop_format)		/* hardware/protocol type or length not ours */ \
	X(arp_drop_notus)		/* request for an address that is not ours */ \
	X(arp_request_tx) \
	X(arp_reply_tx) \
	X(arp_drop_queue)		/* frame waiting for resolution: queue full, or given up */ \
	X(arp_fail)			/* resolution gave up */ \
	X(ip_rx) \
	X(ip_drop_short)		/* shorter than 20 bytes */ \
	X(ip_drop_version)		/* not version 4 */ \
	X(ip_drop_hlen)			/* IHL < 5 or beyond the packet */ \
	X(ip_drop_len)			/* total length lies */ \
	X(ip_drop_csum)			/* header checksum */ \
	X(ip_drop_notus)		/* not addressed to us */ \
	X(ip_drop_proto)		/* protocol we do not speak */ \
	X(ip_drop_srcaddr)		/* source is broadcast/multicast/loopback */ \
	X(ip_tx) \
	X(ip_drop_noroute)		/* no address, or destination unreachable */ \
	X(ip_drop_toobig)		/* too big to send and DF set */ \
	X(ip_frag_rx)			/* fragments received */ \
	X(ip_frag_ok)			/* datagrams reassembled */ \
	X(ip_frag_drop_overlap)		/* overlapping fragment: datagram dropped */ \
	X(ip_frag_drop_toobig)		/* would exceed 65535 bytes */ \
	X(ip_frag_drop_timeout)		/* never completed (RFC 791 timer) */ \
	X(ip_frag_drop_full)		/* no free reassembly slot */ \
	X(ip_frag_drop_bad)		/* non-final fragment not a multiple of 8 */ \
	X(ip_frag_tx)			/* fragments sent */ \
	X(icmp_rx) \
	X(icmp_drop_short) \
	X(icmp_drop_csum) \
	X(icmp_drop_type)		/* a type we ignore */ \
	X(icmp_echo_reply_tx) \
	X(icmp_unreach_tx) \
	X(icmp_unreach_rx) \
	X(icmp_drop_ratelimit)		/* error not sent: rate limit (RFC 1812 4.3.2.8) */ \
	X(udp_rx) \
	X(udp_drop_short) \
	X(udp_drop_len)			/* UDP length lies */ \
	X(udp_drop_csum) \
	X(udp_drop_noport)		/* no socket: port unreachable sent */ \
	X(udp_drop_full)		/* socket's receive queue full */ \
	X(udp_tx) \
	X(tcp_rx) \
	X(tcp_drop_short)		/* shorter than 20 bytes */ \
	X(tcp_drop_hlen)		/* data offset < 5 or beyond the segment */ \
	X(tcp_drop_csum) \
	X(tcp_drop_badopt)		/* an option's length lies */ \
	X(tcp_drop_noport)		/* no connection or listener (RST sent if allowed) */ \
	X(tcp_drop_bcast)		/* to a broadcast/multicast address */ \
	X(tcp_drop_listen)		/* not a SYN, at a listener */ \
	X(tcp_drop_synq)		/* SYN queue full: the oldest embryo evicted */ \
	X(tcp_drop_backlog)		/* accept queue full: final ACK dropped */ \
	X(tcp_drop_synsent)		/* unacceptable in SYN-SENT */ \
	X(tcp_drop_paws)		/* timestamp older than ts_recent (RFC 7323 5.3) */ \
	X(tcp_drop_outwin)		/* not acceptable (RFC 9293 3.10.7.4) */ \
	X(tcp_drop_rst_outwin)		/* RST outside the window (RFC 5961 3.2) */ \
	X(tcp_drop_rst_timewait)	/* RST in TIME-WAIT ignored (RFC 1337) */ \
	X(tcp_drop_noack)		/* no ACK bit in a synchronized state */ \
	X(tcp_drop_badack)		/* ACK outside the acceptable range (RFC 5961 5.2) */ \
	X(tcp_drop_ooo_full)		/* out-of-order data with no range left */ \
	X(tcp_drop_after_close)		/* data after the receive side closed: RST */ \
	X(tcp_nomem)			/* allocation failed */ \
	X(tcp_challenge_ack)		/* RFC 5961 challenge ACKs sent */ \
	X(tcp_challenge_ratelimit)	/* challenge ACKs not sent: rate limit (RFC 5961 7) */ \
	X(tcp_rst_rx)			/* connections reset by the peer */ \
	X(tcp_rst_tx) \
	X(tcp_tx)			/* segments sent */ \
	X(tcp_rexmt)			/* segments retransmitted */ \
	X(tcp_tso_tx)			/* TSO frames sent (their segments count in tcp_tx) */ \
	X(tcp_tso_fallback)		/* TSO frames the interface refused: sent as one segment */ \
	X(tcp_rto)			/* retransmission timeouts */ \
	X(tcp_fast_rexmt)		/* fast retransmits (entries into recovery) */ \
	X(tcp_ooo_rx)			/* out-of-order segments queued */ \
	X(tcp_dup_rx)			/* duplicate data segments (D-SACK reported) */ \
	X(tcp_dsack_rx)			/* D-SACK blocks received */ \
	X(tcp_persist_probe)		/* zero-window probes sent */ \
	X(tcp_keep_probe)		/* keepalive probes sent */ \
	X(tcp_keep_drop)		/* connections dropped by keepalive */ \
	X(tcp_timeout_drop)		/* connections dropped: retransmissions exhausted */ \
	X(tcp_accepts) \
	X(tcp_connects) \
	X(dhcp_tx) \
	X(dhcp_rx) \
	X(dhcp_drop_bad)		/* malformed or not for us */

#endif
