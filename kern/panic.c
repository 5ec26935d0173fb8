/* panic, warn and the kernel backtrace. */
#include "assert.h"
#include "console.h"
#include "cpu.h"
#include "ksym.h"
#include "lapic.h"
#include "x86.h"

extern char kern_text_start[], kern_end[];
volatile int panicking;		/* set once; other CPUs stop on the NMI */

/* A frame pointer is followed only while it points into the kernel image
 * (where every kernel stack lives) and is aligned, so a corrupt chain ends
 * the walk instead of faulting. */
static bool
frame_ok(uint64_t rbp)
{
	return rbp >= (uint64_t)kern_text_start && rbp + 16 <= (uint64_t)kern_end &&
	       (rbp & 7) == 0;
}

/* Prints the call chain from frame pointer rbp: one line per frame with
 * the return address and the function it lies in. */
void
backtrace_from(uint64_t rbp)
{
	cprintf("Stack backtrace:\n");
	for (int depth = 0; frame_ok(rbp) && depth < 64; depth++) {
		uint64_t *frame = (uint64_t *)rbp, rip = frame[1], off = 0;
		if (rip == 0)
			break;
		/* rip is a return address: the call is the byte before it
		 * (after a noreturn call it may be the next function). */
		const char *name = ksym_lookup(rip - 1, &off);
		off++;
		cprintf("  rbp %016lx  rip %016lx  %s+0x%lx\n", rbp, rip,
			name ? name : "?", off);
		rbp = frame[0];
	}
}

void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cli();
	if (__sync_lock_test_and_set(&panicking, 1) == 0)
		lapic_send_nmi_all_but_self();
	cons_break_lock();
	cprintf("kernel panic on cpu %d at %s:%d: ", this_cpu()->id, file, line);
	va_start(ap, fmt);
	vcprintf(fmt, ap);
	va_end(ap);
	cprintf("\n");
	backtrace_from(read_rbp());
	cprintf("kernel panic: halting\n");
	for (;;)
		hlt();
}

void
_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cprintf("kernel warning at %s:%d: ", file, line);
	va_start(ap, fmt);
	vcprintf(fmt, ap);
	va_end(ap);
	cprintf("\n");
}
