#!/usr/bin/env python3
"""Damaged copies of the data disk for the grader's fs-corrupt tests.

    python3 grade/fs/corrupt.py super|root|log|dir|inode IN OUT

super: random bytes over the file system's superblock; root: the root
directory's inode says it is of an unknown type; log: a committed log
header (checksum right) whose entries point outside the device; dir: random bytes over the root
directory's first block; inode: random bytes over every inode of the
first inode-table block but the root's (/bin's among them). Offsets
come from the ownership superblock and the fs superblock (formats:
kern/abi/disk.h, libos/fs/fsformat.h).
"""

import random
import struct
import sys
import zlib

BS = 4096


def main():
    kind, src, dst = sys.argv[1:4]
    img = bytearray(open(src, "rb").read())
    fs_root = struct.unpack_from("<Q", img, 48)[0]      # blk_super.fs_root
    sb = fs_root * BS
    # struct fs_super: magic version bsize nblocks sb_block inode_start
    # inode_blocks ninodes log_start log_blocks root_ino owner ...
    (inode_start,) = struct.unpack_from("<I", img, sb + 24)
    (log_start,) = struct.unpack_from("<I", img, sb + 36)
    if kind == "super":
        rng = random.Random(5)
        for i in range(64):
            img[sb + i] = rng.randrange(256)
    elif kind == "root":
        struct.pack_into("<H", img, inode_start * BS + 128, 77)
    elif kind == "log":
        h = log_start * BS
        img[h:h + BS] = bytes(BS)
        # magic state seq nblocks nfree data_crc crc, entries
        struct.pack_into("<QIIIIII", img, h, 0x474f4c5354494843, 2, 1, 3, 0, 0, 0)
        struct.pack_into("<III", img, h + 32, 0xfffffff0, 7, 0x7fffffff)
        struct.pack_into("<I", img, h + 28, zlib.crc32(bytes(img[h:h + BS])))
    elif kind == "dir":
        (blk,) = struct.unpack_from("<I", img, inode_start * BS + 128 + 36)
        rng = random.Random(6)
        for i in range(BS):
            img[blk * BS + i] = rng.randrange(256)
    elif kind == "inode":
        rng = random.Random(7)
        for i in range(256, BS):
            img[inode_start * BS + i] = rng.randrange(256)
    else:
        sys.exit("corrupt.py: unknown kind %s" % kind)
    with open(dst, "wb") as f:           # sparse, like the original
        zero = bytes(1 << 20)
        for off in range(0, len(img), 1 << 20):
            chunk = img[off:off + (1 << 20)]
            if chunk == zero[:len(chunk)]:
                f.seek(len(chunk), 1)
            else:
                f.write(chunk)
        f.truncate(len(img))


if __name__ == "__main__":
    main()
