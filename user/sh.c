/*
 * sh: the shell.
 *
 *   sh                  commands from stdin (a prompt on the console)
 *   sh FILE [ARGS...]   a script; $0 is FILE, $1... its arguments
 *   sh -c 'COMMANDS' [NAME ARGS...]
 *
 * The language, a small subset of the POSIX shell's:
 *
 *   list      and-or ((';' | '&' | newline) and-or)*
 *   and-or    pipeline (('&&' | '||') pipeline)*
 *   pipeline  command ('|' command)*
 *   command   (NAME=value)* (word | redirection)*
 *   redirection  [n]< [n]> [n]>> [n]>&m [n]<&m, then a word (n, m: 0-9)
 *
 * Words: 'single quotes' keep everything, "double quotes" expand $...
 * and keep spaces, a backslash quotes the next character, # starts a
 * comment. Expansions: $NAME ${NAME} $? $$ $! $# $0..$9 $@ $*, ~ at the
 * start of a word, and *, ? and [...] in the last part of a path. An
 * unquoted expansion is split at spaces.
 *
 * Built in: cd pwd exit export unset set kill wait jobs source (.) help.
 * Everything else is a program: a name without '/' is looked up along
 * $PATH (default /bin; without a file system, the boot archive), a file
 * that is not an executable runs as a script.
 *
 * Each line is parsed whole before anything in it runs: a syntax error
 * runs none of that line, and the shell goes on with the next. Input
 * from the console or a file is taken a line at a time (a quote must
 * close on its line); sh -c text may quote across lines. The shell reads
 * its input a byte at a time when it is not the console, so that what it
 * starts can read the rest.
 */
#include <chitin.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define NFD		10	/* descriptors a command's redirections may name */
#define JOBS_MAX	32
#define PIDS_MAX	64	/* commands in one pipeline */
#define FIELDS_MAX	4096	/* words of one command after expansion */
#define VARS_MAX	256
#define INPUT_MAX	(64 * 1024)

/* spawn_fds (libos/proc.c): spawnve with the child's descriptors named */
pid_t spawn_fds(const char *path, char *const argv[], char *const envp[],
		const int *fds, int nfds);

/* --- memory: everything one line needs, freed when it is done --- */

struct arena {
	char *chunk;
	size_t used, size;
	struct arena_chunk *chunks;
};
struct arena_chunk {
	struct arena_chunk *next;
	char data[];
};

static struct arena A;

static void *
arena_alloc(size_t n)
{
	struct arena_chunk *c;
	size_t size;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (A.chunk == NULL || A.used + n > A.size) {
		size = n > 16384 ? n : 16384;
		if ((c = malloc(sizeof(*c) + size)) == NULL) {
			dprintf(2, "sh: out of memory\n");
			exit(1);
		}
		c->next = A.chunks;
		A.chunks = c;
		A.chunk = c->data;
		A.used = 0;
		A.size = size;
	}
	p = A.chunk + A.used;
	A.used += n;
	return p;
}

static void
arena_reset(void)
{
	struct arena_chunk *c;

	while ((c = A.chunks) != NULL) {
		A.chunks = c->next;
		free(c);
	}
	A.chunk = NULL;
	A.used = A.size = 0;
}

static char *
arena_strndup(const char *s, size_t n)
{
	char *d = arena_alloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* A growing array in the arena. */
struct vec {
	void **v;
	int n, cap;
};

static void
vec_push(struct vec *a, void *x)
{
	void **nv;

	if (a->n + 1 >= a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		nv = arena_alloc((size_t)a->cap * sizeof(void *));
		if (a->n > 0)
			memcpy(nv, a->v, (size_t)a->n * sizeof(void *));
		a->v = nv;
	}
	a->v[a->n++] = x;
	a->v[a->n] = NULL;
}

/* --- the shell's state --- */

struct var {
	char *name, *value;	/* malloc'd */
};

struct job {
	int id;			/* 0: slot free */
	int npids;
	pid_t pids[PIDS_MAX];
	int status;		/* the last command's */
	char text[80];
};

static struct var vars[VARS_MAX];
static struct job jobs[JOBS_MAX];
static int last_status;
static pid_t last_bg;
static bool interactive;
static const char *script_name = "sh";
static int pos_argc;		/* $1.. */
static char **pos_argv;
static bool want_exit;
/* ^C on the console (interactive only): the rest of the line is dropped,
 * as the foreground command it stopped would have wanted. */
static volatile bool interrupted;
static int exit_code;
static int run_depth;		/* run_fd calls in progress (source nests) */

static void
sh_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(2, "sh: %s\n", msg);
}

/* --- variables --- */

static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

static struct var *
var_find(const char *name, size_t n)
{
	int i;

	for (i = 0; i < VARS_MAX; i++)
		if (vars[i].name != NULL && strlen(vars[i].name) == n &&
		    strncmp(vars[i].name, name, n) == 0)
			return &vars[i];
	return NULL;
}

/* The value of variable name (n bytes): the shell's, else the
 * environment's; NULL when unset. */
static const char *
var_get(const char *name, size_t n)
{
	struct var *v = var_find(name, n);
	char key[128];

	if (v != NULL)
		return v->value;
	if (n >= sizeof(key))
		return NULL;
	memcpy(key, name, n);
	key[n] = '\0';
	return getenv(key);
}

/* Sets name to value: in the environment when it is exported there,
 * else among the shell's own. */
static int
var_set(const char *name, const char *value)
{
	struct var *v;
	char *nv;
	int i;

	if (getenv(name) != NULL)
		return setenv(name, value, 1);
	if ((v = var_find(name, strlen(name))) == NULL) {
		for (i = 0; i < VARS_MAX && vars[i].name != NULL; i++)
			;
		if (i == VARS_MAX) {
			sh_error("too many variables");
			return -1;
		}
		v = &vars[i];
		if ((v->name = strdup(name)) == NULL)
			return -1;
		v->value = NULL;
	}
	if ((nv = strdup(value)) == NULL)
		return -1;
	free(v->value);
	v->value = nv;
	return 0;
}

