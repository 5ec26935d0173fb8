/*
 * kern_main: the BSP's path from the loader to the monitor. Each step
 * prints what it found, so the boot log is a map of the machine.
 */
#include "kernel.h"
#include "abi/bootinfo.h"
#include "abi/memlayout.h"
#include "console.h"
#include "assert.h"
#include "cpu.h"
#include "trap.h"
#include "pmap.h"
#include "ksym.h"
#include "cmdline.h"
#include "acpi.h"
#include "lapic.h"
#include "ioapic.h"
#include "timer.h"
#include "smp.h"
#include "selftest.h"
#include "monitor.h"
#include "x86.h"
#include "pci.h"
#include "env.h"
#include "export.h"
#include "uvm.h"
#include "sched.h"
#include "audit.h"
#include "ide.h"
#include "virtio_blk.h"
#include "disk.h"
#include "nic.h"
#include "e1000.h"
#include "virtio_net.h"

#define CHITIN_VERSION	"0.1"

static void
halt_forever(void)
{
	cli();
	for (;;)
		hlt();
}

/*
 * Starts user space: the first env (init= on the command line, default
 * "init") from the boot archive, then scheduling on every CPU. With
 * `monitor` on the command line, or when init cannot start, the BSP
 * stays in the kernel monitor instead.
 */
static void
start_user_space(void)
{
	const char *init = cmdline_rest("init");

	if (cmdline_get("monitor", NULL, 0))
		return;
	if (env_create_from_archive(init ? init : "init") < 0)
		return;
	sched_running = true;
	cli();
	sched_start();
}

/* Runs the self-test named by test= (if any). */
static void
run_requested_test(void)
{
	char name[64];

	if (cmdline_get("test", name, sizeof(name)))
		selftest_run(name);
}

void
kern_main(physaddr_t bootinfo_pa)
{
	const struct bootinfo *bi = (const void *)(KERNBASE + bootinfo_pa);
	uint64_t t0 = rdtsc();

	/* this_cpu() works from the first line: the console lock uses it. */
	cpu_setup_all();
	wrmsr(MSR_GS_BASE, (uint64_t)bsp);
	cons_init();
	cprintf("\nChitin " CHITIN_VERSION " x86-64 exokernel\n");
	if (bi->magic != BOOTINFO_MAGIC) {
		cprintf("boot: no boot info from the loader (magic %lx); halting\n", bi->magic);
		halt_forever();
	}
	cmdline_init(bi->cmdline);
	cprintf("boot: cmdline '%s', kernel at 0x%lx-0x%lx, boot drive 0x%x\n",
		cmdline_text(), bi->kernel_pa_start, bi->kernel_pa_end, bi->boot_drive);

	pmap_init(bi);
	ksym_init(bi->elf_pa, bi->elf_size);
	trap_init();
	cpu_init_this(bsp);
	check_page_alloc();
	export_init(bi->archive_pa, bi->archive_size);
	env_init();
	audit_init();
	tlb_shootdown_init();
	sched_init();

	acpi_init();
	lapic_init();
	ioapic_init();
	timer_init();
	smp_boot();
	cons_irq_init();
	pci_init();
	/* device drivers: one line each, after pci_init */
	nic_init();
	e1000_init();
	virtio_net_init();
	ide_init();
	virtio_blk_init();
	disk_init();		/* after the disk drivers: the ownership maps */
	sti();
	check_timer();
	cprintf("boot: kernel ready in %lu ms\n", (rdtsc() - t0) / (tsc_hz / 1000));

	clock_ex->boot_tsc = t0;
	clock_ex->tsc_hz = tsc_hz;	/* export_init ran before the calibration */
	clock_ex->ncpu = cpus_online();
	for (int i = 0; i < ncpu; i++) {
		cpu_ex[i].apic_id = cpus[i].apic_id;
		cpu_ex[i].online = cpus[i].started;
	}
	run_requested_test();
	start_user_space();
	monitor();
}
