#!/usr/bin/env python3
"""Data-disk images with the kernel's block-ownership region
(kern/abi/disk.h): a host tool and what the disk tests build on.

    python3 grade/diskimg.py IMAGE MIB [--label L]    a fresh, empty region
    python3 grade/diskimg.py --check IMAGE            print what it holds

The image is sparse: block 0 holds struct blk_super, blocks
1..map_blocks the map (8-byte struct blk_entry per block), and every
block from data_start on is free. The library file system's mkfs
(obj/fs/mkfs) writes the same region and a file system on top.
"""

import argparse
import os
import struct
import sys
import zlib

BLKSIZE = 4096
ENTRY = struct.Struct("<IHH")           # owner, mode, flags
ENTRIES_PER_BLOCK = BLKSIZE // ENTRY.size
MAGIC = 0x314b4c424e544843              # "CHTNBLK1"
VERSION = 1
MAX_BLOCKS = 1 << 20                    # DISK_MAX_BLOCKS
BLKF_USED, BLKF_ZERO, BLKF_RESERVED = 1, 2, 4
# struct blk_super: magic version block_size nblocks map_start map_blocks
# data_start fs_root entry_size crc label[32] reserved[4]
SUPER = struct.Struct("<QIIQQQQQII32s32s")


def super_bytes(size, label=b"", fs_root=0, crc=None, **override):
    """The packed superblock for a disk of size blocks; override
    replaces fields (to make corrupt ones) before the crc is computed,
    unless crc is given."""
    map_blocks = -(-size // ENTRIES_PER_BLOCK)
    f = dict(magic=MAGIC, version=VERSION, block_size=BLKSIZE,
             nblocks=size, map_start=1, map_blocks=map_blocks,
             data_start=1 + map_blocks, fs_root=fs_root,
             entry_size=ENTRY.size, label=label.ljust(32, b"\0")[:32])
    f.update(override)
    order = ("magic", "version", "block_size", "nblocks", "map_start",
             "map_blocks", "data_start", "fs_root", "entry_size")

    def pack(c):
        return SUPER.pack(*[f[k] for k in order], c, f["label"], b"\0" * 32)
    if crc is None:
        crc = zlib.crc32(pack(0)) & 0xffffffff
    return pack(crc)


def format_image(path, mib, label=b"", **override):
    """Writes a fresh ownership region over a sparse image of mib MiB.
    Returns (nblocks, data_start)."""
    nblocks = min(mib * 256, MAX_BLOCKS)
    map_blocks = -(-nblocks // ENTRIES_PER_BLOCK)
    data_start = 1 + map_blocks
    with open(path, "wb") as f:
        f.truncate(mib << 20)
        f.write(super_bytes(nblocks, label, **override).ljust(BLKSIZE, b"\0"))
        reserved = ENTRY.pack(0, 0, BLKF_RESERVED)
        f.seek(BLKSIZE)
        f.write(reserved * data_start)  # blocks 0 .. data_start-1
    return nblocks, data_start


def read_image(path):
    """(superblock fields as a dict, list of (owner, mode, flags))."""
    with open(path, "rb") as f:
        raw = f.read(SUPER.size)
        v = SUPER.unpack(raw)
        keys = ("magic", "version", "block_size", "nblocks", "map_start",
                "map_blocks", "data_start", "fs_root", "entry_size", "crc",
                "label", "reserved")
        sb = dict(zip(keys, v))
        f.seek(BLKSIZE)
        data = f.read(sb["nblocks"] * ENTRY.size)
    entries = [ENTRY.unpack_from(data, i * ENTRY.size)
               for i in range(len(data) // ENTRY.size)]
    return sb, entries


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("image")
    p.add_argument("mib", nargs="?", type=int)
    p.add_argument("--label", default="")
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
    if a.check:
        sb, entries = read_image(a.image)
        used = sum(1 for e in entries if e[2] & BLKF_USED)
        free = sum(1 for e in entries if e[2] == 0)
        print("%s: %d blocks, data from %d, %d used, %d free, label %r"
              % (a.image, sb["nblocks"], sb["data_start"], used, free,
                 sb["label"].rstrip(b"\0").decode(errors="replace")))
        return 0
    if not a.mib or a.mib < 1:
        p.error("give the size in MiB")
    n, d = format_image(a.image, a.mib, a.label.encode())
    print("%s: %d blocks of 4 KiB, data from block %d" % (a.image, n, d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
