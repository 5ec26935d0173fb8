#!/usr/bin/env python3
"""Linux's side of the guest network tests (grade/tests_net.py), run
inside the test's namespace against user/echosrv at ADDR:

    guestpeer.py ADDR SINK_BYTES

ping (3 echo requests), UDP echo (up to 1472 bytes), TCP echo (64 KiB),
then SINK_BYTES random bytes to the TCP sink on port 9, everything the
TCP source on port 19 sends, and 200 one-byte request/response round
trips on the echo port. Prints one line per check, and "sink: sent N
bytes crc C in S s" / "source: got N bytes crc C in S s" / "rr: ..." for
the grader to compare with the guest's reports; exits 1 if a check
failed.
"""

import os
import socket
import struct
import sys
import time
import zlib


def ping(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(2)
    got = 0
    for seq in range(3):
        payload = b"guest-ping-%d" % seq
        hdr = struct.pack("!BBHHH", 8, 0, 0, 0x7777, seq) + payload
        csum = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr + b"\0" * (len(hdr) % 2)))
        csum = (csum >> 16) + (csum & 0xffff)
        csum = ~(csum + (csum >> 16)) & 0xffff
        s.sendto(struct.pack("!BBHHH", 8, 0, csum, 0x7777, seq) + payload, (addr, 0))
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                data, src = s.recvfrom(2048)
            except socket.timeout:
                break
            icmp = data[(data[0] & 15) * 4:]
            if src[0] == addr and icmp[0] == 0 and icmp[8:] == payload:
                got += 1
                break
    return got == 3, "%d/3 echo replies" % got


def udp_echo(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    for size in (1, 512, 1472):
        msg = os.urandom(size)
        s.sendto(msg, (addr, 7))
        data, _ = s.recvfrom(4096)
        if data != msg:
            return False, "echo of %d bytes differs" % size
    return True, "1..1472 bytes"


def tcp_echo(addr):
    s = socket.create_connection((addr, 7), timeout=30)
    data = os.urandom(65536)
    got = b""
    for i in range(0, len(data), 8192):
        s.sendall(data[i:i + 8192])
        while len(got) < i + 8192:
            b = s.recv(65536)
            if not b:
                return False, "early EOF"
            got += b
    s.close()
    return got == data, "64 KiB"


def main():
    addr, n = sys.argv[1], int(sys.argv[2])
    ok = True
    for name, fn in (("ping", ping), ("udp-echo", udp_echo), ("tcp-echo", tcp_echo)):
        try:
            good, note = fn(addr)
        except OSError as e:
            good, note = False, str(e)
        print("%s %s: %s" % ("ok  " if good else "FAIL", name, note))
        ok = ok and good
    data = os.urandom(n)
    t = time.monotonic()
    try:
        s = socket.create_connection((addr, 9), timeout=60)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)                   # the guest's close
        s.close()
        print("sink: sent %d bytes crc %08x in %.2f s" % (n, zlib.crc32(data),
                                                          time.monotonic() - t))
    except OSError as e:
        print("FAIL sink: %s" % e)
        ok = False
    try:
        t = time.monotonic()
        s = socket.create_connection((addr, 19), timeout=60)
        crc, got = 0, 0
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            crc = zlib.crc32(b, crc)
            got += len(b)
        s.close()
        print("source: got %d bytes crc %08x in %.2f s" % (got, crc, time.monotonic() - t))
        s = socket.create_connection((addr, 7), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rtts = []
        for _ in range(200):
            t = time.monotonic()
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise OSError("echo lost")
            rtts.append(time.monotonic() - t)
        s.close()
        rtts.sort()
        print("rr: 200 round trips, median %.0f us, p90 %.0f us" % (
            rtts[100] * 1e6, rtts[180] * 1e6))
    except OSError as e:
        print("FAIL source/rr: %s" % e)
        ok = False
    sys.stdout.flush()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
