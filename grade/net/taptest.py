#!/usr/bin/env python3
"""Chitin's TCP/IP stack (host build) against Linux's, over a tap device.

    python3 grade/net/taptest.py [--big] [--loss P] [--tapnet PATH] [-k NAME]

Creates a network namespace, a tap device in it (192.0.2.1/24, a
documentation prefix that is never routed), runs obj/host/grade/net/tapnet
(the stack, 192.0.2.2) on the tap, and checks it against Linux's own stack
from inside the namespace: ping, UDP echo, TCP echo, bulk transfers both
ways (byte-exact by CRC-32), connections the stack opens, refused
connections and resets; with --loss P the stack's glue drops that fraction
of frames each way. Prints one line per check and "N passed, N failed";
always deletes the namespace. Needs root (ip netns, /dev/net/tun).
"""

import argparse
import os
import queue
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LINUX_ADDR = "192.0.2.1"
STACK_ADDR = "192.0.2.2"
TAP = "ctap0"


class Stack:
    """The tapnet process: commands in, report lines out."""

    def __init__(self, path, words):
        self.proc = subprocess.Popen([path, TAP] + words, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.log = []
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, regex, timeout):
        """The first report line matching regex, within timeout seconds."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("no line /%s/ within %ds" % (regex, timeout))
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("tapnet exited (status %s) waiting for /%s/"
                                     % (self.proc.poll(), regex))
            self.log.append(line)
            m = re.search(regex, line)
            if m:
                return m

    def send(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()

    def stop(self):
        try:
            self.send("quit")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode


def tcp(port, timeout=20):
    s = socket.create_connection((STACK_ADDR, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_all(s):
    crc, n = 0, 0
    while True:
        b = s.recv(1 << 20)
        if not b:
            return n, crc
        crc = zlib.crc32(b, crc)
        n += len(b)


def icmp_checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


# --- the checks: each raises AssertionError (or an OSError) to fail ---

def check_ping(st, a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(1)
    got = 0
    for seq in range(3):
        payload = b"chitin-ping-%d" % seq * 4
        hdr = struct.pack("!BBHHH", 8, 0, 0, 0x4321, seq)
        pkt = struct.pack("!BBHHH", 8, 0, icmp_checksum(hdr + payload), 0x4321, seq) + payload
        for _ in range(5):              # --loss may eat a request or reply
            s.sendto(pkt, (STACK_ADDR, 0))
            try:
                data, addr = s.recvfrom(2048)
            except socket.timeout:
                continue
            icmp = data[(data[0] & 15) * 4:]
            if addr[0] == STACK_ADDR and icmp[0] == 0 and icmp[8:] == payload:
                got += 1
                break
    assert got == 3, "%d of 3 echo replies" % got
    return "3/3 replies"


def check_udp_echo(st, a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    ok = 0
    # A 30000-byte echo is 42 frames; at 2 % loss each a try succeeds
    # only 43 % of the time, so --loss gets more tries (a UDP
    # application's own retry, not the stack's).
    tries = 12 if a.loss else 3
    for size in (1, 100, 1400, 4000, 30000):   # 4000 and 30000 are fragmented
        msg = os.urandom(size)
        for _ in range(tries):
            s.sendto(msg, (STACK_ADDR, 7))
            try:
                data, _ = s.recvfrom(65536)
            except socket.timeout:
                continue
            if len(data) != size:
                continue                # a late echo of an earlier size
            assert data == msg, "echo of %d bytes differs" % size
            ok += 1
            break
    assert ok == 5, "%d of 5 sizes echoed" % ok
    return "1..30000 bytes (fragmented both ways)"


def check_tcp_echo(st, a):
    s = tcp(7)
    data = os.urandom(300000)
    s.sendall(data[:1])
    got = b""
    sent = 1
    while len(got) < len(data):
        if sent < len(data):
            s.sendall(data[sent:sent + 20000])
            sent += 20000
        got += s.recv(1 << 16)
    s.close()
    assert got == data, "echoed bytes differ"
    return "300000 bytes"


def check_many_echo(st, a):
    socks = [tcp(7) for _ in range(50)]
    msgs = [os.urandom(1000 + i) for i in range(50)]
    for s, m in zip(socks, msgs):
        s.sendall(m)
    for s, m in zip(socks, msgs):
        got = b""
        while len(got) < len(m):
            b = s.recv(65536)
            assert b, "early EOF"
            got += b
        assert got == m, "echo differs"
        s.close()
    return "50 concurrent connections"


def check_linux_to_stack(st, a):
    n = a.bytes
    data = os.urandom(n)
    t = time.monotonic()
    s = tcp(9, timeout=120)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    m = st.expect(r"^sink: (\d+) bytes crc ([0-9a-f]{8})", a.timeout)
    dt = time.monotonic() - t
    s.close()
    assert int(m.group(1)) == n, "stack got %s of %d bytes" % (m.group(1), n)
    assert int(m.group(2), 16) == zlib.crc32(data), "CRC differs"
    return "%d MiB, %.0f Mbit/s" % (n >> 20, n * 8 / dt / 1e6)


def check_stack_to_linux(st, a):
    t = time.monotonic()
    s = tcp(19, timeout=120)
    n, crc = recv_all(s)
    dt = time.monotonic() - t
    s.close()
    m = st.expect(r"^source: (\d+) bytes crc ([0-9a-f]{8})", a.timeout)
    assert n == a.bytes and int(m.group(1)) == n, "got %d, stack sent %s" % (n, m.group(1))
    assert int(m.group(2), 16) == crc, "CRC differs"
    return "%d MiB, %.0f Mbit/s" % (n >> 20, n * 8 / dt / 1e6)


def serve_once(handler):
    """A Linux listener on an ephemeral port; handler(conn) in a thread."""
    ls = socket.socket()
    ls.bind((LINUX_ADDR, 0))
    ls.listen(4)
    ls.settimeout(30)
    result = {}

    def run():
        try:
            c, _ = ls.accept()
            c.settimeout(60)
            result["value"] = handler(c)
            c.close()
        except OSError as e:
            result["error"] = e
        ls.close()
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return ls.getsockname()[1], th, result


def check_stack_connects_send(st, a):
    n = a.bytes // 4
    port, th, res = serve_once(recv_all)
    st.send("send %s %d %d" % (LINUX_ADDR, port, n))
    m = st.expect(r"^send: (\d+) bytes crc ([0-9a-f]{8})|^send: error (.*)", a.timeout)
    th.join(a.timeout)
    assert not m.group(3), "stack: " + (m.group(3) or "")
    assert "value" in res, "Linux side: %s" % res.get("error")
    got, crc = res["value"]
    assert got == n and int(m.group(2), 16) == crc, "got %d bytes, CRC match %s" % (
        got, int(m.group(2), 16) == crc)
    return "%d MiB" % (n >> 20)


def check_stack_connects_recv(st, a):
    data = os.urandom(a.bytes // 4)
    port, th, res = serve_once(lambda c: c.sendall(data))
    st.send("recv %s %d" % (LINUX_ADDR, port))
    m = st.expect(r"^recv: (\d+) bytes crc ([0-9a-f]{8})|^recv: error (.*)", a.timeout)
    th.join(a.timeout)
    assert not m.group(3), "stack: " + (m.group(3) or "")
    assert int(m.group(1)) == len(data) and int(m.group(2), 16) == zlib.crc32(data), \
        "stack got %s bytes" % m.group(1)
    return "%d MiB" % (len(data) >> 20)


def check_refused_by_stack(st, a):
    try:
        tcp(1234, timeout=5)
    except ConnectionRefusedError:
        return "RST for a closed port"
    raise AssertionError("connection to a closed port did not fail")


def check_refused_by_linux(st, a):
    st.send("connect %s 1235" % LINUX_ADDR)
    m = st.expect(r"^connect: (.*)", 30)
    assert m.group(1) == "connection refused", "stack says: " + m.group(1)
    return "ECONNREFUSED"


def check_reset_by_linux(st, a):
    if a.loss:
        return "skipped: a lost RST is never resent (RFC 9293), so --loss may eat it"
    s = tcp(9)
    s.sendall(os.urandom(100000))
    time.sleep(0.2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                           # RST
    m = st.expect(r"^sink: (.*)", 30)
    assert "connection reset" in m.group(1), "stack says: " + m.group(1)
    return "ECONNRESET after the peer's RST"


CHECKS = [
    ("ping", check_ping),
    ("udp-echo", check_udp_echo),
    ("tcp-echo", check_tcp_echo),
    ("tcp-echo-50", check_many_echo),
    ("linux-to-stack", check_linux_to_stack),
    ("stack-to-linux", check_stack_to_linux),
    ("stack-connect-send", check_stack_connects_send),
    ("stack-connect-recv", check_stack_connects_recv),
    ("refused-by-stack", check_refused_by_stack),
    ("refused-by-linux", check_refused_by_linux),
    ("reset-by-linux", check_reset_by_linux),
]


def show_netstat(st):
    """The stack's connections, after a failure."""
    st.send("netstat")
    try:
        while True:
            m = st.expect(r"^netstat: (.*)", 5)
            if m.group(1) == "end":
                break
            print("    " + m.group(1))
    except AssertionError:
        pass


