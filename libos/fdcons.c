/*
 * The console as a descriptor: output through sys_cputs, input through a
 * line discipline like a Unix terminal's canonical mode.
 *
 * A read waits for a whole line, which the user edits as it is typed:
 * the characters echo, backspace (^H or DEL) erases one, ^U the line, ^W
 * a word; Enter (CR or LF) ends it; ^D on an empty line is end of file,
 * elsewhere it hands over what is there; ^C drops the line and interrupts
 * the program (signal.c: it exits unless it asked otherwise). Escape
 * sequences (arrow keys) are swallowed.
 *
 * The line and what is left of it after a short read are the env's own,
 * like its stdio buffers: the kernel's input queue is small (256 bytes),
 * so the discipline drains it without blocking while a line is being
 * typed and stops at the end of the line, leaving what follows for
 * whoever reads next.
 */
#include "libos.h"
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>

#define LINE_MAX_	8192	/* a longer line is handed over in pieces */
#define ECHO_MAX	128

struct cons_line {
	char buf[LINE_MAX_];
	size_t len;		/* bytes in buf */
	size_t pos;		/* bytes of it already read */
	bool ready;		/* buf holds a finished line */
	bool eof;		/* ^D on an empty line */
	bool after_cr;		/* drop the LF of a CR LF */
	int esc;		/* inside an escape sequence: 1 ESC, 2 ESC [ */
	char echo[ECHO_MAX];
	size_t echo_len;
};

static struct cons_line line;

static void
echo_flush(void)
{
	if (line.echo_len > 0)
		sys_cputs(line.echo, line.echo_len);
	line.echo_len = 0;
}

static void
echo_str(const char *s)
{
	for (; *s != '\0'; s++) {
		if (line.echo_len == ECHO_MAX)
			echo_flush();
		line.echo[line.echo_len++] = *s;
	}
}

static void
erase_one(void)
{
	if (line.len > 0) {
		line.len--;
		echo_str("\b \b");
	}
}

static void
erase_word(void)
{
	while (line.len > 0 && line.buf[line.len - 1] == ' ')
		erase_one();
	while (line.len > 0 && line.buf[line.len - 1] != ' ')
		erase_one();
}

/* Inside an escape sequence: swallow until its final byte. */
static bool
in_escape(int c)
{
	if (line.esc == 1) {
		line.esc = (c == '[' || c == 'O') ? 2 : 0;
		return true;
	}
	if (line.esc == 2) {
		if ((c >= '@' && c <= '~') && !(c >= '0' && c <= '9') && c != ';')
			line.esc = 0;
		return true;
	}
	return false;
}

/* ^C: drops the line and interrupts the program (an empty line if it
 * lives on). A ^C this env already acted on when it was typed (signal.c)
 * and reads only now, with nothing typed since, is dropped quietly. */
static bool
take_interrupt(void)
{
	if (line.len == 0 && !console_interrupt_pending())
		return false;
	echo_str("^C\n");
	echo_flush();
	console_interrupt();
	line.len = 0;
	line.buf[line.len++] = '\n';
	return true;
}

/* Takes one typed character; true when the line is finished. */
static bool
line_take(int c)
{
	char s[2] = { (char)c, '\0' };

	if (line.after_cr && c == '\n') {
		line.after_cr = false;
		return false;
	}
	line.after_cr = c == '\r';
	if (in_escape(c))
		return false;
	switch (c) {
	case '\r': case '\n':
		line.buf[line.len++] = '\n';
		echo_str("\n");
		return true;
	case '\b': case 0x7f:
		erase_one();
		return false;
	case 0x15:		/* ^U */
		while (line.len > 0)
			erase_one();
		return false;
	case 0x17:		/* ^W */
		erase_word();
		return false;
	case 0x04:		/* ^D */
		if (line.len == 0)
			line.eof = true;
		return true;
	case 0x03:
		return take_interrupt();
	case 0x1b:
		line.esc = 1;
		return false;
	}
	if (c == '\t' || (c >= ' ' && c < 0x7f) || c >= 0x80) {
		line.buf[line.len++] = (char)c;
		echo_str(s);
	}
	return line.len >= LINE_MAX_ - 1;
}

/* Reads and edits a line until it is finished; 0 or a negative errno. */
static int
line_read(void)
{
	int64_t c;
	bool done = false;

	line.len = line.pos = 0;
	line.eof = false;
	while (!done) {
		echo_flush();
		if ((c = cgetchar()) < 0)
			return -errno_from_error(c);
		done = line_take((int)c);
		while (!done) {
			c = sys_cgetc(0);	/* typed ahead: no waiting */
			if (c == -E_AGAIN)
				break;
			if (c < 0)
				return -errno_from_error(c);
			done = line_take((int)(c & 0xff));
		}
	}
	echo_flush();
	line.ready = true;
	return 0;
}

static ssize_t
cons_read(struct fd *fd, void *buf, size_t n)
{
	size_t m;
	int r;

	if (!line.ready || line.pos == line.len) {
		if ((r = line_read()) < 0)
			return r;
		if (line.eof) {
			line.ready = false;
			return 0;
		}
	}
	m = line.len - line.pos < n ? line.len - line.pos : n;
	memcpy(buf, line.buf + line.pos, m);
	line.pos += m;
	if (line.pos == line.len)
		line.ready = false;
	return (ssize_t)m;
}

static ssize_t
cons_write(struct fd *fd, const void *buf, size_t n)
{
	int64_t r = sys_cputs(buf, n);

	return r < 0 ? -errno_from_error(r) : (ssize_t)n;
}

static int
cons_fstat(struct fd *fd, struct stat *st)
{
	st->st_mode = S_IFCHR | 0620;
	return 0;
}

static int
cons_poll(struct fd *fd)
{
	return FD_POLL_OUT | (line.ready && line.pos < line.len ? FD_POLL_IN : 0);
}

const struct fd_dev fd_dev_console = {
	.dev_id = FD_DEV_CONSOLE,
	.dev_name = "console",
	.dev_read = cons_read,
	.dev_write = cons_write,
	.dev_fstat = cons_fstat,
	.dev_poll = cons_poll,
};
