"""The network programs (issue 8): ping, nc, tcpbench, httpd and wget in
the guest, each on its own stack and NIC channel, against Linux in a
network namespace (grade/netns.py) and through the impairing virtual
wire (grade/wire.py). Linux's side is grade/net/appspeer.py.

Figures (throughput, latency, requests/s) go to obj/grade/NAME.figures.
"""

import os
import re
import shutil
import socket
import struct
import sys
import threading
import time
import zlib

from netbridge import BridgePeer
from netns import NetnsPeer
from testlib import Test, expect
from wire import read_pcap

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
    """The namespace peer, with Linux-side helpers (appspeer.py) whose
    output is kept for the checks: sinks on sink_ports and an echo server
    on echo_port listen before the guest boots."""

    def __init__(self, model, sink_ports=(), echo_port=None):
        super().__init__(model)
        self.outputs = {}
        self.sink_ports = sink_ports
        self.echo_port = echo_port

    def start(self, outdir, name):
        r = super().start(outdir, name)
        for port in self.sink_ports:
            self.start_helper("sink%d" % port, "sink", str(port))
        if self.echo_port:
            self.start_helper("echo", "echo", str(self.echo_port))
        for key in list(self.outputs):
            self.outputs[key].stdout.readline()     # "listening"
        return r

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


class _Done:
    """A finished helper's output, in the shape helper_output reads."""

    def __init__(self, out):
        self.out = out

    def communicate(self, timeout=None):
        return self.out.encode(), None


def same_as_linux(peer, key, what, name, note):
    """A check: the guest's "N bytes crc C" (groups 1, 2) is what Linux's
    helper key reported."""
    def check(m):
        out = peer.helper_output(key, timeout=120) if key in peer.outputs else ""
        got = re.search(r"(?:got|sent) (\d+) bytes crc (\w+)", out)
        if not got or (m.group(1), m.group(2)) != (got.group(1), got.group(2)):
            return "%s: guest %s bytes crc %s; Linux: %s" % (what, m.group(1), m.group(2),
                                                           out.strip())
        figure(name, "%s: %s (%s)" % (what, m.group(0), note))
        return None
    return check


def linux_apps_test(tag, model, nbytes=4 << 20, nc_bytes=64 << 20):
    """Against Linux: tcpbench both ways (nbytes), ping both ways, nc both
    ways (nc_bytes), tcpbench request/response latency."""
    peer = Peer(model, sink_ports=(5002, 5003), echo_port=5005)
    name = "netapps-linux-" + tag

    def push(port, key, n=nbytes):
        def check(m):
            rc, out = peer.run([PY, APPSPEER, "send", GUEST, str(port), str(n)],
                               timeout=120)
            peer.outputs[key] = _Done(out)
            return None if rc == 0 else "Linux's send failed: %s" % out.strip()
        return check

    def ping_then_push(m):
        rc, out = peer.run(peer.helper("ping", GUEST, "3"), timeout=30)
        if rc != 0:
            return "Linux's ping of the guest: %s" % out.strip()
        return push(5004, "send5004", nc_bytes)(m)

    def rr(m):
        figure(name, "%s (%s)" % (m.group(0), model))
        return None

    def tso_used(m):
        # virtio-net over a tap offers TSO: the guest's sends used it
        if int(m.group(1)) == 0:
            return "no TSO frame was sent"
        figure(name, "%s (%s)" % (m.group(0).strip(), model))
        return None

    # the NIC's counters at the end (netstat -n): TSO used on virtio-net
    tso = ([expect(r"^  offloads: csum tso4; \d+ frames checksummed by the NIC, "
                   r"(\d+) of them TSO", tso_used)]
           if model.startswith("virtio") else [])
    cmd = ("init=netrun tcpbench sink 5001 ; tcpbench send %s 5002 %d ; ping -c 3 -i 200 %s"
           " ; nc -q -N %d %s 5003 ; nc -l -q 5004 ; tcpbench rr %s 5005 200 ; netstat -n"
           % (HOST, nbytes, HOST, nc_bytes, HOST, HOST))
    return Test(name, cpus=2, peer=peer, timeout=300, cmdline=cmd, steps=[
        expect(r"^tcpbench: listening on port 5001", push(5001, "send5001")),
        expect(r"^tcpbench: received (\d+) bytes crc (\w+) in .*",
               same_as_linux(peer, "send5001", "linux -> guest tcpbench", name, model)),
        expect(r"^tcpbench: sent (\d+) bytes crc (\w+) in .*",
               same_as_linux(peer, "sink5002", "guest -> linux tcpbench", name, model)),
        expect(r"^3 packets transmitted, 3 received"),
        expect(r"^nc: sent (\d+) bytes crc (\w+)",
               same_as_linux(peer, "sink5003", "guest -> linux nc", name, model)),
        expect(r"^nc: listening on tcp port 5004", ping_then_push),
        expect(r"^nc: received (\d+) bytes crc (\w+).*",
               same_as_linux(peer, "send5004", "linux -> guest nc", name, model)),
        expect(r"^tcpbench: rr 200 x 1 bytes: median \d+ us, p90 \d+ us.*", rr),
    ] + tso)


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
        # Python starts slowly on a loaded machine: boot once it listens
        self.outputs["http"].stdout.readline()
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
        rc, out = peer.run([PY, APPSPEER, "concurrent", url + "/bytes/1024", "1", "200"],
                           timeout=200)
        if rc != 0:
            return "one keep-alive client: %s" % out.strip()
        figure(name, "keep-alive, 1 KiB: %s (%s)" % (out.strip(), model))
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


