/* Parsing the boot command line. */
#include "cmdline.h"
#include "abi/bootinfo.h"
#include "string.h"

static char cmdline[BOOT_CMDLINE_MAX];

void
cmdline_init(const char *text)
{
	strlcpy(cmdline, text, sizeof(cmdline));
	/* Only printable ASCII survives: the image may hold anything. */
	for (char *p = cmdline; *p; p++)
		if (*p < ' ' || *p > '~')
			*p = ' ';
}

const char *
cmdline_text(void)
{
	return cmdline;
}

bool
cmdline_get(const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		size_t wlen = p - word;
		if (wlen < klen || strncmp(word, key, klen) != 0)
			continue;
		if (wlen == klen || word[klen] == '=') {
			const char *val = wlen == klen ? word + klen : word + klen + 1;
			size_t vlen = word + wlen - val;
			if (n) {
				size_t k = vlen < n - 1 ? vlen : n - 1;
				memcpy(out, val, k);
				out[k] = '\0';
			}
			return true;
		}
	}
	return false;
}

const char *
cmdline_rest(const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline; *p; p++) {
		bool word_start = p == cmdline || p[-1] == ' ';
		if (word_start && strncmp(p, key, klen) == 0 && p[klen] == '=')
			return p + klen + 1;
	}
	return NULL;
}
