#!/usr/bin/env python3
"""A network namespace with a tap device: Linux's own stack as the guest's
peer. The namespace holds the tap (10.0.2.2/24) and nothing else, so the
test touches no host interface; QEMU runs inside it (`ip netns exec`) and
opens the tap there. Deleting the namespace removes the tap; stop() always
does, and kills whatever ran inside. A pcap of the tap (grade/wire.py
capture) is kept when the test fails.

Needs root and iproute2. Helpers that run inside the namespace (no ping
binary is assumed):

    python3 grade/netns.py ping HOST COUNT        ICMP echo, exit 0 if all answered
    python3 grade/netns.py udprecv PORT SECONDS   print the first datagram
"""

import atexit
import hashlib
import os
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HOST_ADDR = "10.0.2.2/24"
_LIVE = set()           # namespaces made and not yet deleted


@atexit.register
def _cleanup():
    """A grader stopped in the middle still removes its namespaces."""
    for ns in list(_LIVE):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True,
                       timeout=10)


def _ip(*args):
    """ip ARGS; a RuntimeError (which the grader reports as the test's
    failure) if it fails."""
    try:
        subprocess.run(["ip"] + list(args), check=True, capture_output=True,
                       timeout=10)
    except (subprocess.SubprocessError, OSError) as e:
        err = getattr(e, "stderr", b"") or b""
        raise RuntimeError("ip %s: %s %s" % (" ".join(args), e,
                                             err.decode(errors="replace")))


class NetnsPeer:
    """A Test's peer (grade/testlib.py): a namespace with a tap that a NIC
    of model (a QEMU device name) is attached to."""

    def __init__(self, model, mac="52:54:00:12:34:56"):
        self.model = model
        self.mac = mac
        self.ns = self.tap = None
        self.procs = []
        self.pcap = None

    def start(self, outdir, name):
        tag = hashlib.sha1(("%s %d %f" % (name, os.getpid(), time.time()))
                           .encode()).hexdigest()[:8]
        self.ns, self.tap = "chitin-" + tag, "cht" + tag
        self.pcap = os.path.join(outdir, name + ".pcap")
        _ip("netns", "add", self.ns)
        _LIVE.add(self.ns)
        _ip("-n", self.ns, "tuntap", "add", "dev", self.tap, "mode", "tap")
        _ip("-n", self.ns, "addr", "add", HOST_ADDR, "dev", self.tap)
        _ip("-n", self.ns, "link", "set", self.tap, "up")
        _ip("-n", self.ns, "link", "set", "lo", "up")
        self.spawn([sys.executable, os.path.join(HERE, "wire.py"), "capture",
                    self.tap, self.pcap])
        dev = "%s,netdev=tap0,mac=%s" % (self.model, self.mac)
        if self.model.startswith("virtio"):
            dev += ",disable-legacy=on"
        return (["ip", "netns", "exec", self.ns],
                ["-netdev", "tap,id=tap0,ifname=%s,script=no,downscript=no"
                 % self.tap, "-device", dev])

    def spawn(self, cmd):
        """Start cmd inside the namespace; its stdout is kept."""
        p = subprocess.Popen(["ip", "netns", "exec", self.ns] + cmd,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def run(self, cmd, timeout=30):
        """Run cmd inside the namespace: (exit status, output)."""
        try:
            r = subprocess.run(["ip", "netns", "exec", self.ns] + cmd,
                               capture_output=True, text=True,
                               timeout=timeout)
            return r.returncode, r.stdout + r.stderr
        except subprocess.TimeoutExpired:
            return -1, "timed out"

    def helper(self, *args):
        """This file's helper commands, as a command line."""
        return [sys.executable, os.path.abspath(__file__)] + list(args)

    def stop(self, failed):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []
        if self.ns:
            subprocess.run(["ip", "netns", "del", self.ns],
                           capture_output=True, timeout=10)
            _LIVE.discard(self.ns)
            self.ns = None
        if self.pcap and not failed and os.path.exists(self.pcap):
            os.unlink(self.pcap)


# --- helpers run inside the namespace ---

def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ping(host, count, wait=3.0):
    """ICMP echo (RFC 792) count times; the number answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(wait)
    ident, answered = os.getpid() & 0xffff, 0
    for seq in range(1, count + 1):
        body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"chitin" * 8
        body = body[:2] + struct.pack("!H", _checksum(body)) + body[4:]
        s.sendto(body, (host, 0))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                data, _ = s.recvfrom(2048)
            except socket.timeout:
                break
            icmp = data[(data[0] & 0xf) * 4:]
            if icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
                answered += 1
                print("reply from %s seq %d" % (host, seq), flush=True)
                break
        time.sleep(0.2)
    return answered


def udprecv(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.settimeout(seconds)
    try:
        data, addr = s.recvfrom(2048)
        print("udp from %s:%d: %s" % (addr[0], addr[1],
                                      data.decode(errors="replace")),
              flush=True)
        return 0
    except socket.timeout:
        print("udp: nothing", flush=True)
        return 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "ping":
        n = int(sys.argv[3])
        sys.exit(0 if ping(sys.argv[2], n) == n else 1)
    if len(sys.argv) == 4 and sys.argv[1] == "udprecv":
        sys.exit(udprecv(int(sys.argv[2]), float(sys.argv[3])))
    print(__doc__)
    sys.exit(2)
