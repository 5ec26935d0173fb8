"""Tests of the shell, the utilities and the libc pieces under them
(file descriptors, pipes, malloc).

Every test boots with the data disk obj/fs/data.img (every program in
/bin, an empty /tmp) attached as hd1 with snapshot=on, so tests never see
each other's writes.

testshell (user/test/testshell.c) runs shell scripts with `sh -c` and
compares what they print (stdout and stderr through one pipe) byte for
byte with the expected text, and their exit status; one case per line of
its output. The shell-* tests drive the shell on the console the way a
person does: line editing, a 4 KiB line, bad syntax, long pipelines.
"""

from testlib import Test, expect, send

from tests_env import ID, REJECT, exited, passes, started
from tests_fs import drive

PROMPT = r"^\$ "

TESTSHELL_CASES = {
    "lang": ("quoting", "status", "unterminated", "variables", "script"),
    "pipes": ("redirection", "pipelines"),
    "utils": ("files", "text", "usage", "system"),
    "robust": ("long-line",),
}


def with_disk(name, cmdline, steps, timeout=120, cpus=1, reject=REJECT):
    return Test(name, cmdline=cmdline, cpus=cpus, mem=256,
                qemu_args=drive("ide"), timeout=timeout, reject=reject,
                steps=steps)


def testshell(group):
    cases = TESTSHELL_CASES[group]
    return with_disk("testshell-" + group, "init=testshell " + group,
                     [started("testshell")]
                     + [expect(r"^testshell: %s ok$" % c) for c in cases]
                     + [expect(r"^testshell: ok$"),
                        expect(r"^testshell: kernel page audit ok"),
                        exited("testshell", 0)],
                     timeout=300)


TESTS = [testshell(g) for g in TESTSHELL_CASES]

TESTS += [
    with_disk("testpipe", "init=testpipe", passes("testpipe"), timeout=180),
    with_disk("testpiperace", "init=testpiperace", passes("testpiperace"),
              timeout=180),
    with_disk("testfdsharing", "init=testfdsharing", passes("testfdsharing")),
    with_disk("testmalloc", "init=testmalloc", passes("testmalloc"),
              timeout=180),
]
