"""The network programs (issue 8): ping, nc, tcpbench, httpd and wget in
the guest, each on its own stack and NIC channel, against Linux in a
network namespace (grade/netns.py) and through the impairing virtual
wire (grade/wire.py). Linux's side is grade/net/appspeer.py.

Figures (throughput, latency, requests/s) go to obj/grade/NAME.figures.
"""

import os
import re
import shutil
import sys
import zlib

from netns import NetnsPeer
from testlib import Test, expect

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable or "python3"
APPSPEER = os.path.join(HERE, "net", "appspeer.py")
GUEST = "10.0.2.15"
HOST = "10.0.2.2"
NICS = (("e1000", "e1000"), ("virtio", "virtio-net-pci"))


def figure(name, text):
    outdir = os.path.join(os.path.dirname(HERE), "obj", "grade")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, name + ".figures"), "a") as f:
        f.write(text + "\n")


class Peer(NetnsPeer):
    """The namespace peer, with Linux-side helpers started when the guest
    is ready and their output kept for the checks."""

    def __init__(self, model):
        super().__init__(model)
        self.outputs = {}

    def start_helper(self, key, *args):
        self.outputs[key] = self.spawn([PY, APPSPEER] + list(args))

    def helper_output(self, key, timeout=60):
        p = self.outputs[key]
        try:
            out, _ = p.communicate(timeout=timeout)
        except Exception:
            p.kill()
            out, _ = p.communicate()
        return out.decode(errors="replace")


def linux_apps_test(tag, model, nbytes=4 << 20):
    """tcpbench both ways, ping both ways, against Linux."""
    peer = Peer(model)
    name = "netapps-linux-" + tag
    state = {}

    def push(m):
        peer.start_helper("sink", "sink", "5002")
        rc, out = peer.run([PY, APPSPEER, "send", GUEST, "5001", str(nbytes)], timeout=120)
        state["send"] = out
        return None if rc == 0 else "Linux's send failed: %s" % out.strip()

    def received(m):
        sent = re.search(r"send: sent (\d+) bytes crc (\w+) in ([\d.]+) s", state.get("send", ""))
        if not sent or (m.group(1), m.group(2)) != (sent.group(1), sent.group(2)):
            return "guest got %s bytes crc %s; Linux: %s" % (m.group(1), m.group(2),
                                                             state.get("send"))
        figure(name, "linux -> guest tcpbench: %s" % m.group(0))
        return None

    def sent(m):
        out = peer.helper_output("sink")
        got = re.search(r"sink: got (\d+) bytes crc (\w+)", out)
        if not got or (m.group(1), m.group(2)) != (got.group(1), got.group(2)):
            return "guest sent %s bytes crc %s; Linux: %s" % (m.group(1), m.group(2), out)
        figure(name, "guest -> linux tcpbench: %s" % m.group(0))
        return None

    def linux_ping(m):
        rc, out = peer.run(peer.helper("ping", GUEST, "3"), timeout=30)
        return None if rc == 0 else "Linux's ping of the guest: %s" % out.strip()

    cmd = ("init=netrun tcpbench sink 5001 ; tcpbench send %s 5002 %d ; ping -c 3 -i 200 %s"
           " ; tcpbench sink 5001" % (HOST, nbytes, HOST))
    return Test(name, cpus=2, peer=peer, timeout=240, cmdline=cmd, steps=[
        expect(r"^tcpbench: listening on port 5001", push),
        expect(r"^tcpbench: received (\d+) bytes crc (\w+) in .*", received),
        expect(r"^tcpbench: sent (\d+) bytes crc (\w+) in .*", sent),
        expect(r"^3 packets transmitted, 3 received"),
        expect(r"^tcpbench: listening on port 5001", linux_ping),
    ])


TESTS = [linux_apps_test(tag, model) for tag, model in NICS]


class HttpPeer(Peer):
    """The namespace peer with Linux's own HTTP server on port 8000,
    serving a directory with one random file of 1 MiB."""

    def start(self, outdir, name):
        r = super().start(outdir, name)
        self.root = os.path.join(outdir, name + ".www")
        os.makedirs(self.root, exist_ok=True)
        data = os.urandom(1 << 20)
        with open(os.path.join(self.root, "file1m"), "wb") as f:
            f.write(data)
        self.file_crc = "%08x" % zlib.crc32(data)
        self.start_helper("http", "http", "8000", self.root)
        return r

    def stop(self, failed):
        super().stop(failed)
        if getattr(self, "root", None):
            shutil.rmtree(self.root, ignore_errors=True)


def httpd_test(tag, model, big):
    """httpd in the guest: curl fetches /bytes/N byte-exact (0 B, 1 KiB,
    1 MiB, and 64 MiB when big), 50 clients at once with keep-alive, a
    closed port refuses, Linux pings the guest; meanwhile the guest's
    wget fetches from Linux's HTTP server and the guest pings Linux."""
    peer = HttpPeer(model)
    name = "netapps-httpd-" + tag
    sizes = [0, 1024, 1 << 20] + ([64 << 20] if big else [])

    def linux_side(m):
        url = "http://%s" % GUEST
        rc, out = peer.run([PY, APPSPEER, "fetch", url] + ["/bytes/%d" % n for n in sizes],
                           timeout=200)
        if rc != 0:
            return "fetching from httpd: %s" % out.strip()
        for line in out.splitlines():
            figure(name, "%s (%s)" % (line, model))
        rc, out = peer.run([PY, APPSPEER, "concurrent", url + "/bytes/1024", "50", "4"],
                           timeout=200)
        if rc != 0:
            return "50 concurrent clients: %s" % out.strip()
        figure(name, "%s (%s)" % (out.strip(), model))
        rc, out = peer.run([PY, APPSPEER, "refused", GUEST, "81"], timeout=30)
        if rc != 0:
            return "closed port: %s" % out.strip()
        rc, out = peer.run(peer.helper("ping", GUEST, "3"), timeout=30)
        return None if rc == 0 else "Linux's ping of the guest: %s" % out.strip()

    def wget_done(m):
        if m.group(2) != peer.file_crc or m.group(1) != str(1 << 20):
            return "wget got %s bytes crc %s, the file has %d bytes crc %s" % (
                m.group(1), m.group(2), 1 << 20, peer.file_crc)
        return None

    cmd = ("init=netrun httpd -q & sleep 1000 ; wget -o ip=10.0.2.16/24 http://%s:8000/file1m"
           " ; ping -o ip=10.0.2.16/24 -c 3 -i 200 %s" % (HOST, HOST))
    return Test(name, cpus=2, peer=peer, timeout=300 if big else 200, cmdline=cmd, steps=[
        expect(r"^httpd: serving .* on port 80", linux_side),
        expect(r"^wget: (\d+) bytes crc (\w+) in", wget_done),
        expect(r"^3 packets transmitted, 3 received"),
    ])


TESTS += [httpd_test("e1000", "e1000", True), httpd_test("virtio", "virtio-net-pci", False)]