static void
var_unset(const char *name)
{
	struct var *v = var_find(name, strlen(name));

	if (v != NULL) {
		free(v->name);
		free(v->value);
		v->name = v->value = NULL;
	}
	unsetenv(name);
}

/* Moves name into the environment (with value, if given). */
static int
var_export(const char *name, const char *value)
{
	struct var *v = var_find(name, strlen(name));
	int r;

	if (value == NULL)
		value = v != NULL ? v->value : getenv(name);
	if (value == NULL)
		value = "";
	r = setenv(name, value, 1);
	if (v != NULL) {
		free(v->name);
		free(v->value);
		v->name = v->value = NULL;
	}
	return r;
}

/* --- the lexer --- */

enum {
	T_WORD, T_PIPE, T_OR, T_AMP, T_AND, T_SEMI, T_NL, T_REDIR, T_END,
};

enum { R_IN, R_OUT, R_APPEND, R_DUP };

struct token {
	int kind;
	char *text;		/* T_WORD: raw, quotes kept */
	int rfd, rkind, rdup;	/* T_REDIR: [rfd] kind [&rdup] */
};

struct lexer {
	const char *p;
	const char *err;	/* set on a syntax error */
	char errtok[32];
};

static void
lex_fail(struct lexer *lx, const char *why, const char *at)
{
	if (lx->err != NULL)
		return;
	lx->err = why;
	snprintf(lx->errtok, sizeof(lx->errtok), "%.20s", at != NULL ? at : "");
}

/* A word starting at lx->p: up to an unquoted space or operator. */
static char *
lex_word(struct lexer *lx)
{
	const char *s = lx->p, *p = s;
	char q;

	while (*p != '\0' && !strchr(" \t\n;&|<>", *p)) {
		if (*p == '\\') {
			p += p[1] != '\0' ? 2 : 1;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			q = *p++;
			while (*p != '\0' && *p != q) {
				if (q == '"' && *p == '\\' && p[1] != '\0')
					p++;
				p++;
			}
			if (*p == '\0') {
				lex_fail(lx, q == '\'' ? "unterminated ' quote" :
					 "unterminated \" quote", NULL);
				lx->p = p;
				return NULL;
			}
		}
		p++;
	}
	lx->p = p;
	return arena_strndup(s, (size_t)(p - s));
}

/* A redirection operator at lx->p (after an optional fd digit). */
static bool
lex_redir(struct lexer *lx, struct token *t)
{
	const char *p = lx->p;
	int fd = -1;

	if (isdigit((unsigned char)p[0]) && (p[1] == '<' || p[1] == '>'))
		fd = *p++ - '0';
	if (*p != '<' && *p != '>')
		return false;
	t->kind = T_REDIR;
	t->rdup = -1;
	if (*p == '<') {
		t->rkind = R_IN;
		t->rfd = fd < 0 ? 0 : fd;
		p++;
	} else if (p[1] == '>') {
		t->rkind = R_APPEND;
		t->rfd = fd < 0 ? 1 : fd;
		p += 2;
	} else {
		t->rkind = R_OUT;
		t->rfd = fd < 0 ? 1 : fd;
		p++;
	}
	if (*p == '&' && t->rkind != R_APPEND) {
		if (!isdigit((unsigned char)p[1]) || isdigit((unsigned char)p[2])) {
			lex_fail(lx, "bad descriptor after &", p);
			return true;
		}
		t->rdup = p[1] - '0';
		t->rkind = R_DUP;
		p += 2;
	}
	lx->p = p;
	return true;
}

/* The next token; T_END at the end of the text. */
static struct token
lex_next(struct lexer *lx)
{
	struct token t = { T_END, NULL, 0, 0, -1 };
	const char *p;

	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
	if (*lx->p == '#')
		while (*lx->p != '\0' && *lx->p != '\n')
			lx->p++;
	p = lx->p;
	if (*p == '\0')
		return t;
	if (lex_redir(lx, &t))
		return t;
	if (*p == '\n') {
		t.kind = T_NL;
		lx->p++;
	} else if (*p == ';') {
		t.kind = T_SEMI;
		lx->p++;
	} else if (*p == '|') {
		t.kind = p[1] == '|' ? T_OR : T_PIPE;
		lx->p += p[1] == '|' ? 2 : 1;
	} else if (*p == '&') {
		t.kind = p[1] == '&' ? T_AND : T_AMP;
		lx->p += p[1] == '&' ? 2 : 1;
	} else {
		t.kind = T_WORD;
		if ((t.text = lex_word(lx)) == NULL)
			t.kind = T_END;
	}
	return t;
}

/* --- the parser --- */

struct redir {
	int fd, kind, dup;
	char *word;		/* raw, for R_IN/R_OUT/R_APPEND */
};

struct cmd {
	struct vec words;	/* char *, raw */
	struct vec redirs;	/* struct redir * */
};

struct pipeline {
	struct vec cmds;	/* struct cmd * */
};

struct andor {
	struct vec pipes;	/* struct pipeline * */
	struct vec ops;		/* T_AND / T_OR between them, as (void *)(intptr_t) */
	bool background;
	const char *text;	/* the source, for jobs */
};

struct parser {
	struct lexer lx;
	struct token tok;	/* the current token */
};

static void
advance(struct parser *ps)
{
	ps->tok = lex_next(&ps->lx);
}

static const char *
tok_name(const struct token *t)
{
	switch (t->kind) {
	case T_PIPE: return "|";
	case T_OR: return "||";
	case T_AMP: return "&";
	case T_AND: return "&&";
	case T_SEMI: return ";";
	case T_NL: return "newline";
	case T_REDIR: return "redirection";
	case T_WORD: return t->text;
	}
	return "end of line";
}

static void
syntax_error(struct parser *ps)
{
	lex_fail(&ps->lx, "syntax error near", tok_name(&ps->tok));
}

