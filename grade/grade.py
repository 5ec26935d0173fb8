#!/usr/bin/env python3
"""The Chitin grader: boots the system once per test and judges its output.

    python3 grade/grade.py              run every test in grade/tests.py
    python3 grade/grade.py -k smp       ... those whose name matches
    python3 grade/grade.py --list       list the test names

Prints one line per test as it finishes (name, PASS or FAIL, seconds) and,
for a failure, the unmet step or the rejected line, the last lines of
serial output and the make command that boots the same way; closes with
"N passed, N failed" and exits 1 if anything failed.

Environment: ACCEL (kvm or tcg; default: what conf/accel.sh says), QEMU,
BOCHS (the emulator binaries), GRADE_TIMEOUT_SCALE (multiplies every
test's timeout, e.g. 3 on a slow machine).

Python 3 standard library only. How to write a test: grade/testlib.py.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import tests  # noqa: E402  (grade/tests.py: the test definitions)
from vm import Config, run_test  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description="Boot Chitin per test and "
                                "judge its serial output.")
    p.add_argument("-k", dest="patterns", action="append", default=[],
                   metavar="PATTERN", help="run only tests whose name "
                   "contains PATTERN or matches it as a regex (repeatable)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="tests run at once (default: the number of CPUs)")
    p.add_argument("--list", action="store_true", help="list test names")
    p.add_argument("--image", default=os.path.join(ROOT, "obj", "chitin.img"),
                   help="the disk image to boot (default: obj/chitin.img)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print each emulator command line")
    return p.parse_args()


def select(all_tests, patterns):
    """The tests whose name contains, or matches, one of patterns."""
    if not patterns:
        return list(all_tests)

    def matches(name, pat):
        if pat in name:
            return True
        try:
            return re.search(pat, name) is not None
        except re.error:
            return False
    return [t for t in all_tests if any(matches(t.name, p) for p in patterns)]


def pick_accel():
    """ACCEL from the environment, else conf/accel.sh's answer, else tcg."""
    accel = os.environ.get("ACCEL", "").strip()
    if accel:
        return accel
    try:
        out = subprocess.run(["sh", os.path.join(ROOT, "conf", "accel.sh")],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "tcg"
    except (OSError, subprocess.SubprocessError):
        return "tcg"


def shown_path(path):
    """path relative to the top of the tree when it is inside it."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def report(result, width):
    """Print one finished test: a line, and for a failure the details."""
    verdict = "PASS" if result.passed else "FAIL"
    print("%-*s  %s  %.1fs" % (width, result.test.name, verdict,
                               result.elapsed))
    if result.passed:
        return
    print("    %s" % result.reason)
    print("    reproduce: %s" % result.test.describe_run())
    # The emulator's own words matter when it stopped or never spoke.
    if result.diag and ("exited" in result.reason or not result.tail):
        print("    %s said:" % result.test.emulator)
        for line in result.diag[-5:]:
            print("    ! %s" % line)
    rel = shown_path(result.log)
    if result.tail:
        print("    last %d lines of serial output (%s):"
              % (len(result.tail), rel))
        for line in result.tail:
            print("    | %s" % line)
    else:
        print("    no serial output (%s)" % rel)


def run_one(cfg, test, stop):
    """A test with a run method of its own (grade/crash.py's, which
    boots many times) runs itself; any other boots once."""
    if hasattr(test, "run"):
        return test.run(cfg, stop)
    return run_test(cfg, test, stop)


def run_all(cfg, chosen, jobs):
    """Run chosen tests, jobs at a time; returns (passed, failed)."""
    width = max(len(t.name) for t in chosen)
    stop = threading.Event()
    passed = failed = 0
    failures = []
    # The slow tests (the longest timeouts) start first, so that they do
    # not finish alone at the end while the other cores sit idle.
    order = sorted(chosen, key=lambda t: -t.timeout)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(run_one, cfg, t, stop) for t in order]
        for fut in concurrent.futures.as_completed(futures):
            result = fut.result()
            report(result, width)
            sys.stdout.flush()
            if result.passed:
                passed += 1
            else:
                failed += 1
                failures.append(result)
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        print("interrupted")
        failed = len(chosen) - passed
    finally:
        pool.shutdown(wait=True)
    recap_failures(failures)
    return passed, failed


def recap_failures(failures):
    """Name the failed tests again at the very end: a CI log is often
    read from its tail, far below the failure's own report."""
    for result in failures:
        reason = result.reason.splitlines()[0] if result.reason else ""
        print("FAILED %s (%.1fs): %s" % (result.test.name, result.elapsed,
                                         reason[:160]))
        if result.tail:
            print("    last line: %s" % result.tail[-1][:160])


def main():
    args = parse_args()
    names = [t.name for t in tests.TESTS]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        print("grade: duplicate test names in grade/tests.py: %s"
              % ", ".join(dups))
        return 2
    chosen = select(tests.TESTS, args.patterns)
    if args.list:
        for t in chosen:
            print(t.name)
        return 0
    if not chosen:
        print("no test matches %s" % " ".join(args.patterns))
        print("0 passed, 0 failed")
        return 1
    if not os.path.exists(args.image):
        print("grade: %s does not exist; run make first" % args.image)
        print("0 passed, %d failed" % len(chosen))
        return 1
    try:
        scale = float(os.environ.get("GRADE_TIMEOUT_SCALE") or 1)
    except ValueError:
        print("grade: GRADE_TIMEOUT_SCALE must be a number")
        return 2
    cfg = Config(ROOT, os.path.abspath(args.image), pick_accel(),
                 timeout_scale=scale, verbose=args.verbose)
    jobs = max(1, min(args.jobs, len(chosen)))
    print("grade: %d tests, %d at a time, accel %s, image %s"
          % (len(chosen), jobs, cfg.accel, shown_path(cfg.image)))
    sys.stdout.flush()
    start = time.monotonic()
    passed, failed = run_all(cfg, chosen, jobs)
    print("grade: %.1fs" % (time.monotonic() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
