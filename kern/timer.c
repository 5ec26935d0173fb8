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
#include "export.h"
#include "lapic.h"
#include "x86.h"
#include "cpu.h"
#include "trap.h"
#include "console.h"
#include "assert.h"
#include "env.h"

#define PIT_HZ		1193182
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_CMD_CH2_MODE0 0xb0	/* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B		0x61	/* system control port B */
#define PORTB_GATE2	0x01	/* PIT channel 2 gate */
#define PORTB_SPEAKER	0x02	/* speaker data enable */
#define PORTB_OUT2	0x20	/* PIT channel 2 output (read-only) */

#define CAL_WINDOW_US	10000	/* one calibration window */
#define CAL_GOOD	5	/* precise windows wanted; the median is kept */
#define CAL_TRIES	25	/* windows measured at most */
#define CAL_SLOP_PPM	2000	/* precise: uncertain by at most 0.2% */
#define PIT_POLL_MAX	50000000	/* polls before the PIT counts as dead */
#define CHECK_TIMER_TICKS 3	/* what check_timer wants from every CPU */
#define CHECK_TIMER_SECS 3	/* and how long it waits for them */

/* One calibration window, in TSC ticks */
struct cal_sample {
	uint64_t tsc;		/* length of the PIT window */
	uint64_t apic;		/* APIC timer counts in as long */
	uint64_t slop;		/* how uncertain both are */
};

uint64_t tsc_hz;
uint64_t lapic_bus_hz;
static uint32_t lapic_periodic_count;	/* initial count for TIMER_HZ */

/*
 * Make PIT channel 2 ready to count pit_ticks in mode 0 with its gate
 * high, all but the count's high byte written: writing that starts the
 * count (8254 datasheet, mode 0). Starting it by the write rather than
 * by the gate also suits QEMU, which ignores the gate in mode 0.
 */
static void
pit_ch2_arm(uint32_t pit_ticks)
{
	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPEAKER) | PORTB_GATE2);
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2, pit_ticks & 0xff);
}

/* When OUT2 rose (terminal count), in TSC ticks; *slop grows by how
 * uncertain that is: the span from before the last poll that saw it low
 * to after the first that saw it high. */
static uint64_t
pit_ch2_wait(uint64_t *slop)
{
	uint64_t t2 = rdtsc(), t1 = t2, t0;
	uint32_t i;

	for (i = 0; i < PIT_POLL_MAX; i++) {
		bool high = inb(PORT_B) & PORTB_OUT2;

		t0 = rdtsc();
		if (high) {
			*slop += t0 - t2;
			return t2 + (t0 - t2) / 2;
		}
		t2 = t1;
		t1 = t0;
	}
	panic("timer: PIT channel 2 never reached terminal count");
}

/* Read the APIC timer between two TSC reads: the TSC midpoint. */
static uint64_t
apic_sample(uint32_t *count, uint64_t *slop)
{
	uint64_t t0 = rdtsc(), t1;

	*count = lapic_timer_current();
	t1 = rdtsc();
	*slop += t1 - t0;
	return t0 + (t1 - t0) / 2;
}

/*
 * Measure one window of pit_ticks PIT periods in TSC ticks, and the APIC
 * timer's rate against the TSC across it. Every reading is bracketed by
 * TSC reads: under TCG the guest can be descheduled between any two
 * instructions, and the bracket shows when it was.
 */
