"""Disk tests: the IDE and virtio-blk drivers, block ownership, the
buffer-cache registry, corrupt ownership regions and crash injection
(kern/abi/disk.h is the contract; user/test/disktest.c and blkcrash.c
are the guest side).

The data disks are images made here, at import, in obj/grade/disk/
(grade/diskimg.py writes the ownership region). Tests attach them with
snapshot=on, so every run starts from the same bytes and tests share
them; the crash test gives each trial a private copy.
"""

import os
import random
import shutil

import diskimg
from crash import CrashTest
from testlib import Test, expect, expect_all

HERE = os.path.dirname(os.path.abspath(__file__))
DISKDIR = os.path.join(os.path.dirname(HERE), "obj", "grade", "disk")

HELLO_DONE = r"^init: hello exited with status 0"


def image(name, mib=64, **override):
    """obj/grade/disk/NAME.img with a fresh ownership region (superblock
    fields in override replace the good ones)."""
    os.makedirs(DISKDIR, exist_ok=True)
    path = os.path.join(DISKDIR, name + ".img")
    # Made aside and renamed in: a grader running at the same time keeps
    # reading the old file.
    tmp = "%s.%d.tmp" % (path, os.getpid())
    diskimg.format_image(tmp, mib, b"test-" + name.encode(), **override)
    os.replace(tmp, path)
    return path


