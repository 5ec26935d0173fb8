"""Hardening tests: hostile system calls from several envs on several
CPUs (user/test/sysfuzz.c), then the kernel's page-accounting audit.
The seed is fixed here so a failure repeats; `make fuzz`-style long runs
pass their own (sysfuzz CALLS WORKERS SEED)."""

import os

from testlib import Test, expect

REJECT = [r"sysfuzz: FAIL", r"killed by the kernel: .*sysfuzz: worker"]


def fuzz_test(name, calls, workers, cpus, seed):
    return Test(name, cmdline="init=sysfuzz %d %d %d" % (calls, workers, seed),
                cpus=cpus, mem=256, timeout=240, reject=REJECT, steps=[
                    expect(r"^sysfuzz: seed %s" % (seed or r"\d+")),
                    expect(r"^sysfuzz: ok, kernel survived, audit clean"),
                ])


TESTS = [
    fuzz_test("sysfuzz-1cpu", 3000, 2, 1, 7),
    fuzz_test("sysfuzz-4cpu", 3000, 4, 4, 12345),
]

# `make fuzz` (CHITIN_FUZZ=1): millions of calls, a fresh seed each run
# (printed; rerun with `init=sysfuzz CALLS WORKERS SEED`).
if os.environ.get("CHITIN_FUZZ") == "1":
    TESTS = [fuzz_test("sysfuzz-long",
                       int(os.environ.get("SYSFUZZ_CALLS", "2500000")), 4, 4, 0)]
    TESTS[0].timeout = 4 * 3600

# Freed pages are poisoned in the kernel the tests boot (PAGE_POISON=1):
# the checker itself must catch a flipped bit.
TESTS.append(Test("page-poison", cmdline="init=poison", cpus=2, timeout=60,
                  reject=[r"poison: FAIL"], steps=[
                      expect(r"^poison: ok"),
                      expect(r"^poison: kernel page audit ok"),
                  ]))
