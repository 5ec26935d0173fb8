/* Traps, exceptions and interrupts: the IDT and the common dispatcher. */
#ifndef CHITIN_KERN_TRAP_H
#define CHITIN_KERN_TRAP_H
#include "kernel.h"

/* Exception vectors (Intel SDM vol. 3A, table 6-1) */
#define T_DE	0	/* divide error */
#define T_DB	1	/* debug */
#define T_NMI	2
#define T_BP	3	/* breakpoint */
#define T_OF	4	/* overflow */
#define T_BR	5	/* BOUND range */
#define T_UD	6	/* invalid opcode */
#define T_NM	7	/* device not available */
#define T_DF	8	/* double fault */
#define T_TS	10	/* invalid TSS */
#define T_NP	11	/* segment not present */
#define T_SS	12	/* stack-segment fault */
#define T_GP	13	/* general protection */
#define T_PF	14	/* page fault */
#define T_MF	16	/* x87 floating point */
#define T_AC	17	/* alignment check */
#define T_MC	18	/* machine check */
#define T_XM	19	/* SIMD floating point */
#define T_VE	20	/* virtualization */
#define T_CP	21	/* control protection */

/* Interrupt vectors */
#define T_IRQ0		32	/* legacy IRQ n arrives at T_IRQ0 + n via the IOAPIC */
#define IRQ_TIMER	0	/* PIT (unused once the LAPIC timer runs) */
#define IRQ_KBD		1
#define IRQ_COM1	4
#define T_LAPIC_TIMER	64	/* the local APIC timer */
#define T_DISK_MSI	80	/* 80-83: virtio-blk completions, MSI-X (kern/virtio_blk.c) */
#define T_IPI_HALT	0xf0	/* stop this CPU (panic, reboot) */
#define T_IPI_TLB	0xf1	/* TLB shootdown */
#define T_IPI_RESCHED	0xf2	/* an env on this CPU must be destroyed */
#define T_SYSCALL	0x100	/* not an IDT vector: the syscall instruction */
#define T_SPURIOUS	0xff	/* LAPIC spurious vector */

/* What the entry stubs push (kern/trapentry.S); the hardware frame at the end. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t err;		/* error code, or 0 for vectors without one */
	uint64_t rip, cs, rflags, rsp, ss;
};

struct trap_catch;

typedef void (*trap_handler_t)(struct trapframe *tf);

void trap_init(void);			/* build the IDT (once, on the BSP) */
void trap_load_idt(void);		/* lidt on this CPU */
void trap_set_handler(int vector, trap_handler_t fn);	/* interrupts 32..255 */
const char *trap_name(int vector);
void trap_print_frame(const struct trapframe *tf);
/* Arm a recovery point like setjmp: returns 0 now, and 1 again when an
 * expected trap arrives (tc->caught then holds its vector). */
int trap_catch_arm(struct trap_catch *tc) __attribute__((returns_twice));
void trap_catch_disarm(void);

#endif
