#!/usr/bin/env python3
"""The virtual wire (grade/wire.py) between the guest NIC and a tap in a
network namespace: Linux's own TCP is the peer, and the wire drops,
delays, duplicates, reorders and corrupts frames on the way, recording
every frame that crosses it (both ways, after the rules) to a pcap.

BridgePeer is a Test peer (grade/testlib.py): it makes the namespace and
its tap (10.0.2.2/24, as grade/netns.py does), runs this file inside the
namespace as the bridge, and attaches QEMU (outside the namespace) to
the bridge's unix datagram socket.

    python3 grade/netbridge.py run DIR NAME TAP [--loss P] [--dup P]
        [--reorder P] [--corrupt P] [--delay-in S] [--seed N]

P are per-frame probabilities applied to IPv4 frames in each direction
(ARP passes untouched, so that the neighbours find each other);
--delay-in delays every frame towards the guest by S seconds.
"""

import argparse
import fcntl
import os
import random
import signal
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from netns import NetnsPeer, _ip  # noqa: E402
from wire import Wire  # noqa: E402

TUNSETIFF = 0x400454ca
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000


class Bridge(Wire):
    """A Wire whose far end is a tap: frames from the guest go to the tap,
    frames from the tap are injected towards the guest."""

    def __init__(self, workdir, name, tap):
        super().__init__(workdir, name)
        self.tap = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(self.tap, TUNSETIFF, struct.pack("16sH", tap.encode(),
                                                     IFF_TAP | IFF_NO_PI))

    def start(self):
        super().start()
        for fn in (self._tap_loop, self._flush_loop):
            threading.Thread(target=fn, daemon=True).start()

    def _deliver(self, direction, frame):
        if direction == "in":
            super()._deliver(direction, frame)
            return
        if self.stopping:
            return
        self.pcap.write(frame)
        try:
            os.write(self.tap, frame)
        except OSError:
            pass

    def _tap_loop(self):
        while not self.stopping:
            try:
                frame = os.read(self.tap, 65536)
            except OSError:
                return
            self.inject(frame)

    def _flush_loop(self):
        """Checks read the pcap while the test runs."""
        while not self.stopping:
            time.sleep(0.2)
            with self.pcap.lock:
                if self.pcap.f:
                    self.pcap.f.flush()


def _is_ip(frame):
    return frame[12:14] == b"\x08\x00"


def add_impairments(wire, args):
    rng = random.Random(args.seed)
    for direction in ("in", "out"):
        for action, p in (("drop", args.loss), ("dup", args.dup),
                          ("reorder", args.reorder), ("corrupt", args.corrupt)):
            if p > 0:
                wire.add_rule(direction, action,
                              match=lambda f, p=p: _is_ip(f) and rng.random() < p)
    if args.delay_in > 0:
        wire.add_rule("in", "delay", arg=args.delay_in)


def run(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("name")
    ap.add_argument("tap")
    for opt in ("loss", "dup", "reorder", "corrupt", "delay-in"):
        ap.add_argument("--" + opt, type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    wire = Bridge(args.dir, args.name, args.tap)
    add_impairments(wire, args)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    wire.start()
    print("bridge: ready", flush=True)
    stop.wait()
    counts = ", ".join("%s/%s %d" % (r.direction, r.action, r.applied) for r in wire.rules)
    wire.stop(keep_pcap=True)
    print("bridge: done (%s)" % (counts or "no rules"), flush=True)
    return 0


class BridgePeer(NetnsPeer):
    """A Test peer: the guest's NIC (model) on a bridge to Linux in a
    namespace, with the impairments bridge_args asks for (run's options).
    The pcap is obj/grade/NAME.pcap, kept when the test fails."""

    def __init__(self, model, bridge_args=()):
        super().__init__(model)
        self.bridge_args = list(bridge_args)
        self.bridge = None

    def start(self, outdir, name):
        import hashlib
        tag = hashlib.sha1(("%s %d %f" % (name, os.getpid(), time.time()))
                           .encode()).hexdigest()[:8]
        self.ns, self.tap = "chitin-" + tag, "cht" + tag
        self.pcap = os.path.join(outdir, name + ".pcap")
        _ip("netns", "add", self.ns)
        _ip("-n", self.ns, "tuntap", "add", "dev", self.tap, "mode", "tap")
        _ip("-n", self.ns, "addr", "add", "10.0.2.2/24", "dev", self.tap)
        _ip("-n", self.ns, "link", "set", self.tap, "up")
        _ip("-n", self.ns, "link", "set", "lo", "up")
        self.bridge = self.spawn([sys.executable, os.path.abspath(__file__), "run", outdir,
                                  name, self.tap] + self.bridge_args)
        line = self.bridge.stdout.readline().decode(errors="replace")
        if "ready" not in line:
            raise RuntimeError("the bridge did not start: %s" % line.strip())
        return [], Wire(outdir, name).qemu_args(self.model, self.mac)

    def stop(self, failed):
        if self.bridge and self.bridge.poll() is None:
            self.bridge.send_signal(signal.SIGTERM)
            try:
                self.bridge.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        super().stop(failed)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        sys.exit(run(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