static struct cmd *
parse_cmd(struct parser *ps)
{
	struct cmd *c = arena_alloc(sizeof(*c));
	struct redir *r;

	memset(c, 0, sizeof(*c));
	while (ps->lx.err == NULL && (ps->tok.kind == T_WORD || ps->tok.kind == T_REDIR)) {
		if (ps->tok.kind == T_WORD) {
			vec_push(&c->words, ps->tok.text);
			advance(ps);
			continue;
		}
		r = arena_alloc(sizeof(*r));
		r->fd = ps->tok.rfd;
		r->kind = ps->tok.rkind;
		r->dup = ps->tok.rdup;
		r->word = NULL;
		advance(ps);
		if (r->kind != R_DUP) {
			if (ps->tok.kind != T_WORD) {
				syntax_error(ps);
				return NULL;
			}
			r->word = ps->tok.text;
			advance(ps);
		}
		vec_push(&c->redirs, r);
	}
	if (c->words.n == 0 && c->redirs.n == 0) {
		syntax_error(ps);
		return NULL;
	}
	return c;
}

static struct pipeline *
parse_pipeline(struct parser *ps)
{
	struct pipeline *p = arena_alloc(sizeof(*p));
	struct cmd *c;

	memset(p, 0, sizeof(*p));
	for (;;) {
		if ((c = parse_cmd(ps)) == NULL)
			return NULL;
		vec_push(&p->cmds, c);
		if (ps->tok.kind != T_PIPE)
			return p;
		if (p->cmds.n == PIDS_MAX) {
			lex_fail(&ps->lx, "pipeline too long", NULL);
			return NULL;
		}
		advance(ps);
		while (ps->tok.kind == T_NL)
			advance(ps);
	}
}

static struct andor *
parse_andor(struct parser *ps)
{
	struct andor *a = arena_alloc(sizeof(*a));
	const char *start = ps->lx.p;
	struct pipeline *p;
	int op;

	memset(a, 0, sizeof(*a));
	if (ps->tok.kind == T_WORD)
		start -= strlen(ps->tok.text);
	for (;;) {
		if ((p = parse_pipeline(ps)) == NULL)
			return NULL;
		vec_push(&a->pipes, p);
		if (ps->tok.kind != T_AND && ps->tok.kind != T_OR)
			break;
		op = ps->tok.kind;
		vec_push(&a->ops, (void *)(intptr_t)op);
		advance(ps);
		while (ps->tok.kind == T_NL)
			advance(ps);
	}
	a->text = arena_strndup(start, strcspn(start, ";&\n"));
	return a;
}

/* The and-ors of one line of text (a newline inside a pipeline or after
 * && or || continues it), each ended by ; or &. NULL (and lx.err) on a
 * syntax error; an empty list at the end of the text. The token after
 * the line is left in ps->tok (T_END at the end). */
static struct vec *
parse_line(struct parser *ps)
{
	struct vec *list = arena_alloc(sizeof(*list));
	struct andor *a;

	memset(list, 0, sizeof(*list));
	while (ps->tok.kind == T_NL)
		advance(ps);
	for (;;) {
		if (ps->lx.err != NULL)
			return NULL;
		if (ps->tok.kind == T_END || ps->tok.kind == T_NL)
			return list;
		if ((a = parse_andor(ps)) == NULL)
			return NULL;
		vec_push(list, a);
		if (ps->tok.kind == T_AMP) {
			a->background = true;
			advance(ps);
		} else if (ps->tok.kind == T_SEMI) {
			advance(ps);
		} else if (ps->tok.kind != T_NL && ps->tok.kind != T_END) {
			syntax_error(ps);
			return NULL;
		}
	}
}

/* --- expansion --- */

/* A word being built: its bytes and, per byte, whether it was quoted. */
struct field {
	char *s, *q;
	size_t len, cap;
	bool quoted;		/* some part was quoted: keep it even if empty */
	bool glob;		/* has an unquoted * ? or [ */
};

static void
field_add(struct field *f, char c, bool quoted)
{
	char *ns, *nq;

	if (f->len + 2 > f->cap) {
		f->cap = f->cap ? f->cap * 2 : 32;
		ns = arena_alloc(f->cap);
		nq = arena_alloc(f->cap);
		if (f->len > 0) {
			memcpy(ns, f->s, f->len);
			memcpy(nq, f->q, f->len);
		}
		f->s = ns;
		f->q = nq;
	}
	if (!quoted && (c == '*' || c == '?' || c == '['))
		f->glob = true;
	f->s[f->len] = c;
	f->q[f->len++] = quoted;
	f->s[f->len] = '\0';
}

struct expand {
	struct vec *out;	/* char *: finished fields */
	struct vec globs;	/* struct field *: those to glob */
	struct field cur;
	bool any;		/* cur has started */
};

static void glob_field(struct expand *e, struct field *f);

static void
field_end(struct expand *e)
{
	struct field *f;

	if (!e->any && !e->cur.quoted)
		return;
	if (e->cur.len == 0 && !e->cur.quoted) {
		e->any = false;
		return;
	}
	if (e->cur.s == NULL) {		/* "" : one empty field */
		field_add(&e->cur, 'x', true);
		e->cur.len = 0;
		e->cur.s[0] = '\0';
	}
	if (e->cur.glob) {
		f = arena_alloc(sizeof(*f));
		*f = e->cur;
		glob_field(e, f);
	} else {
		vec_push(e->out, e->cur.s);
	}
	memset(&e->cur, 0, sizeof(e->cur));
	e->any = false;
}

/* Adds an expansion's value: split at spaces unless quoted. */
static void
add_value(struct expand *e, const char *v, bool quoted)
{
	if (v == NULL)
		return;
	for (; *v != '\0'; v++) {
		if (!quoted && isspace((unsigned char)*v)) {
			field_end(e);
			continue;
		}
		field_add(&e->cur, *v, quoted);
		e->any = true;
	}
}

