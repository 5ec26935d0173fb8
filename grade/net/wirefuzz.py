#!/usr/bin/env python3
"""The wire campaign (issue 10), run inside the test's namespace
(grade/tests_soak.py, wire-fuzz): a real TCP transfer to the guest while
malformed and random Ethernet frames are written onto the tap.

    wirefuzz.py TAP GUEST PORT BYTES MIN_FRAMES SEED

A thread sends random bytes to GUEST:PORT (the guest's tcpbench sink)
in 64 KiB pieces, at least BYTES and on until MIN_FRAMES frames have been
written, then closes and prints "wirefuzz: sent N bytes crc C"; all the
while frames go out on TAP through a packet socket (AF_PACKET), so every
one of them is sent while the transfer is going. The frames: random bytes; and ARP, IPv4
(fragments, bad lengths and header lengths, options), ICMP, UDP and TCP
built right and then mutated (bytes flipped, truncated, extended, fields
set to extremes). None carries the transfer's own TCP 4-tuple or claims
the host's address in ARP: those could legitimately reset the transfer
or move the host's address, which would prove nothing. The last line:
"wirefuzz: F frames (D during the transfer), seed S".
"""

import os
import random
import socket
import struct
import sys
import threading
import time
import zlib

GUEST_MAC = bytes.fromhex("525400123456")
HOST_IP = "10.0.2.2"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(a):
    return socket.inet_aton(a)


class Gen:
    def __init__(self, seed, guest, avoid_port, src_mac):
        self.r = random.Random(seed)
        self.guest = ip4(guest)
        self.avoid = avoid_port      # the transfer's source port
        self.src_mac = src_mac

    def rbytes(self, n):
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def some_ip(self):
        r = self.r
        return r.choice([ip4(HOST_IP), ip4("10.0.2.%d" % r.randrange(3, 255)),
                         self.rbytes(4), b"\xff\xff\xff\xff", b"\0\0\0\0",
                         ip4("127.0.0.1"), ip4("224.0.0.1"), self.guest])

    def eth(self, etype, payload):
        dst = self.r.choice([GUEST_MAC, GUEST_MAC, b"\xff" * 6, self.rbytes(6)])
        return dst + self.src_mac + struct.pack("!H", etype) + payload

    def ipv4(self, proto, payload, src=None):
        r = self.r
        src = src or self.some_ip()
        opts = b""
        if r.random() < 0.1:
            opts = self.rbytes(4 * r.randrange(1, 11))
        ihl = 5 + len(opts) // 4
        flags_frag = 0
        if r.random() < 0.25:        # a fragment
            flags_frag = (r.choice([0x2000, 0, 0x4000, 0x6000]) |
                          r.choice([0, 1, 2, 185, r.randrange(8192)]))
        tot = 4 * ihl + len(payload)
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, r.randrange(256) if r.random() < 0.1 else 0,
                        tot, r.randrange(65536), flags_frag, r.choice([64, 1, 0, 255]), proto, 0,
                        src, self.guest if r.random() < 0.9 else self.some_ip()) + opts
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        return h + payload

    def l4(self, src):
        r = self.r
        kind = r.randrange(4)
        data = self.rbytes(r.choice([0, 1, 8, 64, r.randrange(1400)]))
        if kind == 0:            # ICMP: echo, errors quoting junk, anything
            t = r.choice([8, 0, 3, 11, 5, 13, r.randrange(256)])
            b = struct.pack("!BBHI", t, r.randrange(16), 0, r.getrandbits(32)) + data
            return 1, b[:2] + struct.pack("!H", csum(b)) + b[4:]
        if kind == 1:            # UDP to any port
            dport = r.choice([7, 53, 5001, 68, r.randrange(65536)])
            return 17, struct.pack("!HHHH", r.randrange(65536), dport, 8 + len(data), 0) + data
        # TCP: SYNs, ACKs, RSTs, FINs, options, to the listener and elsewhere
        sport = r.randrange(1, 65536)
        if src == ip4(HOST_IP) and sport == self.avoid:
            sport ^= 0x8000
        dport = r.choice([5001, 80, 22, r.randrange(65536)])
        off = r.choice([5, 5, 6, 8, 15, r.randrange(16)])
        opts = self.rbytes(max(0, 4 * off - 20)) if r.random() < 0.5 else \
            (b"\x02\x04\x05\xb4\x01\x03\x03\x0e\x04\x02\x08\x0a" + self.rbytes(8))[:max(0, 4 * off - 20)]
        opts += b"\0" * (max(0, 4 * off - 20) - len(opts))
        flags = r.choice([0x02, 0x10, 0x04, 0x14, 0x01, 0x11, 0x12, 0x18, r.randrange(256)])
        b = struct.pack("!HHIIBBHHH", sport, dport, r.getrandbits(32), r.getrandbits(32),
                        off << 4, flags, r.randrange(65536), 0, r.randrange(65536)) + opts + data
        return 6, b

    def frame(self):
        r = self.r
        k = r.random()
        if k < 0.15:                                     # pure noise
            return self.eth(r.choice([0x0800, 0x0806, 0x86dd, r.randrange(65536)]),
                            self.rbytes(r.randrange(0, 1500)))
        if k < 0.3:                                      # ARP, mutated
            sip = self.some_ip()
            if sip == ip4(HOST_IP):
                sip = ip4("10.0.2.77")
            b = struct.pack("!HHBBH6s4s6s4s", r.choice([1, 1, 6, r.randrange(65536)]),
                            r.choice([0x0800, 0x0800, r.randrange(65536)]),
                            r.choice([6, 6, 0, 255]), r.choice([4, 4, 0, 16]),
                            r.choice([1, 2, 3, r.randrange(65536)]), self.rbytes(6), sip,
                            self.rbytes(6), r.choice([self.guest, self.some_ip()]))
            f = self.eth(0x0806, b)
        else:                                            # IPv4 + ICMP/UDP/TCP
            src = self.some_ip()
            proto, payload = self.l4(src)
            if r.random() < 0.05:
                proto = r.randrange(256)
            f = self.eth(0x0800, self.ipv4(proto, payload, src))
        # mutate: flip bytes, truncate, extend
        f = bytearray(f)
        for _ in range(r.choice([0, 0, 1, 2, 5])):
            f[r.randrange(14, len(f)) if len(f) > 14 else 0] = r.randrange(256)
        if r.random() < 0.1:
            f = f[:r.randrange(14, len(f) + 1)]
        if r.random() < 0.05:
            f += self.rbytes(r.randrange(64))
        return bytes(f[:1514])


