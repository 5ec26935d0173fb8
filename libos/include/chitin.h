/*
 * The library OS as a program sees it. Every user program may include
 * this; the C library's headers (stdio.h, stdlib.h, unistd.h, ...) sit
 * beside it and agree with it where both declare a function.
 */
#ifndef CHITIN_LIBOS_H
#define CHITIN_LIBOS_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include "kern/abi/memlayout.h"
#include "kern/abi/env.h"
#include "kern/abi/error.h"
#include "kern/abi/syscall.h"
#include "kern/abi/archive.h"
#include "kern/abi/disk.h"

/* --- system-call stubs (libos/syscall.c, generated from SYSCALL_LIST) ---
 * Each returns the raw result: >= 0 on success, -E_* on error. */
int64_t sys_cputs(const char *buf, size_t len);
int64_t sys_cgetc(int block);
envid_t sys_getenvid(void);
envid_t sys_env_exofork(void);
int64_t sys_env_set_status(envid_t env, int status);
int64_t sys_env_destroy(envid_t env);
int64_t sys_env_set_upcall(envid_t env, int kind, uintptr_t entry, uintptr_t stack_top);
int64_t sys_env_set_regs(envid_t env, const struct user_regs *regs);
int64_t sys_env_set_name(envid_t env, const char *name);
int64_t sys_page_alloc(envid_t env, uintptr_t va, uint64_t perm, ppn_t ppn);
int64_t sys_page_map(envid_t src, uintptr_t src_va, envid_t dst, uintptr_t dst_va, uint64_t perm);
int64_t sys_page_unmap(envid_t env, uintptr_t va);
int64_t sys_page_protect(envid_t env, uintptr_t va, uint64_t perm);
int64_t sys_mmap_batch(const struct mmap_op *ops, size_t n);
int64_t sys_yield(void);
int64_t sys_yield_to(envid_t env);
int64_t sys_ipc_send(envid_t to, uint64_t value, uintptr_t src_va, uint64_t perm);
int64_t sys_ipc_recv(uintptr_t dst_va);
int64_t sys_env_exit(int status) __attribute__((noreturn));
int64_t sys_env_wait(envid_t child, int *status);
int64_t sys_kdebug(int what, uint64_t arg);
int64_t sys_slice_acquire(envid_t env, int cpu, int slot);
int64_t sys_slice_release(int cpu, int slot);
/* disk blocks and the buffer-cache registry (kern/abi/disk.h) */
int64_t sys_disk_alloc(int disk, size_t n, uint64_t hint, uint32_t mode);
int64_t sys_disk_free(int disk, uint64_t start, size_t n);
int64_t sys_disk_chown(int disk, uint64_t start, size_t n, uint32_t principal);
int64_t sys_disk_chmod(int disk, uint64_t start, size_t n, uint32_t mode);
int64_t sys_disk_read(int disk, uint64_t start, size_t n, void *va);
int64_t sys_disk_write(int disk, uint64_t start, size_t n, const void *va);
int64_t sys_disk_flush(int disk);
int64_t sys_bcache_map(int disk, uint64_t block, uintptr_t va, uint64_t perm);
int64_t sys_bcache_writeback(int disk, uint64_t start, size_t n);
int64_t sys_env_set_principal(envid_t env, uint32_t principal);
int64_t sys_env_set_affinity(envid_t env, uint64_t cpumask);
int64_t sys_mem_revoke(envid_t env, uint64_t npages, uint64_t deadline_us);
const char *syscall_name(int num);	/* "page_map", or NULL */

/* sys_env_exofork as inline code, not a call. Use it when the child is to
 * run on from the exofork (fork, dumbfork): the child resumes with the
 * caller's %rsp, and a call's return address and frame below it would be
 * reused by the parent's later calls before the child's stack is copied,
 * so the child would "return" into whatever the parent called last. The
 * caller must keep the result in a local whose address is not taken, and
 * the child must not rely on other locals the parent changes afterwards. */
static inline __attribute__((always_inline)) envid_t
sys_env_exofork_inline(void)
{
	int64_t r = SYS_env_exofork;

	asm volatile("syscall" : "+a" (r) : : "rcx", "r11", "memory");
	return (envid_t)r;
}

/* --- the environment --- */
extern const volatile struct env_export *thisenv;	/* my entry at UENVS */
extern const char *binaryname;				/* argv[0] */
static inline const volatile struct env_export *env_lookup(envid_t id)
{ return &UENV_TABLE[ENVX(id)]; }
void exit(int status) __attribute__((noreturn));

/* Reading my own page tables through the self-map (UVPT): the PTE of va,
 * or 0 when some level is not present. */
uint64_t uvpt_pte(uintptr_t va);
ppn_t pte_ppn(uint64_t pte);
/* Calls fn for each present page in [start, end) (clipped to UTOP) in
 * address order; stops at, and returns, fn's first non-zero answer. */
