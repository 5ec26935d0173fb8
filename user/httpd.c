/*
 * httpd [-o CONF] [-p PORT] [-r ROOT] [-w WORKERS] [-q]: an HTTP/1.1
 * server (RFC 9112) over the program's own stack.
 *
 * Serves GET and HEAD with keep-alive (HTTP/1.1's default; HTTP/1.0 with
 * "Connection: keep-alive"):
 *   /bytes/N        N bytes of a generated stream (xorshift64, seed
 *                   0x2545f4914f6cdd1d: the grader computes the same), for
 *                   transfers of any size without a file system
 *   /stats          requests served, connections, the stack's sockets
 *   anything else   the file ROOT/PATH (ROOT: /, or what -r says) of the
 *                   file system; a directory gives its index.html or a
 *                   listing. Without a file system, the boot archive's
 *                   files by name, and / lists them.
 * Malformed requests get 400, unknown methods 501, missing files 404.
 *
 * WORKERS threads (default 48) each accept a connection and serve it to
 * the end, so that many connections are served at once; more wait in
 * the listen queue.
 */
#include "netapp.h"
#include <poll.h>
#include <dirent.h>
#include <sys/stat.h>
#include "kern/abi/archive.h"

#define REQ_MAX		8192
#define OUT_CHUNK	(32 * 1024)
#define WORKERS_MAX	56	/* the fd table has 64 descriptors */
#define IDLE_TIMEOUT_S	30	/* a keep-alive connection that says nothing */
#define IDLE_YIELD_MS	1000	/* ... while other connections wait: see wait_request */

struct conn {
	int s;
	int listener;			/* to see whether others wait */
	char req[REQ_MAX + 1];
	size_t have;			/* bytes in req */
	uint8_t out[OUT_CHUNK];
};

struct request {
	char method[8];
	char path[512];
	bool keep_alive;
	bool head;
};

static const char *root = "";
static bool quiet;
static bool have_fs;
static volatile uint64_t nreq, nconn;

/* --- sending --- */

static bool
send_all(int s, const void *buf, size_t n)
{
	return n == 0 || send(s, buf, n, 0) == (ssize_t)n;
}

/* The head goes with MSG_MORE: it leaves with the body's first bytes, in
 * one segment, instead of alone (and the body after an ACK). */
static bool
send_more(int s, const void *buf, size_t n)
{
	return send(s, buf, n, MSG_MORE) == (ssize_t)n;
}

static bool
send_head(struct conn *c, int code, const char *reason, uint64_t len, const char *type,
	  bool keep, bool body)
{
	char h[320];
	int n = snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\nServer: chitin-httpd\r\n"
			 "Content-Length: %lu\r\nContent-Type: %s\r\nConnection: %s\r\n\r\n",
			 code, reason, (unsigned long)len, type, keep ? "keep-alive" : "close");

	return body ? send_more(c->s, h, (size_t)n) : send_all(c->s, h, (size_t)n);
}

static bool
send_text(struct conn *c, int code, const char *reason, const char *body, bool keep,
	  bool head)
{
	size_t n = strlen(body);

	return send_head(c, code, reason, n, "text/plain", keep, !head && n) &&
	       (head || send_all(c->s, body, n));
}

static bool
send_error(struct conn *c, int code, const char *reason, const struct request *rq)
{
	char body[96];

	snprintf(body, sizeof(body), "%d %s\n", code, reason);
	return send_text(c, code, reason, body, rq->keep_alive, rq->head);
}

/* --- what can be served --- */

static bool
serve_bytes(struct conn *c, const struct request *rq, uint64_t n)
{
	uint64_t state = 0x2545f4914f6cdd1dULL;

	if (!send_head(c, 200, "OK", n, "application/octet-stream", rq->keep_alive,
		       !rq->head && n))
		return false;
	if (rq->head)
		return true;
	while (n > 0) {
		size_t k = n < OUT_CHUNK ? (size_t)n : OUT_CHUNK;
		pattern_fill(&state, c->out, k);
		if (!send_all(c->s, c->out, k))
			return false;
		n -= k;
	}
	return true;
}

static bool
serve_stats(struct conn *c, const struct request *rq)
{
	char body[160];

	snprintf(body, sizeof(body), "requests %lu\nconnections %lu\n",
		 (unsigned long)nreq, (unsigned long)nconn);
	if (!quiet)
		sock_show(SOCK_SHOW_SOCKETS | SOCK_SHOW_COUNTERS);
	return send_text(c, 200, "OK", body, rq->keep_alive, rq->head);
}

