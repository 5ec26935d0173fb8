"""What a grader test is: the vocabulary grade/tests.py is written in.

A test boots the system once (QEMU or Bochs) with a boot command line and
walks a list of steps against the serial output:

    expect(regex)            the regex appears, after the previous match
    expect(regex, check)     ... and check(match) accepts it (see equals())
    expect_all(r1, r2, ...)  all appear after the previous match, any order
    send(text)               type text on the guest's serial input
    exit_()                  the emulator exits by itself (e.g. after reboot)

Steps may also be written as plain tuples: ('expect', regex),
('send', text), ('expect_all', [regexes]), ('exit',).

Regexes are Python re, MULTILINE (^ and $ match at line starts and ends).
Serial output is judged with the '\\r' characters removed.

Every test also has reject patterns that must not appear anywhere in the
output (DEFAULT_REJECT unless `allow` drops some; `reject` adds more). A
test with expect_fail=REGEX inverts the verdict: it passes only when the
inner run fails and the failure reason matches REGEX (to check that the
grader itself notices a broken kernel).
"""

import re

# Output that means the kernel is broken, whatever the test was looking at.
DEFAULT_REJECT = (r"kernel panic", r"[Tt]riple fault", r"Unhandled")

DEFAULT_TIMEOUT = 60  # seconds, before GRADE_TIMEOUT_SCALE
EMULATORS = ("qemu", "bochs")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def expect(regex, check=None):
    """Step: regex must appear after the previous match. check, if given,
    is called with the match object and returns None/True to accept or a
    string (or False) saying what is wrong with it."""
    return ("expect", regex, check) if check else ("expect", regex)


def expect_all(*regexes):
    """Step: every regex appears after the previous match, in any order."""
    return ("expect_all", list(regexes))


def send(text):
    """Step: write text to the guest's serial input (use '\\r' for Enter)."""
    return ("send", text)


def exit_():
    """Step: the emulator exits on its own (reset with -no-reboot, halt)."""
    return ("exit",)


def equals(want, group=1):
    """A check: the regex group, as an integer, equals want."""
    def check(m):
        got = int(m.group(group), 0)
        if got != want:
            return "got %d, want %d" % (got, want)
        return None
    return check


def between(lo, hi, group=1):
    """A check: the regex group, as an integer, lies in [lo, hi]."""
    def check(m):
        got = int(m.group(group), 0)
        if not lo <= got <= hi:
            return "got %d, want %d..%d" % (got, lo, hi)
        return None
    return check


class Test:
    """One boot of the system and what its serial output must show.

    name     unique, [A-Za-z0-9_.-]; selects the test (-k) and names
             obj/grade/NAME.log
    steps    the list of steps (see the module comment)
    cmdline  boot command line, written into the test's copy of the image
    cpus     virtual CPUs; mem: guest RAM in MiB
    qemu_args  extra QEMU arguments (a list)
    timeout  seconds for the whole test (scaled by GRADE_TIMEOUT_SCALE)
    emulator 'qemu' or 'bochs' (Bochs tests only read output: no send)
    reject   extra regexes that must not appear anywhere
    allow    DEFAULT_REJECT entries this test drops (e.g. a test that
             expects a panic allows r"kernel panic")
    expect_fail  None, or a regex: the test passes iff the run fails with a
             reason matching it
    peer     None, or a host-side peer the guest talks to (grade/wire.py,
             grade/netns.py): peer.start(outdir, name) runs before the
             boot and returns (command prefix, extra emulator arguments:
             QEMU options, or bochsrc lines); peer.stop(failed) runs after
             (a failed test keeps the peer's pcap)
    """

    def __init__(self, name, steps, cmdline="", cpus=1, mem=128,
             qemu_args=(), timeout=DEFAULT_TIMEOUT, emulator="qemu",
             reject=(), allow=(), expect_fail=None, peer=None):
        self.name = name
        self.steps = [_normalize(s) for s in steps]
        self.cmdline = cmdline
        self.cpus = cpus
        self.mem = mem
        self.qemu_args = list(qemu_args)
        self.timeout = timeout
        self.emulator = emulator
        self.expect_fail = expect_fail
        self.peer = peer
        unknown = set(allow) - set(DEFAULT_REJECT)
        if unknown:
            raise ValueError("%s: allow names no default reject "
                             "pattern: %s" % (name, sorted(unknown)))
        self.reject = [r for r in DEFAULT_REJECT if r not in allow]
        self.reject += list(reject)
        self._validate()

    def _validate(self):
        if not NAME_RE.match(self.name):
            raise ValueError("bad test name %r" % self.name)
        if self.emulator not in EMULATORS:
            raise ValueError("%s: emulator must be one of %s"
                             % (self.name, EMULATORS))
        if self.emulator == "bochs" and any(
                s[0] == "send" for s in self.steps):
            raise ValueError("%s: Bochs tests cannot send input "
                             "(COM1 is an output file there)" % self.name)
        if not self.steps:
            raise ValueError("%s: no steps" % self.name)
        for r in self.reject:
            re.compile(r)

    def describe_run(self):
        """The make command that boots the same way, for a failure report."""
        target = "bochs" if self.emulator == "bochs" else "qemu-nox"
        cmd = "make %s CPUS=%d MEM=%d" % (target, self.cpus, self.mem)
        if self.cmdline:
            cmd += " CMDLINE='%s'" % self.cmdline
        if self.qemu_args and self.emulator == "qemu":
            cmd += " QEMUEXTRA='%s'" % " ".join(self.qemu_args)
        if self.peer is not None:
            cmd += "  (with a host peer; its pcap: obj/grade/%s.pcap)" % self.name
        return cmd


def _normalize(step):
    """Check one step tuple and compile its regexes."""
    if not isinstance(step, tuple) or not step:
        raise ValueError("a step is a tuple, not %r" % (step,))
    kind = step[0]
    if kind == "expect" and len(step) in (2, 3):
        check = step[2] if len(step) == 3 else None
        return ("expect", re.compile(step[1], re.M), check)
    if kind == "expect_all" and len(step) == 2:
        return ("expect_all", [re.compile(r, re.M) for r in step[1]])
    if kind == "send" and len(step) == 2:
        return ("send", step[1])
    if kind == "exit" and len(step) == 1:
        return ("exit",)
    raise ValueError("bad step %r" % (step,))


def describe_step(step):
    """A step as a human reads it in a failure report."""
    kind = step[0]
    if kind == "expect":
        return "expect /%s/" % step[1].pattern
    if kind == "expect_all":
        return "expect all of " + ", ".join(
            "/%s/" % r.pattern for r in step[1])
    if kind == "send":
        return "send %r" % step[1]
    return "emulator exits"
