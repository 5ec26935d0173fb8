/*
 * The kernel monitor, what `make qemu-nox` shows until user programs
 * exist: a prompt `K> ` with a few commands that show what the kernel
 * found and owns.
 */
#include "monitor.h"
#include "console.h"
#include "assert.h"
#include "cpu.h"
#include "cmdline.h"
#include "ksym.h"
#include "pmap.h"
#include "timer.h"
#include "string.h"
#include "x86.h"

#define MON_LINE_MAX	128
#define MON_ARGS_MAX	8

struct command {
	const char *name;
	const char *help;
	int (*fn)(int argc, char **argv);
};

static int mon_help(int argc, char **argv);

extern char kern_text_start[], kern_text_end[], kern_rodata_end[], kern_end[];

static int
mon_kerninfo(int argc, char **argv)
{
	uint64_t text = (uint64_t)kern_text_start;

	cprintf("Chitin kernel image (virtual -> physical):\n");
	cprintf("  text    %016lx -> %08lx  RX\n", text, text - KERNBASE);
	cprintf("  rodata  %016lx -> %08lx  R, NX\n", (uint64_t)kern_text_end,
		(uint64_t)kern_text_end - KERNBASE);
	cprintf("  data    %016lx -> %08lx  RW, NX\n", (uint64_t)kern_rodata_end,
		(uint64_t)kern_rodata_end - KERNBASE);
	cprintf("  end     %016lx -> %08lx\n", (uint64_t)kern_end, (uint64_t)kern_end - KERNBASE);
	cprintf("  image   %lu KiB in memory, %zu symbols\n",
		((uint64_t)kern_end - text + 1023) / 1024, ksym_count());
	cprintf("  cmdline '%s'\n", cmdline_text());
	return 0;
}

static int
mon_backtrace(int argc, char **argv)
{
	backtrace_from(read_rbp());
	return 0;
}

static int
mon_mem(int argc, char **argv)
{
	pmap_print_map();
	return 0;
}

static int
mon_cpus(int argc, char **argv)
{
	cprintf("cpu  apic  state    ticks\n");
	for (int i = 0; i < ncpu; i++)
		cprintf("%3d  %4u  %-7s  %lu%s\n", i, cpus[i].apic_id,
			cpus[i].started ? "online" : "offline", cpus[i].ticks,
			&cpus[i] == this_cpu() ? "  (this cpu)" : "");
	cprintf("%d of %d CPUs online, timer %d Hz, tsc %lu MHz\n", cpus_online(), ncpu,
		TIMER_HZ, tsc_hz / 1000000);
	return 0;
}

/* Pulses the reset line through the keyboard controller; if that does not
 * work, a triple fault (an empty IDT and an exception) resets the CPU. */
void
reboot(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };

	cprintf("rebooting\n");
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		cpu_relax();
	outb(0x64, 0xfe);
	asm volatile("lidt %0; int3" : : "m"(none));
	for (;;)
		hlt();
}

static int
mon_reboot(int argc, char **argv)
{
	reboot();
}

static const struct command commands[] = {
	{ "help", "list the commands", mon_help },
	{ "kerninfo", "the kernel image: sections, sizes, symbols", mon_kerninfo },
	{ "backtrace", "the monitor's own call stack", mon_backtrace },
	{ "mem", "the physical memory map and free pages", mon_mem },
	{ "cpus", "every CPU: APIC id, state, timer ticks", mon_cpus },
	{ "reboot", "reset the machine", mon_reboot },
};

static int
mon_help(int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		cprintf("%-10s %s\n", commands[i].name, commands[i].help);
	return 0;
}

static int
split_words(char *line, char **argv)
{
	int argc = 0;

	for (;;) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (!*line)
			return argc;
		if (argc == MON_ARGS_MAX - 1) {
			cprintf("too many arguments (at most %d)\n", MON_ARGS_MAX - 1);
			return -1;
		}
		argv[argc++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
	}
}

void
monitor_run_line(char *line)
{
	char *argv[MON_ARGS_MAX];
	int argc = split_words(line, argv);

	if (argc <= 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].fn(argc, argv);
			return;
		}
	cprintf("unknown command '%s'; try 'help'\n", argv[0]);
}

/* Reads one line with echo and backspace; returns its length. */
static size_t
read_line(char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		int c = cons_getc_wait();
		if (c == '\r' || c == '\n') {
			cprintf("\n");
			buf[n] = '\0';
			return n;
		}
		if ((c == '\b' || c == 0x7f) && n > 0) {
			n--;
			cprintf("\b \b");
		} else if (c >= ' ' && c <= '~' && n + 1 < size) {
			buf[n++] = (char)c;
			cprintf("%c", c);
		}
	}
}

void
monitor(void)
{
	char line[MON_LINE_MAX];

	cprintf("Welcome to the Chitin kernel monitor. Type 'help' for commands.\n");
	for (;;) {
		cprintf("K> ");
		read_line(line, sizeof(line));
		monitor_run_line(line);
	}
}