TESTS += [httpd_test(tag, model, True) for tag, model in NICS]


# --- the impairing wire between the guest and Linux (grade/netbridge.py) ---

def tcp_segments(pcap):
    """The IPv4/TCP frames of pcap: dicts with src, dst (dotted), sport,
    dport, seq, ack, flags, opts ({kind: value}), len (payload), t."""
    out = []
    for t, f in read_pcap(pcap):
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        tl = struct.unpack("!H", f[16:18])[0]
        tcp = 14 + ihl
        if ihl < 20 or len(f) < tcp + 20 or tl > len(f) - 14:
            continue
        doff = (f[tcp + 12] >> 4) * 4
        if doff < 20 or tcp + doff > 14 + tl:
            continue
        opts, o = {}, tcp + 20
        while o < tcp + doff:
            kind = f[o]
            if kind == 0:
                break
            if kind == 1:
                o += 1
                continue
            if o + 1 >= tcp + doff or f[o + 1] < 2:
                break
            opts[kind] = f[o + 2:o + f[o + 1]]
            o += f[o + 1]
        sport, dport, seq, ack = struct.unpack("!HHII", f[tcp:tcp + 12])
        out.append(dict(src=socket.inet_ntoa(f[26:30]), dst=socket.inet_ntoa(f[30:34]),
                        sport=sport, dport=dport, seq=seq, ack=ack, flags=f[tcp + 13],
                        opts=opts, len=14 + tl - tcp - doff, t=t))
    return out


def retransmissions(segs, src, reordering=True):
    """Data segments from src that were sent before. The pcap is written
    after the wire's rules, so a segment the wire dropped is not in it:
    its retransmission repeats no sequence number seen, it only goes
    back below the highest one. Where the wire does not reorder, such a
    segment is a retransmission too; where it does, only repeats count."""
    seen, top, n = set(), {}, 0
    for s in segs:
        if s["src"] != src or s["len"] == 0:
            continue
        conn = (s["sport"], s["dport"])
        key, end = conn + (s["seq"],), (s["seq"] + s["len"]) % (1 << 32)
        if key in seen:
            n += 1
        elif not reordering and conn in top and (top[conn] - end) % (1 << 32) < (1 << 31):
            n += 1
        seen.add(key)
        if conn not in top or (end - top[conn]) % (1 << 32) < (1 << 31):
            top[conn] = end
    return n


class ImpairedPeer(BridgePeer):
    """The bridge peer, with Linux sinks on sink_ports listening before
    the guest boots."""

    def __init__(self, model, bridge_args, sink_ports=()):
        super().__init__(model, bridge_args)
        self.outputs = {}
        self.sink_ports = sink_ports

    def start(self, outdir, name):
        r = super().start(outdir, name)
        for port in self.sink_ports:
            self.start_helper("sink%d" % port, "sink", str(port))
        for port in self.sink_ports:
            self.outputs["sink%d" % port].stdout.readline()     # "listening"
        return r

    start_helper = Peer.start_helper
    helper_output = Peer.helper_output


