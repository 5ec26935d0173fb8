/*
 * Time. The BSP measures the TSC and the local APIC timer's input clock
 * against the 8254 PIT, whose 1.193182 MHz clock is the one frequency a
 * PC guarantees, then every CPU runs its APIC timer periodically at
 * TIMER_HZ on vector T_LAPIC_TIMER.
 *
 * Calibration uses PIT channel 2 (the speaker channel): it needs no
 * interrupt, its gate is a bit of port 0x61, and its output can be read
 * back from the same port (IBM PC/AT technical reference; Intel 8254
 * datasheet, mode 0). Under QEMU's TCG the guest may be descheduled in
 * the middle of a window, so a few windows are measured and the median
 * kept.
 */
#include "timer.h"
#include "lapic.h"
#include "x86.h"
#include "cpu.h"
#include "trap.h"
#include "console.h"
#include "assert.h"

#define PIT_HZ		1193182
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_CMD_CH2_MODE0 0xb0	/* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B		0x61	/* system control port B */
#define PORTB_GATE2	0x01	/* PIT channel 2 gate */
#define PORTB_SPEAKER	0x02	/* speaker data enable */
#define PORTB_OUT2	0x20	/* PIT channel 2 output (read-only) */

#define CAL_WINDOW_US	10000	/* one calibration window */
#define CAL_RUNS	5	/* windows measured; the median is kept */
#define PIT_POLL_MAX	50000000	/* polls before the PIT counts as dead */
#define CHECK_TIMER_TICKS 3	/* what check_timer wants from every CPU */
#define CHECK_TIMER_SECS 5	/* and how long it waits for them */

uint64_t tsc_hz;
uint64_t lapic_bus_hz;
static uint32_t lapic_periodic_count;	/* initial count for TIMER_HZ */

/* Program PIT channel 2 to count pit_ticks in mode 0, gate off. */
static void
pit_ch2_load(uint32_t pit_ticks)
{
	outb(PORT_B, inb(PORT_B) & ~(PORTB_GATE2 | PORTB_SPEAKER));
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2, pit_ticks & 0xff);
	outb(PIT_CH2, (pit_ticks >> 8) & 0xff);
}

/* Raise the gate and poll until OUT2 goes high at terminal count. */
static void
pit_ch2_run(void)
{
	uint32_t i;

	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPEAKER) | PORTB_GATE2);
	for (i = 0; i < PIT_POLL_MAX; i++)
		if (inb(PORT_B) & PORTB_OUT2)
			return;
	panic("timer: PIT channel 2 never reached terminal count");
}

/*
 * One calibration window of pit_ticks PIT periods: how many TSC ticks and
 * how many APIC timer counts (divided by LAPIC_TIMER_DIV) it lasted.
 */
static void
calibrate_window(uint32_t pit_ticks, uint64_t *tsc, uint64_t *apic)
{
	uint64_t t0;
	uint32_t c0;

	pit_ch2_load(pit_ticks);
	lapic_timer_start(-1, 0xffffffff, false);
	c0 = lapic_timer_current();
	t0 = rdtsc();
	pit_ch2_run();
	*tsc = rdtsc() - t0;
	*apic = c0 - lapic_timer_current();
	lapic_timer_stop();
}

