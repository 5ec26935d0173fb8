"""Tests of the library file system (libos/fs/).

Host tests (grade/hosttest.py) run the file system built for the host
with AddressSanitizer and UBSan over the kernel's block-ownership format
(libos/fs/host/): unit tests of every call, thousands of random calls
checked against an in-memory model, crash injection with recovery and
fsck, damaged images, and the mkfs and fsck programs; and
grade/fs/crashboot.py, which kills QEMU at random moments of a
write-heavy workload 20 times and checks the disk each time.

Guest tests boot with the data disk obj/fs/data.img (mkfs: every program
in /bin) as the second drive, IDE (hd1) or virtio-blk (vd0), opened with
snapshot=on so that tests running at once never see each other's writes;
the programs are in user/test/ (testfile, testbigfile, testmanyfiles,
fsappend, fscorrupt). The corrupt images are made by grade/fs/corrupt.py.
"""

import os
import subprocess

from crash import CrashTest
from hosttest import HostTest
from testlib import Test, expect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FS = "obj/fs/"
IMG = os.path.join(ROOT, "obj", "fs", "data.img")


def drive(iface, image=IMG, snapshot=True):
    if iface == "virtio":
        spec = "file=%s,format=raw,if=virtio" % image
    else:
        spec = "file=%s,format=raw,if=ide,index=1,media=disk" % image
    return ["-drive", spec + (",snapshot=on" if snapshot else "")]


def guest(name, prog, iface, steps, cpus=1, timeout=90, image=IMG):
    return Test("fs-%s-%s" % (name, iface), cmdline="init=" + prog,
                cpus=cpus, mem=256, qemu_args=drive(iface, image),
                timeout=timeout, reject=[r"FAIL", r"killed by the kernel"],
                steps=steps)


def corrupt(kind, want):
    image = os.path.join(ROOT, "obj", "fs", "corrupt-%s.img" % kind)
    return guest("corrupt-" + kind, "fscorrupt", "ide", [
        expect(want),
        expect(r"^hello, world"),
        expect(r"^fscorrupt: still running \(hello exited 0\)"),
    ], image=image)


TESTS = [
    HostTest("fs-host-unit", [FS + "test_unit"], timeout=120),
    HostTest("fs-host-model", [FS + "test_model"], timeout=240),
    # 200 trials, each run twice (once to count the device calls, once
    # cut at a random one of them)
    HostTest("fs-host-crash", [FS + "test_crash"], timeout=400,
             env={"CRASH_TRIALS": "200"},
             expect=r"^crash: 200 trials, 0 failed"),
    HostTest("fs-host-corrupt", [FS + "test_corrupt"], timeout=300),
    HostTest("fs-host-tools", ["python3", "grade/fs/tooltest.py"],
             timeout=300),
]


def crash_image(path):
    subprocess.run(["cp", "--sparse=always", IMG, path], check=True)


def crash_fsck(path, progress):
    """The disk after the check boot (whose mount recovered): fsck finds
    nothing."""
    p = subprocess.run([os.path.join(ROOT, FS, "fsck"), path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        return "fsck: " + " | ".join(out.strip().split("\n")[-4:])
    return None


TESTS += [
    # QEMU killed at random moments of fsstress (write, fsync, say so);
    # the next boot's mount recovers, fscheck checks every synced file,
    # fsck checks the disk. grade/fs/crashboot.py is a longer variant:
    # many crashes on one disk, checked byte for byte on the host.
    CrashTest("fs-crash-qemu", crash_image,
              lambda p: drive("ide", p, snapshot=False),
              work_cmdline="init=fsstress 0", ready=r"^fsstress: start",
              progress=r"^fsstress: synced (\d+)$",
              check_cmdline="init=fscheck 0 {progress}",
              check_steps=[expect(r"^fscheck: ok")],
              trials=20, kill_after=(0.0, 3.0), host_check=crash_fsck,
              cpus=1, mem=256, boot_timeout=90,
              reject=[r"FAIL", r"killed by the kernel"]),
]

for iface in ("ide", "virtio"):
    TESTS += [
        guest("testfile", "testfile", iface, [expect(r"^testfile: ok")]),
        guest("testbigfile", "testbigfile", iface, [
            expect(r"^testbigfile: wrote \d+ KiB"),
            expect(r"^testbigfile: ok")], timeout=180),
        guest("testmanyfiles", "testmanyfiles", iface, [
            expect(r"^testmanyfiles: cached open"),
            expect(r"^testmanyfiles: ok")], timeout=180),
    ]

for iface in ("ide", "virtio"):
    # figures only (user/test/fsbench.c): write throughput, fsync'd small
    # files, the cost of opening a cached file; in the log, never judged
    TESTS += [guest("bench", "fsbench", iface, [
        expect(r"^fsbench: write: .* KiB/s"),
        expect(r"^fsbench: open: \d+ ns"),
        expect(r"^fsbench: open-env: .* ns per open"),
        expect(r"^fsbench: done")], timeout=180)]

ISO_IMG = os.path.join(ROOT, "obj", "fs", "iso.img")

for iface in ("ide", "virtio"):
    TESTS += [
        # two programs, spawned from the file system, appending at once
        # on 4 CPUs, each to its own file and both to one
        guest("append", "fsappend", iface, [
            expect(r"^fsappend: ok, .* switches writer \d+ times")],
              cpus=4, timeout=300),
        # principal 2 against principal 1's file system (iso.img, mkfs -o 1)
        guest("iso", "fsiso", iface, [
            expect(r"^fsiso: principal 1 holds \d+ blocks, [1-9]\d* private"),
            expect(r"^fsiso: ok")], cpus=2, timeout=120, image=ISO_IMG),
    ]

TESTS += [
    corrupt("super", r"^fscorrupt: mount refused: superblock .*bad magic"),
    corrupt("root", r"^fscorrupt: mount refused: root directory unusable"),
    corrupt("log", r"^fscorrupt: mounted with a warning: log header"),
    # random bytes in the root directory's block, in the inodes past the
    # root's: the mount works, the lookup through them fails with a reason
    corrupt("dir", r"^fscorrupt: mounted; .*stat /bin/hello says -\d+ "
            r"\(directory \d+: \d+ malformed entries"),
    corrupt("inode", r"^fscorrupt: mounted; .*stat /bin/hello says -\d+ "
            r"\(inode \d+: "),
]
