#!/usr/bin/env python3
"""mkfs and fsck as a user runs them: an image made with files from the
host is consistent and holds them; damaged copies (random bytes in each
region) make fsck report problems or refuse the image, with -r too,
and never crash it (a sanitizer report exits 99 here).

    python3 grade/fs/tooltest.py        (after make fs-host)
"""

import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MKFS = os.path.join(ROOT, "obj", "fs", "mkfs")
FSCK = os.path.join(ROOT, "obj", "fs", "fsck")
ENV = dict(os.environ, ASAN_OPTIONS="exitcode=99:detect_leaks=1",
           UBSAN_OPTIONS="exitcode=99:halt_on_error=1")
BS = 4096

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("%s: ok" % name)
    else:
        failed += 1
        print("%s: FAILED %s" % (name, detail))


def run(*argv):
    p = subprocess.run(argv, env=ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def main():
    tmp = tempfile.mkdtemp(prefix="fstool")
    img = os.path.join(tmp, "data.img")
    payload = os.path.join(tmp, "payload")
    with open(payload, "wb") as f:
        f.write(bytes(random.Random(1).getrandbits(8) for _ in range(300000)))
    code, out = run(MKFS, "-m", "16", img, "/bin/payload=" + payload,
                    "/etc/motd=" + os.path.join(ROOT, "README.md"), "/tmp/")
    check("mkfs", code == 0, out)
    code, out = run(FSCK, img)
    check("fsck-clean", code == 0 and " 0 problems" in out, out)
    good = open(img, "rb").read()
    # the payload's bytes are in the image, block-aligned
    check("mkfs-contents", good.find(open(payload, "rb").read()[:BS]) % BS == 0)
    rng = random.Random(7)
    regions = {"ownership": (0, 2), "superblock": (9, 10),
               "inodes": (10, 12), "everything": (0, 400)}
    crashes = []
    for region, (lo, hi) in sorted(regions.items()):
        found = 0
        for trial in range(6):
            bad = bytearray(good)
            for _ in range(rng.randint(1, 40)):
                pos = rng.randrange(lo * BS, hi * BS)
                bad[pos] = rng.randrange(256)
            with open(img, "wb") as f:
                f.write(bad)
            for args in ([FSCK, img], [FSCK, "-r", img]):
                code, out = run(*args)
                if code not in (0, 1, 2):
                    crashes.append("%s %s: exit %d\n%s" % (region, trial, code,
                                                           out[-2000:]))
                found += code != 0
        check("fsck-damaged-%s" % region, not crashes,
              crashes[0] if crashes else "")
    # the damaged data disks the guest's fs-corrupt-* tests mount
    # (grade/fs/corrupt.py): fsck reports each, and does not crash
    for kind in ("super", "root", "log", "dir", "inode"):
        path = os.path.join(ROOT, "obj", "fs", "corrupt-%s.img" % kind)
        if not os.path.exists(path):
            check("fsck-corrupt-%s" % kind, False, "no " + path)
            continue
        code, out = run(FSCK, path)
        last = out.strip().split("\n")[-1] if out.strip() else ""
        check("fsck-corrupt-%s" % kind, code in (1, 2),
              "exit %d: %s" % (code, out[-1500:]))
        print("  fsck %s: exit %d: %s" % (os.path.basename(path), code, last))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
