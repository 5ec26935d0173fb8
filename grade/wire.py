#!/usr/bin/env python3
"""The virtual wire: the host end of the guest NIC, for network tests.

QEMU's `-netdev dgram` backend with unix datagram sockets carries one
Ethernet frame per datagram between the guest NIC and this program; no
other process sees the traffic, and several tests run side by side with
sockets of their own. (Bochs' `socket` module does the same over a pair
of UDP ports on 127.0.0.1: it receives on ethdev=P and sends to P+1.)
The wire

  - injects crafted frames into the guest (inject, inject_many, flood),
  - records every frame that crosses it, both ways, to a pcap file that
    `tcpdump -r` reads (kept when the test fails),
  - and applies rules to the traffic in either direction: drop, delay,
    duplicate, reorder or corrupt the frames a predicate selects.

The netns+tap peer for tests whose peer is Linux's own stack is in
grade/netns.py. Python 3 standard library only.

    python3 grade/wire.py listen DIR          print the frames a guest sends
    python3 grade/wire.py capture IFACE PCAP  record an interface (in a netns)
"""

import os
import random
import select
import socket
import struct
import sys
import threading
import time

GUEST_MAC = bytes.fromhex("525400123456")
WIRE_MAC = bytes.fromhex("020000000002")
BROADCAST = b"\xff" * 6
ETH_IP, ETH_ARP = 0x0800, 0x0806

PCAP_MAGIC = 0xa1b2c3d4
LINKTYPE_ETHERNET = 1
SNAPLEN = 65535


class Pcap:
    """A classic pcap file (the format libpcap and tcpdump read)."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0,
                                 SNAPLEN, LINKTYPE_ETHERNET))

    def write(self, frame, when=None):
        when = time.time() if when is None else when
        sec = int(when)
        usec = int((when - sec) * 1e6)
        with self.lock:
            if self.f:
                self.f.write(struct.pack("<IIII", sec, usec, len(frame),
                                         len(frame)) + frame)

    def close(self):
        with self.lock:
            if self.f:
                self.f.close()
                self.f = None


def read_pcap(path):
    """The frames of a pcap file, as (time, bytes)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 24
    while pos + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, pos)
        pos += 16
        out.append((sec + usec / 1e6, data[pos:pos + incl]))
        pos += incl
    return out


class Rule:
    """What to do to matching frames going one way ('in': to the guest,
    'out': from it). action: 'drop', 'delay' (arg seconds), 'dup' (arg
    extra copies), 'reorder' (hold the frame until the next one has gone),
    'corrupt' (arg: byte offset to flip, default random). Applies to every
    `every`-th match, at most `times` times (None: no limit)."""

    ACTIONS = ("drop", "delay", "dup", "reorder", "corrupt")

    def __init__(self, direction, action, match=None, arg=None, every=1,
                 times=None):
        if direction not in ("in", "out") or action not in self.ACTIONS:
            raise ValueError("bad rule %s %s" % (direction, action))
        self.direction, self.action, self.arg = direction, action, arg
        self.match = match or (lambda f: True)
        self.every, self.times = every, times
        self.seen = self.applied = 0

    def wants(self, frame):
        if not self.match(frame):
            return False
        self.seen += 1
        if self.seen % self.every or (self.times is not None
                                      and self.applied >= self.times):
            return False
        self.applied += 1
        return True


