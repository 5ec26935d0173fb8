/*
 * Per-CPU descriptor tables and state: each CPU has its own GDT (with its
 * own TSS descriptor), TSS, kernel stack and interrupt stacks for double
 * faults and NMIs, so a fault on a broken kernel stack is still reported.
 */
#include "cpu.h"
#include "trap.h"
#include "pmap.h"
#include "x86.h"
#include "string.h"
#include "fpu.h"
#include "syscall.h"

struct cpu cpus[NCPU_MAX];
int ncpu = 1;
struct cpu *bsp = &cpus[0];

static uint8_t kstacks[NCPU_MAX][KSTACK_SIZE] __attribute__((aligned(PGSIZE)));
static uint8_t df_stacks[NCPU_MAX][KISTACK_SIZE] __attribute__((aligned(PGSIZE)));
static uint8_t nmi_stacks[NCPU_MAX][KISTACK_SIZE] __attribute__((aligned(PGSIZE)));

/* Segment descriptors (Intel SDM vol. 3A, 3.4.5; in long mode base and
 * limit are ignored for code and data, L=1 marks 64-bit code). */
#define SEG_KCODE64	0x00af9a000000ffffULL	/* P, DPL0, code RX, L */
#define SEG_KDATA	0x00cf92000000ffffULL	/* P, DPL0, data RW */
#define SEG_UDATA	0x00cff2000000ffffULL	/* P, DPL3, data RW */
#define SEG_UCODE64	0x00affa000000ffffULL	/* P, DPL3, code RX, L */

/* Called once on the BSP before any CPU runs: points each struct cpu at
 * its stacks. */
void
cpu_setup_all(void)
{
	for (int i = 0; i < NCPU_MAX; i++) {
		cpus[i].self = &cpus[i];
		cpus[i].id = i;
		cpus[i].kstack = kstacks[i];
		cpus[i].df_stack = df_stacks[i];
		cpus[i].nmi_stack = nmi_stacks[i];
	}
}

/* The 16-byte system descriptor of a 64-bit TSS (SDM vol. 3A, 8.2.3). */
static void
gdt_set_tss(uint64_t *gdt, struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	gdt[GD_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		(0x89ULL << 40) |		/* P, type 9: available 64-bit TSS */
		(((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[GD_TSS / 8 + 1] = base >> 32;
}

static void
gdt_load(struct cpu *c)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };

	asm volatile("lgdt %0" : : "m"(gdtr));
	/* Reload CS with a far return, then the data segments. Loading %gs
	 * clears the GS base, so it happens before the base is set. */
	asm volatile(
		"pushq %0\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w1, %%ds\n\t"
		"movw %w1, %%es\n\t"
		"movw %w1, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		: : "i"((uint64_t)GD_KCODE), "r"(GD_KDATA) : "rax", "memory");
	asm volatile("ltr %w0" : : "r"(GD_TSS));
}

static void
cpu_set_control_bits(void)
{
	uint64_t cr0 = rcr0();

	/* WP: the kernel honours read-only pages too; NE: x87 errors as #MF;
	 * MP with TS: x87/SSE use raises #NM (lazy FPU switching later). */
	cr0 |= CR0_WP | CR0_NE | CR0_MP;
	cr0 &= ~(CR0_EM | CR0_TS | CR0_CD | CR0_NW);	/* caches on: APs start with them off */
	lcr0(cr0);
	lcr4(rcr4() | CR4_PGE);
	if (cpu_has_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}

/*
 * Makes the calling CPU use c: its GDT and TSS, the shared IDT, and the GS
 * base that this_cpu() reads. Runs on each CPU once, interrupts off.
 */
void
cpu_init_this(struct cpu *c)
{
	memset(c->gdt, 0, sizeof(c->gdt));
	c->gdt[GD_KCODE / 8] = SEG_KCODE64;
	c->gdt[GD_KDATA / 8] = SEG_KDATA;
	c->gdt[GD_UDATA / 8] = SEG_UDATA;
	c->gdt[GD_UCODE / 8] = SEG_UCODE64;
	memset(&c->tss, 0, sizeof(c->tss));
	c->kstack_top = (uint64_t)(c->kstack + KSTACK_SIZE);
	c->tss.rsp[0] = c->kstack_top;
	c->tss.ist[IST_DF - 1] = (uint64_t)(c->df_stack + KISTACK_SIZE);
	c->tss.ist[IST_NMI - 1] = (uint64_t)(c->nmi_stack + KISTACK_SIZE);
	c->tss.iomap_base = sizeof(c->tss);	/* no I/O bitmap: user port I/O faults */
	gdt_set_tss(c->gdt, &c->tss);
	gdt_load(c);
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	trap_load_idt();
	cpu_set_control_bits();
	fpu_init_this_cpu();
	syscall_init_this_cpu();
}