/* $... at *pp (just past the '$'): its value, *pp moved past the name. */
static const char *
dollar_value(const char **pp, char *buf, size_t buflen)
{
	const char *p = *pp, *name;
	size_t n;
	int i;

	switch (*p) {
	case '?': *pp = p + 1; snprintf(buf, buflen, "%d", last_status); return buf;
	case '$': *pp = p + 1; snprintf(buf, buflen, "%d", getpid()); return buf;
	case '!': *pp = p + 1; snprintf(buf, buflen, "%d", last_bg); return buf;
	case '#': *pp = p + 1; snprintf(buf, buflen, "%d", pos_argc); return buf;
	case '@': case '*':
		*pp = p + 1;
		buf[0] = '\0';
		for (i = 1; i <= pos_argc; i++) {
			strlcat(buf, pos_argv[i], buflen);
			if (i < pos_argc)
				strlcat(buf, " ", buflen);
		}
		return buf;
	}
	if (isdigit((unsigned char)*p)) {
		*pp = p + 1;
		i = *p - '0';
		return i == 0 ? script_name : i <= pos_argc ? pos_argv[i] : "";
	}
	if (*p == '{') {
		name = p + 1;
		n = strcspn(name, "}");
		if (name[n] != '}' || !name_ok(name, n)) {
			*pp = p;
			return "$";
		}
		*pp = name + n + 1;
		return var_get(name, n);
	}
	for (n = 0; isalnum((unsigned char)p[n]) || p[n] == '_'; n++)
		;
	if (n == 0 || !name_ok(p, n))
		return "$";		/* a lone $ is itself */
	*pp = p + n;
	return var_get(p, n);
}

/* Expands raw word w into fields appended to out. */
static void
expand_word(const char *w, struct vec *out)
{
	struct expand e;
	char buf[4096];
	const char *p = w, *home;
	bool dq = false;

	memset(&e, 0, sizeof(e));
	e.out = out;
	if (p[0] == '~' && (p[1] == '\0' || p[1] == '/')) {
		home = getenv("HOME");
		add_value(&e, home != NULL ? home : "/", true);
		p++;
	}
	while (*p != '\0') {
		if (*p == '\'' && !dq) {
			e.cur.quoted = e.any = true;
			for (p++; *p != '\'' && *p != '\0'; p++)
				field_add(&e.cur, *p, true);
			p += *p == '\'';
		} else if (*p == '"') {
			dq = !dq;
			e.cur.quoted = e.any = true;
			p++;
		} else if (*p == '\\' && p[1] != '\0' &&
			   (!dq || strchr("$\"\\`", p[1]) != NULL)) {
			field_add(&e.cur, p[1], true);
			e.any = true;
			p += 2;
		} else if (*p == '$') {
			p++;
			add_value(&e, dollar_value(&p, buf, sizeof(buf)), dq);
			if (dq)
				e.cur.quoted = true;
		} else {
			field_add(&e.cur, *p++, dq);
			e.any = true;
		}
	}
	field_end(&e);
}

/* --- globbing: *, ? and [...] in the last component --- */

static bool
glob_match(const char *pat, const char *q, const char *s)
{
	const char *end;
	bool neg, hit;

	for (; *pat != '\0'; pat++, q++, s++) {
		if (*q == 0 && *pat == '*') {
			while (pat[1] == '*' && q[1] == 0)
				pat++, q++;
			for (;; s++) {
				if (glob_match(pat + 1, q + 1, s))
					return true;
				if (*s == '\0')
					return false;
			}
		}
		if (*s == '\0')
			return false;
		if (*q == 0 && *pat == '?')
			continue;
		if (*q == 0 && *pat == '[' && (end = strchr(pat + 1, ']')) != NULL) {
			neg = pat[1] == '!' || pat[1] == '^';
			hit = false;
			for (const char *c = pat + 1 + neg; c < end; c++) {
				if (c[1] == '-' && c + 2 < end) {
					hit |= *s >= c[0] && *s <= c[2];
					c += 2;
				} else {
					hit |= *s == *c;
				}
			}
			if (hit == neg)
				return false;
			q += end - pat;
			pat = end;
			continue;
		}
		if (*pat != *s)
			return false;
	}
	return *s == '\0';
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replaces pattern field f by the names it matches (sorted), or keeps
 * it as it is when nothing matches. */
static void
glob_field(struct expand *e, struct field *f)
{
	char *slash = strrchr(f->s, '/'), *dir, *pat, *qpat;
	struct vec found;
	struct dirent *de;
	DIR *d;
	int i;

	memset(&found, 0, sizeof(found));
	dir = slash == NULL ? "." : slash == f->s ? "/" : arena_strndup(f->s, (size_t)(slash - f->s));
	pat = slash == NULL ? f->s : slash + 1;
	qpat = f->q + (pat - f->s);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' && pat[0] != '.')
				continue;
			if (!glob_match(pat, qpat, de->d_name))
				continue;
			if (slash == NULL) {
				vec_push(&found, arena_strndup(de->d_name, strlen(de->d_name)));
			} else {
				char *full = arena_alloc(strlen(dir) + strlen(de->d_name) + 2);
				sprintf(full, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, de->d_name);
				vec_push(&found, full);
			}
		}
		closedir(d);
	}
	if (found.n == 0) {
		vec_push(e->out, f->s);
		return;
	}
	qsort(found.v, (size_t)found.n, sizeof(void *), cmp_str);
	for (i = 0; i < found.n; i++)
		vec_push(e->out, found.v[i]);
}

/* The fields of raw words w[from..n). */
static struct vec
expand_words(char **w, int from, int n)
{
	struct vec out;
	int i;

	memset(&out, 0, sizeof(out));
	for (i = from; i < n; i++) {
		expand_word(w[i], &out);
		if (out.n > FIELDS_MAX) {
			sh_error("too many words");
			out.n = 0;
			break;
		}
	}
	if (out.v == NULL) {		/* an empty, NULL-terminated array */
		vec_push(&out, NULL);
		out.n = 0;
	}
	return out;
}

/* A single expanded word (redirection targets): an error unless exactly
 * one field. */
static char *
expand_one(const char *w)
{
	struct vec out;

	memset(&out, 0, sizeof(out));
	expand_word(w, &out);
	if (out.n != 1) {
		sh_error("%s: ambiguous redirect", w);
		return NULL;
	}
	return out.v[0];
}