static uint64_t
median(uint64_t *v, int n)
{
	uint64_t x;
	int i, j;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

/* Measure tsc_hz and lapic_bus_hz: the median of CAL_RUNS windows. */
static void
calibrate(void)
{
	uint32_t pit_ticks = (uint64_t)PIT_HZ * CAL_WINDOW_US / 1000000;
	uint64_t tsc[CAL_RUNS], apic[CAL_RUNS];
	int i;

	for (i = 0; i < CAL_RUNS; i++)
		calibrate_window(pit_ticks, &tsc[i], &apic[i]);
	tsc_hz = median(tsc, CAL_RUNS) * PIT_HZ / pit_ticks;
	lapic_bus_hz = median(apic, CAL_RUNS) * LAPIC_TIMER_DIV * PIT_HZ /
	    pit_ticks;
	if (tsc_hz == 0 || lapic_bus_hz == 0)
		panic("timer: calibration failed (tsc %lu Hz, bus %lu Hz)",
		    tsc_hz, lapic_bus_hz);
}

/* T_LAPIC_TIMER: count the tick on this CPU. */
static void
timer_intr(struct trapframe *tf)
{
	this_cpu()->ticks++;
	lapic_eoi();
}

/*
 * Start this CPU's APIC timer at TIMER_HZ with the count timer_init
 * measured. Called on each AP after its lapic_init, interrupts off.
 */
void
timer_start_this_cpu(void)
{
	assert(lapic_periodic_count != 0);
	lapic_timer_start(T_LAPIC_TIMER, lapic_periodic_count, true);
}

/*
 * Calibrate the TSC and the APIC timer against the PIT, install the
 * T_LAPIC_TIMER handler and start the BSP's periodic timer. Called once
 * on the BSP after lapic_init, with interrupts off; takes about
 * CAL_RUNS * 10 ms.
 */
void
timer_init(void)
{
	calibrate();
	lapic_periodic_count = MAX(lapic_bus_hz / LAPIC_TIMER_DIV / TIMER_HZ, 1);
	trap_set_handler(T_LAPIC_TIMER, timer_intr);
	timer_start_this_cpu();
	cprintf("timer: lapic at %d Hz, bus %lu MHz, tsc %lu MHz\n", TIMER_HZ,
	    (lapic_bus_hz + 500000) / 1000000, (tsc_hz + 500000) / 1000000);
}

/*
 * Spin for at least us microseconds (TSC time). Callable from any CPU,
 * any context, after timer_init.
 */
void
timer_delay_us(uint64_t us)
{
	uint64_t t0 = rdtsc(), n;

	assert(tsc_hz != 0);
	n = tsc_hz / 1000000 * us + tsc_hz % 1000000 * us / 1000000;
	while (rdtsc() - t0 < n)
		cpu_relax();
}

/* The online CPUs that have taken fewer than want ticks. */
static int
cpus_short_of(uint64_t want)
{
	int i, n = 0;

	for (i = 0; i < ncpu; i++)
		if (cpus[i].started && cpus[i].ticks < want)
			n++;
	return n;
}

static void
check_timer_report(void)
{
	char buf[16 * NCPU_MAX];
	size_t len = 0;
	int i;

	if (cpus_short_of(CHECK_TIMER_TICKS) == 0) {
		cprintf("check_timer: ok, ticks on %d CPUs\n", cpus_online());
		return;
	}
	buf[0] = 0;
	for (i = 0; i < ncpu && len < sizeof(buf); i++)
		if (cpus[i].started && cpus[i].ticks < CHECK_TIMER_TICKS)
			len += snprintf(buf + len, sizeof(buf) - len,
			    " cpu%d (%lu)", i, cpus[i].ticks);
	cprintf("check_timer: FAILED, fewer than %d ticks in %d s on:%s\n",
	    CHECK_TIMER_TICKS, CHECK_TIMER_SECS, buf);
}

/*
 * Boot self-check: every online CPU takes timer interrupts. Waits, at most
 * CHECK_TIMER_SECS of TSC time, until each has CHECK_TIMER_TICKS, then
 * prints "check_timer: ok, ..." or "check_timer: FAILED, ..." naming the
 * CPUs short of ticks. Called on the BSP with interrupts on. It halts
 * between checks only once the BSP's own timer has ticked, so a dead
 * timer cannot leave it halted forever.
 */
void
check_timer(void)
{
	uint64_t deadline = rdtsc() + CHECK_TIMER_SECS * tsc_hz;

	if (!(read_rflags() & FL_IF)) {
		cprintf("check_timer: FAILED, interrupts are off\n");
		return;
	}
	while (cpus_short_of(CHECK_TIMER_TICKS) && rdtsc() < deadline) {
		if (this_cpu()->ticks > 0)
			hlt();
		else
			cpu_relax();
	}
	check_timer_report();
}
