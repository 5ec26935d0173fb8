/*
 * Packet filters: the installed filters of every NIC merged into one
 * decision tree per NIC, so that classifying a frame costs one hash
 * probe per atom on the path of the filters that share its fields,
 * whatever the number of filters.
 *
 * Everything here runs under kern/nic.c's nic_lock, but filter_audit,
 * which runs with every other CPU parked (kern/audit.h).
 */
#ifndef CHITIN_KERN_FILTER_H
#define CHITIN_KERN_FILTER_H
#include "kernel.h"
#include "abi/nic.h"

#define FILTER_MATCH_MAX	16	/* channels one frame may reach */

/* A validated, canonical filter: atoms sorted by offset. */
int filter_check(const struct nic_filter *in, struct nic_filter *out);
/* Would f on nic overlap an installed claim (both exclusive)? Returns the
 * conflicting filter's id or -1. */
int filter_conflict(int nic, const struct nic_filter *f);
/* Install a checked filter for chan on nic; its id, or -E_QUOTA/-E_NO_MEM. */
int filter_install(int nic, int chan, const struct nic_filter *f);
void filter_remove(int id);
int filter_remove_chan(int chan);	/* all of chan's; how many */
int filter_chan(int id);	/* its channel, -1 if the slot is free */
int filter_nic(int id);		/* its NIC, -1 if the slot is free */
int filter_audit(void);		/* kern/audit.h */
/*
 * The filters on nic that accept frame[0..len): fills ids[] (at most max)
 * and returns how many; *steps gets the number of tree tests made. Never
 * reads outside the frame.
 */
int filter_classify(int nic, const uint8_t *frame, size_t len, int *ids,
		    int max, uint64_t *steps);
void filter_hit(int id);
bool filter_shared(int id);		/* a subscription, not a claim */
void filter_init(struct nic_filter_export *ex);

/* The source identity a claim gives its channel for transmitting. */
struct filter_ident {
	bool has_ip;
	uint32_t ip;			/* IPv4 destination it claims */
	int proto;			/* IP protocol, -1 if any */
	int port;			/* L4 destination port, -1 if any */
};
bool filter_ident(int id, struct filter_ident *out);

#endif
