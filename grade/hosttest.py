"""Host tests: programs built for the host (unit tests, randomized and
crash tests of libos/fs/, tools) that join the grader's suite beside the
boots, one line each in its report and counted in "N passed, N failed".

    HostTest(name, argv, timeout=60, env=None, expect=None)

runs argv (paths relative to the top of the tree; "{accel}" in an
argument becomes the grader's accelerator) and passes when it
exits 0 and, if expect is given, its output matches that regex. Output
goes to obj/grade/NAME.log. Like grade/crash.py's tests it has a run
method of its own, which grade.py calls instead of booting.
"""

import os
import re
import subprocess
import time

TAIL_LINES = 20


class HostResult:
    """What grade.py reports (the same fields as vm.Result)."""

    def __init__(self, test, passed, reason, elapsed, log, tail):
        self.test = test
        self.passed = passed
        self.reason = reason
        self.elapsed = elapsed
        self.log = log
        self.tail = tail
        self.diag = []


class HostTest:
    emulator = "host"
    expect_fail = None

    def __init__(self, name, argv, timeout=60, env=None, expect=None):
        self.name = name
        self.argv = list(argv)
        self.timeout = timeout
        self.env = dict(env or {})
        self.expect = re.compile(expect, re.M) if expect else None

    def describe_run(self):
        envs = " ".join("%s=%s" % kv for kv in sorted(self.env.items()))
        return ("make fs-host && " + (envs + " " if envs else "") +
                " ".join(self.argv))

    def run(self, cfg, stop):
        os.makedirs(cfg.outdir, exist_ok=True)
        logpath = os.path.join(cfg.outdir, self.name + ".log")
        env = dict(os.environ)
        env.update(self.env)
        start = time.monotonic()
        timeout = self.timeout * cfg.timeout_scale
        try:
            argv = [a.replace("{accel}", cfg.accel) for a in self.argv]
            proc = subprocess.run(argv, cwd=cfg.root, env=env,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout)
            out = proc.stdout.decode("utf-8", "replace")
            code = proc.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            code = None
        except OSError as e:
            out, code = "cannot run %s: %s\n" % (self.argv[0], e), -1
        with open(logpath, "w") as f:
            f.write(out)
        elapsed = time.monotonic() - start
        tail = out.rstrip("\n").split("\n")[-TAIL_LINES:] if out else []
        if code is None:
            reason = "timed out after %.0fs" % timeout
        elif code != 0:
            failed = [l for l in out.split("\n") if "FAIL" in l]
            reason = "exit status %d%s" % (
                code, (": " + failed[0].strip()) if failed else "")
        elif self.expect and not self.expect.search(out):
            reason = "output does not match /%s/" % self.expect.pattern
        else:
            reason = ""
        return HostResult(self, reason == "", reason, elapsed, logpath, tail)