class Wire:
    """One guest NIC's wire. Use qemu_args() in the QEMU command line,
    start() before QEMU, stop() after."""

    def __init__(self, workdir, name, transport="unix"):
        self.dir = workdir
        self.name = name
        self.transport = transport  # "unix" (QEMU) or "udp" (Bochs)
        self.udp_port = None        # udp: the guest's port; ours is +1
        self.host_path = os.path.join(workdir, name + ".wire")
        self.guest_path = os.path.join(workdir, name + ".qemu")
        self.pcap_path = os.path.join(workdir, name + ".pcap")
        self.rules = []
        self.sock = None
        self.pcap = None
        self.received = []          # (time, frame) the guest sent
        self.cond = threading.Condition()
        self.held = {"in": None, "out": None}   # reorder
        self.delayed = []           # (due, direction, frame): the delay line
        self.delayer = None
        self.timers = []
        self.stopping = False
        self.sent = 0
        self.unsent = 0
        self.connected = False      # unix: connected to QEMU's socket

    # -- set-up --

    def qemu_args(self, model, mac="52:54:00:12:34:56"):
        """The QEMU options that attach a NIC of model (e1000,
        virtio-net-pci...) to this wire."""
        dev = model + ",netdev=wire0,mac=" + mac
        if model.startswith("virtio"):
            dev += ",disable-legacy=on"
        return ["-netdev", "dgram,id=wire0,local.type=unix,local.path=%s,"
                "remote.type=unix,remote.path=%s" % (self.guest_path,
                                                     self.host_path),
                "-device", dev]

    def bochs_line(self, mac="52:54:00:12:34:56"):
        """The bochsrc line that attaches Bochs' e1000 to this wire."""
        return ('e1000: enabled=1, mac=%s, ethmod=socket, ethdev=%d, script=""'
                % (mac, self.udp_port))

    def _bind_udp(self):
        """Ports P (for Bochs) and P+1 (ours), both free right now."""
        rnd = random.Random()
        for _ in range(100):
            port = rnd.randrange(42000, 60000, 2)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind(("127.0.0.1", port + 1))
                probe.bind(("127.0.0.1", port))
            except OSError:
                s.close()
                continue
            finally:
                probe.close()
            self.udp_port = port
            self.guest_path = ("127.0.0.1", port)
            return s
        raise RuntimeError("no free UDP port pair for the wire")

    def start(self):
        if self.transport == "udp":
            self.sock = self._bind_udp()
        else:
            for p in (self.host_path, self.guest_path):
                if os.path.exists(p):
                    os.unlink(p)
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.sock.bind(self.host_path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.pcap = Pcap(self.pcap_path)
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()

    def stop(self, keep_pcap=False):
        """Close everything; the pcap stays only if keep_pcap."""
        self.stopping = True
        for t in self.timers:
            t.cancel()
        if self.sock:
            self.sock.close()
        if self.pcap:
            self.pcap.close()
        for p in (self.host_path, self.guest_path):
            if isinstance(p, str) and os.path.exists(p):
                os.unlink(p)
        if not keep_pcap and os.path.exists(self.pcap_path):
            os.unlink(self.pcap_path)

    def add_rule(self, *args, **kw):
        rule = Rule(*args, **kw)
        self.rules.append(rule)
        return rule

    # -- traffic --

    def _read_loop(self):
        """Drain the socket in bursts: virtio-net completes a transmission
        only once it is sent (and before _connect, a sender stalls once
        net.unix.max_dgram_qlen datagrams, 10 by default, wait)."""
        while not self.stopping:
            self._connect()
            try:
                ready, _, _ = select.select([self.sock], [], [],
                                            0.2 if self.connected else 0.02)
                if not ready:
                    continue
                burst = []
                while len(burst) < 256:
                    try:
                        burst.append(self.sock.recv(65536, socket.MSG_DONTWAIT))
                    except BlockingIOError:
                        break
            except (OSError, ValueError):
                return
            for frame in burst:
                self._pass("out", frame)

    def _pass(self, direction, frame):
        """Rules, then delivery (to the guest, or to self.received)."""
        for rule in self.rules:
            if rule.direction != direction or not rule.wants(frame):
                continue
            if rule.action == "drop":
                return
            if rule.action == "delay":
                self._delay(direction, frame, rule.arg or 0.1)
                return
            if rule.action == "dup":
                for _ in range(rule.arg or 1):
                    self._deliver(direction, frame)
            elif rule.action == "corrupt":
                off = rule.arg if rule.arg is not None else \
                    random.randrange(len(frame))
                if off < len(frame):
                    frame = frame[:off] + bytes([frame[off] ^ 0xff]) + \
                        frame[off + 1:]
            elif rule.action == "reorder":
                if self.held[direction] is None:
                    self.held[direction] = frame
                    return
        self._deliver(direction, frame)
        held, self.held[direction] = self.held[direction], None
        if held is not None and held is not frame:
            self._deliver(direction, held)

    def _delay(self, direction, frame, seconds):
        """A delay line: frames leave in the order they came, seconds
        later (one timer per frame would let threads reorder them)."""
        with self.cond:
            self.delayed.append((time.monotonic() + seconds, direction, frame))
            if self.delayer is None:
                self.delayer = threading.Thread(target=self._delay_loop, daemon=True)
                self.delayer.start()
            self.cond.notify_all()

    def _delay_loop(self):
        while not self.stopping:
            with self.cond:
                if not self.delayed:
                    self.cond.wait(0.1)
                    continue
                due, direction, frame = self.delayed[0]
                left = due - time.monotonic()
                if left > 0:
                    self.cond.wait(left)
                    continue
                self.delayed.pop(0)
            self._deliver(direction, frame)

    def _deliver(self, direction, frame):
        if self.stopping:
            return
        self.pcap.write(frame)
        if direction == "out":
            with self.cond:
                self.received.append((time.monotonic(), frame))
                self.cond.notify_all()
            return
        deadline = time.monotonic() + 2.0
        while not self.stopping:
            try:
                self._connect()
                if self.connected:
                    self.sock.send(frame, socket.MSG_DONTWAIT)
                else:
                    self.sock.sendto(frame, socket.MSG_DONTWAIT, self.guest_path)
                self.sent += 1
                return
            except (BlockingIOError, ConnectionRefusedError,
                    FileNotFoundError, InterruptedError):
                if time.monotonic() > deadline:
                    break
                if self.connected:  # until QEMU's queue has room
                    try:
                        select.select([], [self.sock], [], 0.01)
                    except (OSError, ValueError):
                        break       # closed by stop()
                else:
                    time.sleep(0.001)   # QEMU is not reading (yet)
            except OSError:
                break
        self.unsent += 1

    def _connect(self):
        """Connect to QEMU's socket once it exists (the reader does it as
        soon as QEMU is up). A connected unix datagram socket can wait
        (select) until QEMU's receive queue has room, where an unconnected
        one can only poll with sleeps; and Linux lets the socket a
        receiver is connected to queue past net.unix.max_dgram_qlen (the
        rcvbuf bounds it), so QEMU no longer stalls every 10 frames on
        its way out. Only QEMU sends to us, so receiving is unchanged."""
        if self.connected or self.transport != "unix" or \
                not os.path.exists(self.guest_path):
            return
        try:
            self.sock.connect(self.guest_path)
            self.connected = True
        except OSError:
            pass

    def inject(self, frame):
        """Send one frame to the guest (through the 'in' rules)."""
        self._pass("in", bytes(frame))

    def inject_many(self, frames, gap=0.0):
        for f in frames:
            self.inject(f)
            if gap:
                time.sleep(gap)

    def flood(self, frames, seconds=None):
        """Inject frames from a background thread as fast as the guest's
        device takes them, over and over for seconds if given; returns
        the thread."""
        def run():
            end = time.monotonic() + (seconds or 0)
            while True:
                self.inject_many(frames)
                if self.stopping or time.monotonic() >= end:
                    return
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def frames(self):
        with self.cond:
            return [f for _, f in self.received]

    def wait_frames(self, n, timeout, match=None):
        """Wait until n frames (that match) have come from the guest;
        returns them (maybe fewer on timeout)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [f for _, f in self.received
                       if match is None or match(f)]
                left = deadline - time.monotonic()
                if len(got) >= n or left <= 0:
                    return got
                self.cond.wait(min(left, 0.1))

    def rate(self, match=None):
        """(frames, seconds between the first and the last) received."""
        with self.cond:
            ts = [t for t, f in self.received if match is None or match(f)]
        if len(ts) < 2:
            return len(ts), 0.0
        return len(ts), ts[-1] - ts[0]


class WirePeer:
    """A Test's peer (grade/testlib.py): a Wire to a NIC of model (QEMU
    device name) with the guest MAC address GUEST_MAC. The wire exists
    once start() has run; checks reach it as peer.wire."""

    def __init__(self, model):
        self.model = model          # a QEMU device, or "bochs" (its e1000)
        self.wire = None

    def start(self, outdir, name):
        bochs = self.model == "bochs"
        self.wire = Wire(outdir, name, "udp" if bochs else "unix")
        self.wire.start()
        if bochs:
            return [], [self.wire.bochs_line()]
        return [], self.wire.qemu_args(self.model)

    def stop(self, failed):
        if self.wire:
            self.wire.stop(keep_pcap=failed)


# --- frame building ---

def checksum(data):
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(addr):
    return socket.inet_aton(addr)


def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def udp_frame(src_ip, dst_ip, sport, dport, payload, dst_mac=GUEST_MAC,
              src_mac=WIRE_MAC):
    """An Ethernet/IPv4/UDP frame (no UDP checksum)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                      0, ip4(src_ip), ip4(dst_ip))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return eth(dst_mac, src_mac, ETH_IP, hdr + udp)