def scribble(path, offset, data):
    """Overwrites bytes of a fresh image (before anything uses it)."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    shutil.copyfile(path, tmp)
    with open(tmp, "r+b") as f:
        f.seek(offset)
        f.write(data)
    os.replace(tmp, path)
    return path


def ide(path, index=1, snapshot=True):
    return ["-drive", "file=%s,format=raw,if=ide,index=%d,media=disk%s"
            % (path, index, ",snapshot=on" if snapshot else "")]


def virtio(path, ident="vd", snapshot=True):
    return ["-drive", "file=%s,format=raw,if=none,id=%s%s"
            % (path, ident, ",snapshot=on" if snapshot else ""),
            "-device", "virtio-blk-pci,drive=%s" % ident]


def disktest(name, args, drives, cpus=2, timeout=90, extra=""):
    """disktest ARGS (user/test/disktest.c) must say "MODE ok"."""
    return Test(name, cmdline="%sinit=init disktest %s" % (extra, args),
                qemu_args=drives, cpus=cpus, timeout=timeout,
                steps=[expect(r"^disktest: %s ok" % args.split()[0]),
                       expect(r"^disktest: kernel page audit ok"),
                       expect(r"^init: disktest exited with status 0")],
                reject=[r"FAIL"])


def corrupt_test(name, path, report):
    """A disk whose region is wrong: reported, left alone, the system
    carries on (init runs hello)."""
    return Test("disk-corrupt-" + name, cmdline="init=init hello",
                qemu_args=virtio(path), steps=[
        expect(r"^disk vd0: " + report),
        expect(HELLO_DONE)])


def corrupt_images():
    """(name, image, what the kernel must say) for each corruption."""
    bad = []

    def sb(name, report, mib=8, **override):
        bad.append((name, image("bad-" + name, mib, **override), report))
    sb("magic", r"no block-ownership superblock; left alone", magic=0x1234)
    sb("crc", r"superblock corrupt: bad crc; left alone", crc=0xdeadbeef)
    sb("version", r"superblock corrupt: unknown version", version=7)
    sb("bsize", r"superblock corrupt: bad block or entry size", block_size=512)
    sb("nblocks", r"superblock corrupt: block count beyond the device",
       nblocks=1 << 40)
    sb("mapsize", r"superblock corrupt: bad map location or size", map_blocks=1)
    sb("datastart", r"superblock corrupt: bad data start", data_start=3)
    sb("fsroot", r"superblock corrupt: bad fs_root", fs_root=1)
    # a big disk's region on a small device: truncate after formatting
    path = image("bad-truncated", 64)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    shutil.copyfile(path, tmp)
    with open(tmp, "r+b") as f:
        f.truncate(8 << 20)
    os.replace(tmp, path)
    bad.append(("truncated", path,
                r"superblock corrupt: block count beyond the device"))
    rng = random.Random(5)
    path = scribble(image("bad-random", 8), 0, bytes(rng.randrange(256) for _ in range(16384)))
    bad.append(("random", path, r"no block-ownership superblock"))
    # a good superblock, a map of random bytes: every entry is malformed
    path = scribble(image("bad-map", 8), 4096, bytes(rng.randrange(256) for _ in range(8192)))
    bad.append(("map", path, r"\d+ malformed map entries; their blocks are now reserved"))
    return bad


class BochsDisk:
    """A data disk for a Bochs test, attached as the primary slave: a
    test's peer (grade/testlib.py) that copies the image for the run
    (Bochs has no snapshot mode) and adds the bochsrc line."""

    CYLINDER = 16 * 63 * 512    # Bochs takes the geometry from the size

    def __init__(self, cylinders=130):
        self.size = cylinders * self.CYLINDER
        self.path = None

    def start(self, outdir, name):
        self.path = os.path.join(outdir, name + ".disk.img")
        nblocks = self.size // diskimg.BLKSIZE
        with open(self.path, "wb") as f:
            f.truncate(self.size)
            f.write(diskimg.super_bytes(nblocks, b"bochs").ljust(diskimg.BLKSIZE, b"\0"))
            reserved = 1 + -(-nblocks // diskimg.ENTRIES_PER_BLOCK)
            f.write(diskimg.ENTRY.pack(0, 0, diskimg.BLKF_RESERVED) * reserved)
        return (), ["ata0-slave: type=disk, path=%s, mode=flat" % self.path]

    def stop(self, failed):
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)


BLANK = image("blank", 64)
BLANK2 = image("blank2", 64)
CORRUPT = corrupt_images()


def crash_image(path):
    diskimg.format_image(path, 16, b"crash")


TESTS = [
    # What the drivers and the ownership check report at boot: the boot
    # disk has no region and is left alone, the data disks are ready.
    Test("disk-probe", cmdline="monitor", qemu_args=ide(BLANK) + virtio(BLANK2),
         steps=[expect_all(r"^ide: hd0: .*sectors",
                           r"^ide: hd1: .* 131072 sectors \(64 MiB\).*bus-master DMA",
                           r"^virtio-blk: vd0 .* 131072 sectors \(64 MiB\)"),
                expect_all(r"^disk hd0: no block-ownership superblock; left alone",
                           r"^disk hd1: block-ownership map ok: 16384 blocks",
                           r"^disk vd0: block-ownership map ok: 16384 blocks"),
                expect(r"^K> ")]),
    Test("disk-probe-pio", cmdline="ide=pio monitor", qemu_args=ide(BLANK, index=3),
         steps=[expect(r"^ide: hd3: .* 131072 sectors .*PIO"),
                expect(r"^disk hd3: block-ownership map ok"),
                expect(r"^K> ")]),

    disktest("disk-rw-ide", "rw hd1", ide(BLANK)),
    disktest("disk-rw-ide-pio", "rw hd1", ide(BLANK), extra="ide=pio "),
    disktest("disk-rw-ide-secondary", "rw hd2", ide(BLANK, index=2)),
    disktest("disk-rw-virtio", "rw vd0", virtio(BLANK)),
    disktest("disk-evil", "evil hd1", ide(BLANK)),
    disktest("disk-iso-virtio", "iso vd0", virtio(BLANK)),
    disktest("disk-iso-ide", "iso hd1", ide(BLANK)),
    disktest("disk-stress-virtio", "stress vd0", virtio(BLANK), cpus=4),
    disktest("disk-stress-ide", "stress hd1", ide(BLANK), cpus=4),
    # Random calls with near-valid arguments, then envs killed mid-call.
    disktest("disk-fuzz-virtio", "fuzz vd0 1000", virtio(BLANK), cpus=4, timeout=180),
    disktest("disk-fuzz-ide", "fuzz hd1 1000", ide(BLANK), cpus=2, timeout=180),
    # Throughput, reported in the log, not judged (bigger in make bench).
    disktest("disk-bench-virtio", "bench vd0 8", virtio(BLANK)),
    disktest("disk-bench-ide-dma", "bench hd1 8", ide(BLANK)),
    disktest("disk-bench-ide-pio", "bench hd1 1", ide(BLANK), extra="ide=pio "),
    # The IDE driver on Bochs' own PIIX IDE, bus-master DMA and PIO.
    Test("disk-rw-bochs", emulator="bochs", cmdline="init=init disktest rw hd1",
         peer=BochsDisk(), timeout=180, reject=[r"FAIL"],
         steps=[expect(r"^ide: hd1: .*bus-master DMA"),
                expect(r"^disktest: rw ok"),
                expect(r"^init: disktest exited with status 0")]),
    Test("disk-rw-bochs-pio", emulator="bochs", cmdline="ide=pio init=init disktest rw hd1",
         peer=BochsDisk(), timeout=180, reject=[r"FAIL"],
         steps=[expect(r"^ide: hd1: .*PIO"),
                expect(r"^disktest: rw ok"),
                expect(r"^init: disktest exited with status 0")]),
] + [corrupt_test(n, p, r) for n, p, r in CORRUPT] + [
    # Kill QEMU while blocks are rewritten and flushed, boot again:
    # every flushed round is there, the map's allocations too.
    CrashTest("disk-crash-virtio", crash_image, lambda p: virtio(p, snapshot=False),
              work_cmdline="init=init blkcrash work vd0",
              ready=r"^blkcrash: ready", progress=r"^blkcrash: flushed (\d+)$",
              check_cmdline="init=init blkcrash check vd0 {progress}",
              check_steps=[expect(r"^blkcrash: check ok"),
                           expect(r"^init: blkcrash exited with status 0")],
              trials=12, kill_after=(0.0, 1.5), cpus=1, reject=[r"FAIL"]),
    CrashTest("disk-crash-ide", crash_image, lambda p: ide(p, snapshot=False),
              work_cmdline="init=init blkcrash work hd1",
              ready=r"^blkcrash: ready", progress=r"^blkcrash: flushed (\d+)$",
              check_cmdline="init=init blkcrash check hd1 {progress}",
              check_steps=[expect(r"^blkcrash: check ok"),
                           expect(r"^init: blkcrash exited with status 0")],
              trials=6, kill_after=(0.0, 1.5), cpus=1, reject=[r"FAIL"]),
]