typedef int (*uvpt_fn_t)(uintptr_t va, uint64_t pte, void *arg);
int uvpt_walk(uintptr_t start, uintptr_t end, uvpt_fn_t fn, void *arg);

/* --- console --- */
int cprintf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
int vcprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
/* The next console character, waiting for it (only this thread waits
 * when there are threads); a negative -E_* if the kernel refuses. Raw:
 * no echo, no line editing (the console descriptor adds those). */
int cgetchar(void);
/* stdio.h's, on stdout and stdin (the console unless redirected). */
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
int puts(const char *s);
int getchar(void);
const char *errstr(int64_t err);	/* message of -E_xxx (or E_xxx) */
void _user_panic(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(__printf__, 3, 4)));
#define panic(...)	_user_panic(__FILE__, __LINE__, __VA_ARGS__)
#define assert(x)	do { if (!(x)) panic("assertion failed: %s", #x); } while (0)

/* --- strings and memory (libos/string.c; all of C's in string.h) --- */
#include <string.h>
long strtol(const char *s, char **end, int base);	/* as stdlib.h */

/* --- exceptions --- */
/* Exception vectors as utrapframe.vector carries them (Intel SDM vol. 3A,
 * 6.3.1); kern/trap.h uses the same numbers. */
#define T_DE		0	/* divide error */
#define T_DB		1	/* debug */
#define T_BP		3	/* breakpoint (int3) */
#define T_OF		4	/* overflow (into) */
#define T_BR		5	/* BOUND range */
#define T_UD		6	/* invalid opcode */
#define T_NM		7	/* device not available */
#define T_NP		11	/* segment not present */
#define T_SS		12	/* stack-segment fault */
#define T_GP		13	/* general protection */
#define T_PF		14	/* page fault */
#define T_MF		16	/* x87 floating point */
#define T_AC		17	/* alignment check */
#define T_XM		19	/* SIMD floating point */
#define NEXCEPTION	32	/* vectors a handler may be set for */

/* Exit statuses the library itself chooses: a panic, and an exception no
 * handler took (128 + vector, as a Unix shell reports a signal). */
#define EXIT_PANIC	255
#define EXIT_FAULT(vector)	(128 + (vector))

/* "PF" for T_PF, "??" for a vector without a mnemonic. */
const char *exception_mnemonic(int vector);

/* A handler returns to resume the interrupted code (after fixing the
 * cause); the library restores every register, FPU/SSE state included.
 * Handlers are chosen per vector; set_pgfault_handler(h) is
 * set_exception_handler(T_PF, h). With no handler for a vector the
 * library prints the fault and exits. */
typedef void (*exception_handler_t)(struct utrapframe *utf);
int set_exception_handler(int vector, exception_handler_t h);
int set_pgfault_handler(exception_handler_t h);
/* Maps a fresh exception stack into env (0: me, or a child being built
 * by hand) and registers the library's upcall there; fork and spawn do
 * it for their children. Returns 0 or the kernel's error. */
int exception_init(envid_t env);

/* --- revocation (libos/revoke.c; the protocol: kern/revoke.c) ---
 * An ancestor may ask this env for npages pages back by a deadline; if
 * the env does not give them (unmap pages it owns) in time, the kernel
 * takes them itself and lists their VAs in the env's export. With a
 * handler set, the library calls it on the exception stack as soon as a
 * request arrives: it must not block, and it gives pages back by
 * unmapping them (or arranges for a thread to). */
typedef void (*revoke_handler_t)(uint64_t npages, uint64_t deadline_tsc);
int revoke_set_handler(revoke_handler_t h);	/* NULL: none */
uint64_t revoke_wanted(void);	/* pages still to give back; 0: no request */

/* --- processes --- */
envid_t fork(void);			/* copy-on-write; 0 in the child */
envid_t spawn(const char *path, const char **argv);	/* /bin/NAME on the FS, else the boot archive */
envid_t spawnl(const char *path, const char *arg0, ...);
int wait(envid_t child, int *status);	/* child 0: any; returns its id */
const void *archive_find(const char *name, size_t *size);

/* --- IPC --- */
/* Blocks for a message; returns the value. from/perm may be NULL. With
 * pg != NULL a page may arrive mapped there. */
uint64_t ipc_recv(envid_t *from, void *pg, uint64_t *perm);
/* Sends, yielding to the receiver until it is waiting; panics on any
 * other error. */
void ipc_send(envid_t to, uint64_t value, void *pg, uint64_t perm);

/* --- protected control transfer --- */
struct pct_args { uint64_t a[6]; };
typedef void (*pct_handler_t)(envid_t caller, struct pct_args *args);
/* Registers h as this env's PCT entry (on its own stack); h fills *args
 * with the answer and returns, and the library answers the caller. */
int pct_serve(pct_handler_t h);
/* Calls env `to` with six words; on success they are replaced by its six
 * answers and 0 is returned. */
int64_t pct_call(envid_t to, struct pct_args *args);

/* Program entry: the library calls this with the arguments. */
int main(int argc, char **argv);

#endif
