/*
 * testshell: shell scripts whose output (stdout and stderr, through one
 * pipe) must equal the expected text byte for byte, and whose status
 * must be the expected one.
 *
 *   testshell [GROUP...]    groups: lang pipes utils robust (default: all)
 *
 * The scripts use /tmp on the file system. Each case prints one line,
 * "testshell: CASE ok" or a FAIL line with the first difference.
 */
#include "testutil.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#define OUT_MAX	(64 * 1024)

pid_t spawn_fds(const char *path, char *const argv[], char *const envp[],
		const int *fds, int nfds);

struct shcase {
	const char *group;
	const char *name;
	const char *script;
	const char *want;
	int status;
};

static const struct shcase cases[] = {
	{ "lang", "quoting",
	  "echo 'single  quoted' \"double  quoted\" plain\\ escaped\n"
	  "x=world\n"
	  "echo \"hello $x\" 'no $x' ${x}wide\n"
	  "echo \"a\\\"b\" 'c\"d' \"e'f\" \"\" end\n"
	  "y='one two'\n"
	  "sh -c 'echo $#' sh $y\n"
	  "sh -c 'echo $#' sh \"$y\"\n"
	  "echo # a comment\n"
	  "echo a#b\n",
	  "single  quoted double  quoted plain escaped\n"
	  "hello world no $x worldwide\n"
	  "a\"b c\"d e'f  end\n"
	  "2\n"
	  "1\n"
	  "\n"
	  "a#b\n", 0 },
	{ "lang", "status",
	  "true && echo yes || echo no\n"
	  "false && echo yes || echo no\n"
	  "false; echo after $?\n"
	  "true || echo skipped; echo next\n"
	  "sh -c 'exit 7'; echo $?\n"
	  "nosuchcmd; echo $?\n"
	  "echo a | ; echo b\n"
	  "echo c && && echo d\n"
	  "echo still alive\n"
	  "echo >\n"
	  "| echo\n"
	  "echo end\n"
	  "exit 4\n"
	  "echo not reached\n",
	  "yes\n"
	  "no\n"
	  "after 1\n"
	  "next\n"
	  "7\n"
	  "sh: nosuchcmd: command not found\n"
	  "127\n"
	  "sh: syntax error near ';'\n"
	  "sh: syntax error near '&&'\n"
	  "still alive\n"
	  "sh: syntax error near 'newline'\n"
	  "sh: syntax error near '|'\n"
	  "end\n", 4 },
	{ "lang", "unterminated",
	  "echo before\n"
	  "echo \"unterminated\n"
	  "echo after\n",
	  "before\n"
	  "sh: unterminated \" quote\n", 2 },
	{ "lang", "variables",
	  "A=1 B=two\n"
	  "echo $A$B ${A}x $C. \"$C\".\n"
	  "export A\n"
	  "sh -c 'echo child sees $A and $B.'\n"
	  "C=3 sh -c 'echo $C'\n"
	  "echo after: $C.\n"
	  "unset A; echo gone: $A.\n"
	  "cd /tmp; pwd; cd /; pwd\n"
	  "cd /nonexistent; echo $?\n",
	  "1two 1x . .\n"
	  "child sees 1 and .\n"
	  "3\n"
	  "after: .\n"
	  "gone: .\n"
	  "/tmp\n"
	  "/\n"
	  "sh: cd: /nonexistent: No such file or directory\n"
	  "1\n", 0 },
	{ "lang", "script",
	  "echo 'echo \"script $0 has $# args: $1 $2\"' > /tmp/s.sh\n"
	  "echo 'exit 3' >> /tmp/s.sh\n"
	  "sh /tmp/s.sh a 'b c'; echo status $?\n"
	  "/tmp/s.sh x; echo status $?\n"
	  "rm /tmp/s.sh\n",
	  "script /tmp/s.sh has 2 args: a b c\n"
	  "status 3\n"
	  "script /tmp/s.sh has 1 args: x \n"
	  "status 3\n", 0 },
	{ "pipes", "redirection",
	  "cd /tmp\n"
	  "echo one > f1\n"
	  "echo two >> f1\n"
	  "cat f1\n"
	  "cat < f1 | wc -l\n"
	  "cat /nonexistent 2> err; echo status $?\n"
	  "cat err\n"
	  "ls nofile 2>&1 | wc -l\n"
	  "echo to-stderr 1>&2 2>err2\n"
	  "wc -c < err2\n"
	  "> empty; wc -c empty\n"
	  "rm f1 err err2 empty\n"
	  "ls f1\n"
	  "echo x > /nodir/file\n"
	  "cat < /nodir/file; echo $?\n",
	  "one\n"
	  "two\n"
	  "      2\n"
	  "status 1\n"
	  "cat: /nonexistent: No such file or directory\n"
	  "      1\n"
	  "to-stderr\n"
	  "      0\n"
	  "      0 empty\n"
	  "ls: f1: No such file or directory\n"
	  "sh: /nodir/file: No such file or directory\n"
	  "sh: /nodir/file: No such file or directory\n"
	  "1\n", 0 },
	{ "pipes", "pipelines",
	  "seq 1 10 | sort -rn | head -3\n"
	  "seq 1 100 | tail -n 2\n"
	  "echo hello | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat"
	  " | cat | cat | cat | cat | cat | cat | cat | cat | cat | wc -c\n"
	  "seq 1 2000 | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat"
	  " | cat | cat | cat | cat | cat | cat | cat | cat | cat | wc -l\n"
	  "yes | head -2\n"
	  "nosuch | echo still\n"
	  "echo a | nosuch | cat; echo $?\n"
	  "pwd | cat\n"
	  "sleep 0.2 & echo started\n"
	  "wait; echo waited\n"
	  "false | true; echo $?\n"
	  "true | false; echo $?\n",
	  "10\n9\n8\n"
	  "99\n100\n"
	  "      6\n"
	  "   2000\n"
	  "y\ny\n"
	  "sh: nosuch: command not found\n"
	  "still\n"
	  "sh: nosuch: command not found\n"
	  "0\n"
	  "/\n"
	  "started\n"
	  "waited\n"
	  "0\n"
	  "1\n", 0 },
	{ "utils", "files",
	  "mkdir /tmp/d /tmp/d/e && ls /tmp/d\n"
	  "mkdir -p /tmp/p/q/r && ls /tmp/p/q\n"
	  "touch /tmp/d/f; echo data > /tmp/d/g\n"
	  "cp /tmp/d/g /tmp/d/h; mv /tmp/d/g /tmp/d/i; ls /tmp/d; cat /tmp/d/h /tmp/d/i\n"
	  "cp /tmp/d/h /tmp/d/i /tmp/p; ls /tmp/p\n"
	  "mv /tmp/d/i /tmp/d/e; ls /tmp/d/e\n"
	  "rmdir /tmp/d/e; echo $?\n"
	  "rm /tmp/d/e/i; rmdir /tmp/d/e; rm /tmp/d/f; ls /tmp/d\n"
	  "rm /tmp/d; echo $?\n"
	  "rm -r /tmp/d /tmp/p; ls /tmp/d; echo $?\n"
	  "rm -f /tmp/nothing; echo $?\n"
	  "ls -l /tmp | head -1\n"
	  "echo one two > /tmp/w; echo three >> /tmp/w; wc /tmp/w; wc -l < /tmp/w\n"
	  "echo hi | hexdump -C\n"
	  "echo hi | hexdump\n"
	  "rm /tmp/w\n",
	  "e\n"
	  "r\n"
	  "e\nf\nh\ni\n"
	  "data\ndata\n"
	  "h\ni\nq\n"
	  "i\n"
	  "rmdir: /tmp/d/e: Directory not empty\n"
	  "1\n"
	  "h\n"
	  "rm: /tmp/d: is a directory (rm -r removes it)\n"
	  "1\n"
	  "ls: /tmp/d: No such file or directory\n"
	  "1\n"
	  "0\n"
	  "total 0\n"
	  "      2       3      14 /tmp/w\n"
	  "      2\n"
	  "00000000  68 69 0a                                          |hi.|\n"
	  "00000003\n"
	  "0000000 6968 000a\n"
	  "0000003\n", 0 },
	{ "utils", "text",
	  "seq 1 30 | grep '^2.$' | wc -l\n"
	  "seq 1 30 | grep -c 3\n"
	  "seq 1 12 | grep -v 1\n"
	  "echo Hello | grep -i hello\n"
	  "echo a.b axb | grep -F -o a.b; echo $?\n"
	  "echo a.b > /tmp/g; echo axb >> /tmp/g; grep -F a.b /tmp/g; grep 'a.b' /tmp/g\n"
	  "grep -n x /tmp/g\n"
	  "grep 'ab*c' /tmp/g; echo $?\n"
	  "echo abbbc | grep 'ab*c'; echo ac | grep 'ab+c'; echo $?\n"
	  "echo colour | grep 'colou?r'; echo 'x[1]' | grep '\\[1\\]'\n"
	  "echo b-c | grep '[a-c]-[^d]'\n"
	  "rm /tmp/g\n"
	  "seq 1 5 | head -n 2; seq 1 5 | head -1; seq 1 5 | tail -2\n"
	  "printf_missing=1; echo 'b\na\nc\na' > /tmp/s; sort /tmp/s | sort -u; sort -r /tmp/s | head -1\n"
	  "echo '10\n9\n100' | sort -n\n"
	  "rm /tmp/s\n",
	  "     10\n"
	  "4\n"
	  "2\n3\n4\n5\n6\n7\n8\n9\n"
	  "Hello\n"
	  "grep: unknown option -- 'o'\n"
	  "usage: grep [-vicnlqF] [-e pattern | pattern] [file...]\n"
	  "2\n"
	  "a.b\n"
	  "a.b\naxb\n"
	  "2:axb\n"
	  "1\n"
	  "abbbc\n1\n"
	  "colour\nx[1]\n"
	  "b-c\n"
	  "1\n2\n1\n4\n5\n"
	  "a\nb\nc\n"
	  "c\n"
	  "9\n10\n100\n", 0 },
	{ "utils", "usage",
	  "ls -z; echo $?\n"
	  "cat -z; echo $?\n"
	  "echo ok\n"
	  "mkdir; echo $?\n"
	  "rmdir; echo $?\n"
	  "rm; echo $?\n"
	  "mv a; echo $?\n"
	  "cp a; echo $?\n"
	  "touch; echo $?\n"
	  "wc -z; echo $?\n"
	  "grep; echo $?\n"
	  "head -n x; echo $?\n"
	  "tail -n; echo $?\n"
	  "sort -z; echo $?\n"
	  "ps x; echo $?\n"
	  "kill; echo $?\n"
	  "kill 99999999; echo $?\n"
	  "sleep x; echo $?\n"
	  "time; echo $?\n"
	  "free x; echo $?\n"
	  "df x; echo $?\n"
	  "hexdump -z; echo $?\n"
	  "true x; echo $?\n"
	  "false x; echo $?\n"
	  "sh -z; echo $?\n",
	  "ls: unknown option -- 'z'\n"
	  "usage: ls [-la1] [path...]\n2\n"
	  "usage: cat [file...]\n2\n"
	  "ok\n"
	  "usage: mkdir [-p] dir...\n2\n"
	  "usage: rmdir dir...\n2\n"
	  "usage: rm [-rf] file...\n2\n"
	  "usage: mv source target | mv source... directory\n2\n"
	  "usage: cp source target | cp source... directory\n2\n"
	  "usage: touch file...\n2\n"
	  "wc: unknown option -- 'z'\n"
	  "usage: wc [-lwc] [file...]\n2\n"
	  "usage: grep [-vicnlqF] [-e pattern | pattern] [file...]\n2\n"
	  "usage: head [-n lines] [file...]\n2\n"
	  "usage: tail [-n lines] [file...]\n2\n"
	  "sort: unknown option -- 'z'\n"
	  "usage: sort [-rnu] [file...]\n2\n"
	  "usage: ps\n2\n"
	  "usage: kill [-SIGNAL] envid...\n2\n"
	  "sh: kill: 99999999: No such process\n1\n"
	  "usage: sleep seconds\n2\n"
	  "usage: time command [arg...]\n2\n"
	  "usage: free\n2\n"
	  "usage: df\n2\n"
	  "hexdump: unknown option -- 'z'\n"
	  "usage: hexdump [-C] [file...]\n2\n"
	  "0\n"
	  "1\n"
	  "usage: sh [-c commands [name args...] | file [args...]]\n2\n", 0 },
	{ "utils", "system",
	  "ps | head -1\n"
	  "ps | grep -c ' ps$'\n"
	  "free | head -1\n"
	  "free | grep -c '^[0-9a-f]* sh '\n"
	  "df | head -1\n"
	  "df | grep -c chitin-data\n"
	  "time true 2>&1 | grep -c '^real .*cycles'\n"
	  "time false; echo $?\n"
	  "sleep 0; echo $?\n"
	  "X=5 env | grep '^X='\n"
	  "sleep 5 & kill $!; wait $!; echo killed $?\n"
	  "/bin/kill 1; echo $?\n",
	  "ENV      PARENT   USER STATE   WAIT      CPU SLOTS   CPU(ms)   SLICES  PAGES  NAME\n"
	  "1\n"
	  "                pages        KiB\n"
	  "1\n"
	  "DISK   LABEL                   KiB       used       free  use%  on\n"
	  "1\n"
	  "1\n"
	  "real *\n1\n"
	  "0\n"
	  "X=5\n"
	  "killed 137\n"
	  "kill: 1: No such process\n1\n", 0 },
};

