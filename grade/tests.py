"""The grader's tests: one Test per boot (see grade/testlib.py for the
vocabulary). Add a test by appending to TESTS; `make grade T=name` runs it.

The patterns match what the kernel's output means (a count, a vector, an
outcome), not its cosmetic text; the kernel's fixed lines are:

    Chitin <version> x86-64 ...              the banner
    e820: [mem 0x...-0x...] usable|reserved|...
    mem: <N> MiB usable, <P> pages free
    check_page_alloc: ok ...
    cpu0: bsp apic <A>   cpu<N>: up (apic <A>)   smp: <N> CPUs online
    timer: lapic at <F> Hz ...   check_timer: ok, ticks on <N> CPUs
    trap: vector <n> (#XX ...) ... caught   check_exceptions: ok
    kernel panic ... at <file>:<line>: ...
    K>                                       the monitor's prompt
"""

import re

from testlib import Test, equals, exit_, expect, expect_all, send

BANNER = r"^Chitin .*x86-64"
PROMPT = r"^K> "
MONITOR_COMMANDS = ("help", "kerninfo", "backtrace", "mem", "cpus", "reboot")
# The vectors the exception self-test raises, and their mnemonics.
EXCEPTION_VECTORS = ((0, "#DE"), (1, "#DB"), (2, "NMI"), (3, "#BP"), (4, "#OF"),
                     (5, "#BR"), (6, "#UD"), (7, "#NM"), (11, "#NP"), (12, "#SS"),
                     (13, "#GP"), (14, "#PF"), (16, "#MF"))


def memory_total(mem):
    """A check for 'mem: N MiB usable in the E820 map': N is most of the
    guest's RAM (the BIOS and the PCI hole keep some)."""
    def check(m):
        usable = int(m.group(1))
        lo = mem * 15 // 16
        if not lo <= usable <= mem:
            return "%d MiB usable, want %d..%d" % (usable, lo, mem)
        return None
    return check


def memory_free(mem):
    """A check for 'mem: N MiB usable, P pages free' after the kernel has
    taken its image, tables and the boot archive: at least 3/4 of RAM is
    free, and P pages agree with N MiB."""
    def check(m):
        usable, free = int(m.group(1)), int(m.group(2))
        if usable < mem * 3 // 4:
            return "only %d MiB left free of %d" % (usable, mem)
        if not usable * 256 <= free <= (usable + 1) * 256:
            return "%d pages free does not match %d MiB" % (free, usable)
        return None
    return check


def boot_steps(mem):
    return [
        expect(BANNER),
        expect(r"^e820: \[mem 0x[0-9a-f]+-0x[0-9a-f]+\] usable"),
        expect(r"^mem: (\d+) MiB usable in the E820 map", memory_total(mem)),
        expect(r"^mem: (\d+) MiB usable, (\d+) pages free", memory_free(mem)),
    ]


def all_cpus_up(n):
    """A check for 'smp: N CPUs online': N is n, and each AP reported
    'cpuK: up' before it (in any order). Judged at the summary line, so a
    missing CPU fails at once instead of waiting for the timeout."""
    count = equals(n)

    def check(m):
        err = count(m)
        if err:
            return err
        before = m.string[:m.start()]
        missing = [i for i in range(1, n)
                   if not re.search(r"^cpu%d: up \(apic \d+\)" % i,
                                    before, re.M)]
        if missing:
            return "no 'up' line from cpu %s" % ", ".join(map(str, missing))
        return None
    return check


def smp_steps(n):
    return [expect(r"^cpu0: bsp apic \d+"),
            expect(r"^smp: (\d+) CPUs online", all_cpus_up(n))]


def smp_test(n):
    # No AP beyond the n-th may claim to be up.
    return Test("smp-%d" % n, cpus=n, steps=smp_steps(n),
                reject=[r"^cpu%d: up" % n])


def timer_test(n):
    return Test("timer-%d" % n, cpus=n, steps=[
        expect(r"^timer: lapic at \d+ Hz"),
        expect(r"^check_timer: ok, ticks on (\d+) CPUs", equals(n)),
    ])


def trap_caught(vector, mnemonic):
    """The trap report for vector, then (on a later line) 'caught'."""
    return r"^trap: vector %d \(%s\b.*\n(?:.*\n)*?.*\bcaught\b" % (
        vector, mnemonic)


TESTS = [
    # `monitor` on the command line keeps the BSP in the kernel monitor
    # instead of starting init.
    Test("boot", cmdline="monitor", steps=boot_steps(128) + [expect(PROMPT)]),

    Test("page-alloc", steps=[expect(BANNER),
                              expect(r"^check_page_alloc: ok")]),

    smp_test(1),
    smp_test(2),
    smp_test(4),

    timer_test(2),
    timer_test(4),

    Test("exceptions", cmdline="test=exceptions", steps=[
        expect_all(*[trap_caught(v, m) for v, m in EXCEPTION_VECTORS]),
        expect(r"^check_exceptions: ok"),
    ]),

    # A kernel stack overflow must reach the double-fault handler on its own
    # stack, which reports it and panics: here the panic is the success.
    Test("doublefault", cmdline="test=doublefault",
         allow=[r"kernel panic", r"Unhandled"],
         steps=[expect(r"^trap: vector 8 \(#DF"),
                expect(r"kernel panic")]),

    Test("monitor-help", cmdline="monitor", steps=[
        expect(PROMPT),
        send("help\r"),
        expect_all(*[r"^\s*%s\b" % c for c in MONITOR_COMMANDS]),
        expect(PROMPT),
    ]),

    # With -no-reboot QEMU exits when the guest resets.
    Test("monitor-reboot", cmdline="monitor", steps=[
        expect(PROMPT),
        send("reboot\r"),
        exit_(),
    ]),

    Test("mem-4g", mem=4096, timeout=120, steps=boot_steps(4096) + [
        expect(r"^check_page_alloc: ok"),
    ]),

    Test("bochs-boot", emulator="bochs", cmdline="monitor", timeout=120, steps=[
        expect(BANNER),
        expect(r"^check_page_alloc: ok"),
        expect(PROMPT),
    ]),

    Test("bochs-smp", emulator="bochs", cpus=2, timeout=120,
         steps=smp_steps(2)),

    # The grader itself must see a broken kernel: boot with a deliberate
    # panic while expecting a normal boot; this passes only if that inner
    # run fails, citing the panic.
    Test("grader-catches-panic", cmdline="test=panic monitor",
         expect_fail=r"rejected /kernel panic/",
         steps=[expect(BANNER), expect(r"^check_page_alloc: ok"),
                expect(PROMPT)]),
]

# Each subsystem keeps its tests in grade/tests_<area>.py with a TESTS list
# of its own; all of them join the suite here, in file-name order.
def _subsystem_tests():
    import glob
    import importlib
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    found = []
    for path in sorted(glob.glob(os.path.join(here, "tests_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        found.extend(getattr(mod, "TESTS", []))
    return found


TESTS += _subsystem_tests()
