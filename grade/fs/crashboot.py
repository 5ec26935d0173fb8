#!/usr/bin/env python3
"""Crash injection on the real system: boots Chitin again and again on
one data disk running fsstress (user/test/fsstress.c), kills QEMU at a
random moment of the write-heavy workload, then checks the disk on the
host: fsck -r (recovery as a mount does it, then the check) must find
nothing wrong, and every file fsstress said it had synced (or removed)
must be there with its exact contents (or gone), in this trial and all
the earlier ones. After every other trial the host does nothing: the
next boot's mount recovers the crash in the guest.

    python3 grade/fs/crashboot.py [--trials N] [--accel tcg|kvm]

Prints a line per trial, then "crashboot: N trials, K failed" and
"N passed, N failed".
"""

import argparse
import os
import random
import re
import selectors
import shutil
import subprocess
import sys
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OBJ = os.path.join(ROOT, "obj")
OUT = os.path.join(OBJ, "grade")


def file_size(n):
    return 1 + ((n * 2654435761) & 0xffffffff) % 16384


def file_crc(trial, n):
    seed = trial * 1000 + n
    data = bytes((i * 31 + seed + (i >> 12)) & 0xff for i in range(file_size(n)))
    return zlib.crc32(data)


def boot(accel, trial, disk, rng, log):
    """One boot of fsstress, killed at random; (synced, removed, said)."""
    img = os.path.join(OUT, "fs-crashboot-boot.img")
    shutil.copyfile(os.path.join(OBJ, "chitin.img"), img)
    subprocess.run(["sh", os.path.join(ROOT, "boot", "setcmdline.sh"), img,
                    "init=fsstress %d" % trial], check=True)
    cmd = ["qemu-system-x86_64", "-machine", "pc", "-accel", accel, "-smp", "1",
           "-m", "256", "-drive", "file=%s,format=raw,if=ide,index=0,media=disk" % img,
           "-drive", "file=%s,format=raw,if=ide,index=1,media=disk" % disk,
           "-display", "none", "-no-reboot", "-serial", "stdio", "-monitor", "none"]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    out = b""
    started = None
    deadline = time.monotonic() + 90
    kill_after = rng.uniform(0.2, 4.0)
    while time.monotonic() < deadline:
        if started and time.monotonic() - started > kill_after:
            break
        if sel.select(0.05):
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
            if started is None and b"fsstress: start" in out:
                started = time.monotonic()
            if started is None and b"\nK> " in out:
                break           # init never ran: the monitor took over
    p.kill()
    p.wait()
    sel.close()
    p.stdout.close()
    text = out.decode("utf-8", "replace")
    log.write(text)
    synced = {int(m) for m in re.findall(r"fsstress: synced (\d+)", text)}
    removed = {int(m) for m in re.findall(r"fsstress: removed (\d+)", text)}
    return synced, removed, started is not None, text


def check(disk, expect, log):
    """fsck -r, then every expected path; a list of problems."""
    bad = []
    p = subprocess.run([os.path.join(OBJ, "fs", "fsck"), "-r", disk],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    log.write(out)
    if p.returncode != 0 or " 0 problems" not in out:
        bad.append("fsck: " + out.strip().replace("\n", " | ")[-300:])
    paths = sorted(expect)
    for i in range(0, len(paths), 200):
        part = paths[i:i + 200]
        p = subprocess.run([os.path.join(OBJ, "fs", "fsget"), disk] + part,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        got = {}
        for line in p.stdout.decode().splitlines():
            f = line.split()
            if f:
                got[f[0]] = f[1:]
        for path in part:
            want = expect[path]
            have = got.get(path)
            if want is None and have != ["-"]:
                bad.append("%s: removed and synced, but still there" % path)
            elif want is not None and len(want) == 3 and have == ["-"]:
                continue
            elif want is not None and (have is None or len(have) != 2 or
                                       int(have[0]) != want[0] or
                                       int(have[1], 16) != want[1]):
                bad.append("%s: want %d bytes crc %08x, have %s"
                           % (path, want[0], want[1], have))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--accel", default=os.environ.get("ACCEL") or "tcg")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    disk = os.path.join(OUT, "fs-crashboot-data.img")
    subprocess.run(["cp", "--sparse=always", os.path.join(OBJ, "fs", "data.img"), disk],
                   check=True)
    rng = random.Random(args.seed)
    expect = {}
    passed = failed = 0
    total_synced = guest_replayed = guest_leaks = 0
    with open(os.path.join(OUT, "fs-crashboot.detail.log"), "w") as log:
        for t in range(args.trials):
            log.write("=== trial %d\n" % t)
            synced, removed, started, text = boot(args.accel, t, disk, rng, log)
            for n in synced:
                expect["/s%d/f%d" % (t, n)] = (file_size(n), file_crc(t, n))
            for n in synced:
                # fsstress removes f(n) after "synced n+3"; killed between
                # the unlink and its "removed" line, either state is right
                if n % 5 == 1 and n + 3 in synced and n not in removed:
                    expect["/s%d/f%d" % (t, n)] += ("maybe gone",)
            for n in removed:
                expect["/s%d/f%d" % (t, n)] = None
            total_synced += len(synced)
            bad = [] if started else ["fsstress never started"]
            m = re.search(r"mount replayed (\d+) blocks, freed (\d+) leaked blocks", text)
            if m:
                guest_replayed += int(m.group(1))
                guest_leaks += int(m.group(2))
            # after odd trials the next boot's mount recovers, in the guest
            if t % 2 == 0 or t == args.trials - 1:
                bad += check(disk, expect, log)
            if re.search(r"kernel panic|FAIL|killed by the kernel", text):
                bad.append("the guest said: %s" % re.search(
                    r".*(kernel panic|FAIL|killed by the kernel).*", text).group(0))
            if bad:
                failed += 1
                print("trial %d: FAILED: %s" % (t, "; ".join(bad[:3])))
            else:
                passed += 1
                print("trial %d: ok, %d files synced, %d checked" % (t, len(synced), len(expect)))
            sys.stdout.flush()
    print("crashboot: %d trials, %d failed; %d files synced in all; guest "
          "mounts replayed %d log blocks and freed %d leaked blocks" % (
              args.trials, failed, total_synced, guest_replayed, guest_leaks))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