static const char *
type_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
		return "text/html";
	if (dot && (strcmp(dot, ".txt") == 0 || strcmp(dot, ".c") == 0 || strcmp(dot, ".h") == 0 ||
		    strcmp(dot, ".conf") == 0))
		return "text/plain";
	return "application/octet-stream";
}

static bool
serve_fd(struct conn *c, const struct request *rq, int fd, uint64_t size, const char *path)
{
	ssize_t r = 0;

	if (!send_head(c, 200, "OK", size, type_of(path), rq->keep_alive, !rq->head && size))
		return false;
	if (rq->head)
		return true;
	while (size > 0 && (r = read(fd, c->out, OUT_CHUNK)) > 0) {
		if (!send_all(c->s, c->out, (size_t)r))
			return false;
		size -= (uint64_t)r;
	}
	return size == 0;	/* a short file: the connection cannot go on */
}

/* A directory listing as HTML, at most OUT_CHUNK bytes. */
static bool
serve_listing(struct conn *c, const struct request *rq, const char *dir)
{
	char *p = (char *)c->out, *end = p + OUT_CHUNK - 64;
	const char *slash = rq->path[strlen(rq->path) - 1] == '/' ? "" : "/";
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return send_error(c, 404, "Not Found", rq);
	p += snprintf(p, (size_t)(end - p), "<html><body><h1>Index of %s</h1><ul>\n", rq->path);
	while ((de = readdir(d)) != NULL && p < end - 200)
		if (strcmp(de->d_name, ".") != 0)
			p += snprintf(p, (size_t)(end - p), "<li><a href=\"%s%s%s\">%s%s</a></li>\n",
				      rq->path, slash, de->d_name, de->d_name,
				      de->d_type == DT_DIR ? "/" : "");
	closedir(d);
	p += snprintf(p, (size_t)(end - p), "</ul></body></html>\n");
	return send_head(c, 200, "OK", (uint64_t)(p - (char *)c->out), "text/html",
			 rq->keep_alive, !rq->head) &&
	       (rq->head || send_all(c->s, c->out, (size_t)(p - (char *)c->out)));
}

static bool
serve_file(struct conn *c, const struct request *rq)
{
	char full[600], index[620];
	struct stat st;
	bool ok;
	int fd;

	snprintf(full, sizeof(full), "%s%s", root, rq->path);
	if (stat(full, &st) < 0)
		return send_error(c, 404, "Not Found", rq);
	if (S_ISDIR(st.st_mode)) {
		snprintf(index, sizeof(index), "%s/index.html", full);
		if (stat(index, &st) < 0 || S_ISDIR(st.st_mode))
			return serve_listing(c, rq, full);
		memcpy(full, index, sizeof(full) - 1);
		full[sizeof(full) - 1] = '\0';
	}
	if ((fd = open(full, O_RDONLY)) < 0)
		return send_error(c, 403, "Forbidden", rq);
	ok = serve_fd(c, rq, fd, (uint64_t)st.st_size, full);
	close(fd);
	return ok;
}

/* The boot archive's entries, checked against its exported size. */
static const struct archive_entry *
archive_entries(uint64_t *count)
{
	const struct archive_header *h = (const void *)UARCHIVE;
	uint64_t size = UCLOCK_PAGE->archive_size;

	if (size < sizeof(*h) || h->magic != ARCHIVE_MAGIC || h->size > size ||
	    h->count > (size - sizeof(*h)) / sizeof(struct archive_entry))
		return NULL;
	*count = h->count;
	return (const struct archive_entry *)(h + 1);
}

