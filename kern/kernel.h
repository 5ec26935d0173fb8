/*
 * Included first by every kernel-private header: kernel headers refuse to
 * compile anywhere but in the kernel (user code sees kern/abi/ only).
 */
#ifndef CHITIN_KERN_KERNEL_H
#define CHITIN_KERN_KERNEL_H
#ifndef CHITIN_KERNEL
#error "kern/ headers are kernel-private; user code includes kern/abi/ only"
#endif

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint64_t physaddr_t;	/* a physical address */
typedef uint64_t ppn_t;		/* a physical page number */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ROUNDDOWN(x, n)	((x) / (n) * (n))
#define ROUNDUP(x, n)	ROUNDDOWN((x) + (n) - 1, (n))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

#define NCPU_MAX	16	/* CPUs the kernel will start */

#endif