def wire_test(tag, model, to_guest, from_guest, impair):
    """Bulk transfers both ways through the impairing wire, byte-exact;
    retransmissions visible in the pcap both ways."""
    peer = ImpairedPeer(model, impair)
    name = "netapps-wire-" + tag
    state = {}

    def push(m):
        peer.start_helper("sink", "sink", "5002")
        rc, out = peer.run([PY, APPSPEER, "send", GUEST, "5001", str(to_guest)], timeout=400)
        state["send"] = out
        return None if rc == 0 else "Linux's send failed: %s" % out.strip()

    def received(m):
        sent = re.search(r"send: sent (\d+) bytes crc (\w+)", state.get("send", ""))
        if not sent or (m.group(1), m.group(2)) != (sent.group(1), sent.group(2)):
            return "guest got %s bytes crc %s; Linux: %s" % (m.group(1), m.group(2),
                                                             state.get("send"))
        figure(name, "linux -> guest through %s: %s" % (" ".join(impair), m.group(0)))
        return None

    def sent(m):
        out = peer.helper_output("sink", timeout=300)
        got = re.search(r"sink: got (\d+) bytes crc (\w+)", out)
        if not got or (m.group(1), m.group(2)) != (got.group(1), got.group(2)):
            return "guest sent %s bytes crc %s; Linux: %s" % (m.group(1), m.group(2), out)
        figure(name, "guest -> linux through %s: %s" % (" ".join(impair), m.group(0)))
        return None

    def pcap_check(m):
        time.sleep(0.5)         # the bridge flushes its pcap every 0.2 s
        segs = tcp_segments(peer.pcap)
        reordering = any(a in impair for a in ("--reorder", "--delay-in"))
        rin = retransmissions(segs, HOST, reordering)
        rout = retransmissions(segs, GUEST, reordering)
        figure(name, "pcap: %d TCP segments, retransmitted: %d by Linux, %d by the guest"
               % (len(segs), rin, rout))
        if rin == 0 or rout == 0:
            return "no retransmission in the pcap (Linux %d, guest %d)" % (rin, rout)
        return None

    cmd = ("init=netrun tcpbench -v sink 5001 ; tcpbench -v send %s 5002 %d" % (HOST, from_guest))
    return Test(name, cpus=2, peer=peer, timeout=420, cmdline=cmd, steps=[
        expect(r"^tcpbench: listening on port 5001", push),
        expect(r"^tcpbench: received (\d+) bytes crc (\w+) in .*", received),
        expect(r"^tcpbench: sent (\d+) bytes crc (\w+) in .*", sent),
        expect(r"^netrun: done", pcap_check),
    ])


IMPAIR = ["--loss", "0.01", "--dup", "0.005", "--reorder", "0.01", "--corrupt", "0.005"]
TESTS += [wire_test("e1000", "e1000", 64 << 20, 16 << 20, IMPAIR)]