/* --- redirections and descriptors --- */

/* The descriptors a command runs with: map[i] is the shell's descriptor
 * that becomes its i; opened[] those the shell opened for it. */
struct fdmap {
	int map[NFD];
	int opened[NFD];
	int nopened;
};

static void
fdmap_init(struct fdmap *m, int in, int out)
{
	int i;

	for (i = 0; i < NFD; i++)
		m->map[i] = i <= 2 ? i : -1;
	if (in >= 0)
		m->map[0] = in;
	if (out >= 0)
		m->map[1] = out;
	m->nopened = 0;
}

static void
fdmap_close(struct fdmap *m)
{
	while (m->nopened > 0)
		close(m->opened[--m->nopened]);
}

/* Applies c's redirections to m, opening files; -1 (reported) on error. */
static int
apply_redirs(struct cmd *c, struct fdmap *m)
{
	struct redir *r;
	char *path;
	int i, fd, flags;

	for (i = 0; i < c->redirs.n; i++) {
		r = c->redirs.v[i];
		if (r->kind == R_DUP) {
			if (m->map[r->dup] < 0 && r->dup > 2) {
				sh_error("%d: bad file descriptor", r->dup);
				return -1;
			}
			m->map[r->fd] = m->map[r->dup];
			continue;
		}
		if ((path = expand_one(r->word)) == NULL)
			return -1;
		flags = r->kind == R_IN ? O_RDONLY :
			r->kind == R_APPEND ? O_WRONLY | O_CREAT | O_APPEND :
			O_WRONLY | O_CREAT | O_TRUNC;
		if ((fd = open(path, flags, 0644)) < 0) {
			sh_error("%s: %s", path, strerror(errno));
			return -1;
		}
		m->opened[m->nopened++] = fd;
		m->map[r->fd] = fd;
	}
	return 0;
}

/* --- builtins --- */

typedef int (*builtin_fn)(int argc, char **argv, int out, int err);

static int
bi_cd(int argc, char **argv, int out, int err)
{
	const char *dir = argc > 1 ? argv[1] : getenv("HOME");
	char cwd[PATH_MAX];

	if (argc > 2) {
		dprintf(err, "usage: cd [dir]\n");
		return 2;
	}
	if (dir == NULL || dir[0] == '\0')
		dir = "/";
	if (chdir(dir) < 0) {
		dprintf(err, "sh: cd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (getcwd(cwd, sizeof(cwd)) != NULL)
		setenv("PWD", cwd, 1);
	return 0;
}

static int
bi_pwd(int argc, char **argv, int out, int err)
{
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		dprintf(err, "sh: pwd: %s\n", strerror(errno));
		return 1;
	}
	dprintf(out, "%s\n", cwd);
	return 0;
}

static bool
parse_status(const char *s, int *st)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		return false;
	*st = (int)(v & 255);
	return true;
}

static int
bi_exit(int argc, char **argv, int out, int err)
{
	int st = last_status;

	if (argc > 2 || (argc == 2 && !parse_status(argv[1], &st))) {
		dprintf(err, "usage: exit [status]\n");
		return 2;
	}
	want_exit = true;
	exit_code = st;
	return st;
}

static int
bi_export(int argc, char **argv, int out, int err)
{
	char *eq;
	int i, st = 0;

	if (argc == 1) {
		for (i = 0; environ != NULL && environ[i] != NULL; i++)
			dprintf(out, "export %s\n", environ[i]);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		eq = strchr(argv[i], '=');
		if (!name_ok(argv[i], eq ? (size_t)(eq - argv[i]) : strlen(argv[i]))) {
			dprintf(err, "sh: export: %s: not a valid name\n", argv[i]);
			st = 1;
			continue;
		}
		if (eq != NULL)
			*eq = '\0';
		var_export(argv[i], eq != NULL ? eq + 1 : NULL);
	}
	return st;
}

static int
bi_unset(int argc, char **argv, int out, int err)
{
	int i;

	for (i = 1; i < argc; i++)
		var_unset(argv[i]);
	return 0;
}

static int
bi_set(int argc, char **argv, int out, int err)
{
	int i;

	for (i = 0; i < VARS_MAX; i++)
		if (vars[i].name != NULL)
			dprintf(out, "%s=%s\n", vars[i].name, vars[i].value);
	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		dprintf(out, "%s\n", environ[i]);
	return 0;
}

static int
bi_kill(int argc, char **argv, int out, int err)
{
	int i = 1, st = 0, sig = SIGTERM;
	char *end;
	long pid;

	if (argc > 1 && argv[1][0] == '-') {
		sig = (int)strtol(argv[1] + 1, &end, 10);
		if (*end != '\0' || sig <= 0 || sig >= NSIG) {
			if (strcmp(argv[1], "-KILL") == 0)
				sig = SIGKILL;
			else if (strcmp(argv[1], "-TERM") == 0)
				sig = SIGTERM;
			else
				argc = 0;	/* usage */
		}
		i = 2;
	}
	if (argc < 2 || i >= argc) {
		dprintf(err, "usage: kill [-SIGNAL] envid...\n");
		return 2;
	}
	for (; i < argc; i++) {
		pid = strtol(argv[i], &end, 0);
		if (*argv[i] == '\0' || *end != '\0' || pid <= 0) {
			dprintf(err, "sh: kill: %s: not an env id\n", argv[i]);
			st = 1;
		} else if (kill((pid_t)pid, sig) < 0) {
			dprintf(err, "sh: kill: %s: %s\n", argv[i], strerror(errno));
			st = 1;
		}
	}
	return st;
}

static void reap_jobs(bool report);

static int
wait_status(int st)
{
	return st < 0 ? 128 + SIGKILL : st & 255;
}