static void
calibrate_window(uint32_t pit_ticks, struct cal_sample *s)
{
	uint64_t tb, ta, start, end, m0, m1;
	uint32_t c0, c1;

	s->slop = 0;
	pit_ch2_arm(pit_ticks);
	lapic_timer_start(-1, 0xffffffff, false);
	m0 = apic_sample(&c0, &s->slop);
	tb = rdtsc();
	outb(PIT_CH2, (pit_ticks >> 8) & 0xff);
	ta = rdtsc();
	start = tb + (ta - tb) / 2;
	s->slop += ta - tb;
	end = pit_ch2_wait(&s->slop);
	m1 = apic_sample(&c1, &s->slop);
	lapic_timer_stop();
	s->tsc = end - start;
	s->apic = (uint64_t)(c0 - c1) * s->tsc / MAX(m1 - m0, 1);
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

/* Whether s is known to within CAL_SLOP_PPM. */
static bool
cal_precise(const struct cal_sample *s)
{
	return s->slop * (1000000 / CAL_SLOP_PPM) < s->tsc;
}

/*
 * Measure windows until CAL_GOOD are precise (or CAL_TRIES are done) and
 * return the median of the precise ones in *tsc and *apic, or, if none
 * is, the least uncertain window.
 */
static void
calibrate_windows(uint32_t pit_ticks, uint64_t *tsc, uint64_t *apic)
{
	uint64_t gtsc[CAL_GOOD], gapic[CAL_GOOD];
	struct cal_sample s, best = { 0, 0, UINT64_MAX };
	int i, ngood = 0;

	for (i = 0; i < CAL_TRIES && ngood < CAL_GOOD; i++) {
		calibrate_window(pit_ticks, &s);
		if (cal_precise(&s)) {
			gtsc[ngood] = s.tsc;
			gapic[ngood++] = s.apic;
		}
		if (s.slop < best.slop)
			best = s;
	}
	if (ngood == 0) {
		cprintf("timer: no precise calibration in %d windows; host busy? "
		    "best uncertain by %lu ppm\n", CAL_TRIES,
		    best.slop * 1000000 / MAX(best.tsc, 1));
		*tsc = best.tsc;
		*apic = best.apic;
		return;
	}
	*tsc = median(gtsc, ngood);
	*apic = median(gapic, ngood);
}

/* Measure tsc_hz and lapic_bus_hz against the PIT. */
static void
calibrate(void)
{
	uint32_t pit_ticks = (uint64_t)PIT_HZ * CAL_WINDOW_US / 1000000;
	uint64_t tsc, apic;

	calibrate_windows(pit_ticks, &tsc, &apic);
	tsc_hz = tsc * PIT_HZ / pit_ticks;
	lapic_bus_hz = apic * LAPIC_TIMER_DIV * PIT_HZ / pit_ticks;
	if (tsc_hz == 0 || lapic_bus_hz == 0)
		panic("timer: calibration failed (tsc %lu Hz, bus %lu Hz)",
		    tsc_hz, lapic_bus_hz);
}

/*
 * Steal time. A tick that arrives well after it was due means this CPU
 * itself did not run meanwhile: a hypervisor, or QEMU's host, had
 * descheduled it (user code runs with interrupts on, and the kernel never
 * keeps them off for a slot). That time is not the running env's: its
 * cycle counters would otherwise charge it for the stall, which under a
 * busy TCG host is tens of milliseconds at a time. Like Linux's steal
 * time, it is counted per CPU instead (cpu_export.stolen_cycles).
 */
static void
timer_account_steal(struct cpu *c, uint64_t now)
{
	uint64_t slot = tsc_hz / TIMER_HZ, late, shift;
	struct env *e = c->env;

	if (!c->tick_due || now <= c->tick_due + slot / 2)
		return;
	late = now - c->tick_due;
	if (clock_ex && c->id < NCPU_EXPORT)
		cpu_ex[c->id].stolen_cycles += late;
	if (e && e->run_tsc) {
		shift = MIN(late, now - e->run_tsc);
		e->run_tsc += shift;
	}
}

/* T_LAPIC_TIMER: count the tick on this CPU; the next one is due a slot
 * from now at the latest. */
static void
timer_intr(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	uint64_t now = rdtsc();

	timer_account_steal(c, now);
	c->tick_due = now + tsc_hz / TIMER_HZ;
	c->ticks++;
	if (clock_ex) {
		cpu_ex[c->id].ticks = c->ticks;
		if (c == bsp)
			export_tick();
	}
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
	this_cpu()->tick_due = rdtsc() + tsc_hz / TIMER_HZ;
}

/*
 * Calibrate the TSC and the APIC timer against the PIT, install the
 * T_LAPIC_TIMER handler and start the BSP's periodic timer. Called once
 * on the BSP after lapic_init, with interrupts off; takes 50 ms, up to
 * 250 ms on a busy host.
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

/* One short tick after us microseconds instead of the next periodic one:
 * the epilogue grace period. timer_start_this_cpu() goes back to slots. */
void
timer_oneshot_us(uint64_t us)
{
	uint64_t count = lapic_bus_hz / LAPIC_TIMER_DIV * us / 1000000;

	lapic_timer_start(T_LAPIC_TIMER, count ? (uint32_t)count : 1, false);
	this_cpu()->tick_due = rdtsc() + tsc_hz / 1000000 * us;
}