static char out[OUT_MAX + 1];
static int fails;

/* want may end a line with '*': the rest of that line is not compared. */
static bool
matches(const char *got, const char *want, const char **where)
{
	while (*want != '\0') {
		if (want[0] == '*' && want[1] == '\n') {
			while (*got != '\0' && *got != '\n')
				got++;
			want++;
			continue;
		}
		if (*got != *want) {
			*where = got;
			return false;
		}
		got++;
		want++;
	}
	*where = got;
	return *got == '\0';
}

/* Runs one script with sh -c; its output in out, its status. */
static int
run_script(const char *script, size_t *len)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	int p[2], in[2], fds[3], st = -1;
	ssize_t r;
	pid_t pid;

	if (pipe(p) < 0 || pipe(in) < 0)
		return -1000;
	close(in[1]);			/* stdin: at its end at once */
	fds[0] = in[0];
	fds[1] = fds[2] = p[1];
	pid = spawn_fds("sh", argv, NULL, fds, 3);
	close(p[1]);
	close(in[0]);
	*len = 0;
	while ((r = read(p[0], out + *len, OUT_MAX - *len)) > 0)
		*len += (size_t)r;
	out[*len] = '\0';
	close(p[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1000;
	return st;
}

static void
show_line(const char *label, const char *s, const char *at)
{
	const char *start = at, *end;

	while (start > s && start[-1] != '\n')
		start--;
	end = strchr(at, '\n');
	if (end == NULL)
		end = at + strlen(at);
	cprintf("testshell:   %s '%.*s'\n", label, (int)(end - start), start);
}

/* All of a failed case's output, so one run shows every difference. */
static void
show_all(const char *s)
{
	const char *end;

	while (*s != '\0') {
		end = strchr(s, '\n');
		if (end == NULL)
			end = s + strlen(s);
		cprintf("testshell:   | %.*s\n", (int)(end - s), s);
		s = *end == '\n' ? end + 1 : end;
	}
}

static void
run_case(const struct shcase *c)
{
	const char *where, *w = c->want;
	size_t len;
	int st = run_script(c->script, &len);

	if (matches(out, c->want, &where) && st == c->status) {
		cprintf("testshell: %s ok\n", c->name);
		return;
	}
	fails++;
	if (st != c->status)
		cprintf("testshell: %s FAIL: status %d, want %d\n", c->name, st, c->status);
	if (!matches(out, c->want, &where)) {
		cprintf("testshell: %s FAIL: output differs at byte %ld\n", c->name,
			(long)(where - out));
		/* the same line of the expected text */
		for (const char *g = out; g < where && *w != '\0'; g++, w++)
			if (*w == '*')
				while (*g != '\n' && g < where)
					g++;
		show_line("got ", out, where);
		show_line("want", c->want, w);
		show_all(out);
	}
}

/* A 4 KiB command line, and the same through the console is the
 * grader's (tests_shell.py). */
static void
long_line(void)
{
	static char script[5200];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(script + n, sizeof(script) - n, "echo");
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(script + n, sizeof(script) - n, " w%03d", i);
	snprintf(script + n, sizeof(script) - n, " | wc -w\n");
	run_case(&(struct shcase){ "robust", "long-line", script, "   1000\n", 0 });
}

static bool
selected(const char *group, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], group) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (selected(cases[i].group, argc, argv))
			run_case(&cases[i]);
	if (selected("robust", argc, argv))
		long_line();
	if (fails == 0)
		cprintf("testshell: ok\n");
	return tu_audit("testshell") || fails != 0;
}