def main(argv):
    tap, guest, port, nbytes, minframes, seed = argv[1], argv[2], int(argv[3]), \
        int(argv[4]), int(argv[5]), int(argv[6])
    ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    ps.bind((tap, 0))
    src_mac = bytes.fromhex("02aabbccdd01")
    s = socket.create_connection((guest, port), timeout=300)
    gen = Gen(seed, guest, s.getsockname()[1], src_mac)
    result = {"bytes": 0, "crc": 0}
    count = [0]

    def transfer():
        try:
            while result["bytes"] < nbytes or count[0] < minframes:
                piece = os.urandom(65536)
                s.sendall(piece)
                result["bytes"] += len(piece)
                result["crc"] = zlib.crc32(piece, result["crc"])
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
            s.close()
            result["ok"] = True
        except OSError as e:
            result["err"] = str(e)

    t = threading.Thread(target=transfer)
    t0 = time.monotonic()
    t.start()
    sent = during = 0
    while t.is_alive():
        f = gen.frame()
        try:
            ps.send(f)
        except OSError:
            pass            # too short or long for the tap: counted anyway
        sent += 1
        count[0] = sent
        if t.is_alive():
            during = sent
        if sent % 64 == 0:
            time.sleep(0)   # let the transfer's thread run (no ordering relied on)
    t.join()
    if "ok" not in result:
        print("wirefuzz: FAIL transfer: %s" % result.get("err"), flush=True)
        return 1
    print("wirefuzz: sent %d bytes crc %08x in %.2f s" % (result["bytes"], result["crc"],
                                                         time.monotonic() - t0))
    print("wirefuzz: %d frames (%d during the transfer), seed %d" % (sent, during, seed),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