def tuning_test(tag, model):
    """Two programs at once, each with its own stack and tuning, on the
    wire to Linux (frames towards the guest delayed 150 ms, so that each
    flight stands apart in the pcap):

      10.0.2.15  sack=0 tstamp=0 wscale=0 mss=1000 iw=2 cc=newreno
      10.0.2.16  mss=1200 iw=10 (SACK, timestamps, window scaling, CUBIC)
         -- each sends 64 KiB in one write: SYN options as configured,
            first flight of 2 vs 10 segments
      10.0.2.17  Nagle on      10.0.2.18  nodelay=1
         -- each sends 200 writes of 100 bytes: coalesced or not
    """
    peer = ImpairedPeer(model, ["--delay-in", "0.15"], (5002, 5003, 5004, 5005))
    name = "netapps-tuning-" + tag
    a, b, c, d = "10.0.2.15", "10.0.2.16", "10.0.2.17", "10.0.2.18"
    e, f = "10.0.2.19", "10.0.2.20"     # delayed ACK on, off: Linux sends to them
    state = {}

    def push_both(m):
        """Linux sends 256 KiB to each sink (5011 may still be starting:
        a refused connection is tried again)."""
        def send(ip, port):
            for _ in range(20):
                rc, out = peer.run([PY, APPSPEER, "send", ip, str(port), str(256 << 10)],
                                   timeout=60)
                if rc == 0 or "refused" not in out.lower():
                    break
                time.sleep(0.5)
            state[port] = out
        for ip, port in ((e, 5011), (f, 5012)):
            state["t%d" % port] = threading.Thread(target=send, args=(ip, port), daemon=True)
            state["t%d" % port].start()
        return None

    def acks_per_data(segs, ip):
        """(pure ACKs from ip, data segments to it)"""
        acks = len([s for s in segs if s["src"] == ip and s["len"] == 0
                    and s["flags"] & 0x17 == 0x10])
        return acks, len([s for s in segs if s["dst"] == ip and s["len"] > 0])

    def syn_opts(segs, src):
        syn = [s for s in segs if s["src"] == src and s["flags"] & 0x02]
        return syn[0]["opts"] if syn else None

    def first_flight(segs, src):
        data = [s for s in segs if s["src"] == src and s["len"] > 0]
        return len([s for s in data if s["t"] - data[0]["t"] < 0.075]) if data else 0

    def small(segs, src):
        return len([s for s in segs if s["src"] == src and 0 < s["len"] < 200])

    def check(m):
        time.sleep(0.5)
        segs = tcp_segments(peer.pcap)
        oa, ob = syn_opts(segs, a), syn_opts(segs, b)
        if oa is None or ob is None:
            return "no SYN from %s or %s in the pcap" % (a, b)
        mss = lambda o: struct.unpack("!H", o[2])[0] if 2 in o else None
        (e_acks, e_data), (f_acks, f_data) = acks_per_data(segs, e), acks_per_data(segs, f)
        facts = dict(a_opts=sorted(oa), b_opts=sorted(ob), a_mss=mss(oa), b_mss=mss(ob),
                     a_flight=first_flight(segs, a), b_flight=first_flight(segs, b),
                     c_small=small(segs, c), d_small=small(segs, d),
                     e_acks="%d/%d" % (e_acks, e_data), f_acks="%d/%d" % (f_acks, f_data))
        figure(name, "%s (%s)" % (" ".join("%s=%s" % kv for kv in sorted(facts.items())),
                                  model))
        want = dict(a_opts=[2], b_opts=[2, 3, 4, 8], a_mss=1000, b_mss=1200,
                    a_flight=2, b_flight=10)
        bad = ["%s %s, want %s" % (k, facts[k], v) for k, v in want.items() if facts[k] != v]
        if facts["d_small"] < 3 * facts["c_small"] + 20:
            bad.append("Nagle: %d small segments with it, %d without" % (
                facts["c_small"], facts["d_small"]))
        # RFC 5681 4.2 / RFC 9293 3.8.6.3: an ACK for at least every second
        # full-sized segment with delayed ACKs; one per segment without
        if not (e_data >= 100 and e_acks <= 0.7 * e_data):
            bad.append("delayed ACK on: %d ACKs for %d segments" % (e_acks, e_data))
        if not (f_data >= 100 and f_acks >= 0.9 * f_data):
            bad.append("delayed ACK off: %d ACKs for %d segments" % (f_acks, f_data))
        for port in (5011, 5012):
            state["t%d" % port].join(60)
            out = state.get(port, "(still sending)")
            if "sent %d bytes" % (256 << 10) not in out:
                bad.append("Linux's send to %d: %s" % (port, out.strip()))
        for port, n in ((5002, 65536), (5003, 65536), (5004, 20000), (5005, 20000)):
            out = peer.helper_output("sink%d" % port, timeout=30)
            if "got %d bytes" % n not in out:
                bad.append("Linux's sink %d: %s" % (port, out.strip()))
        return "; ".join(bad) or None

    cmd = ("init=netrun"
           " tcpbench -o ip=%s/24,delack=1 sink 5011 &"
           " tcpbench -o ip=%s/24,delack=0 sink 5012 &"
           " tcpbench -o ip=%s/24,sack=0,tstamp=0,wscale=0,mss=1000,iw=2,cc=newreno"
           " send %s 5002 64K &"
           " tcpbench -o ip=%s/24,mss=1200,iw=10 send %s 5003 64K &"
           " tcpbench -o ip=%s/24 -w 100 send %s 5004 20000 &"
           " tcpbench -o ip=%s/24,nodelay=1 -w 100 send %s 5005 20000"
           % (e, f, a, HOST, b, HOST, c, HOST, d, HOST))
    return Test(name, cpus=2, peer=peer, timeout=180, cmdline=cmd, steps=[
        expect(r"tcpbench: listening on port 5012", push_both),
        expect(r"tcpbench: sent 65536 bytes .*cc newreno"),
        expect(r"^netrun: done", check),
    ])


