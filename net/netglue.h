/*
 * The OS glue: everything net/ needs from the system it runs on, and
 * nothing else. net/ includes no other outside header (not kern/, not
 * libos/, not the host's libc headers), so the same sources build into
 * guest programs (libos/netglue.c implements this over the NIC channel and
 * the clock page) and into host programs (net/host/glue.c over a tap device
 * or an in-memory wire, for tests and fuzzing).
 *
 * Frames leave through the interface's own output function (struct
 * net_ifconfig in net.h), so a glue may drive several stacks at once.
 */
#ifndef NET_NETGLUE_H
#define NET_NETGLUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* Microseconds on a monotonic clock; never goes backwards. */
uint64_t netglue_now_us(void);

/* n bytes of zeroed memory, or NULL; netglue_free(NULL) does nothing. */
void *netglue_alloc(size_t n);
void netglue_free(void *p);

/* n unpredictable bytes (ISN secret, ephemeral ports, DHCP xid). */
void netglue_random(void *buf, size_t n);

/* A line of diagnostics (no trailing newline in msg). */
void netglue_log(const char *msg);

/* The freestanding string functions; libc and libos both provide them
 * with these prototypes. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

#endif