static bool
serve_archive(struct conn *c, const struct request *rq)
{
	const struct archive_entry *e;
	const void *data;
	uint64_t n = 0;
	size_t size;
	char *p = (char *)c->out, *end = p + OUT_CHUNK - 128;

	if (strcmp(rq->path, "/") != 0) {
		if ((data = archive_find(rq->path + 1, &size)) == NULL)
			return send_error(c, 404, "Not Found", rq);
		return send_head(c, 200, "OK", size, type_of(rq->path), rq->keep_alive,
				 !rq->head && size) && (rq->head || send_all(c->s, data, size));
	}
	e = archive_entries(&n);
	p += snprintf(p, (size_t)(end - p), "<html><body><h1>Boot archive</h1><ul>\n");
	for (uint64_t i = 0; e && i < n && p < end; i++)
		p += snprintf(p, (size_t)(end - p), "<li><a href=\"/%.48s\">%.48s</a> %lu</li>\n",
			      e[i].name, e[i].name, (unsigned long)e[i].size);
	p += snprintf(p, (size_t)(end + 128 - p), "</ul></body></html>\n");
	return send_head(c, 200, "OK", (uint64_t)(p - (char *)c->out), "text/html",
			 rq->keep_alive, !rq->head) &&
	       (rq->head || send_all(c->s, c->out, (size_t)(p - (char *)c->out)));
}

/* --- requests --- */

/* Reads until the end of the request head; its length (with the blank
 * line), 0 at a clean end of the connection, -1 on error or garbage. */
static ssize_t
read_head(struct conn *c)
{
	for (;;) {
		c->req[c->have] = '\0';
		char *e = strstr(c->req, "\r\n\r\n");
		if (e)
			return e + 4 - c->req;
		if (c->have >= REQ_MAX)
			return -1;
		ssize_t r = recv(c->s, c->req + c->have, REQ_MAX - c->have, 0);
		if (r <= 0)
			return r == 0 && c->have == 0 ? 0 : -1;
		c->have += (size_t)r;
	}
}

/* %XX escapes in place; false for a bad one or a NUL. */
static bool
unescape(char *s)
{
	char *o = s;

	for (; *s; s++, o++) {
		if (*s != '%') {
			*o = *s;
			continue;
		}
		char hex[3] = { s[1], s[1] ? s[2] : 0, 0 };
		char *end;
		long v = strtol(hex, &end, 16);
		if (*end || v <= 0 || !hex[1])
			return false;
		*o = (char)v;
		s += 2;
	}
	*o = '\0';
	return true;
}

