/* Text forms of IPv4 addresses (libos/socket.c). */
#ifndef CHITIN_ARPA_INET_H
#define CHITIN_ARPA_INET_H

#include <netinet/in.h>

/* "a.b.c.d" to *a (network order): 1, or 0 if s is not one. */
int inet_aton(const char *s, struct in_addr *a);
/* The same, INADDR_NONE for a bad string. */
in_addr_t inet_addr(const char *s);
/* The text of a, in a static buffer. */
char *inet_ntoa(struct in_addr a);
/* AF_INET only: dst gets the text (size >= INET_ADDRSTRLEN); NULL if not. */
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);
/* AF_INET only: 1, 0 for a bad string, -1 (EAFNOSUPPORT) for another af. */
int inet_pton(int af, const char *src, void *dst);

#endif
