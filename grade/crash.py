"""Crash injection: kill QEMU at random moments of a workload, boot again
on the same disk, and judge what survived.

A CrashTest is a grader test (grade/testlib.py's Test) with its own run
method, which grade.py calls instead of booting it once. Each trial:

  1. make_image(path) writes a fresh data-disk image (a private file);
  2. QEMU boots work_cmdline with that disk attached by drive_args(path);
     once `ready` appears in the serial output, a random delay drawn
     from kill_after (seconds) runs, and QEMU is killed (SIGKILL: no
     chance to flush anything). The last match of `progress` seen before
     the kill (its group 1, or "0") is what the workload had finished;
  3. QEMU boots check_cmdline.format(progress=...) on the same disk and
     its output must meet check_steps (like any test's steps) and show
     none of the test's reject patterns;
  4. host_check(path, progress), if given, judges the image on the host
     (an fsck, say) and returns None or what is wrong.

The test passes when every trial does; it reports the number of trials
and failures on a line of its own. Logs and the images of failed trials
stay in obj/grade/ as NAME.tK.{work,check}.log and NAME.tK.img. The
random seed is printed; GRADE_SEED=n repeats a run.

The file system's crash test uses it with its own workload, check program
and fsck; grade/tests_disk.py has the block layer's.
"""

import os
import random
import re
import time

from testlib import DEFAULT_REJECT, Test, expect
from vm import QemuRun, Result, prepare_image, run_test


class CrashTest(Test):

    def __init__(self, name, make_image, drive_args, work_cmdline, ready,
                 progress, check_cmdline, check_steps, trials=20,
                 kill_after=(0.0, 2.0), host_check=None, boot_timeout=60,
                 cpus=2, mem=128, **kw):
        # `make fuzz` (CHITIN_FUZZ=1) runs every crash test long: at least
        # CRASH_TRIALS_LONG (default 60) trials
        if os.environ.get("CHITIN_FUZZ") == "1":
            trials = max(trials, int(os.environ.get("CRASH_TRIALS_LONG", "60")))
        per_trial = boot_timeout * 2 + kill_after[1]
        super().__init__(name, check_steps, cpus=cpus, mem=mem,
                         timeout=per_trial * trials, **kw)
        self.make_image = make_image
        self.drive_args = drive_args
        self.work_cmdline = work_cmdline
        self.ready = re.compile(ready, re.M)
        self.progress = re.compile(progress, re.M)
        self.check_cmdline = check_cmdline
        self.check_steps = check_steps
        self.trials = trials
        self.kill_after = kill_after
        self.host_check = host_check
        self.boot_timeout = boot_timeout
        self.extra_reject = list(kw.get("reject", ()))

    def run(self, cfg, stop):
        """All trials; one Result for the whole test."""
        seed = int(os.environ.get("GRADE_SEED") or time.time_ns() % 1000000)
        rng = random.Random(seed)
        start = time.monotonic()
        failures, notes, delays, done = [], [], [], 0
        for k in range(self.trials):
            if stop.is_set():
                failures.append("interrupted")
                break
            delay = rng.uniform(*self.kill_after)
            why, progress = self._trial(cfg, stop, k, delay)
            done += 1
            delays.append(delay)
            notes.append(progress)
            if why:
                failures.append("trial %d (kill %.2fs after ready, progress "
                                "%s): %s" % (k, delay, progress, why))
        summary = ("%d trials, %d failed (seed %d, kills %.2f-%.2fs after "
                   "ready, progress at the kill %s..%s)"
                   % (done, len(failures), seed, min(delays or [0]),
                      max(delays or [0]), min(notes or ["-"], key=_num),
                      max(notes or ["-"], key=_num)))
        print("%s: crash injection: %s" % (self.name, summary), flush=True)
        reason = summary if not failures else summary + "; " + failures[0]
        log = os.path.join(cfg.outdir, "%s.t0.work.log" % self.name)
        return Result(self, not failures, reason, time.monotonic() - start,
                      log, [], [])

    def _trial(self, cfg, stop, k, delay):
        """One kill and check; (None or why it failed, progress)."""
        base = os.path.join(cfg.outdir, "%s.t%d" % (self.name, k))
        disk = base + ".img"
        os.makedirs(cfg.outdir, exist_ok=True)
        self.make_image(disk)
        why, progress = self._work(cfg, stop, base, disk, delay)
        if why is None:
            why = self._check(cfg, stop, k, disk, progress)
        if why is None and self.host_check:
            why = self.host_check(disk, progress)
        if why is None:
            os.unlink(disk)
        return why, progress

    def _work(self, cfg, stop, base, disk, delay):
        """Boots the workload and kills it; (why it failed, progress)."""
        t = Test(os.path.basename(base) + ".work", [expect(self.ready.pattern)],
                 cmdline=self.work_cmdline, cpus=self.cpus, mem=self.mem,
                 qemu_args=self.drive_args(disk))
        boot = base + ".boot.img"
        prepare_image(cfg, t, boot)
        vm = QemuRun(cfg, t, boot)
        out, kill_at, exited = "", None, False
        deadline = time.monotonic() + self.boot_timeout * cfg.timeout_scale
        try:
            vm.start()
            while not stop.is_set():
                now = time.monotonic()
                if kill_at is None and now > deadline:
                    break
                if kill_at is not None and now >= kill_at:
                    break
                data, exited = vm.read(0.01)
                out += data.decode(errors="replace").replace("\r", "")
                if kill_at is None and self.ready.search(out):
                    kill_at = time.monotonic() + delay
                if exited:
                    break
        finally:
            # what the workload said before the kill counts, read or not
            out += vm.kill().decode(errors="replace").replace("\r", "")
            with open(base + ".work.log", "w") as f:
                f.write(out)
            for p in (boot, boot + ".lock"):
                if os.path.exists(p):
                    os.unlink(p)
        # Only whole lines count: the kill can cut the last one short, and
        # "synced 6" of a "synced 63" the workload was printing would
        # claim less progress (and a file since removed) than it made.
        whole = out[:out.rfind("\n") + 1]
        matches = self.progress.findall(whole)
        progress = matches[-1] if matches else "0"
        for r in DEFAULT_REJECT:
            m = re.search(r, out)
            if m:
                return "workload output has /%s/" % r, progress
        if kill_at is None:
            return ("workload never printed /%s/%s"
                    % (self.ready.pattern, " (qemu exited)" if exited else "")), progress
        if exited:
            return "qemu exited before the kill", progress
        return None, progress

    def _check(self, cfg, stop, k, disk, progress):
        """Boots the check on the crashed disk; None or why it failed."""
        t = Test("%s.t%d.check" % (self.name, k), self.check_steps,
                 cmdline=self.check_cmdline.format(progress=progress),
                 cpus=self.cpus, mem=self.mem, qemu_args=self.drive_args(disk),
                 timeout=self.boot_timeout, reject=self.extra_reject)
        r = run_test(cfg, t, stop)
        return None if r.passed else "check boot: " + r.reason


def _num(s):
    try:
        return int(s)
    except (TypeError, ValueError):
        return -1
