/*
 * Per-CPU state. Each CPU finds its own struct cpu through %gs: the GS base
 * points at it and its first field points at itself.
 */
#ifndef CHITIN_KERN_CPU_H
#define CHITIN_KERN_CPU_H
#include "kernel.h"
#include "abi/memlayout.h"
#include "spinlock.h"

struct env;
struct spinlock;

/* GDT selectors. The order of UDATA then UCODE is what SYSRET requires
 * (Intel SDM vol. 2B, SYSRET: CS = STAR[63:48]+16, SS = STAR[63:48]+8). */
#define GD_KCODE	0x08
#define GD_KDATA	0x10
#define GD_UDATA	0x18
#define GD_UCODE	0x20
#define GD_TSS		0x28	/* 16 bytes: slots 5 and 6 */
#define GD_SPARE	0x38	/* slot 7, used by the segment self-test */
#define GDT_SLOTS	8

/* IST slots in the TSS (1-based as the IDT gate encodes them) */
#define IST_DF		1
#define IST_NMI		2

/* The 64-bit task-state segment (Intel SDM vol. 3A, 8.7) */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];	/* stacks for a change to CPL 0..2 */
	uint64_t reserved1;
	uint64_t ist[7];	/* interrupt stack table, IST1..IST7 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* A setjmp-style recovery point for kernel self-tests that raise a trap on
 * purpose: the trap handler resumes at it instead of reporting a fault. */
struct trap_catch {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
	int vector;		/* which vector is expected, -1: any */
	int caught;		/* the vector that arrived */
	uint64_t err;		/* its error code */
};

/* Offsets of the first fields, for the assembly in trapentry.S (checked
 * by static asserts in trap.c). */
#define CPU_CATCH_OFFSET	8
#define CPU_KSTACK_TOP_OFFSET	16
#define CPU_USER_RSP_OFFSET	24

struct cpu {
	struct cpu *self;		/* %gs:0 */
	struct trap_catch *catch;	/* %gs:8, armed by a self-test, else NULL */
	uint64_t kstack_top;		/* %gs:16, where syscall entry switches to */
	uint64_t user_rsp;		/* %gs:24, the user %rsp during syscall entry */
	struct env *env;		/* the env running here, or NULL */
	struct env *fpu_env;		/* whose FPU state the registers hold */
	struct env *cr3_env;		/* whose address space is loaded, or NULL */
	volatile uint64_t tlb_req;	/* TLB flushes other CPUs asked of it */
	volatile uint64_t tlb_done;	/* tlb_req as of its last flush */
	volatile uint64_t parked_gen;	/* the audit it parked for (kern/audit.c) */
	uint64_t idle_tsc;		/* when this CPU went idle */
	volatile bool sched_idle;	/* halted in sched_halt */
	volatile bool kicked;		/* idle, sent a reschedule IPI */
	/* Its run queue (kern/sched.c): the runnable envs whose home it is,
	 * under rq_lock, which also guards their status and claim. */
	struct spinlock rq_lock;
	struct env *rq_head, *rq_tail;
	int rq_len;
	bool tickless;			/* idle with its timer stopped */
	int slot;			/* the slice slot being run */
	bool in_grace;			/* the next tick ends an epilogue's grace */
	uint64_t tick_due;		/* TSC by which the next tick is due, 0: none */
	int id;				/* index in cpus[] */
	uint32_t apic_id;		/* local APIC id */
	volatile int started;		/* set by the CPU once it runs */
	volatile uint64_t ticks;	/* timer interrupts taken */
	const struct spinlock *held[8];	/* locks held, for LOCK_CHECK */
	int nheld;
	int irq_depth;			/* nesting of irq_save_disable */
	int irq_was_on;			/* IF before the outermost disable */
	uint64_t gdt[GDT_SLOTS] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
	uint8_t *kstack;		/* KSTACK_SIZE bytes */
	uint8_t *df_stack;		/* IST stacks, KISTACK_SIZE each */
	uint8_t *nmi_stack;
};

extern struct cpu cpus[NCPU_MAX];
extern int ncpu;			/* CPUs found by ACPI (>= 1) */
extern struct cpu *bsp;

static inline struct cpu *
this_cpu(void)
{
	struct cpu *c;
	asm volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

void cpu_setup_all(void);		/* stacks and ids for every slot, once */
void cpu_init_this(struct cpu *c);	/* GDT, TSS, IDT, GS base, EFER, CR0/CR4 */
int cpus_online(void);

#endif
