/*
 * The host implementation of net/netglue.h (net/host/glue.c), for tests,
 * fuzzing and host programs. Tests may replace the clock with their own
 * (a simulated one) and make randomness reproducible.
 */
#ifndef NET_HOST_HOSTGLUE_H
#define NET_HOST_HOSTGLUE_H

#include <stdint.h>

/* NULL: CLOCK_MONOTONIC. */
void hostglue_set_clock(uint64_t (*now_us)(void));
/* Non-zero: netglue_random() becomes a fixed pseudo-random sequence. */
void hostglue_set_seed(uint64_t seed);
/* Log lines go to stderr when non-zero (default: $NET_LOG set). */
void hostglue_set_verbose(int on);
/* Bytes the stacks have allocated and not freed. */
uint64_t hostglue_bytes_in_use(void);

#endif
