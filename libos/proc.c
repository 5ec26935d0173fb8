/*
 * Processes as the C library sees them: the environment (NAME=value
 * strings), starting programs with it and with chosen descriptors
 * (spawnve, spawnvp, spawn_fds), and waiting for them (waitpid).
 *
 * spawn (spawn.c) loads the program; just before the child first runs,
 * proc_spawn_hook gives it my descriptors (fd.c) and a copy of my
 * environment and working directory in pages at ULIB_PROCINFO, which
 * the child's proc_init reads and unmaps. A forked child needs none of
 * this: it has copies of all my memory already.
 */
#include "libos.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#define PROCINFO_MAGIC	0x4f464e49434f5250ULL	/* "PROCINFO" */
#define PROC_PERM	(PERM_P | PERM_W | PERM_NX)

struct procinfo {
	uint64_t magic;
	uint32_t envc;		/* strings that follow */
	uint32_t bytes;		/* their bytes, NULs included */
	uint64_t intr_seen;	/* the parent's ^C count (signal.c) */
	char cwd[PATH_MAX];
	char strings[];
};

char **environ;
static size_t env_n;		/* entries in environ */
static size_t env_cap;		/* room in environ, NULL excluded */
static char *const *spawn_envp;	/* the environment spawnve passes */
extern const int *fd_spawn_map;
extern int fd_spawn_nmap;

/* The index of name's entry (name ends at '=' or NUL), or -1. */
static long
env_find(const char *name)
{
	size_t len = strcspn(name, "="), i;

	for (i = 0; i < env_n; i++)
		if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=')
			return (long)i;
	return -1;
}

static bool
env_name_ok(const char *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '=') == NULL;
}

/* Puts the malloc'd string s (NAME=value) in the table, replacing. */
static int
env_put(char *s)
{
	long i = env_find(s);
	char **n;

	if (i >= 0) {
		free(environ[i]);
		environ[i] = s;
		return 0;
	}
	if (env_n == env_cap) {
		if ((n = realloc(environ, (env_cap * 2 + 8 + 1) * sizeof(*n))) == NULL)
			return -ENOMEM;
		environ = n;
		env_cap = env_cap * 2 + 8;
	}
	environ[env_n++] = s;
	environ[env_n] = NULL;
	return 0;
}

char *
getenv(const char *name)
{
	long i;

	if (!env_name_ok(name) || (i = env_find(name)) < 0)
		return NULL;
	return environ[i] + strlen(name) + 1;
}

int
setenv(const char *name, const char *value, int overwrite)
{
	size_t nl, vl;
	char *s;
	int r;

	if (!env_name_ok(name))
		return (int)posix_ret(-EINVAL);
	if (!overwrite && env_find(name) >= 0)
		return 0;
	nl = strlen(name);
	vl = strlen(value);
	if ((s = malloc(nl + vl + 2)) == NULL)
		return (int)posix_ret(-ENOMEM);
	memcpy(s, name, nl);
	s[nl] = '=';
	memcpy(s + nl + 1, value, vl + 1);
	if ((r = env_put(s)) < 0)
		free(s);
	return (int)posix_ret(r);
}

int
unsetenv(const char *name)
{
	long i;

	if (!env_name_ok(name))
		return (int)posix_ret(-EINVAL);
	if ((i = env_find(name)) < 0)
		return 0;
	free(environ[i]);
	environ[i] = environ[--env_n];
	environ[env_n] = NULL;
	return 0;
}

/* POSIX putenv, except that the string is copied (so it need not live
 * on); "NAME" without '=' removes NAME. */
int
putenv(char *string)
{
	char *s;
	int r;

	if (string == NULL || string[0] == '=' )
		return (int)posix_ret(-EINVAL);
	if (strchr(string, '=') == NULL)
		return unsetenv(string);
	if ((s = strdup(string)) == NULL)
		return (int)posix_ret(-ENOMEM);
	if ((r = env_put(s)) < 0)
		free(s);
	return (int)posix_ret(r);
}

int
clearenv(void)
{
	while (env_n > 0)
		free(environ[--env_n]);
	if (environ != NULL)
		environ[0] = NULL;
	return 0;
}

/* --- handing the environment to a child --- */