/* Parses the request line and the Connection header. */
static bool
parse(char *head, struct request *rq)
{
	char *sp1 = strchr(head, ' '), *sp2, *eol = strstr(head, "\r\n");
	bool http11;
	char *q;

	if (!sp1 || !eol || sp1 > eol || (size_t)(sp1 - head) >= sizeof(rq->method))
		return false;
	if (!(sp2 = strchr(sp1 + 1, ' ')) || sp2 > eol || (size_t)(sp2 - sp1 - 1) >= sizeof(rq->path))
		return false;
	memcpy(rq->method, head, (size_t)(sp1 - head));
	rq->method[sp1 - head] = '\0';
	memcpy(rq->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	rq->path[sp2 - sp1 - 1] = '\0';
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return false;
	http11 = sp2[8] == '1';
	if ((q = strchr(rq->path, '?')) != NULL)
		*q = '\0';
	if (rq->path[0] != '/' || !unescape(rq->path) || strstr(rq->path, ".."))
		return false;
	rq->keep_alive = http11;
	for (char *h = eol + 2; (eol = strstr(h, "\r\n")) != NULL && eol != h; h = eol + 2) {
		if (strncasecmp(h, "Connection:", 11) != 0)
			continue;
		for (q = h + 11; *q == ' '; q++)
			;
		if (strncasecmp(q, "close", 5) == 0)
			rq->keep_alive = false;
		else if (strncasecmp(q, "keep-alive", 10) == 0)
			rq->keep_alive = true;
	}
	return true;
}

static bool
respond(struct conn *c, struct request *rq)
{
	rq->head = strcmp(rq->method, "HEAD") == 0;
	if (!rq->head && strcmp(rq->method, "GET") != 0) {
		rq->keep_alive = false;
		return send_error(c, 501, "Not Implemented", rq) && false;
	}
	if (strncmp(rq->path, "/bytes/", 7) == 0)
		return serve_bytes(c, rq, parse_size(rq->path + 7));
	if (strcmp(rq->path, "/stats") == 0)
		return serve_stats(c, rq);
	return have_fs ? serve_file(c, rq) : serve_archive(c, rq);
}

/*
 * Waits until c's next request starts to arrive: true when there is
 * something to read (or an error or end to see), false to give the
 * worker up. A connection that says nothing keeps its worker for
 * IDLE_TIMEOUT_S, but only IDLE_YIELD_MS when another connection waits to
 * be accepted: the workers are fewer than the clients, and one whose
 * FIN or RST never arrived (a frame lost in a burst) would otherwise hold
 * a worker that live clients need for the whole timeout.
 */
static bool
wait_request(struct conn *c)
{
	struct pollfd p[2] = { { c->s, POLLIN, 0 }, { c->listener, POLLIN, 0 } };
	int r = poll(p, 1, IDLE_YIELD_MS);

	if (r != 0)
		return true;		/* data, end, or an error recv reports */
	r = poll(p, 2, IDLE_TIMEOUT_S * 1000 - IDLE_YIELD_MS);
	return r > 0 && p[0].revents != 0;
}

/* Serves one connection until it closes or asks to. */
static void
serve_conn(struct conn *c)
{
	struct timeval tv = { IDLE_TIMEOUT_S, 0 };
	struct request rq;
	ssize_t n;
	int one = 1;

	setsockopt(c->s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* an answer's last partial segment must not wait for an ACK that the
	 * client delays (Nagle with delayed ACK): 40 ms a request */
	setsockopt(c->s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->have = 0;
	for (;;) {
		if (c->have == 0 && !wait_request(c))
			return;
		if ((n = read_head(c)) <= 0) {
			if (n < 0 && c->have > 0) {
				memset(&rq, 0, sizeof(rq));
				send_error(c, 400, "Bad Request", &rq);
			}
			return;
		}
		memset(&rq, 0, sizeof(rq));
		if (!parse(c->req, &rq)) {
			send_error(c, 400, "Bad Request", &rq);
			return;
		}
		__atomic_add_fetch(&nreq, 1, __ATOMIC_RELAXED);
		if (!quiet)
			printf("httpd: %s %s\n", rq.method, rq.path);
		if (!respond(c, &rq) || !rq.keep_alive)
			return;
		memmove(c->req, c->req + n, c->have - (size_t)n);	/* a pipelined next */
		c->have -= (size_t)n;
	}
}

static void *
worker(void *arg)
{
	int l = (int)(intptr_t)arg;
	struct conn *c = malloc(sizeof(*c));

	if (c == NULL) {
		fprintf(stderr, "httpd: no memory for a worker\n");
		return NULL;
	}
	c->listener = l;
	for (;;) {
		if ((c->s = accept(l, NULL, NULL)) < 0) {
			fprintf(stderr, "httpd: accept: %s\n", strerror(errno));
			usleep(100000);
			continue;
		}
		__atomic_add_fetch(&nconn, 1, __ATOMIC_RELAXED);
		serve_conn(c);
		close(c->s);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *port = "80";
	int workers = 48, i = 1, k, l, one = 1;
	struct sockaddr_in sa;
	struct stat st;

	while (i < argc) {
		if ((k = take_conf_arg(argc, argv, i)) > 0) {
			i += k;
			continue;
		}
		if (strcmp(argv[i], "-q") == 0) {
			quiet = true;
			i++;
			continue;
		}
		if (i + 1 >= argc)
			goto usage;
		if (strcmp(argv[i], "-p") == 0)
			port = argv[i + 1];
		else if (strcmp(argv[i], "-r") == 0)
			root = argv[i + 1];
		else if (strcmp(argv[i], "-w") == 0)
			workers = atoi(argv[i + 1]);
		else
			goto usage;
		i += 2;
	}
	if (workers < 1 || workers > WORKERS_MAX)
		workers = WORKERS_MAX;
	have_fs = stat(*root ? root : "/", &st) == 0;
	if (!net_up())
		return 1;
	parse_addr("0.0.0.0", port, &sa);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, SOMAXCONN) < 0) {
		fprintf(stderr, "httpd: port %s: %s\n", port, strerror(errno));
		return 1;
	}
	for (k = 1; k < workers; k++)
		if (thread_create_stack(NULL, worker, (void *)(intptr_t)l, 8 * PGSIZE) < 0)
			break;
	printf("httpd: serving %s on port %s with %d workers\n",
	       have_fs ? "the file system" : "the boot archive", port, k);
	worker((void *)(intptr_t)l);
	return 0;
usage:
	fprintf(stderr, "usage: httpd [-o CONF] [-p PORT] [-r ROOT] [-w WORKERS] [-q]\n");
	return 2;
}