TESTS += [tuning_test(tag, model) for tag, model in NICS]


# --- the scripted wire: the grader plays the peer (grade/net/scripted.py) ---

def script_test(tag, model):
    """user/echosrv on the virtual wire, the grader crafting every frame
    towards it: RFC 5961 challenge ACKs for in-window RST and any SYN,
    silence for an out-of-window RST, reset on the exact one; zero-window
    probes backing off; TIME-WAIT re-ACKs a retransmitted FIN; keepalive
    probes then a reset; 3000 SYNs leave the listener serving a real
    client; malformed frames dropped (the next echo exact, UDP echo and
    ping still answer). The pcap is kept when it fails."""
    import scripted
    peer = scripted.ScriptPeer(model)
    name = "netapps-script-" + tag
    source, idle, cnt = 3000, 2, 3

    def check(m):
        notes = []
        figs = os.path.join(os.path.dirname(HERE), "obj", "grade", name + ".figures")
        if os.path.exists(figs):
            os.unlink(figs)
        err = scripted.run(peer.wire, GUEST, notes.append, source, idle, cnt, 3000)
        for n in notes:
            figure(name, "%s (%s)" % (n, model))
        return err

    cmd = ("init=echosrv source=%d keepalive=1 keep_idle_s=%d keep_intvl_s=1 keep_cnt=%d"
           % (source, idle, cnt))
    return Test(name, cpus=2, peer=peer, timeout=200, cmdline=cmd, steps=[
        expect(r"^echosrv: ready", check),
    ])


sys.path.insert(0, os.path.join(HERE, "net"))
TESTS += [script_test(tag, model) for tag, model in NICS]


CUBIC_ALPHA = 3 * (1 - 0.7) / (1 + 0.7)    # RFC 9438 4.3


def cc_growth(name, model, out):
    """The cwnd traces of tcpbench -t (its longest loss-free stretch of
    congestion avoidance): figures, and what holds however slow the
    emulator. The growth per RTT by srtt goes to the figures only: srtt
    under TCG is noisy. Per window acknowledged (each ACK's bytes over
    the cwnd it met) it is not, the sender's buffer being always full
    (so the window limits it, and the modules grow cwnd): NewReno adds
    one SMSS per window (RFC 5681 3.1), so at most that and, loosely, at
    least half; CUBIC's cwnd is at least W_est, which grows by alpha
    (0.53) per window (RFC 9438 4.3), so, loosely, at least half that.
    CUBIC may grow faster, by the time-based W_cubic (4.4), and does
    once W_est is back at the pre-loss window: no upper bound. Stretches
    under 4 windows are reported, not judged. Returns what is wrong."""
    bad = []
    for m in CC_TRACE.finditer(out):
        cc = m.group(1)
        if m.group(2) is None:
            figure(name, "%s: no congestion avoidance between losses (%s)" % (cc, model))
            continue
        c0, c1, us, srtt, acked = (int(m.group(i)) for i in range(2, 7))
        win, mss = float(m.group(7)), int(m.group(8))
        grew = (c1 - c0) / mss
        figure(name, "%s: longest stretch between losses: cwnd %.1f to %.1f segments "
               "in %.1f ms = %.1f srtt of %.1f ms (%.2f per RTT), %d bytes = %.1f windows "
               "acked (%.2f per window) (%s)"
               % (cc, c0 / mss, c1 / mss, us / 1000, us / max(srtt, 1), srtt / 1000,
                  grew * max(srtt, 1) / max(us, 1), acked, win, grew / max(win, 0.001),
                  model))
        t = re.search(r"^tcpbench: %s cwnd trace \(ms:bytes\):(.*)$" % cc, out, re.M)
        if t:
            pts = [p.split(":") for p in t.group(1).split()]
            figure(name, "%s cwnd trace (ms:segments): %s" % (cc, " ".join(
                "%s:%.1f" % (ms, int(b) / mss) for ms, b in pts)))
        if win < 4:
            continue
        if cc == "newreno" and not 0.5 * win - 1 <= grew <= win + 2:
            bad.append("newreno grew %.1f segments over %.1f windows acked, want about 1 "
                       "a window" % (grew, win))
        if cc == "cubic" and grew < 0.5 * CUBIC_ALPHA * win - 1:
            bad.append("cubic grew %.1f segments over %.1f windows acked, want at least "
                       "alpha %.2f a window" % (grew, win, CUBIC_ALPHA))
    return bad