static size_t
env_bytes(char *const *envp, uint32_t *count)
{
	size_t bytes = 0;

	*count = 0;
	for (; envp != NULL && *envp != NULL; envp++, (*count)++)
		bytes += strlen(*envp) + 1;
	return bytes;
}

static void
procinfo_fill(struct procinfo *pi, char *const *envp, uint32_t envc, size_t bytes)
{
	char *p = pi->strings;
	size_t len;

	pi->magic = PROCINFO_MAGIC;
	pi->envc = envc;
	pi->bytes = (uint32_t)bytes;
	pi->intr_seen = console_interrupt_seen();
	strlcpy(pi->cwd, path_cwd(), sizeof(pi->cwd));
	for (; envp != NULL && *envp != NULL; envp++) {
		len = strlen(*envp) + 1;
		memcpy(p, *envp, len);
		p += len;
	}
}

/* Gives child (not running yet) my descriptors, and the environment and
 * working directory in fresh pages at its ULIB_PROCINFO. */
static int
proc_spawn_hook(envid_t child)
{
	struct mmap_op ops[2 * ULIB_PROCINFO_PAGES];
	struct mmap_batch b = { ops, 2 * ULIB_PROCINFO_PAGES, 0, false };
	char *const *envp = spawn_envp != NULL ? spawn_envp : environ;
	uint32_t envc;
	size_t bytes = env_bytes(envp, &envc), npages, i;
	int r;

	if ((r = fd_share_with(child)) < 0)
		return r;
	npages = ROUNDUP(sizeof(struct procinfo) + bytes, PGSIZE) / PGSIZE;
	if (npages > ULIB_PROCINFO_PAGES)
		return -E_TOO_BIG;
	for (i = 0; i < npages; i++) {
		uintptr_t va = ULIB_PROCINFO + i * PGSIZE;
		batch_add(&b, MMAP_OP_ALLOC, child, va, PROC_PERM, 0, 0);
		batch_add(&b, MMAP_OP_MAP, 0, va, PROC_PERM, child, va);
	}
	if ((r = batch_flush(&b)) == 0)
		procinfo_fill((struct procinfo *)ULIB_PROCINFO, envp, envc, bytes);
	for (i = 0; i < npages; i++)
		batch_add(&b, MMAP_OP_UNMAP, 0, ULIB_PROCINFO + i * PGSIZE, 0, 0, 0);
	batch_flush(&b);
	return r;
}

/* Reads what the parent handed over, if anything, and unmaps it. */
static void
procinfo_take(void)
{
	const struct procinfo *pi = (const struct procinfo *)ULIB_PROCINFO;
	size_t room = ULIB_PROCINFO_PAGES * PGSIZE - sizeof(*pi), i;
	const char *s;

	if (pi->magic != PROCINFO_MAGIC || pi->bytes > room)
		return;
	console_interrupt_inherit(pi->intr_seen);
	if (memchr(pi->cwd, '\0', sizeof(pi->cwd)) != NULL && pi->cwd[0] == '/')
		path_set_cwd(pi->cwd);
	s = pi->strings;
	for (i = 0; i < pi->envc && s < pi->strings + pi->bytes; i++) {
		if (memchr(s, '\0', (size_t)(pi->strings + pi->bytes - s)) == NULL)
			break;
		putenv((char *)s);
		s += strlen(s) + 1;
	}
}

/* See libos.h. */
void
proc_init(void)
{
	uintptr_t va;

	spawn_child_hook = proc_spawn_hook;
	if (uvpt_pte(ULIB_PROCINFO) & PERM_P)
		procinfo_take();
	else
		setenv("PATH", "/bin", 0);	/* the first program */
	for (va = ULIB_PROCINFO; va < ULIB_PROCINFO + ULIB_PROCINFO_PAGES * PGSIZE;
	     va += PGSIZE)
		if (uvpt_pte(va) & PERM_P)
			sys_page_unmap(0, va);
}

/* --- starting programs --- */

/* See unistd.h. The path is taken against the working directory when it
 * has a '/'; a bare name is spawn's (the file system's /bin, else the
 * boot archive). */