static int
bi_wait(int argc, char **argv, int out, int err)
{
	int st = 0, i, k;
	pid_t want = argc > 1 ? (pid_t)strtol(argv[1], NULL, 0) : 0;

	for (i = 0; i < JOBS_MAX; i++) {
		if (jobs[i].id == 0)
			continue;
		for (k = 0; k < jobs[i].npids; k++) {
			if (want != 0 && jobs[i].pids[k] != want)
				continue;
			if (jobs[i].pids[k] > 0 && waitpid(jobs[i].pids[k], &st, 0) >= 0)
				jobs[i].status = wait_status(st);
			jobs[i].pids[k] = 0;
		}
	}
	reap_jobs(false);
	return want != 0 ? wait_status(st) : 0;
}

static int
bi_jobs(int argc, char **argv, int out, int err)
{
	int i;

	reap_jobs(true);
	for (i = 0; i < JOBS_MAX; i++)
		if (jobs[i].id != 0)
			dprintf(out, "[%d] Running  %s\n", jobs[i].id, jobs[i].text);
	return 0;
}

static int run_file(const char *path, int argc, char **argv);

static int
bi_source(int argc, char **argv, int out, int err)
{
	if (argc < 2) {
		dprintf(err, "usage: source file [args...]\n");
		return 2;
	}
	return run_file(argv[1], argc - 1, argv + 1);
}

static int
bi_help(int argc, char **argv, int out, int err)
{
	dprintf(out,
		"Chitin sh. Built in: cd pwd exit export unset set kill wait jobs\n"
		"source help. Programs are in /bin: ls cat echo grep wc sort head\n"
		"tail cp mv rm mkdir rmdir touch hexdump ps kill free df time sleep\n"
		"true false. Syntax: cmd args < in > out >> out 2> err 2>&1, a | b,\n"
		"a ; b, a && b, a || b, cmd &, 'quotes' \"quotes\", $VAR, NAME=value.\n");
	return 0;
}

static const struct {
	const char *name;
	builtin_fn fn;
} builtins[] = {
	{ "cd", bi_cd }, { "pwd", bi_pwd }, { "exit", bi_exit },
	{ "export", bi_export }, { "unset", bi_unset }, { "set", bi_set },
	{ "kill", bi_kill }, { "wait", bi_wait }, { "jobs", bi_jobs },
	{ "source", bi_source }, { ".", bi_source }, { "help", bi_help },
};

static builtin_fn
builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return builtins[i].fn;
	return NULL;
}

/* --- running commands --- */

/* NAME=value words at the start of c: how many. */
static int
count_assignments(struct cmd *c)
{
	int i;
	char *eq;

	for (i = 0; i < c->words.n; i++) {
		eq = strchr(c->words.v[i], '=');
		if (eq == NULL || !name_ok(c->words.v[i], (size_t)(eq - (char *)c->words.v[i])))
			break;
	}
	return i;
}

/* The value of assignment word w, expanded (no splitting). */
static char *
assignment_value(const char *w)
{
	const char *eq = strchr(w, '=');
	struct vec out;
	char *q;
	size_t len;

	/* quote the value so that it is not split or globbed */
	len = strlen(eq + 1);
	q = arena_alloc(len + 3);
	q[0] = '"';
	memcpy(q + 1, eq + 1, len);
	q[len + 1] = '"';
	q[len + 2] = '\0';
	if (strchr(eq + 1, '"') != NULL || strchr(eq + 1, '\'') != NULL)
		q = (char *)eq + 1;	/* it quotes itself */
	memset(&out, 0, sizeof(out));
	expand_word(q, &out);
	return out.n > 0 ? out.v[0] : "";
}

static void
do_assignments(struct cmd *c, int n)
{
	char *name;
	int i;

	for (i = 0; i < n; i++) {
		name = arena_strndup(c->words.v[i], strcspn(c->words.v[i], "="));
		var_set(name, assignment_value(c->words.v[i]));
	}
}

/* The environment for a command with NAME=value prefixes: environ with
 * those added or replaced. */
static char **
command_env(struct cmd *c, int n)
{
	struct vec env;
	size_t nl;
	char *s, *v;
	int i, k;
	bool replaced;

	memset(&env, 0, sizeof(env));
	for (k = 0; environ != NULL && environ[k] != NULL; k++) {
		replaced = false;
		for (i = 0; i < n; i++) {
			nl = strcspn(c->words.v[i], "=");
			if (strncmp(environ[k], c->words.v[i], nl) == 0 && environ[k][nl] == '=')
				replaced = true;
		}
		if (!replaced)
			vec_push(&env, environ[k]);
	}
	for (i = 0; i < n; i++) {
		nl = strcspn(c->words.v[i], "=");
		v = assignment_value(c->words.v[i]);
		s = arena_alloc(nl + strlen(v) + 2);
		memcpy(s, c->words.v[i], nl);
		s[nl] = '=';
		strcpy(s + nl + 1, v);
		vec_push(&env, s);
	}
	if (env.v == NULL) {
		vec_push(&env, NULL);
		env.n = 0;
	}
	return (char **)env.v;
}

/* Starts argv with descriptors m (along $PATH); its id, or -1 with
 * the status a failure gets (*st: 127 not found, 126 not runnable). */
static pid_t
start_program(char **argv, char **envp, struct fdmap *m, int *st)
{
	char full[PATH_MAX], *args[256];
	const char *path = getenv("PATH"), *end;
	pid_t pid = -1;
	int i;

	errno = ENOENT;
	if (strchr(argv[0], '/') != NULL) {
		pid = spawn_fds(argv[0], argv, envp, m->map, NFD);
	} else {
		if (path == NULL || path[0] == '\0')
			path = "/bin";
		for (; *path != '\0' && pid < 0 && errno == ENOENT; path = *end ? end + 1 : end) {
			end = path + strcspn(path, ":");
			snprintf(full, sizeof(full), "%.*s/%s", (int)(end - path),
				 end == path ? "." : path, argv[0]);
			pid = spawn_fds(full, argv, envp, m->map, NFD);
		}
	}
	if (pid < 0 && errno == ENOEXEC) {	/* a script */
		args[0] = "sh";
		args[1] = strchr(argv[0], '/') != NULL ? argv[0] : full;
		for (i = 1; argv[i] != NULL && i < 254; i++)
			args[i + 1] = argv[i];
		args[i + 1] = NULL;
		pid = spawn_fds("sh", args, envp, m->map, NFD);
	}
	if (pid >= 0)
		return pid;
	if (errno == ENOENT) {
		sh_error("%s: command not found", argv[0]);
		*st = 127;
	} else {
		sh_error("%s: %s", argv[0], strerror(errno));
		*st = 126;
	}
	return -1;
}

