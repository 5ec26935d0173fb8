/* User FPU/SSE state, switched lazily between envs (see fpu.h). */
#include "fpu.h"
#include "env.h"
#include "cpu.h"
#include "x86.h"
#include "string.h"
#include "assert.h"

static uint8_t fpu_initial[512] __attribute__((aligned(16)));

static inline void
fxsave(uint8_t *area)
{
	asm volatile("fxsave64 %0" : "=m"(*(uint8_t (*)[512])area));
}

static inline void
fxrstor(const uint8_t *area)
{
	asm volatile("fxrstor64 %0" : : "m"(*(const uint8_t (*)[512])area));
}

/* Enables FXSAVE/SSE for user code on this CPU (SDM vol. 3A, 13.1) and,
 * on the first CPU, records the state a new env starts with: x87 reset,
 * all SIMD exceptions masked (MXCSR 0x1f80). */
void
fpu_init_this_cpu(void)
{
	uint32_t mxcsr = 0x1f80;

	lcr4(rcr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	asm volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	if (this_cpu() == bsp)
		fxsave(fpu_initial);
}

void
fpu_init_env(struct env *e)
{
	memcpy(e->fpu, fpu_initial, sizeof(e->fpu));
	e->fpu_cpu = -1;
}

/* Saves the state this CPU holds for its last env, if any. */
static void
fpu_save_current(struct cpu *c)
{
	struct env *old = c->fpu_env;

	if (old && old->fpu_cpu == c->id) {
		fxsave(old->fpu);
		old->fpu_cpu = -1;
	}
	c->fpu_env = NULL;
}

void
fpu_load(struct env *e)
{
	struct cpu *c = this_cpu();

	if (e->fpu_cpu == c->id)
		return;
	assert(e->fpu_cpu == -1);
	fpu_save_current(c);
	fxrstor(e->fpu);
	e->fpu_cpu = c->id;
	c->fpu_env = e;
}

/* This CPU leaves e for another env: e's state goes to e->fpu, so that
 * the next CPU to run e finds it there. */
void
fpu_release_env(struct env *e)
{
	struct cpu *c = this_cpu();

	if (e->fpu_cpu == c->id)
		fpu_save_current(c);
}

void
fpu_release(void)
{
	fpu_save_current(this_cpu());
}

void
fpu_sync(struct env *e)
{
	if (e->fpu_cpu == this_cpu()->id)
		fxsave(e->fpu);
	else
		assert(e->fpu_cpu == -1);
}

void
fpu_forget(struct env *e)
{
	if (e->fpu_cpu >= 0 && cpus[e->fpu_cpu].fpu_env == e)
		cpus[e->fpu_cpu].fpu_env = NULL;
	e->fpu_cpu = -1;
}