pid_t
spawnve(const char *path, char *const argv[], char *const envp[])
{
	char abs[PATH_MAX];
	const char *p = path;
	envid_t r;

	if (path == NULL || argv == NULL)
		return (pid_t)posix_ret(-EFAULT);
	if (strchr(path, '/') != NULL) {
		if ((r = path_absolute(path, abs, sizeof(abs))) < 0)
			return (pid_t)posix_ret(r);
		p = abs;
	}
	stdio_flush_all();
	spawn_envp = envp;
	r = spawn(p, (const char **)argv);
	spawn_envp = NULL;
	return (pid_t)posix_ret_e(r);
}

/* spawnve, but the child's descriptor i is my fds[i] (-1: none) for i
 * below nfds, and it gets no others. */
pid_t
spawn_fds(const char *path, char *const argv[], char *const envp[],
	  const int *fds, int nfds)
{
	pid_t r;

	fd_spawn_map = fds;
	fd_spawn_nmap = nfds;
	r = spawnve(path, argv, envp);
	fd_spawn_map = NULL;
	fd_spawn_nmap = 0;
	return r;
}

/* A text file that is not an ELF executable runs as a shell script. */
static pid_t
spawn_script(const char *path, char *const argv[], char *const envp[])
{
	char *args[64];
	int n = 0, i;

	args[n++] = "sh";
	args[n++] = (char *)path;
	for (i = 1; argv[0] != NULL && argv[i] != NULL && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	return spawnve("sh", args, envp);
}

/* spawnve along $PATH (default /bin) for a name without '/'. */
static pid_t
spawn_path(const char *file, char *const argv[], char *const envp[])
{
	char full[PATH_MAX];
	const char *path = getenv("PATH"), *end;
	pid_t r;

	if (strchr(file, '/') != NULL || file[0] == '\0')
		return spawnve(file, argv, envp);
	if (path == NULL || path[0] == '\0')
		path = "/bin";
	for (; *path != '\0'; path = *end ? end + 1 : end) {
		end = path + strcspn(path, ":");
		if (snprintf(full, sizeof(full), "%.*s/%s", (int)(end - path),
			     end == path ? "." : path, file) >= (int)sizeof(full))
			continue;
		if ((r = spawnve(full, argv, envp)) >= 0 || errno != ENOENT)
			return r;
	}
	errno = ENOENT;
	return -1;
}

/* See unistd.h; a script (not an ELF file) runs under sh. */
pid_t
spawnvp(const char *file, char *const argv[])
{
	pid_t r = spawn_path(file, argv, NULL);

	if (r < 0 && errno == ENOEXEC)
		return spawn_script(file, argv, NULL);
	return r;
}

/* --- waiting --- */

static bool
is_my_zombie(const volatile struct env_export *e)
{
	return e->status == ENV_ZOMBIE && e->parent == thisenv->id;
}

/* WNOHANG: a child that has exited (or pid's), 0 when there is none
 * yet, -ECHILD when there is no such child at all. */
static pid_t
wait_nohang(pid_t pid)
{
	const volatile struct env_export *e;
	bool any = false;
	int i;

	for (i = 0; i < NENV; i++) {
		e = &UENV_TABLE[i];
		if (e->id == 0 || e->parent != thisenv->id || (pid > 0 && e->id != pid))
			continue;
		if (is_my_zombie(e))
			return e->id;
		if (e->status != ENV_FREE)
			any = true;
	}
	return any ? 0 : -ECHILD;
}

/* POSIX waitpid: pid > 0 that child, -1 (or 0) any; WNOHANG. The
 * status as sys/wait.h reads it. */
pid_t
waitpid(pid_t pid, int *status, int options)
{
	pid_t r;

	if (pid < -1)
		return (pid_t)posix_ret(-EINVAL);
	if (pid <= 0)
		pid = 0;
	if (options & WNOHANG) {
		if ((r = wait_nohang(pid)) <= 0)
			return (pid_t)posix_ret(r);
		pid = r;
	}
	r = wait(pid, status);
	if (r == -E_BAD_ENV)
		r = -E_CHILD;
	return (pid_t)posix_ret_e(r);
}

pid_t
wait_any(int *status)
{
	return waitpid(-1, status, 0);
}

pid_t
getpid(void)
{
	return thisenv->id;
}

pid_t
getppid(void)
{
	return thisenv->parent;
}

uid_t
getuid(void)
{
	return thisenv->principal;
}
