/*
 * x86-64 instructions the kernel needs, as inline functions, and the
 * architectural constants they use (Intel SDM vol. 3A, ch. 2 and 4).
 */
#ifndef CHITIN_KERN_X86_H
#define CHITIN_KERN_X86_H
#include "kernel.h"

/* CR0 */
#define CR0_PE		(1UL << 0)
#define CR0_MP		(1UL << 1)
#define CR0_EM		(1UL << 2)
#define CR0_TS		(1UL << 3)
#define CR0_NE		(1UL << 5)
#define CR0_WP		(1UL << 16)
#define CR0_NW		(1UL << 29)
#define CR0_CD		(1UL << 30)
#define CR0_PG		(1UL << 31)
/* CR4 */
#define CR4_PSE		(1UL << 4)
#define CR4_PAE		(1UL << 5)
#define CR4_PGE		(1UL << 7)
#define CR4_OSFXSR	(1UL << 9)
#define CR4_OSXMMEXCPT	(1UL << 10)
/* MSRs */
#define MSR_EFER	0xc0000080
#define EFER_SCE	(1UL << 0)
#define EFER_LME	(1UL << 8)
#define EFER_NXE	(1UL << 11)
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_FMASK	0xc0000084
#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101
#define MSR_KGS_BASE	0xc0000102
#define MSR_APIC_BASE	0x1b
/* RFLAGS */
#define FL_TF		(1UL << 8)
#define FL_IF		(1UL << 9)
#define FL_DF		(1UL << 10)
#define FL_AC		(1UL << 18)

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void
outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t
inw(uint16_t port)
{
	uint16_t v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void
outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t
inl(uint16_t port)
{
	uint32_t v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void
outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t
rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void
wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void
cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	uint32_t ra, rb, rc, rd;
	asm volatile("cpuid" : "=a"(ra), "=b"(rb), "=c"(rc), "=d"(rd) : "a"(leaf), "c"(sub));
	if (a) *a = ra;
	if (b) *b = rb;
	if (c) *c = rc;
	if (d) *d = rd;
}

static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)						\
static inline uint64_t rcr##n(void)				\
{ uint64_t v; asm volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
static inline void lcr##n(uint64_t v)				\
{ asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t
read_rflags(void)
{
	uint64_t v;
	asm volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline uint64_t
read_rbp(void)
{
	uint64_t v;
	asm volatile("mov %%rbp, %0" : "=r"(v));
	return v;
}

static inline void
invlpg(uintptr_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }
static inline void hlt(void) { asm volatile("hlt" ::: "memory"); }
static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }

#endif
