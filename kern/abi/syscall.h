/*
 * The one list of system calls. It yields the kernel's dispatch table
 * (kern/syscall.c), the library OS's stubs (libos/syscall.c) and the names
 * that tools print. Adding a call is a line here and a sys_<name> handler.
 *
 * Convention (the `syscall` instruction): number in %rax, arguments in
 * %rdi %rsi %rdx %r10 %r8 %r9; the result in %rax, a negative E_* on error.
 * %rcx and %r11 are clobbered by the instruction itself. pct_call and
 * pct_return also carry words in %r12 (see their comments).
 *
 *       number name               args  what
 */
#ifndef CHITIN_ABI_SYSCALL_H
#define CHITIN_ABI_SYSCALL_H

#define SYSCALL_LIST(X) \
	X(0,  cputs,            2, "(const char *buf, size_t len): print on the console") \
	X(1,  cgetc,            1, "(int block): a console character, -E_AGAIN if none and !block") \
	X(2,  getenvid,         0, "(): the caller's env id") \
	X(3,  env_exofork,      0, "(): a child with an empty address space and the caller's registers; 0 in the child") \
	X(4,  env_set_status,   2, "(envid_t env, int status): ENV_RUNNABLE or ENV_NOT_RUNNABLE") \
	X(5,  env_destroy,      1, "(envid_t env): destroy env (self or a descendant) and all its descendants; status -1") \
	X(6,  env_set_upcall,   4, "(envid_t env, int kind, uintptr_t entry, uintptr_t stack_top)") \
	X(7,  env_set_regs,     2, "(envid_t env, const struct user_regs *regs): for a stopped child") \
	X(8,  env_set_name,     2, "(envid_t env, const char *name)") \
	X(9,  page_alloc,       4, "(envid_t env, uintptr_t va, uint64_t perm, ppn_t ppn): map a free page (PPN_ANY or that one); returns its ppn") \
	X(10, page_map,         5, "(envid_t src, uintptr_t src_va, envid_t dst, uintptr_t dst_va, uint64_t perm)") \
	X(11, page_unmap,       2, "(envid_t env, uintptr_t va)") \
	X(12, page_protect,     3, "(envid_t env, uintptr_t va, uint64_t perm)") \
	X(13, mmap_batch,       2, "(const struct mmap_op *ops, size_t n): returns how many succeeded") \
	X(14, yield,            0, "(): give up the CPU") \
	X(15, yield_to,         1, "(envid_t env): donate the rest of the slice to env") \
	X(16, ipc_send,         4, "(envid_t to, uint64_t value, uintptr_t src_va, uint64_t perm): -E_IPC_NOT_RECV if to is not waiting") \
	X(17, ipc_recv,         1, "(uintptr_t dst_va): block until a message; UTOP or above = no page") \
	X(18, pct_call,         6, "(envid_t to, a1..a5 in %rsi %rdx %r10 %r8 %r9, a6 in %r12): run to's entry now; its six answers return in the same registers") \
	X(19, pct_return,       6, "(a1..a6 as pct_call): answer the caller and wait for the next call") \
	X(20, env_exit,         1, "(int status): end the caller; its live children are adopted by init") \
	X(21, env_wait,         2, "(envid_t child or 0 for any, int *status): reap an exited child") \
	X(22, kdebug,           2, "(int what, uint64_t arg): kernel checks for the grader (KDEBUG_*)") \
	X(23, slice_acquire,    3, "(envid_t env, int cpu, int slot): env owns that slot of cpu's slice vector; -E_BUSY if another does") \
	X(24, slice_release,    2, "(int cpu, int slot): give the slot back (its owner or an ancestor)") \
	X(25, env_set_affinity, 2, "(envid_t env, uint64_t cpumask): the CPUs env may run on") \
	X(26, mem_revoke,       3, "(envid_t env, uint64_t npages, uint64_t deadline_us): ask a descendant for npages pages back; at the deadline the kernel takes them") \
	X(40, nic_open,         3, "(int nic, uintptr_t ring_va, uint32_t flags): bind NIC_CHAN_PAGES owned pages as a channel (abi/nic.h); its id") \
	X(41, nic_close,        1, "(int chan): unbind, drop its filters, release its pages") \
	X(42, nic_filter_add,   2, "(int chan, const struct nic_filter *f): claim frames; its id, -E_EXISTS if another claim overlaps") \
	X(43, nic_filter_remove, 2, "(int chan, int filter)") \
	X(44, nic_kick,         2, "(int chan, uint32_t what): take tx descriptors / posted pages, poll the device (NIC_KICK_*)") \
	X(45, nic_wait,         2, "(int chan, uint64_t timeout_us): block until a frame or a tx completion; -E_AGAIN on timeout") \
	X(60, disk_alloc,       4, "(int disk, size_t n, uint64_t hint, uint32_t mode): n contiguous blocks; returns the first (kern/abi/disk.h)") \
	X(61, disk_free,        3, "(int disk, uint64_t start, size_t n)") \
	X(62, disk_chown,       4, "(int disk, uint64_t start, size_t n, uint32_t principal)") \
	X(63, disk_chmod,       4, "(int disk, uint64_t start, size_t n, uint32_t mode)") \
	X(64, disk_read,        4, "(int disk, uint64_t start, size_t n, void *va): n blocks into memory") \
	X(65, disk_write,       4, "(int disk, uint64_t start, size_t n, const void *va)") \
	X(66, disk_flush,       1, "(int disk): a barrier; earlier writes and map changes are on the disk") \
	X(67, bcache_map,       4, "(int disk, uint64_t block, uintptr_t va, uint64_t perm): map the block's registered page; returns its ppn") \
	X(68, bcache_writeback, 3, "(int disk, uint64_t start, size_t n): write registered pages home; returns how many") \
	X(69, env_set_principal, 2, "(envid_t env, uint32_t principal): principal 0 only")

#define SYSCALL_ENUM(num, name, nargs, doc) SYS_##name = num,
#ifndef __ASSEMBLER__
enum { SYSCALL_LIST(SYSCALL_ENUM) NSYSCALLS };
#endif
#undef SYSCALL_ENUM

/* sys_kdebug: what = */
#define KDEBUG_AUDIT	1	/* run the kernel audit (kern/audit.h); 0 when consistent */
#define KDEBUG_FREE	2	/* free physical pages now */
#define KDEBUG_POISON	3	/* the freed-page poison check catches a stray write: 0 */
#define KDEBUG_AUDIT_SELFTEST 4	/* the audit catches each invariant broken on purpose: 0 (principal 0 only) */
#define KDEBUG_HOLD	5	/* spin arg ms (1..1000) in the kernel holding the caller's
				 * env lock; returns the system calls other envs made
				 * meanwhile (principal 0 only; 0 under a big lock) */

#endif
