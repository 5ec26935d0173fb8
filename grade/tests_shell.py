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

from testlib import Test, expect, expect_all, send

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


def testshell(group, cpus=1):
    cases = TESTSHELL_CASES[group]
    sfx = "" if cpus == 1 else "-%dcpu" % cpus
    return with_disk("testshell-" + group + sfx, "init=testshell " + group,
                     [started("testshell")]
                     + [expect(r"^testshell: %s ok$" % c) for c in cases]
                     + [expect(r"^testshell: ok$"),
                        expect(r"^testshell: kernel page audit ok"),
                        exited("testshell", 0)],
                     timeout=300, cpus=cpus)


TESTS = [testshell(g) for g in TESTSHELL_CASES]
# pipelines with their stages really running at once
TESTS += [testshell("pipes", cpus=2)]

def libc_tests(cpus):
    """The pipe and descriptor tests, on one CPU and on several (where
    reader and writer really run at once)."""
    sfx = "" if cpus == 1 else "-%dcpu" % cpus
    return [
        # 4 MiB, checked byte for byte, through writer | cat | reader
        with_disk("testpipe" + sfx, "init=testpipe", passes(
            "testpipe", expect(r"^testpipe: 4194304 bytes through writer")),
            timeout=180, cpus=cpus),
        with_disk("testpiperace" + sfx, "init=testpiperace", passes(
            "testpiperace",
            expect(r"^testpiperace: \d+ looks during 100 forks, no false end"),
            expect(r"^testpiperace: 100 fork/write/exit rounds complete")),
            timeout=180, cpus=cpus),
        with_disk("testfdsharing" + sfx, "init=testfdsharing",
                  passes("testfdsharing"), cpus=cpus),
    ]


TESTS += libc_tests(1) + libc_tests(2)

TESTS += [
    # the heap and the env's page count are back where they started
    with_disk("testmalloc", "init=testmalloc", passes(
        "testmalloc", expect(r"^testmalloc: 100000 operations")),
        timeout=180),
]


def typed(line):
    """Step: type line and Enter on the console."""
    return send(line + "\r")


# The console shell must survive everything below: a second shell from
# init would mean the first one died.
SHELL_DIED = r"^init: sh exited"
LONG_WORDS = 700        # 'x0000 ' ... : a 4200-byte command line
PIPE_STAGES = 20


def long_line():
    words = " ".join("x%04d" % i for i in range(LONG_WORDS))
    return typed("echo %s | wc -c" % words)


def long_pipeline():
    cats = " | ".join(["cat"] * (PIPE_STAGES - 2))
    return typed("seq 1 1000 | %s | wc -l" % cats)


def console_steps():
    return [
        started("init"),
        expect(r"^init: file system mounted"),
        expect(PROMPT),
        typed("ls -l /"),
        expect(r"^d[r-][w-][x-]\S* .* bin/$"),
        expect(PROMPT),
        typed("ls -l /bin/hello"),
        expect(r"^-r[w-]x\S* +\d+ +\d+ +[1-9]\d* .* /bin/hello$"),
        expect(PROMPT),
        # DEL (what a terminal's backspace key sends) erases 'x'; ^U
        # erases the whole line typed so far
        send("ecx\x7fho edited\r"),
        expect(r"^edited$"),
        expect(PROMPT),
        send("junk junk\x15echo fresh line\r"),
        expect(r"^fresh line$"),
        expect(PROMPT),
        typed("echo one > /tmp/f; echo two >> /tmp/f; cat < /tmp/f | wc -l"),
        expect(r"^ +2$"),
        expect(PROMPT),
        typed("cat /nosuchfile; echo status $?"),
        expect(r"^cat: /nosuchfile: No such file or directory$"),
        expect(r"^status 1$"),
        expect(PROMPT),
        typed("nosuchcmd"),
        expect(r"^sh: nosuchcmd: command not found$"),
        expect(PROMPT),
        typed("echo 'unbalanced"),
        expect(r"^sh: unterminated ' quote$"),
        expect(PROMPT),
        typed('echo "unbalanced'),
        expect(r'^sh: unterminated " quote$'),
        expect(PROMPT),
        typed("echo a | | wc"),
        expect(r"^sh: syntax error near '\|'$"),
        expect(PROMPT),
        long_pipeline(),
        expect(r"^ +1000$"),
        expect(PROMPT),
        long_line(),
        expect(r"^ +%d$" % (LONG_WORDS * 6)),
        expect(PROMPT),
        typed("ps"),
        expect(r"^ENV +PARENT .* NAME$"),
        expect_all(r"^%s +%s .* init$" % (ID, ID), r"^%s +%s .* sh$" % (ID, ID),
                   r"^%s +%s .* ps$" % (ID, ID)),
        expect(PROMPT),
        typed("echo alive $?"),
        expect(r"^alive 0$"),
        expect(PROMPT),
    ]


def interrupt_steps():
    """^C stops the foreground command, whether it reads the console or
    not, and drops the rest of its line; a background job, init and the
    shell live on. The ^C may reach the kernel before the command
    started: it still counts (a spawned child inherits the count)."""
    return [
        started("init"),
        expect(PROMPT),
        typed("sleep 1000 &"),
        expect(r"^\[1\] \d+$"),
        expect(PROMPT),
        send("yes > /tmp/y; echo not reached\r"), send("\x03"),
        exited("yes", 130),
        expect(PROMPT),
        send("sleep 100; echo not reached\r"), send("\x03"),
        exited("sleep", 130),
        expect(PROMPT),
        typed("echo after $?"),
        expect(r"^after 130$"),
        expect(PROMPT),
        typed("cat"), send("\x03"),
        exited("cat", 130),
        expect(PROMPT),
        # sleep reads a pipe, not the console: the shell stops it when
        # yes, its stdin the console, has taken the ^C
        send("yes | sleep 1000; echo not reached\r"), send("\x03"),
        expect_all(r"^env \[%s\] yes: exited with status 130$" % ID,
                   r"^env \[%s\] sleep: exited with status -1$" % ID),
        expect(PROMPT),
        typed("jobs"),
        expect(r"^\[1\] Running +sleep 1000"),
        expect(PROMPT),
        typed("wc -l < /tmp/y | grep -c '[1-9]'"),
        expect(r"^1$"),
        expect(PROMPT),
    ]


TESTS += [
    with_disk("shell-console", "", console_steps(),
              reject=REJECT + (SHELL_DIED,)),
    with_disk("shell-interrupt", "", interrupt_steps(),
              reject=REJECT + (SHELL_DIED, r"^not reached",
                               r"init: .*exited")),
]