CC_TRACE = re.compile(
    r"^tcpbench: (newreno|cubic) between losses: (?:no congestion avoidance|"
    r"cwnd (\d+) to (\d+) in (\d+) us, srtt (\d+) us, (\d+) bytes acked, "
    r"(\d+\.\d+) windows, mss (\d+))", re.M)


def cc_test(tag, model):
    """Two programs at once through the lossy wire (1 % of IPv4 frames
    each way), one with NewReno, one with CUBIC, each sending 4 MiB to
    Linux; each reports its last entry into fast recovery from its own
    per-socket statistics (TCP_INFO): NewReno's ssthresh is half the
    FlightSize (RFC 5681 3.2 (4), floor 2 SMSS), CUBIC's 0.7 of cwnd
    (RFC 9438 4.6, beta_cubic). With -t each also traces cwnd between
    losses (cc_growth). At these RTTs (a few ms) and windows (10-40
    segments) CUBIC's K is 2 s or more, far beyond the time between
    losses: it is in its Reno-friendly region, growing by W_est, not
    faster than NewReno; grade/net/test_tcp.c's tcp_cc_growth checks
    the cubic curve itself on the simulated wire."""
    peer = ImpairedPeer(model, ["--loss", "0.01", "--seed", "8"], (5006, 5007))
    name = "netapps-cc-" + tag
    nbytes = 4 << 20
    mss = 1460
    seen = {}

    def took(m):
        cc, cwnd, flight, ssth = m.group(3), int(m.group(4)), int(m.group(5)), int(m.group(6))
        seen[cc] = (cwnd, flight, ssth)
        return None

    def check(m):
        bad = []
        for port, ip in ((5006, "10.0.2.15"), (5007, "10.0.2.16")):
            out = peer.helper_output("sink%d" % port, timeout=60)
            if "got %d bytes" % nbytes not in out:
                bad.append("Linux's sink %d: %s" % (port, out.strip()))
        for cc, base, ratio in (("newreno", 1, 0.5), ("cubic", 0, 0.7)):
            if cc not in seen:
                bad.append("no report from %s" % cc)
                continue
            cwnd, flight, ssth = seen[cc]
            if cwnd == 0:
                bad.append("%s: no fast recovery under 1 %% loss" % cc)
                continue
            want = max(ratio * (flight if base else cwnd), 2 * mss)
            figure(name, "%s: last loss at cwnd %d, flight %d: ssthresh %d = %.2f of %s "
                   "(%s)" % (cc, cwnd, flight, ssth, ssth / (flight if base else cwnd),
                             "flight" if base else "cwnd", model))
            if abs(ssth - want) > mss:
                bad.append("%s: ssthresh %d after a loss at cwnd %d flight %d, want %d"
                           % (cc, ssth, cwnd, flight, want))
        bad += cc_growth(name, model, m.string)
        return "; ".join(bad) or None

    line = (r"^tcpbench: sent (\d+) bytes crc (\w+) in .*cc (newreno|cubic), .*"
            r"last loss: cwnd (\d+) flight (\d+) ssthresh (\d+)")
    cmd = ("init=netrun tcpbench -t -w 16k -o ip=10.0.2.15/24,cc=newreno send %s 5006 %d &"
           " tcpbench -t -w 16k -o ip=10.0.2.16/24,cc=cubic send %s 5007 %d"
           % (HOST, nbytes, HOST, nbytes))
    return Test(name, cpus=2, peer=peer, timeout=240, cmdline=cmd, steps=[
        expect(line, took), expect(line, took),
        expect(r"^netrun: done", check),
    ])


TESTS += [wire_test("virtio", "virtio-net-pci", 64 << 20, 16 << 20, IMPAIR),
          wire_test("loss5-e1000", "e1000", 64 << 20, 16 << 20, ["--loss", "0.05"]),
          wire_test("loss5-virtio", "virtio-net-pci", 64 << 20, 16 << 20, ["--loss", "0.05"])]
TESTS += [cc_test(tag, model) for tag, model in NICS]
