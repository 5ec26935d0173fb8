"""Tests of user environments (issue 3): the library OS and the kernel's
environments, exceptions, memory calls, IPC and protected control
transfer, each judged by a program from user/ or user/test/ booted as the
first environment (cmdline init=NAME), on 1 CPU and on 4.

The lines judged (kernel and library, see their comments):

    env [ID] NAME: started from the boot archive          kernel
    env [ID] NAME: exited with status N                   kernel
    env [ID] NAME: killed by the kernel: WHY              kernel
    [ID] unhandled exception vector V (#XX) at rip ...    libos
    NAME: ok, ...            a test program's verdict     user/test
    NAME: ... FAIL ...       ... and its complaint
    NAME: kernel page audit ok                            user/test

Ids are never matched exactly. Every program checks the kernel's page
audit at the end, so a leak fails the test that caused it.
"""

from testlib import Test, expect, expect_all, send

ID = r"[0-9a-f]+"
# Output that means a test program or the library found something wrong.
REJECT = (r"\bFAIL\b", r"user panic in ", r"unhandled exception",
          r"killed by the kernel")
UNHANDLED_OK = tuple(r for r in REJECT if r != r"unhandled exception")
KILLED_OK = tuple(r for r in REJECT if r != r"killed by the kernel")


def started(name):
    return expect(r"^env \[%s\] %s: started from the boot archive" % (ID, name))


def exited(name, status):
    return expect(r"^env \[%s\] %s: exited with status %d$" % (ID, name, status))


def passes(name, *before):
    """The program's own 'ok', its audit line, then its clean exit."""
    return [started(name), *before,
            expect(r"^%s: ok\b" % name),
            expect(r"^%s: kernel page audit ok" % name),
            exited(name, 0)]


def unhandled(name, vector, mnemonic, va=None):
    """A handler caught the exception and resumed; then, with no handler,
    the library reported it and the program exited with 128 + vector."""
    at = r" va %s\b" % va if va else ""
    return [started(name),
            expect(r"^%s: ok\b" % name),
            expect(r"^%s: kernel page audit ok" % name),
            expect(r"^\[%s\] unhandled exception vector %d \(#%s\) at rip 0x[0-9a-f]+%s"
                   % (ID, vector, mnemonic, at)),
            exited(name, 128 + vector)]


def killed(name, *before):
    """A bad upcall setup: the kernel destroys the env (status -1)."""
    return [started(name), *before,
            expect(r"^env \[%s\] %s: killed by the kernel: " % (ID, name)),
            exited(name, -1)]


FORKTREE = ["", "0", "1", "00", "01", "10", "11",
            "000", "001", "010", "011", "100", "101", "110", "111"]

# name: (steps, reject, timeout)
PROGRAMS = {
    "divzero": (unhandled("divzero", 0, "DE"), UNHANDLED_OK, 60),
    "breakpoint": (unhandled("breakpoint", 3, "BP"), UNHANDLED_OK, 60),
    "badsegment": (unhandled("badsegment", 13, "GP"), UNHANDLED_OK, 60),
    "softint": (unhandled("softint", 13, "GP"), UNHANDLED_OK, 60),
    "illegal": (unhandled("illegal", 6, "UD"), UNHANDLED_OK, 60),
    "faultread": (unhandled("faultread", 14, "PF", "0x0"), UNHANDLED_OK, 60),
    "faultwrite": (unhandled("faultwrite", 14, "PF", "0x0"), UNHANDLED_OK, 60),
    "faultkernel": (unhandled("faultkernel", 14, "PF", "0xffffffff80100000"),
                    UNHANDLED_OK, 60),
    "faultalloc": (passes("faultalloc",
                          expect(r"this string was faulted in at 0xdeadbeef"),
                          expect(r"this string was faulted in at 0xcafebffe")),
                   REJECT, 60),
    "faultbadhandler": (killed("faultbadhandler",
                               expect(r"^faultbadhandler: .*faulting now")),
                        KILLED_OK, 60),
    "faultnostack": (killed("faultnostack",
                            expect(r"^faultnostack: .*faulting now")),
                     KILLED_OK, 60),
    "faultevilhandler": (killed("faultevilhandler",
                                expect_all(*[r"^faultevilhandler: %s: refused" % w
                                             for w in ("entry in kernel text",
                                                       "stack in kernel memory",
                                                       "stack in the exports",
                                                       "non-canonical entry")]),
                                expect(r"^faultevilhandler: .*faulting now")),
                         KILLED_OK, 60),
    "evilhello": (passes("evilhello"), REJECT, 60),
    "buggyhello": (passes("buggyhello"), REJECT, 60),
    "dumbfork": (passes("dumbfork",
                        expect_all(r"^dumbfork: parent done after 10 turns",
                                   r"^dumbfork: child done after 20 turns")),
                 REJECT, 60),
    "forktree": (passes("forktree",
                        expect_all(*[r"^forktree: %s: I am '%s'$" % (ID, p)
                                     for p in FORKTREE])),
                 REJECT, 60),
    "cowfork": (passes("cowfork"), REJECT, 60),
    "spawnhello": (passes("spawnhello", expect(r"^hello, world$"),
                          expect(r"^i am environment %s$" % ID),
                          exited("hello", 0)),
                   REJECT, 60),
    "spawnargs": (passes("spawnargs",
                         expect(r"^spawnargs: child argv\[2\] = 'two words'$")),
                  REJECT, 60),
    "spin": (passes("spin", expect(r"^spin: child %s spinning" % ID)), REJECT, 60),
    "stresssched": (passes("stresssched"), REJECT, 90),
    "pingpong": (passes("pingpong", expect(r"^pingpong: %s got 10 from %s" % (ID, ID))),
                 REJECT, 60),
    "primes": (passes("primes", expect(r"^primes: 997$")), REJECT, 180),
    "pctping": (passes("pctping"), REJECT, 90),
    "sendpage": (passes("sendpage"), REJECT, 60),
    "fpstate": (passes("fpstate"), REJECT, 90),
    "exhaust": (passes("exhaust",
                       expect(r"^exhaust: child made \d+ envs, then: environment table full"),
                       expect(r"^exhaust: child took \d+ pages, then: out of memory")),
                REJECT, 180),
    "isolation": (passes("isolation", expect(r"^isolation: (\d+) of \1 attempts refused")),
                  REJECT, 90),
}


def hello_steps():
    """No command line: the kernel starts init, init starts the shell on
    the console, and the shell runs hello and says its status."""
    return [started("init"),
            expect(r"^init: welcome to Chitin"),
            expect(r"^\$ "),
            send("hello; echo status $?\r"),
            expect(r"^hello, world\r?$"),
            expect(r"^i am environment %s\r?$" % ID),
            exited("hello", 0),
            expect(r"^status 0\r?$")]


def init_status_steps():
    """init runs the program its arguments name and reports its status."""
    return [started("init"),
            expect(r"^init: running divzero"),
            exited("divzero", 128),
            expect(r"^init: divzero exited with status 128$")]


def env_tests():
    tests = []
    for cpus, suffix in ((1, ""), (4, "-4cpu")):
        tests.append(Test("hello" + suffix, cpus=cpus, steps=hello_steps(),
                          reject=REJECT))
        tests.append(Test("init-status" + suffix, cpus=cpus,
                          cmdline="init=init divzero", steps=init_status_steps(),
                          reject=UNHANDLED_OK))
        for name, (steps, reject, timeout) in PROGRAMS.items():
            tests.append(Test(name + suffix, cpus=cpus, cmdline="init=" + name,
                              steps=steps, reject=reject, timeout=timeout))
    return tests


TESTS = env_tests()
