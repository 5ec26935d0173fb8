/*
 * wc: count lines, words and bytes.
 *
 *   wc [-lwc] [FILE...]     default: all three; a total for several files
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool opt_l, opt_w, opt_c;
static char buf[16384];

struct counts {
	unsigned long lines, words, bytes;
};

static int
count(int fd, const char *name, struct counts *c)
{
	bool in_word = false;
	ssize_t n, i;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		c->bytes += (unsigned long)n;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				c->lines++;
			if (isspace((unsigned char)buf[i])) {
				in_word = false;
			} else if (!in_word) {
				in_word = true;
				c->words++;
			}
		}
	}
	if (n < 0) {
		fprintf(stderr, "wc: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

static void
report(const struct counts *c, const char *name)
{
	if (opt_l)
		printf("%7lu", c->lines);
	if (opt_w)
		printf("%s%7lu", opt_l ? " " : "", c->words);
	if (opt_c)
		printf("%s%7lu", opt_l || opt_w ? " " : "", c->bytes);
	if (name != NULL)
		printf(" %s", name);
	printf("\n");
}

int
main(int argc, char **argv)
{
	struct counts total = { 0, 0, 0 }, c;
	int ch, i, fd, st = 0;

	while ((ch = getopt(argc, argv, "lwc")) != -1) {
		switch (ch) {
		case 'l': opt_l = true; break;
		case 'w': opt_w = true; break;
		case 'c': opt_c = true; break;
		default:
			fprintf(stderr, "usage: wc [-lwc] [file...]\n");
			return 2;
		}
	}
	if (!opt_l && !opt_w && !opt_c)
		opt_l = opt_w = opt_c = true;
	if (optind == argc) {
		memset(&c, 0, sizeof(c));
		st = count(0, "stdin", &c);
		report(&c, NULL);
		return st;
	}
	for (i = optind; i < argc; i++) {
		memset(&c, 0, sizeof(c));
		if ((fd = open(argv[i], O_RDONLY)) < 0) {
			fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			continue;
		}
		st |= count(fd, argv[i], &c);
		close(fd);
		report(&c, argv[i]);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc - optind > 1)
		report(&total, "total");
	return st;
}
