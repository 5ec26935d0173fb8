"""Soaks (issue 10): storms that must leave the kernel as they found it.

storm-fork: rounds of copy-on-write forks on several CPUs, children that
touch memory, fork grandchildren and exit with statuses the parent
checks; storm-ipc: several senders flood the parent with messages, every
fourth carrying a page. After each, free pages plus the parent's own must
equal their starting value exactly and the kernel audit must be clean
(user/test/storm.c). `make fuzz` (CHITIN_FUZZ=1) runs them long.
"""

import os

from testlib import Test, expect

LONG = os.environ.get("CHITIN_FUZZ") == "1"
REJECT = [r"storm: .*FAIL", r"storm: fork child"]


def storm_test(name, what, n, width, cpus, timeout):
    return Test(name, cmdline="init=storm %s %d %d" % (what, n, width), cpus=cpus,
                mem=256, timeout=timeout, reject=REJECT, steps=[
                    expect(r"^storm: %s ok, \d+ \w+, audit clean, \d+ free\+own pages "
                           r"before and after" % what),
                ])


if LONG:
    TESTS = [storm_test("storm-fork", "fork", 2000, 16, 4, 3600),
             storm_test("storm-ipc", "ipc", 50000, 8, 4, 3600)]
else:
    TESTS = [storm_test("storm-fork", "fork", 100, 8, 2, 180),
             storm_test("storm-ipc", "ipc", 10000, 4, 2, 180)]
