/*
 * hexdump: bytes in hexadecimal.
 *
 *   hexdump [-C] [FILE...]
 *     default: offset, then 8 16-bit little-endian words per line
 *     -C: offset, 16 bytes, and their printable characters
 * A run of identical lines shows as one line and a '*'.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool opt_C;
static unsigned char prev[16];
static bool have_prev, starred;
static unsigned long offset;

static void
line_out(const unsigned char *b, size_t n)
{
	size_t i;

	if (n == 16 && have_prev && memcmp(prev, b, 16) == 0) {
		if (!starred)
			printf("*\n");
		starred = true;
		offset += n;
		return;
	}
	starred = false;
	memcpy(prev, b, n);
	have_prev = n == 16;
	if (opt_C) {
		printf("%08lx ", offset);
		for (i = 0; i < 16; i++) {
			if (i == 8)
				printf(" ");
			i < n ? printf(" %02x", b[i]) : printf("   ");
		}
		printf("  |");
		for (i = 0; i < n; i++)
			putchar(isprint(b[i]) ? b[i] : '.');
		printf("|\n");
	} else {
		printf("%07lx", offset);
		for (i = 0; i < n; i += 2)
			printf(" %04x", b[i] | (i + 1 < n ? b[i + 1] << 8 : 0));
		printf("\n");
	}
	offset += n;
}

/* Feeds fd's bytes through 16-byte lines (carrying a part line over). */
static int
dump(int fd, const char *name, unsigned char *line, size_t *have)
{
	unsigned char buf[4096];
	ssize_t n, i;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			line[(*have)++] = buf[i];
			if (*have == 16) {
				line_out(line, 16);
				*have = 0;
			}
		}
	}
	if (n < 0) {
		fprintf(stderr, "hexdump: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned char line[16];
	size_t have = 0;
	int c, i, fd, st = 0;

	while ((c = getopt(argc, argv, "C")) != -1) {
		if (c != 'C') {
			fprintf(stderr, "usage: hexdump [-C] [file...]\n");
			return 2;
		}
		opt_C = true;
	}
	if (optind == argc)
		st = dump(0, "stdin", line, &have);
	for (i = optind; i < argc; i++) {
		if ((fd = open(argv[i], O_RDONLY)) < 0) {
			fprintf(stderr, "hexdump: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			continue;
		}
		st |= dump(fd, argv[i], line, &have);
		close(fd);
	}
	if (have > 0)
		line_out(line, have);
	if (offset > 0)
		printf(opt_C ? "%08lx\n" : "%07lx\n", offset);
	return st;
}
