/*
 * TCP sequence-number arithmetic (RFC 9293 3.4): comparisons modulo 2^32,
 * valid while the two numbers are less than 2^31 apart. Timestamps use the
 * same arithmetic (RFC 7323 5.2).
 */
#ifndef NET_TCP_SEQ_H
#define NET_TCP_SEQ_H

#include <stdint.h>

#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) ? (a) : (b))
/* a <= x < b */
#define SEQ_IN(x, a, b)	(SEQ_LEQ(a, x) && SEQ_LT(x, b))

#endif
