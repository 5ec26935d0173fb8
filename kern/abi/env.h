/*
 * Environments as the library OS sees them: ids, statuses, page
 * permissions, the read-only exports (environment table, physical-page
 * table, clock page, CPUs) and the frame of an exception upcall.
 */
#ifndef CHITIN_ABI_ENV_H
#define CHITIN_ABI_ENV_H

#include "memlayout.h"

#define NENV		1024		/* slots in the environment table */
#define NCPU_EXPORT	16		/* CPUs described in UCPUS */
#define ENV_NAME_MAX	32

/* An env id: generation above, table index in the low 10 bits, so a
 * stale id never names a new env. 0 means "myself" in every call. */
#define ENVX(id)	((id) & (NENV - 1))

/* Env status */
#define ENV_FREE	0	/* slot unused */
#define ENV_RUNNABLE	1	/* ready to run */
#define ENV_RUNNING	2	/* on a CPU now (cpu says which) */
#define ENV_NOT_RUNNABLE 3	/* stopped, or blocked in a call */
#define ENV_ZOMBIE	4	/* exited; its exit status waits for the parent */

/* Why an env is blocked (env_export.wait) */
#define WAIT_NONE	0
#define WAIT_IPC_RECV	1
#define WAIT_PCT_REPLY	2	/* called another env, waits for its answer */
#define WAIT_PCT_SERVE	3	/* waits for a protected control transfer */
#define WAIT_CHILD	4
#define WAIT_CONSOLE	5
#define WAIT_DISK	6	/* a disk request (kern/sys_disk.c) */
#define WAIT_NIC	7	/* in sys_nic_wait */

/* Page permissions a user may ask for: Present, Writable, no-execute and
 * three software bits the kernel keeps but ignores. User is implied. */
#define PERM_P		0x001
#define PERM_W		0x002
#define PERM_U		0x004
#define PERM_COW	0x200	/* software: copy-on-write (libos fork) */
#define PERM_SHARE	0x400	/* software: shared across fork and spawn */
#define PERM_AVAIL	0x800	/* software: free for the library OS */
#define PERM_NX		(1ULL << 63)
#define PERM_USER_OK	(PERM_P | PERM_W | PERM_U | PERM_COW | PERM_SHARE | PERM_AVAIL | PERM_NX)

/* Upcall kinds for sys_env_set_upcall */
#define UPCALL_EXCEPTION 0	/* faults and exceptions; stack = exception stack top */
#define UPCALL_PCT	1	/* protected control transfer entry; its stack */
#define UPCALL_EPILOGUE	2	/* end of a time slice: save state and yield */
#define UPCALL_REVOKE	3	/* a revocation request: give pages back (kern/revoke.c) */
#define UPCALL_MAX	4

/* utrapframe.vector of an epilogue upcall (not an exception number) */
#define UPCALL_VECTOR_EPILOGUE	0x101
/* utrapframe.vector of a revocation upcall; err = pages asked back,
 * fault_va = the deadline's TSC (as env_export.revoke_deadline) */
#define UPCALL_VECTOR_REVOKE	0x102

/* Revocation (sys_mem_revoke): the longest deadline one may set, and how
 * many of the pages the kernel took an env's export lists. */
#define REVOKE_DEADLINE_MAX_US	60000000ULL
#define REVOKE_LOG		16

/* Time slices: each CPU has a vector of SLICE_SLOTS slots, each
 * clock_export.slice_us long, visited in order. An env may own slots;
 * unowned ones (and those whose owner cannot run) are shared
 * round-robin. */
#define SLICE_SLOTS	64

/* sys_page_alloc: any free physical page */
#define PPN_ANY		(~0ULL)

/* Page kinds in the physical-page export */
#define PAGEK_HOLE	0	/* not RAM */
#define PAGEK_FREE	1
#define PAGEK_KERNEL	2	/* the kernel's own: image, tables, stacks */
#define PAGEK_BOOT	3	/* BIOS and loader memory below 1 MiB */
#define PAGEK_USER	4	/* owned by an env, mapped into user space */
#define PAGEK_PAGETABLE	5	/* a page-table page of an env */
#define PAGEK_EXPORT	6	/* a read-only export page */

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef int32_t envid_t;
typedef uint64_t ppn_t;

