/*
 * wget [-o CONF] [-O FILE] [-q] http://HOST[:PORT]/PATH: an HTTP/1.1 GET
 * (RFC 9112) over the program's own stack. The body goes to FILE (the
 * last part of PATH, or index.html, when -O is not given; "-O -" is
 * standard output) when there is a file system, and is only counted when
 * there is none. Ends with "wget: N bytes crc C in S s (R KiB/s)" (zlib's
 * CRC-32 of the body); exits 0 for a 2xx answer read whole.
 *
 * HOST is an address: there is no DNS.
 */
#include "netapp.h"
#include <sys/stat.h>

#define BUF	(64 * 1024)

struct url {
	char host[64];
	char port[8];
	char path[512];
};

static uint8_t buf[BUF];

static bool
parse_url(const char *s, struct url *u)
{
	const char *h, *slash, *colon;
	size_t n;

	if (strncmp(s, "http://", 7) != 0)
		return false;
	h = s + 7;
	slash = strchr(h, '/');
	if (!slash)
		slash = h + strlen(h);
	colon = memchr(h, ':', (size_t)(slash - h));
	n = (size_t)((colon ? colon : slash) - h);
	if (n == 0 || n >= sizeof(u->host))
		return false;
	memcpy(u->host, h, n);
	u->host[n] = '\0';
	n = colon ? (size_t)(slash - colon - 1) : 0;
	if (n >= sizeof(u->port))
		return false;
	if (colon) {
		memcpy(u->port, colon + 1, n);
		u->port[n] = '\0';
	} else {
		strcpy(u->port, "80");
	}
	snprintf(u->path, sizeof(u->path), "%s", *slash ? slash : "/");
	return true;
}

/* Reads the answer's head into buf: its length, *have the bytes read
 * (the head and the body's start). -1 if the head is bad or too long. */
static ssize_t
read_head(int s, size_t *have)
{
	*have = 0;
	for (;;) {
		ssize_t r = recv(s, buf + *have, BUF - 1 - *have, 0);
		if (r <= 0)
			return -1;
		*have += (size_t)r;
		buf[*have] = '\0';
		char *e = strstr((char *)buf, "\r\n\r\n");
		if (e)
			return e + 4 - (char *)buf;
		if (*have >= BUF - 1)
			return -1;
	}
}

/* The Content-Length of the head, or -1. */
static int64_t
content_length(const char *head)
{
	for (const char *h = head; (h = strstr(h, "\r\n")) != NULL; h += 2)
		if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
			return strtol(h + 17, NULL, 10);
	return -1;
}

static int
open_output(const char *name, const struct url *u, char *shown, size_t n)
{
	struct stat st;
	const char *last = strrchr(u->path, '/');

	if (name && strcmp(name, "-") == 0)
		return 1;
	if (!name)
		name = last && last[1] ? last + 1 : "index.html";
	snprintf(shown, n, "%s", name);
	if (stat("/", &st) < 0)
		return -1;		/* no file system: count only */
	return open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

int
main(int argc, char **argv)
{
	const char *outname = NULL;
	char shown[128] = "(counted)";
	struct sockaddr_in sa;
	struct url u;
	bool quiet = false;
	uint64_t t0, got = 0;
	int64_t want;
	uint32_t crc = 0;
	size_t have;
	ssize_t hl, r;
	int i = 1, k, s, out, code = 0;

	while (i < argc - 1) {
		if ((k = take_conf_arg(argc, argv, i)) > 0)
			i += k;
		else if (strcmp(argv[i], "-O") == 0)
			outname = argv[i + 1], i += 2;
		else if (strcmp(argv[i], "-q") == 0)
			quiet = true, i++;
		else
			break;
	}
	if (i != argc - 1 || !parse_url(argv[i], &u) || !parse_addr(u.host, u.port, &sa)) {
		fprintf(stderr, "usage: wget [-o CONF] [-O FILE] [-q] http://ADDRESS[:PORT]/PATH\n");
		return 2;
	}
	if (!net_up())
		return 1;
	t0 = now_us();
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "wget: %s:%s: %s\n", u.host, u.port, strerror(errno));
		return 1;
	}
	r = snprintf((char *)buf, BUF, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: chitin-wget\r\n"
		     "Connection: close\r\n\r\n", u.path, u.host);
	if (send(s, buf, (size_t)r, 0) != r || (hl = read_head(s, &have)) < 0) {
		fprintf(stderr, "wget: no answer: %s\n", strerror(errno));
		return 1;
	}
	sscanf((char *)buf, "HTTP/1.%*d %d", &code);
	want = content_length((char *)buf);
	if (!quiet)
		printf("wget: %s: HTTP %d, %ld bytes\n", argv[i], code, (long)want);
	out = open_output(outname, &u, shown, sizeof(shown));
	r = (ssize_t)(have - (size_t)hl);
	memmove(buf, buf + hl, (size_t)r);
	for (;;) {
		crc = crc32_update(crc, buf, (size_t)r);
		if (out >= 0 && r > 0)
			write(out, buf, (size_t)r);
		got += (uint64_t)r;
		if ((want >= 0 && got >= (uint64_t)want) || (r = recv(s, buf, BUF, 0)) <= 0)
			break;
	}
	if (out > 1)
		close(out);
	close(s);
	uint64_t us = now_us() - t0 + 1;
	printf("wget: %lu bytes crc %08x in %lu.%03lu s (%lu KiB/s) -> %s\n", (unsigned long)got,
	       crc, (unsigned long)(us / 1000000), (unsigned long)(us / 1000 % 1000),
	       (unsigned long)(got * 1000000 / us / 1024), shown);
	return code >= 200 && code < 300 && (want < 0 || got == (uint64_t)want) ? 0 : 1;
}
