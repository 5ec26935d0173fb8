"""Tests of CPUs as a resource (issue 4): slice vectors and their
accounting, epilogue upcalls, directed yield, fairness, TLB shootdowns
under SMP, and the library's user-level threads. Each runs with 1 and
with 4 CPUs. The programs are in user/test/ and judge themselves; the
patterns here check their verdict lines, the order of events where order
is the point, and what `cpus` and `ps` print.
"""

import re

from testlib import Test, expect, send

# A test program reports a broken feature with FAIL; the library's panic
# and an unhandled exception are failures too.
REJECT = (r"FAIL", r"user panic", r"unhandled exception", r"killed by the kernel")


def cpu_test(name, cmdline, steps, cpus, timeout=60):
    return Test("cpu-%s-%d" % (name, cpus), cmdline=cmdline, cpus=cpus,
                steps=steps, reject=REJECT, timeout=timeout)


def slot_line_check(m):
    """For 'slotown: ok': what `cpus` and `ps` printed before it shows the
    slots the program says it and its child own (ids from its own line)."""
    text = m.string[:m.end()]
    own = re.search(r"^slotown: parent (\w+) owns (\d+) slots, child (\w+) owns (\d+)",
                    text, re.M)
    if not own:
        return "no 'slotown: parent ... owns' line"
    parent, pslots, child, cslots = (own.group(1), int(own.group(2)),
                                     own.group(3), int(own.group(4)))
    after = text[own.end():]
    legend = dict((env, letter) for letter, env in
                  re.findall(r"^\s+([A-Z]) = env (\w+)", after, re.M))
    if parent not in legend or child not in legend:
        return "cpus names no letter for %s or %s" % (parent, child)
    vec = re.search(r"^cpu0\s+apic \d+\s+(\S{64})\s", after, re.M)
    if not vec:
        return "no cpu0 line from cpus"
    want = legend[parent] * 8 + legend[child] * 4 + "." * 52
    if vec.group(1) != want:
        return "cpu0's vector is %s, want %s" % (vec.group(1), want)
    for env, slots in ((parent, pslots), (child, cslots)):
        line = re.search(r"^%s\s.*$" % env, after, re.M)
        if not line:
            return "ps shows no line for %s" % env
        fields = line.group(0).split()
        # ... SLOTS CPU(ms) SLICES PAGES NAME: SLOTS is the fifth from the end
        if int(fields[-5]) != slots:
            return "ps shows %s slots for %s, want %d" % (fields[-5], env, slots)
    return None


def tests_for(n):
    return [
        # Slots owned 3:1 on CPU 0 give CPU time 3:1 (within 10%).
        cpu_test("sliceratio", "init=sliceratio", [
            expect(r"^sliceratio: ok, slots 3:1"),
        ], n),
        cpu_test("epilogue", "init=epilogue", [
            expect(r"^epilogue: ok$"),
        ], n),
        # Spinners share the CPUs fairly and starve no one (the parent
        # prints the verdict only if it runs again).
        cpu_test("spinfair", "init=spinfair %d" % (3 if n == 1 else 4), [
            expect(r"^spinfair: \d+ spinners on %d CPUs" % n),
            expect(r"^spinfair: ok$"),
        ], n),
        cpu_test("yieldto", "init=yieldto", [
            expect(r"^yieldto: child 3 ran at position 0$"),
            expect(r"^yieldto: child 1 ran at position 1$"),
            expect(r"^yieldto: child 2 ran at position 2$"),
            expect(r"^yieldto: ok"),
        ], n),
        cpu_test("slotown", "init=slotown", [
            expect(r"^slotown: parent \w+ owns \d+ slots"),
            expect(r"^slotown: ok$", slot_line_check),
        ], n),
        cpu_test("tlbstress", "init=tlbstress", [
            expect(r"^tlbstress: \d+ envs on %d CPUs: \d+ maps, \d+ unmaps, "
                   r"\d+ reads \(\d+ faulted\), 0 stale" % n),
            expect(r"^audit: ok"),
            expect(r"^tlbstress: ok$"),
        ], n),
        cpu_test("threads", "init=threads", [
            expect(r"^threads: pc: ok"),
            expect(r"^threads: counter: ok, 100 threads reached 10000 exactly"),
            expect(r"^threads: preempt: ok"),
            expect(r"^threads: ipc: ok"),
            expect(r"^threads: sleep: ok"),
            expect(r"^threads: join: ok"),
            expect(r"^threads: switch: ok"),
            expect(r"^threads: all ok$"),
        ], n),
        cpu_test("thrcons", "init=thrcons", [
            expect(r"^thrcons: main thread ran \d+ rounds while the reader waits"),
            send("k"),
            expect(r"^thrcons: ok, the reader got 'k'"),
        ], n),
    ]


# The lock-order checker (kern/spinlock.h, on in the default build): a
# kernel self-test takes locks against their order, or one lock twice,
# and the checker must panic naming both locks. The panic is the success.
LOCK_TESTS = [
    Test("cpu-lockorder", cmdline="test=lockorder",
         allow=[r"kernel panic"],
         reject=[r"violation not caught"],
         steps=[expect(r"kernel panic .*lock order: cpu \d+ takes selftest-outer "
                       r"\(rank 40\) while holding selftest-inner \(rank 60\)")]),
    Test("cpu-lockenvorder", cmdline="test=lockenvorder",
         allow=[r"kernel panic"],
         reject=[r"violation not caught"],
         steps=[expect(r"^selftest: env locks of slots 1 then 0$"),
                expect(r"kernel panic .*lock order: cpu \d+ takes env \S+ \(rank 20\) "
                       r"while holding env \S+, at a higher address")]),
    Test("cpu-lockdouble", cmdline="test=lockdouble",
         allow=[r"kernel panic"],
         reject=[r"double acquire not caught"],
         steps=[expect(r"kernel panic .*lock order: cpu \d+ takes selftest-outer, "
                       r"which it holds already")]),
]

# No big kernel lock: while one CPU stays in the kernel holding a lock,
# the others complete system calls (KDEBUG_HOLD counts them; a big lock
# would make it 0), and the accounting is exact after.
CONCUR_TESTS = [
    cpu_test("concur", "init=concur", [
        expect(r"^concur: 3 workers on CPUs 1\.\.3 made [1-9]\d* system calls while "
               r"cpu 0 was held"),
        expect(r"^concur: ok$"),
    ], 4),
]

TESTS = tests_for(1) + tests_for(4) + LOCK_TESTS + CONCUR_TESTS