/* Runs builtin fn in a forked child with descriptors m (it is part of a
 * pipeline or a background job); the child's id or -1. */
static pid_t
fork_builtin(builtin_fn fn, struct vec *argv, struct fdmap *m)
{
	pid_t pid;
	int i, st;

	fflush(NULL);
	if ((pid = fork()) != 0) {
		if (pid < 0)
			sh_error("fork: %s", errstr(pid));
		return pid < 0 ? -1 : pid;
	}
	for (i = 0; i < 3; i++)
		if (m->map[i] >= 0 && m->map[i] != i)
			dup2(m->map[i], i);
	st = fn(argv->n, (char **)argv->v, 1, 2);
	exit(st);
}

/* One command of a pipeline, with input in and output out (-1: the
 * shell's own). Returns the child's id; -1 when nothing was started
 * (*st says why), 0 when it ran here (*st its status). */
static pid_t
run_command(struct cmd *c, int in, int out, bool alone, int *st)
{
	int nassign = count_assignments(c);
	struct vec argv = expand_words((char **)c->words.v, nassign, c->words.n);
	struct fdmap m;
	builtin_fn fn;
	pid_t pid;

	fdmap_init(&m, in, out);
	if (apply_redirs(c, &m) < 0) {
		fdmap_close(&m);
		*st = 1;
		return -1;
	}
	if (argv.n == 0) {			/* assignments and redirections only */
		if (alone)
			do_assignments(c, nassign);
		fdmap_close(&m);
		*st = 0;
		return alone ? 0 : -1;
	}
	fn = builtin_find(argv.v[0]);
	if (fn != NULL && alone) {
		do_assignments(c, nassign);
		*st = fn(argv.n, (char **)argv.v, m.map[1] < 0 ? 1 : m.map[1],
			 m.map[2] < 0 ? 2 : m.map[2]);
		fdmap_close(&m);
		return 0;
	}
	if (fn != NULL)
		pid = fork_builtin(fn, &argv, &m);
	else
		pid = start_program((char **)argv.v, command_env(c, nassign), &m, st);
	fdmap_close(&m);
	if (pid < 0 && fn != NULL)
		*st = 1;
	return pid;
}

/* Waits for a foreground pipeline; the last command's status. After a
 * ^C the commands still running go too: the ones whose stdin is a pipe
 * would otherwise drain it to the console first. */
static int
collect(pid_t *pids, int n, int last_st)
{
	int i, st = 0, result = last_st;

	for (i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		if (interrupted)
			kill(pids[i], SIGINT);
		if (waitpid(pids[i], &st, 0) < 0)
			st = 1;
		if (i == n - 1)
			result = wait_status(st);
	}
	return result;
}

static int job_add(pid_t *pids, int n, const char *text);

/* What a background job reads instead of the console, as POSIX gives an
 * asynchronous list /dev/null when there is no job control: a pipe with
 * no writer, at its end at once. It keeps the job from taking what is
 * typed for the shell, and a ^C for the foreground from stopping it
 * (signal.c). -1 if no pipe can be made: the job keeps the shell's. */
static int
empty_input(void)
{
	int fds[2];

	if (pipe(fds) < 0)
		return -1;
	close(fds[1]);
	return fds[0];
}

/* Runs a pipeline; waits unless bg (then it becomes a job). Its status:
 * the last command's. */
static int
run_pipeline(struct pipeline *p, bool bg, const char *text)
{
	pid_t pids[PIDS_MAX];
	int n = p->cmds.n, i, in = bg ? empty_input() : -1, fds[2], st = 0,
	    last_st = 0;
	bool alone = n == 1 && !bg;

	for (i = 0; i < n; i++) {
		fds[0] = fds[1] = -1;
		if (i < n - 1 && pipe(fds) < 0) {
			sh_error("pipe: %s", strerror(errno));
			last_st = 1;
			n = i;
			break;
		}
		st = 0;
		pids[i] = run_command(p->cmds.v[i], in, fds[1], alone, &st);
		if (pids[i] <= 0)
			last_st = st;
		if (in >= 0)
			close(in);
		if (fds[1] >= 0)
			close(fds[1]);
		in = fds[0];
	}
	if (in >= 0)
		close(in);
	if (bg)
		return job_add(pids, n, text);
	return collect(pids, n, last_st);
}

/* Runs an and-or list in the foreground; its status. */
static int
run_andor_fg(struct andor *a)
{
	int st = run_pipeline(a->pipes.v[0], false, a->text), i, op;

	for (i = 1; i < a->pipes.n && !want_exit && !interrupted; i++) {
		op = (int)(intptr_t)a->ops.v[i - 1];
		if ((op == T_AND) != (st == 0))
			continue;
		st = run_pipeline(a->pipes.v[i], false, a->text);
	}
	return st;
}

static int
run_andor(struct andor *a)
{
	pid_t pid;

	if (!a->background)
		return run_andor_fg(a);
	if (a->pipes.n == 1)
		return run_pipeline(a->pipes.v[0], true, a->text);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		int in = empty_input();

		interactive = false;
		if (in > 0) {
			dup2(in, 0);
			close(in);
		}
		exit(run_andor_fg(a));
	}
	if (pid < 0) {
		sh_error("fork: %s", errstr(pid));
		return 1;
	}
	return job_add(&pid, 1, a->text);
}

/* --- jobs --- */