/* One environment in the read-only table at UENVS (index ENVX(id)). */
struct env_export {
	envid_t id;			/* 0 when the slot is free */
	envid_t parent;			/* 0 for the first env */
	uint32_t status;		/* ENV_* */
	uint32_t principal;		/* user id; 0 is the administrator */
	int32_t cpu;			/* CPU running it now, or -1 */
	uint32_t wait;			/* WAIT_* while blocked */
	char name[ENV_NAME_MAX];	/* program name, for ps */
	/* IPC: what the last receive got */
	uint64_t ipc_value;		/* the word */
	envid_t ipc_from;		/* the sender */
	uint32_t ipc_perm;		/* page perms, 0 if no page came */
	int32_t exit_status;		/* valid when ENV_ZOMBIE */
	uint32_t runs;			/* times scheduled */
	uint64_t pages;			/* physical pages it owns */
	uint64_t cycles;		/* TSC cycles it has run */
	uint64_t faults;		/* exceptions delivered to it */
	uint64_t syscalls;		/* system calls made */
	uint64_t slices;		/* timer ticks it was running at */
	uint64_t affinity;		/* bit n: may run on CPU n */
	uint32_t slots_owned;		/* slice slots it owns, all CPUs */
	uint32_t epilogues;		/* epilogue upcalls delivered */
	uint32_t overruns;		/* epilogues that overran the grace */
	uint32_t pad0;
	uint64_t cpu_cycles[NCPU_EXPORT];	/* TSC cycles run, per CPU */
	/* Revocation, the abort protocol (kern/revoke.c). A request is
	 * pending while revoke_deadline is not 0: give pages back until
	 * `pages` is at most revoke_target, or at the deadline the kernel
	 * takes the difference itself and lists what it took here. */
	uint64_t revoke_target;		/* pages it may keep */
	uint64_t revoke_deadline;	/* TSC; 0: no request pending */
	uint32_t revoke_requests;	/* requests received */
	uint32_t revoke_aborts;		/* requests the kernel enforced */
	uint64_t revoke_returned;	/* pages given back in time */
	uint64_t revoke_taken;		/* pages the kernel took */
	/* user VA of the i-th page taken at [i % REVOKE_LOG]: the last
	 * REVOKE_LOG of them */
	uint64_t revoke_taken_va[REVOKE_LOG];
	uint64_t pad[1];
};

/* One physical page in the read-only table at UPAGES (index = ppn). */
struct page_export {
	envid_t owner;			/* the env charged for it, 0 if none */
	uint16_t maps;			/* user mappings of it */
	uint8_t pins;			/* bindings that hold it (DMA, ...) */
	uint8_t kind;			/* PAGEK_* */
};

/* The clock page at UCLOCK: time without a system call. */
struct clock_export {
	uint64_t tsc_hz;		/* TSC ticks per second */
	uint64_t boot_tsc;		/* TSC at kernel entry on the BSP */
	uint64_t timer_hz;		/* scheduler tick rate */
	volatile uint64_t ticks;	/* ticks since boot on the BSP */
	uint32_t ncpu;			/* CPUs online */
	uint32_t nenv;			/* NENV */
	uint64_t npages;		/* entries at UPAGES */
	uint64_t archive_size;		/* bytes at UARCHIVE, 0 if none */
	uint64_t free_pages;		/* updated at each tick */
	uint32_t slice_us;		/* length of a time slice */
	uint32_t grace_us;		/* epilogue grace period */
	volatile uint64_t cons_intr;	/* ^C keys the console received */
};

/* One CPU at UCPUS. */
struct cpu_export {
	uint32_t apic_id;
	uint32_t online;
	envid_t running;		/* env on it now, 0 when idle */
	uint32_t runq_len;		/* runnable envs waiting in its run queue */
	uint64_t ticks;			/* timer interrupts taken */
	uint64_t idle_cycles;		/* TSC cycles spent halted (added on waking) */
	uint64_t stolen_cycles;		/* the CPU itself did not run: late ticks */
	uint32_t slot_now;		/* the slot being run */
	uint32_t steals;		/* envs it took from other CPUs' queues */
	envid_t slot_owner[SLICE_SLOTS];	/* 0: unowned */
};

/* The register state of a user env (the same layout as the kernel's trap
 * frame) for sys_env_set_regs and inside an exception frame. */
struct user_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t rip, rflags, rsp;
};

/* What an exception upcall finds at the top of its stack (%rsp points at
 * it, %rdi too): the interrupted state. The library OS resumes it without
 * entering the kernel. The FPU/SSE state is untouched by the delivery;
 * the handler saves it if it uses it. */
struct utrapframe {
	uint64_t vector;		/* T_* exception number */
	uint64_t err;			/* error code (page faults: PF_* bits) */
	uint64_t fault_va;		/* CR2 for page faults, else 0 */
	struct user_regs regs;		/* at the moment of the fault */
};

/* Page-fault error-code bits (Intel SDM vol. 3A, 4.7) */
#define PF_PRESENT	0x1
#define PF_WRITE	0x2
#define PF_USER		0x4
#define PF_INSTR	0x10

/* One operation of sys_mmap_batch */
#define MMAP_OP_ALLOC	1	/* allocate a page, map it at env:va */
#define MMAP_OP_MAP	2	/* map src_env:src_va's page at env:va */
#define MMAP_OP_UNMAP	3
#define MMAP_OP_PROTECT	4
struct mmap_op {
	uint32_t op;			/* MMAP_OP_* */
	envid_t env;			/* target (0 = self) */
	uint64_t va;
	uint64_t perm;			/* PERM_* */
	envid_t src_env;		/* MMAP_OP_MAP only */
	uint32_t pad;
	uint64_t src_va;		/* MMAP_OP_MAP only */
};
#define MMAP_BATCH_MAX	512

#define UENV_TABLE	((const volatile struct env_export *)UENVS)
#define UPAGE_TABLE	((const volatile struct page_export *)UPAGES)
#define UCLOCK_PAGE	((const volatile struct clock_export *)UCLOCK)
#define UCPU_TABLE	((const volatile struct cpu_export *)UCPUS)
#endif

#endif
