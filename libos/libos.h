/*
 * What the parts of the library OS share and programs need not see: the
 * library's own corner of the address space and its internal entry points.
 */
#ifndef CHITIN_LIBOS_PRIVATE_H
#define CHITIN_LIBOS_PRIVATE_H

#include <chitin.h>
#include <fd.h>

/*
 * The library's windows, below the main stack's reserve
 * (USTACKTOP - USTACK_MAX) and far above any program image:
 *
 *   ULIB_PCT_STACKTOP   the stack protected control transfers run on
 *   ULIB_COW_TEMP       one page: where a copy-on-write fault builds the copy
 *   ULIB_SPAWN_TEMP     ULIB_SPAWN_PAGES pages: where spawn fills a child's
 *                       pages before they move to the child
 *   ULIB_EPILOGUE_STACKTOP  the stack epilogue upcalls run on (thread.c),
 *                       UXSTACK_SIZE long
 *   ULIB_THREADS        THREAD_MAX windows of ULIB_THREAD_SPAN bytes: a
 *                       thread's struct thread in the top page, its stack
 *                       below, unmapped guard pages at the bottom
 *
 * fork skips nothing here on purpose: the windows are empty whenever
 * fork runs, and the PCT stack is ordinary memory a child may inherit.
 */
#define ULIB_BASE		0x00007d0000000000
#define ULIB_SPAWN_TEMP		ULIB_BASE
#define ULIB_SPAWN_PAGES	64
#define ULIB_COW_TEMP		(ULIB_BASE + 0x40000000)
#define ULIB_PCT_STACKTOP	(ULIB_BASE + 0x80000000)
#define ULIB_PCT_STACK_PAGES	4
#define ULIB_EPILOGUE_STACKTOP	(ULIB_BASE + 0xc0000000)
#define ULIB_THREADS		(ULIB_BASE + 0x1000000000)
#define ULIB_THREAD_SPAN	(64 * PGSIZE)

/*
 * File descriptors (fd.c, include/fd.h), in address order: every data
 * window below every description page below every shadow page, so that
 * fork's walk and the kernel's teardown (both in address order) map and
 * unmap each descriptor's pages in the order pipe.c counts on.
 *
 *   FD_DATA(n)    FD_DATA_PAGES pages: the description's data (a pipe's
 *                 ring)
 *   FD_PAGE(n)    struct fd, the open file description
 *   FD_SHADOW(n)  one page: a second mapping a device may want (pipes)
 *   ULIB_PROCINFO what spawn hands the child besides argv: environment
 *                 and working directory (proc.c); unmapped once read
 *   ULIB_HEAP     malloc's pages (malloc.c), ULIB_HEAP_MAX bytes
 */
#define ULIB_FD_BASE		(ULIB_BASE + 0x200000000ULL)
#define FD_DATA(n)		(ULIB_FD_BASE + (uint64_t)(n) * FD_DATA_PAGES * PGSIZE)
#define FD_PAGE(n)		(ULIB_FD_BASE + 0x1000000ULL + (uint64_t)(n) * PGSIZE)
#define FD_SHADOW(n)		(ULIB_FD_BASE + 0x1100000ULL + (uint64_t)(n) * PGSIZE)
#define ULIB_PROCINFO		(ULIB_FD_BASE + 0x1200000ULL)
#define ULIB_PROCINFO_PAGES	16
#define ULIB_HEAP		(ULIB_BASE + 0x4000000000ULL)
#define ULIB_HEAP_MAX		0x40000000ULL

/* Stack pages every program starts with mapped (the rest grow on demand,
 * up to USTACK_MAX). */
#define USTACK_INITIAL_PAGES	4

#define ROUNDDOWN(x, n)	((x) & ~((uint64_t)(n) - 1))
#define ROUNDUP(x, n)	ROUNDDOWN((x) + (n) - 1, n)

