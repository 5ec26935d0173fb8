/*
 * cpus: each CPU's slice vector from the read-only CPU table (UCPUS): one
 * character per slot ('.' shared, a letter per owning env, '*' the slot
 * being run), the env running, how many wait in its run queue and how
 * many it stole from other CPUs' queues, then which envs own which
 * letters.
 */
#include <chitin.h>
#include <thread.h>

#define LEGEND_MAX	26

static envid_t legend[LEGEND_MAX];
static int nlegend;

static char
owner_letter(envid_t id)
{
	if (!id)
		return '.';
	for (int i = 0; i < nlegend; i++)
		if (legend[i] == id)
			return 'A' + i;
	if (nlegend == LEGEND_MAX)
		return '#';
	legend[nlegend] = id;
	return 'A' + nlegend++;
}

static void
print_cpu(int c)
{
	const volatile struct cpu_export *x = &UCPU_TABLE[c];
	char line[SLICE_SLOTS + 1];

	for (int s = 0; s < SLICE_SLOTS; s++)
		line[s] = owner_letter(x->slot_owner[s]);
	line[SLICE_SLOTS] = '\0';
	uint64_t khz = clock_tsc_hz() / 1000;

	cprintf("cpu%-2d apic %-2u %s  running %08x  queued %u  steals %u  ticks %lu  "
		"idle %lu ms  stolen %lu ms\n",
		c, x->apic_id, line, x->running, x->runq_len, x->steals, x->ticks,
		khz ? x->idle_cycles / khz : 0, khz ? x->stolen_cycles / khz : 0);
}

int
main(int argc, char **argv)
{
	uint32_t ncpu = UCLOCK_PAGE->ncpu;

	if (argc > 1) {
		cprintf("usage: cpus\n");
		return 2;
	}
	cprintf("%u CPUs, %d slots of %u us each; '.' = shared\n", ncpu, SLICE_SLOTS,
		UCLOCK_PAGE->slice_us);
	for (uint32_t c = 0; c < ncpu && c < NCPU_EXPORT; c++)
		print_cpu((int)c);
	for (int i = 0; i < nlegend; i++)
		cprintf("  %c = env %08x %s\n", 'A' + i, legend[i],
			(const char *)env_lookup(legend[i])->name);
	return 0;
}