static int
job_add(pid_t *pids, int n, const char *text)
{
	int i, k, id = 1;

	for (i = 0; i < JOBS_MAX; i++)
		if (jobs[i].id >= id)
			id = jobs[i].id + 1;
	for (i = 0; i < JOBS_MAX && jobs[i].id != 0; i++)
		;
	last_bg = n > 0 ? pids[n - 1] : 0;
	if (i == JOBS_MAX) {		/* no room to track it: it runs on */
		sh_error("too many jobs; not tracking this one");
		return 0;
	}
	jobs[i].id = id;
	jobs[i].npids = 0;
	for (k = 0; k < n; k++)
		if (pids[k] > 0)
			jobs[i].pids[jobs[i].npids++] = pids[k];
	snprintf(jobs[i].text, sizeof(jobs[i].text), "%s", text);
	if (interactive)
		dprintf(2, "[%d] %d\n", id, last_bg);
	return 0;
}

/* Reaps finished background jobs; with report, says which ended. */
static void
reap_jobs(bool report)
{
	int i, k, st, live;

	for (i = 0; i < JOBS_MAX; i++) {
		if (jobs[i].id == 0)
			continue;
		live = 0;
		for (k = 0; k < jobs[i].npids; k++) {
			if (jobs[i].pids[k] <= 0)
				continue;
			if (waitpid(jobs[i].pids[k], &st, WNOHANG) == 0) {
				live++;
				continue;
			}
			if (k == jobs[i].npids - 1)
				jobs[i].status = wait_status(st);
			jobs[i].pids[k] = 0;
		}
		if (live > 0)
			continue;
		if (report)
			dprintf(2, "[%d] Done (%d)  %s\n", jobs[i].id, jobs[i].status,
				jobs[i].text);
		jobs[i].id = 0;
	}
}

/* --- input --- */

static void
report_syntax(const struct parser *ps)
{
	if (ps->lx.errtok[0] != '\0')
		sh_error("%s '%s'", ps->lx.err, ps->lx.errtok);
	else
		sh_error("%s", ps->lx.err);
	last_status = 2;
}

/* Parses and runs text one line at a time, as a POSIX shell does: a
 * line with a syntax error is reported and skipped, the lines before it
 * have run. Quotes may span lines. Its status. */
static int
run_text(const char *text)
{
	struct parser ps;
	struct vec *list;
	int i;

	memset(&ps, 0, sizeof(ps));
	ps.lx.p = text;
	advance(&ps);
	while (!want_exit) {
		list = parse_line(&ps);
		if (list == NULL) {
			report_syntax(&ps);
			if (ps.tok.kind != T_NL)	/* skip the rest of the line */
				while (*ps.lx.p != '\0' && *ps.lx.p != '\n')
					ps.lx.p++;
			ps.lx.err = NULL;
			ps.lx.errtok[0] = '\0';
			advance(&ps);
			continue;
		}
		for (i = 0; i < list->n && !want_exit && !interrupted; i++)
			last_status = run_andor(list->v[i]);
		if (ps.tok.kind == T_END || interrupted)
			break;
		advance(&ps);		/* past the newline */
	}
	return last_status;
}

/* A line from fd into buf (without the newline): its length, or -1 at
 * the end. Byte by byte unless fd is the console (which hands over one
 * line per read), so a program started later reads what follows. */
static long
read_line(int fd, char *buf, size_t size, bool *toolong)
{
	size_t len = 0;
	ssize_t r;
	char c;

	*toolong = false;
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0)
			sh_error("read: %s", strerror(errno));
		if (r <= 0)
			return len > 0 ? (long)len : -1;
		if (c == '\n')
			break;
		if (len + 1 < size)
			buf[len++] = c;
		else
			*toolong = true;
	}
	buf[len] = '\0';
	return (long)len;
}

static void
on_interrupt(int sig)
{
	interrupted = true;
}

/* Reads commands from fd until the end or exit; the last status. */
static int
run_fd(int fd, bool prompt)
{
	char *line = malloc(INPUT_MAX);
	const char *ps1;
	bool toolong;
	long n;

	if (line == NULL) {
		sh_error("out of memory");
		return 1;
	}
	run_depth++;
	while (!want_exit) {
		if (prompt) {
			reap_jobs(true);
			ps1 = getenv("PS1");
			dprintf(2, "%s", ps1 != NULL ? ps1 : "$ ");
		}
		if ((n = read_line(fd, line, INPUT_MAX, &toolong)) < 0)
			break;
		interrupted = false;	/* a ^C before this line was for what ran */
		if (toolong) {
			sh_error("line too long (more than %d bytes)", INPUT_MAX - 1);
			last_status = 2;
			continue;
		}
		run_text(line);
		if (run_depth == 1)
			arena_reset();	/* a sourced file's lines: the outer line's */
	}
	run_depth--;
	free(line);
	if (prompt && !want_exit)
		dprintf(2, "exit\n");
	return want_exit ? exit_code : last_status;
}

static int
run_file(const char *path, int argc, char **argv)
{
	int fd = open(path, O_RDONLY), st, saved_argc = pos_argc;
	char **saved_argv = pos_argv;
	const char *saved_name = script_name;

	if (fd < 0) {
		sh_error("%s: %s", path, strerror(errno));
		return 127;
	}
	script_name = path;
	pos_argc = argc - 1;
	pos_argv = argv;
	st = run_fd(fd, false);
	close(fd);
	script_name = saved_name;
	pos_argc = saved_argc;
	pos_argv = saved_argv;
	return st;
}

static void
usage(void)
{
	dprintf(2, "usage: sh [-c commands [name args...] | file [args...]]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static char *no_args[] = { "sh", NULL };
	int st;

	pos_argc = 0;
	pos_argv = no_args;
	if (argc > 1 && strcmp(argv[1], "-c") == 0) {
		if (argc < 3)
			usage();
		if (argc > 3) {
			script_name = argv[3];
			pos_argc = argc - 4;
			pos_argv = argv + 3;
		}
		st = run_text(argv[2]);
		return want_exit ? exit_code : st;
	}
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0')
		usage();
	if (argc > 1)
		return run_file(argv[1], argc - 1, argv + 1);
	interactive = isatty(0);
	if (interactive)
		signal(SIGINT, on_interrupt);
	return run_fd(0, interactive);
}