/* The exception upcall's assembly entry (upcall.S) and its C half. */
void upcall_entry(void);
void exception_dispatch(struct utrapframe *utf);
void revoke_dispatch(struct utrapframe *utf);	/* revoke.c */

/* The PCT entry (pctentry.S) and the handler it calls. */
void pct_entry(void);
extern pct_handler_t pct_handler;
void pct_dispatch(envid_t caller, struct pct_args *args) __attribute__((noreturn));

/* exception.c: the copy-on-write fault path, for fork's pages. */
bool cow_fault(struct utrapframe *utf);

/* libmain.c: the C entry (from entry.S), and pointing thisenv at my
 * table entry. */
void libmain(int argc, char **argv) __attribute__((noreturn));
void libmain_set_thisenv(void);

/* mmap_batch helpers (batch.c): ops collect in caller-provided storage
 * and go to the kernel in one call when it is full or flushed. */
struct mmap_batch {
	struct mmap_op *ops;	/* storage for cap ops */
	size_t cap;		/* at most MMAP_BATCH_MAX */
	size_t n;		/* ops waiting */
	bool skip_gone;		/* skip maps whose source page vanished */
};
int batch_add(struct mmap_batch *b, uint32_t op, envid_t env, uintptr_t va,
	      uint64_t perm, envid_t src_env, uintptr_t src_va);
int batch_flush(struct mmap_batch *b);

/* Blocking calls a thread package takes over (thread.c sets them when it
 * starts), so that they block only the calling thread; NULL: block the
 * env, as a program without threads does. Defined in ipc.c, console.c. */
extern uint64_t (*ipc_recv_hook)(envid_t *from, void *pg, uint64_t *perm);
extern int (*getchar_hook)(void);

/* The C library's start and end (libc.c): libmain calls libc_init
 * before main, exit calls libc_fini (atexit functions, stdio flush, the
 * descriptors closed). */
void libc_init(int argc, char **argv);
void libc_fini(void);
/* The pieces libc_init and libc_fini run. */
void fd_init(void);			/* fd.c: console on 0-2 when none came */
void proc_init(void);			/* proc.c: environment, cwd from spawn */
void stdio_flush_all(void);		/* stdio.c */
void atexit_run(void);			/* stdlib.c */
/* The POSIX layer's errors: sets errno from a negative errno value r
 * and returns -1, or returns r when it is not negative. */
long posix_ret(long r);
/* The same for a library -E_* code. */
long posix_ret_e(long r);
/* spawn.c calls this with a new child before it runs (NULL: nothing). */
extern int (*spawn_child_hook)(envid_t child);
/* path.c: path made absolute against the working directory and
 * normalized ("." and ".." resolved, no double '/'); -ENAMETOOLONG. */
int path_absolute(const char *path, char *out, size_t outlen);
const char *path_cwd(void);
int path_set_cwd(const char *abs);
/* The console's ^C (signal.c): the line discipline (fdcons.c) calls
 * console_interrupt when it reads one (console_interrupt_pending: false
 * when this env already acted on it, the byte is only late);
 * console_interrupt_check, called
 * where a program that does not read the console spends its time (write,
 * sleep), raises SIGINT when the kernel counted a ^C since the last one
 * this env acted on and its stdin is the console. Either raises SIGINT
 * once per ^C. console_interrupt_init at start: older ones are not mine;
 * a spawned child inherits its parent's count (proc.c), so a ^C typed
 * while it was being started still stops it. */
void console_interrupt(void);
bool console_interrupt_pending(void);
void console_interrupt_check(void);
void console_interrupt_init(void);
uint64_t console_interrupt_seen(void);
void console_interrupt_inherit(uint64_t seen);
/* fdfile.c: the file system, mounted on first use; NULL and -errno in
 * *err when there is none. */
struct fs *file_fs(int *err);

/* printfmt.c: the formatting engine behind cprintf and snprintf. */
typedef void (*putch_t)(int c, void *arg);
void vprintfmt(putch_t putch, void *arg, const char *fmt, va_list ap);

#endif