def inner(a):
    """Inside the namespace: start the stack, run the checks."""
    words = ["ip=%s/24" % STACK_ADDR, "source=%d" % a.bytes]
    if a.loss:
        words.append("loss=%g" % a.loss)
    words += a.conf
    st = Stack(a.tapnet, words)
    passed = failed = 0
    try:
        st.expect(r"^tapnet: ready", 10)
        for name, fn in CHECKS:
            if a.k and not any(k in name for k in a.k):
                continue
            t = time.monotonic()
            try:
                note = fn(st, a)
                print("ok   %-20s %5.1fs  %s" % (name, time.monotonic() - t, note))
                passed += 1
            except (AssertionError, OSError) as e:
                print("FAIL %-20s %5.1fs  %s" % (name, time.monotonic() - t, e))
                failed += 1
                show_netstat(st)
            sys.stdout.flush()
    except AssertionError as e:
        print("FAIL start: %s" % e)
        failed += 1
    st.send("stats")
    try:
        print("  " + st.expect(r"^stats:", 5).string[:3000])
    except AssertionError:
        pass
    rc = st.stop()
    if rc != 0:
        print("FAIL tapnet exited with status %s (a sanitizer report is above)" % rc)
        failed += 1
    print("tap: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def outer(a, argv):
    """Creates the namespace and tap, runs inner() there, cleans up."""
    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun"):
        print("tap: needs root and /dev/net/tun; skipped")
        print("0 passed, 0 failed")
        return 0
    ns = "chitin-tap-%d" % os.getpid()
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "tuntap", "add", "dev", TAP, "mode", "tap")
        sh("ip", "-n", ns, "addr", "add", LINUX_ADDR + "/24", "dev", TAP)
        sh("ip", "-n", ns, "link", "set", TAP, "up")
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable,
                            os.path.abspath(__file__), "--inner"] + argv,
                           timeout=a.total)
        return r.returncode
    except subprocess.TimeoutExpired:
        print("FAIL tap: the whole run took longer than %ds" % a.total)
        return 1
    finally:
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--tapnet", default=os.path.join(ROOT, "obj", "host", "grade",
                                                   "net", "tapnet"))
    p.add_argument("--bytes", type=int, default=16 << 20, help="bulk size")
    p.add_argument("--loss", type=float, default=0.0)
    p.add_argument("--timeout", type=int, default=120, help="per transfer")
    p.add_argument("--total", type=int, default=600, help="whole run")
    p.add_argument("-k", action="append", default=[], help="checks to run")
    p.add_argument("conf", nargs="*", help="net_configure words for the stack")
    a = p.parse_args()
    if a.inner:
        return inner(a)
    argv = [x for x in sys.argv[1:]]
    return outer(a, argv)


if __name__ == "__main__":
    sys.exit(main())