def fnv1a64(data, h=0xcbf29ce484222325):
    """FNV-1a, 64 bits: what the guest tests hash frames with."""
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def frames_hash(frames):
    """The guest tests' hash of a frame sequence: each frame's length
    (2 bytes, big-endian) then its bytes."""
    h = 0xcbf29ce484222325
    for f in frames:
        h = fnv1a64(struct.pack("!H", len(f)) + f, h)
    return h


def udp_fields(frame):
    """(src_ip, dst_ip, sport, dport) of an IPv4/UDP frame, else None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return None
    ihl = (frame[14] & 0xf) * 4
    if len(frame) < 14 + ihl + 4:
        return None
    sport, dport = struct.unpack_from("!HH", frame, 14 + ihl)
    return (socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34]),
            sport, dport)


# --- command line ---

def _listen(workdir):
    w = Wire(workdir, "listen")
    w.start()
    print("wire: QEMU options: %s" % " ".join(w.qemu_args("e1000")))
    try:
        n = 0
        while True:
            got = w.wait_frames(n + 1, 1.0)
            for f in got[n:]:
                print("wire: %d bytes %s" % (len(f), f[:32].hex()))
            n = len(got)
    except KeyboardInterrupt:
        w.stop(keep_pcap=True)
        print("wire: pcap in %s" % w.pcap_path)


def _capture(iface, path):
    """Record iface (from inside a netns: `ip netns exec NS ...`) until
    killed."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    pcap = Pcap(path)
    try:
        while True:
            pcap.write(s.recv(65536))
            pcap.f.flush()
    except (KeyboardInterrupt, OSError):
        pass
    finally:
        pcap.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "listen":
        _listen(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "capture":
        import signal
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
        _capture(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)
