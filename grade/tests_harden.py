"""Hardening tests: hostile system calls from several envs on several
CPUs (user/test/sysfuzz.c), then the kernel's page-accounting audit.
The seed is fixed here so a failure repeats; `make fuzz`-style long runs
pass their own (sysfuzz CALLS WORKERS SEED)."""

import os
import re

from testlib import Test, expect, expect_all
from tests_disk import image, virtio

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

# The kernel audit can fail: KDEBUG_AUDIT_SELFTEST breaks one invariant
# of each kind (pages, envs, run queue, revocation, slices, NIC, disk
# map, registry) and the audit must catch each. The guest has a NIC and
# a disk with an ownership map, so that bindings of every kind exist
# while the audit runs clean first.
AUDIT_KINDS = ("page map count", "page pin count", "env page count",
               "env exported status", "env exported parent",
               "run queue membership", "revocations pending", "slots owned",
               "CPU running export", "NIC channel count", "NIC filter count",
               "disk free-block count", "registered page flag",
               "registry entry flags")
TESTS.append(Test(
    "audit-selftest", cmdline="init=auditself", cpus=2, timeout=90,
    qemu_args=virtio(image("auditself", mib=16)),
    reject=[r"auditself: FAIL", r"audit selftest: .*NOT caught"], steps=[
        expect(r"^auditself: bindings: nic channel yes, registered block yes, slot yes"),
        expect(r"^audit: ok, 0 problems"),
        expect_all(*[r"^audit selftest: %s: caught" % k for k in AUDIT_KINDS]),
        expect(r"^audit selftest: %d breakages, all caught" % len(AUDIT_KINDS)),
        expect(r"^auditself: ok"),
        expect(r"^auditself: kernel page audit ok"),
    ]))

# Revocation by the abort protocol (kern/revoke.c): a child that gives
# pages back in time, one that does not and loses them to the kernel;
# ps shows the late child's record.
def _revoke_test(cpus):
    late = {}

    def note_late(m):
        late["id"] = m.group(1)
        return None

    def ps_line(m):
        want = r"^revoke %s: 1 requests, 0 pages returned, 1 aborts, 16 pages taken$" % late["id"]
        return None if re.search(want, m.group(0)) else "ps showed %r" % m.group(0)

    return Test("revoke-%dcpu" % cpus, cmdline="init=revoke", cpus=cpus,
                timeout=60, reject=[r"revoke: FAIL", r"panic"], steps=[
                    expect(r"^revoke: coop child gave back 16 pages"),
                    expect(r"missed a revocation deadline: the kernel took 16 of 16 pages"),
                    expect(r"^revoke: late child lost 16 pages, the kernel listed 16"),
                    expect(r"^revoke: late child is (\w+)", note_late),
                    expect(r"^revoke [0-9a-f]{8}: .*", ps_line),
                    expect(r"^revoke: ok"),
                ])


TESTS += [_revoke_test(1), _revoke_test(4)]
