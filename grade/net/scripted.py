"""A scripted TCP peer on the virtual wire (grade/wire.py), for the guest
stack's edge cases: the grader crafts every frame towards the guest and
reads every frame back, so that it can do what a well-behaved stack never
does (in-window RSTs, SYNs on an open connection, a zero window held
shut, unanswered keepalives, a retransmitted FIN, thousands of SYNs,
malformed headers). Used by grade/tests_netapps.py (netapps-script-*).

The peer is HOST (10.0.2.2) with WIRE_MAC and answers every ARP request
that is not for the guest's own address (proxy ARP), so that SYN-ACKs to
flooding addresses leave the guest. It offers only the MSS option, so the
guest's segments carry no timestamps and sequence checks stay simple.
"""

import os
import random
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from wire import (ETH_ARP, ETH_IP, GUEST_MAC, WIRE_MAC, Wire, WirePeer,  # noqa: E402
                  checksum, eth, ip4)

HOST = "10.0.2.2"
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip_header(src, dst, proto, payload_len, ident=0, frag=0, ihl=5, total=None,
              ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0,
                      20 + payload_len if total is None else total, ident, frag,
                      ttl, proto, 0, ip4(src), ip4(dst))
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]


def tcp_segment(src, dst, sport, dport, seq, ack, flags, win=65535, opts=b"",
                data=b"", doff=None):
    """A TCP header+payload with a correct checksum (unless doff lies)."""
    opts += b"\0" * (-len(opts) % 4)
    off = (20 + len(opts)) // 4 if doff is None else doff
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, off << 4, flags, win, 0, 0) + opts
    seg = hdr + data
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(seg))
    csum = checksum(pseudo + seg)
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def ip_frame(src, dst, proto, payload, **kw):
    return eth(GUEST_MAC, WIRE_MAC, ETH_IP,
               ip_header(src, dst, proto, len(payload), **kw) + payload)


def parse_tcp(f):
    """The fields of an IPv4/TCP frame from the guest, else None."""
    if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
        return None
    ihl = (f[14] & 15) * 4
    tl = struct.unpack("!H", f[16:18])[0]
    t = 14 + ihl
    if ihl < 20 or len(f) < t + 20:
        return None
    doff = (f[t + 12] >> 4) * 4
    sport, dport, seq, ack = struct.unpack("!HHII", f[t:t + 12])
    win = struct.unpack("!H", f[t + 14:t + 16])[0]
    return dict(src=socket.inet_ntoa(f[26:30]), dst=socket.inet_ntoa(f[30:34]),
                sport=sport, dport=dport, seq=seq, ack=ack, flags=f[t + 13],
                win=win, data=f[t + doff:14 + tl])


class ScriptWire(Wire):
    """A Wire that answers ARP for every address but the guest's."""

    guest_ip = "10.0.2.15"

    def _pass(self, direction, frame):
        if direction == "out" and frame[12:14] == struct.pack("!H", ETH_ARP) \
                and len(frame) >= 42 and frame[20:22] == b"\x00\x01":
            target = frame[38:42]
            if target != ip4(self.guest_ip):
                reply = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + WIRE_MAC + \
                    target + frame[22:28] + frame[28:32]
                self.inject(eth(frame[6:12], WIRE_MAC, ETH_ARP, reply))
        super()._pass(direction, frame)


class ScriptPeer(WirePeer):
    def start(self, outdir, name):
        self.wire = ScriptWire(outdir, name)
        self.wire.start()
        return [], self.wire.qemu_args(self.model)


class Conn:
    """One scripted connection from HOST:sport to the guest's port."""

    def __init__(self, wire, guest, dport, sport=None, mss=1460):
        self.w, self.guest, self.dport = wire, guest, dport
        self.sport = sport or random.randrange(20000, 60000)
        self.mss = mss
        self.snd_nxt = random.randrange(1 << 32)
        self.rcv_nxt = None
        self.mark = 0
        self.got = b""
        self.fin = False
        self.win = 65535
        self.syns = 0

    # -- frames --
    def send(self, flags, data=b"", seq=None, ack=None, win=None, opts=b""):
        seg = tcp_segment(HOST, self.guest, self.sport, self.dport,
                          self.snd_nxt if seq is None else seq,
                          (self.rcv_nxt or 0) if ack is None else ack, flags,
                          self.win if win is None else win, opts, data)
        self.w.inject(ip_frame(HOST, self.guest, 6, seg))

    def mine(self, f):
        s = parse_tcp(f)
        return s if s and s["sport"] == self.dport and s["dport"] == self.sport else None

    def segs(self, start=None):
        """The guest's segments of this connection since start (or the mark)."""
        fr = self.w.frames()[self.mark if start is None else start:]
        return [s for s in map(self.mine, fr) if s]

    def wait(self, pred, timeout):
        """The first segment since the mark that pred accepts, or None."""
        deadline = time.monotonic() + timeout
        while True:
            for s in self.segs():
                if pred(s):
                    return s
            if time.monotonic() > deadline:
                return None
            self.w.wait_frames(len(self.w.frames()) + 1, 0.05)

    def set_mark(self):
        self.mark = len(self.w.frames())

    # -- the connection --
    def connect(self, timeout=10, rto=1.0):
        self.set_mark()
        deadline, s = time.monotonic() + timeout, None
        while s is None and time.monotonic() < deadline:
            self.syns += 1          # retransmitted after 1, 2, 4 s as Linux does
            self.send(SYN, opts=struct.pack("!BBH", 2, 4, self.mss), ack=0)
            s = self.wait(lambda s: s["flags"] & (SYN | ACK) == SYN | ACK,
                          min(rto, deadline - time.monotonic()))
            rto *= 2
        if not s or s["ack"] != (self.snd_nxt + 1) & 0xffffffff:
            raise AssertionError("no SYN-ACK from port %d: %s" % (self.dport, s))
        self.snd_nxt = (self.snd_nxt + 1) & 0xffffffff
        self.rcv_nxt = (s["seq"] + 1) & 0xffffffff
        self.send(ACK)
        self.set_mark()
        return self

    def take(self, s):
        """Accept in-order data/FIN of s; 1 if anything new."""
        if s["seq"] != self.rcv_nxt:
            return 0
        new = 0
        if s["data"]:
            self.got += s["data"]
            self.rcv_nxt = (self.rcv_nxt + len(s["data"])) & 0xffffffff
            new = 1
        if s["flags"] & FIN:
            self.fin = True
            self.rcv_nxt = (self.rcv_nxt + 1) & 0xffffffff
            new = 1
        return new

    def recv_until(self, n, timeout=10, ack=True, fin=False):
        """Read (and ACK) the guest's data until n bytes (or its FIN)."""
        deadline = time.monotonic() + timeout
        seen = self.mark
        while len(self.got) < n and not (fin and self.fin):
            frames = self.w.frames()
            new = 0
            for f in frames[seen:]:
                s = self.mine(f)
                if s:
                    new += self.take(s)
            seen = len(frames)
            if new and ack:
                self.send(ACK)
            if time.monotonic() > deadline:
                break
            if not new:
                self.w.wait_frames(seen + 1, 0.05)
        self.mark = seen
        return self.got

    def send_data(self, data):
        """data in segments of at most 1400 bytes (the guest's MSS)."""
        for o in range(0, len(data), 1400):
            self.send(ACK | PSH, data[o:o + 1400])
            self.snd_nxt = (self.snd_nxt + len(data[o:o + 1400])) & 0xffffffff

    def echo(self, data, timeout=10):
        """Send data to the echo port; its echo must come back."""
        self.got = b""
        self.set_mark()
        self.send_data(data)
        got = self.recv_until(len(data), timeout)
        if got != data:
            raise AssertionError("echo on port %d: sent %d bytes, got %r" % (
                self.dport, len(data), got[:40]))

    def quiet(self, seconds, pred=lambda s: True):
        """The guest's segments (that pred accepts) in the next seconds."""
        self.set_mark()
        time.sleep(seconds)
        return [s for s in self.segs() if pred(s)]


# --- the scenarios: each returns None or what went wrong ---

def _is_keepalive(c):
    return lambda s: s["seq"] == (c.rcv_nxt - 1) & 0xffffffff and len(s["data"]) <= 1


def _challenge_ack(c):
    return lambda s: (s["flags"] & (ACK | RST | SYN)) == ACK and not s["data"] \
        and s["ack"] == c.snd_nxt and not _is_keepalive(c)(s)


def rst_syn_rules(w, guest, note):
    """RFC 5961 3, 4 and RFC 9293 3.10.7.4 on an established connection."""
    c = Conn(w, guest, 7).connect()
    c.echo(b"hello")
    for what, flags, off, want_ack in (
            ("in-window RST", RST, 1000, True),
            ("out-of-window RST", RST, 1 << 30, False),
            ("in-window SYN", SYN, 10, True),
            ("out-of-window SYN", SYN, 1 << 30, True)):
        c.set_mark()
        c.send(flags | (ACK if flags == SYN else 0), seq=c.snd_nxt + off)
        got = c.wait(lambda s: not _is_keepalive(c)(s), 1.5)
        if want_ack and (not got or not _challenge_ack(c)(got)):
            return "%s: want a challenge ACK (ack %d), got %s" % (what, c.snd_nxt, got)
        if not want_ack and got:
            return "%s: want silence, got %s" % (what, got)
        note("%s: %s" % (what, "challenge ACK" if got else "ignored"))
        c.echo(what.encode())       # still open
    c.set_mark()
    c.send(RST, seq=c.snd_nxt)
    time.sleep(0.3)
    c.set_mark()
    c.send(ACK | PSH, b"after reset")
    got = c.wait(lambda s: s["flags"] & RST, 3)
    if not got:
        return "exact RST: the connection still answers: %s" % c.segs()
    note("exact RST: connection reset (data after it draws RST)")
    return None


def zero_window(w, guest, note):
    """The guest's echo waits behind our zero window: it probes, backing off,
    and delivers everything once the window opens."""
    c = Conn(w, guest, 7)
    c.win = 0
    c.connect()
    data = bytes(random.randrange(256) for _ in range(3000))
    c.got = b""
    c.set_mark()
    c.send_data(data)
    probes, seen, deadline = [], c.mark, time.monotonic() + 4.5
    while time.monotonic() < deadline:
        frames = w.frames()
        for f in frames[seen:]:
            s = c.mine(f)
            if s and s["data"]:
                if len(s["data"]) > 1 or s["seq"] != c.rcv_nxt:
                    return "zero window: %d bytes at %d sent into it (rcv_nxt %d)" % (
                        len(s["data"]), s["seq"], c.rcv_nxt)
                probes.append(time.monotonic())
                c.send(ACK)         # still zero, the byte refused
        seen = len(frames)
        w.wait_frames(seen + 1, 0.05)
    if len(probes) < 3:
        return "zero window: %d probes in 4.5 s, want >= 3" % len(probes)
    gaps = [b - a for a, b in zip(probes, probes[1:])]
    if gaps[-1] < gaps[0] * 1.5:
        return "zero window: probe gaps %s do not back off" % gaps
    note("zero window: %d probes, gaps %s s" % (len(probes), " ".join("%.2f" % g for g in gaps)))
    c.win = 65535
    c.mark = seen
    c.send(ACK)
    got = c.recv_until(len(data), 10)
    if got != data:
        return "zero window: after opening got %d of %d bytes" % (len(got), len(data))
    return None


def time_wait(w, guest, note, nbytes):
    """The guest closes first (port 19 sends nbytes and closes); our FIN,
    retransmitted after its ACK, is ACKed again from TIME-WAIT."""
    c = Conn(w, guest, 19).connect()
    got = c.recv_until(1 << 40, 15, fin=True)
    if len(got) != nbytes or not c.fin:
        return "TIME-WAIT: got %d of %d bytes, FIN %s" % (len(got), nbytes, c.fin)
    c.set_mark()
    c.send(FIN | ACK)
    c.snd_nxt = (c.snd_nxt + 1) & 0xffffffff
    a = c.wait(lambda s: s["flags"] & ACK and s["ack"] == c.snd_nxt, 3)
    if not a or a["flags"] & RST:
        return "TIME-WAIT: our FIN not ACKed: %s" % a
    time.sleep(0.3)
    c.set_mark()
    c.send(FIN | ACK, seq=c.snd_nxt - 1)
    a = c.wait(lambda s: True, 3)
    if not a or a["flags"] & (RST | SYN | FIN) or a["ack"] != c.snd_nxt:
        return "TIME-WAIT: the retransmitted FIN drew %s, want its ACK" % a
    note("TIME-WAIT: retransmitted FIN re-ACKed (ack %d)" % a["ack"])
    return None


def keepalive(w, guest, note, idle, cnt):
    """With keepalive=1: after idle s of silence the guest probes with
    SEG.SEQ = SND.NXT-1; cnt unanswered probes reset the connection."""
    c = Conn(w, guest, 7).connect()
    c.echo(b"keepalive")
    t0 = time.monotonic()
    c.set_mark()
    end = c.wait(lambda s: s["flags"] & RST, idle + cnt * 1.0 + 6)
    probes = [s for s in c.segs() if _is_keepalive(c)(s) and not s["flags"] & RST]
    if len(probes) < cnt:
        return "keepalive: %d probes, want %d" % (len(probes), cnt)
    if not end:
        return "keepalive: no RST after %d unanswered probes" % len(probes)
    note("keepalive: %d probes then RST, %.1f s after the last data" % (
        len(probes), time.monotonic() - t0))
    return None


def guest_counters(w, guest, timeout=5):
    """The guest's counters ({name: value}) from echosrv's UDP port 15:
    the stack's, and the kernel's drops before the stack (chan_rx_ring_full,
    chan_rx_no_buf, nic_rx_missed). {} when no answer comes."""
    sport = random.randrange(40000, 41000)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mark = len(w.frames())
        w.inject(ip_frame(HOST, guest, 17, _udp(HOST, guest, sport, 15, b"?")))
        end = min(deadline, time.monotonic() + 1.0)
        while time.monotonic() < end:
            for f in w.frames()[mark:]:
                if len(f) > 42 and f[23] == 17 and \
                        struct.unpack("!HH", f[34:38]) == (15, sport):
                    text = f[42:14 + struct.unpack("!H", f[16:18])[0]].decode()
                    return {k: int(v) for k, v in
                            (line.split() for line in text.splitlines())}
            w.wait_frames(len(w.frames()) + 1, 0.05)
    return {}


def _delta(before, after, name):
    return after.get(name, 0) - before.get(name, 0)


def _flood_frames(guest, n, seed=7):
    """n SYNs to the echo port from random ports of 150 addresses."""
    rnd = random.Random(seed)
    frames = []
    for _ in range(n):
        src = "10.0.2.%d" % rnd.randrange(100, 250)
        seg = tcp_segment(src, guest, rnd.randrange(1024, 65535), 7,
                          rnd.randrange(1 << 32), 0, SYN,
                          opts=struct.pack("!BBH", 2, 4, 1460))
        frames.append(ip_frame(src, guest, 6, seg))
    return frames


def _synack_time(w, c, start):
    """When the guest's first SYN-ACK to c crossed the wire (monotonic)."""
    with w.cond:
        rec = list(w.received)[start:]
    for t, f in rec:
        s = c.mine(f)
        if s and s["flags"] & (SYN | ACK) == SYN | ACK:
            return t
    return None


def _synacks(w, start):
    return sum(1 for f in w.frames()[start:]
               if (parse_tcp(f) or {}).get("flags", 0) & (SYN | ACK) == SYN | ACK)


def syn_flood(w, guest, note, n):
    """n SYNs from 150 addresses to the echo port, then two real clients.

    The first connects at once, racing the flood's tail. The wire
    delivers the flood faster than the guest's stack takes frames, so the
    kernel drops what finds the stack's receive pages all in use
    (chan_rx_no_buf): frames lost before any TCP policy sees them, often
    this client's first SYN too; and what the kernel takes can queue
    behind the flood (in QEMU and the NIC ring) past the client's 1 s
    RTO when the host is slow. So its SYN count and wait are reported,
    not judged, beside where the flood's frames went (the guest's
    counters).

    The second connects after 64 more SYNs, paced for the kernel to take
    them all, once the guest has drained them (it answered a counters
    query sent after them): the SYN queue is full of embryos
    retransmitting SYN-ACKs to the flood's addresses and the neighbour
    table holds 150 of them. That SYN reaches the stack, which must answer
    it at once (evicting the oldest embryo, RFC 4987 3.4; its ARP entry
    not pushed out by the flood's), so it must be served on its first
    SYN. It waits 3 s for the SYN-ACK before retransmitting, ample under
    TCG."""
    frames = _flood_frames(guest, n)
    before = guest_counters(w, guest)
    start = len(w.frames())
    t0 = time.monotonic()
    w.inject_many(frames)
    secs = time.monotonic() - t0
    racer = Conn(w, guest, 7).connect(timeout=20)
    wait = _synack_time(w, racer, start) - (t0 + secs)
    racer.echo(b"served after the flood", timeout=20)
    after = guest_counters(w, guest)
    synacks = _synacks(w, start)
    _syn_debug(w, start, t0, secs, before, after)
    d = lambda k: _delta(before, after, k)
    note("SYN flood: %d SYNs in %.1f s (%d not taken by QEMU); the guest's kernel dropped"
         " %d (no receive page %d, ring full %d; the NIC missed %d), its stack took %d TCP"
         " segments, evicted %d embryos, sent %d SYN-ACKs by then, lost %d frames to ARP;"
         " a client racing the flood served (its SYN sent %d times, the SYN-ACK %.2f s"
         " after the first)"
         % (n, secs, w.unsent, d("chan_rx_no_buf") + d("chan_rx_ring_full"),
            d("chan_rx_no_buf"), d("chan_rx_ring_full"), d("nic_rx_missed"), d("tcp_rx"),
            d("tcp_drop_synq"), synacks, d("arp_drop_queue"),
            racer.syns, wait))
    if not after:
        return "SYN flood: the guest did not answer the counters query"
    # the racer's handshake freed a place in the SYN queue: fill it again,
    # paced for the kernel to take the SYNs, and let the guest drain them
    w.inject_many(_flood_frames(guest, 64, seed=8), gap=0.002)
    after = guest_counters(w, guest)
    if not after:
        return "SYN flood: the guest did not answer the counters query"
    c = Conn(w, guest, 7).connect(timeout=20, rto=3.0)
    c.echo(b"served at once", timeout=20)
    last = guest_counters(w, guest)
    evicted = _delta(after, last, "tcp_drop_synq")
    _syn_debug(w, start, t0, secs, after, last, "-b")
    if c.syns != 1:
        return ("SYN flood: a client after the flood drained was served only on its SYN"
                " sent %d times (embryos evicted for it %d)" % (c.syns, evicted))
    note("SYN flood: with the SYN queue full again (64 more SYNs), a client served on its"
         " first SYN (%d embryo evicted for it)" % evicted)
    return None


def _syn_debug(w, start, t0, racer_t, before, after, suffix=""):
    """With SYN_DEBUG=FILE: the guest's frames since start (time, what)
    and the counters before and after, for reading a flood run."""
    path = os.environ.get("SYN_DEBUG")
    if not path:
        return
    path += suffix
    with w.cond:
        rec = list(w.received)[start:]
    with open(path, "w") as dbg:
        dbg.write("%.4f the racer's first SYN\n" % racer_t)
        for t, f in rec:
            s = parse_tcp(f)
            if s:
                what = "tcp %s>%s flags %02x" % (s["src"], s["dst"], s["flags"])
            elif f[12:14] == b"\x08\x06" and len(f) >= 42:
                what = "arp who-has %s" % socket.inet_ntoa(f[38:42])
            else:
                what = "other %r" % f[12:14]
            dbg.write("%.4f %s\n" % (t - t0, what))
        for k in sorted(set(before) | set(after)):
            dbg.write("%s %d -> %d\n" % (k, before.get(k, 0), after.get(k, 0)))


def _udp(src, dst, sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def _fragments(src, dst, payload, pieces, ident):
    """IP fragments of payload: pieces are (offset bytes, length, more)."""
    return [ip_frame(src, dst, 17, payload[o:o + n], ident=ident,
                     frag=(0x2000 if more else 0) | (o // 8), total=20 + n)
            for o, n, more in pieces]


def malformed(w, guest, note):
    """Frames that lie, on an established connection and to the UDP echo
    port: none may be taken (the echo after them is exact), the guest stays
    up (the connection, UDP echo and ping still answer)."""
    c = Conn(w, guest, 7).connect()
    c.echo(b"before")
    evil = b"EVIL"

    def seg(**kw):
        args = dict(seq=c.snd_nxt, ack=c.rcv_nxt, flags=ACK | PSH, data=evil)
        args.update(kw)
        return tcp_segment(HOST, guest, c.sport, 7, args.pop("seq"), args.pop("ack"),
                           args.pop("flags"), **args)
    good = seg()
    bad = []
    hdr = lambda **kw: ip_header(HOST, guest, 6, len(good), **kw)
    e = lambda payload: eth(GUEST_MAC, WIRE_MAC, ETH_IP, payload)
    bad.append(("IP total length past the frame", e(hdr(total=1000) + good)))
    bad.append(("IP total length below the header", e(hdr(total=12) + good)))
    bad.append(("IP header length 4", e(hdr(ihl=4) + good)))
    bad.append(("IP header length past total", e(hdr(ihl=15, total=40) + good)))
    h = bytearray(hdr())
    h[10] ^= 0x55
    bad.append(("bad IP checksum", e(bytes(h) + good)))
    bad.append(("frame cut inside the IP header", e(hdr()[:12])))
    bad.append(("frame cut inside the TCP header", e(hdr() + good[:10])))
    bad.append(("TCP data offset 4", ip_frame(HOST, guest, 6, seg(doff=4))))
    bad.append(("TCP data offset past the segment", ip_frame(HOST, guest, 6, seg(doff=15))))
    bad.append(("option length 0", ip_frame(HOST, guest, 6, seg(opts=b"\x08\x00\x01\x01"))))
    bad.append(("option length 1", ip_frame(HOST, guest, 6, seg(opts=b"\x01\x05\x01\x00"))))
    bad.append(("option length past the header",
                ip_frame(HOST, guest, 6, seg(opts=b"\x08\x28" + b"\0" * 10))))
    bad.append(("timestamp option length 6",
                ip_frame(HOST, guest, 6, seg(opts=b"\x08\x06\0\0\0\0\x01\x01"))))
    t = bytearray(seg())
    t[16] ^= 0x01
    bad.append(("bad TCP checksum", ip_frame(HOST, guest, 6, bytes(t))))
    # UDP echo (port 7): lying lengths and fragments must draw no echo
    u = _udp(HOST, guest, 40007, 7, b"UDPEVIL" * 40)
    ul = bytearray(u)
    ul[4:6] = struct.pack("!H", len(u) + 100)
    bad.append(("UDP length past the datagram", ip_frame(HOST, guest, 17, bytes(ul))))
    ul[4:6] = struct.pack("!H", 4)
    bad.append(("UDP length below its header", ip_frame(HOST, guest, 17, bytes(ul))))
    for what, pieces in (
            ("overlapping fragments", ((0, 160, True), (152, 136, False))),
            ("overlap rewriting the UDP header", ((8, 160, True), (0, 128, True),
                                                  (168, 120, False))),
            ("never-completed fragments", ((0, 160, True), (200, 88, False))),
            ("a lone first fragment", ((0, 160, True),)),
            ("fragment past 64 KiB", ((65528, 16, False),))):
        bad.extend((what, f) for f in _fragments(HOST, guest, u, pieces,
                                                  0x4000 + len(bad)))
    bad.append(("runt Ethernet frame", GUEST_MAC + WIRE_MAC + b"\x08"))
    bad.append(("ARP with lying lengths", eth(GUEST_MAC, WIRE_MAC, ETH_ARP,
                struct.pack("!HHBBH", 1, 0x0800, 60, 40, 1) + b"\0" * 20)))
    c.set_mark()
    for _, f in bad:
        w.inject(f)
    time.sleep(1.0)
    stray = [s for s in c.segs() if s["data"]]
    udp_back = [f for f in w.frames()[c.mark:] if f[23:24] == b"\x11"
                and b"UDPEVIL" in f]
    if stray:
        return "malformed: the guest answered with data %r" % stray[0]["data"][:40]
    if udp_back:
        return "malformed: a lying UDP datagram was echoed"
    c.echo(b"after")
    note("malformed: %d kinds (%d frames) dropped; the connection's next echo is exact"
         % (len(set(k for k, _ in bad)), len(bad)))
    return None


def udp_and_ping(w, guest, note):
    """UDP echo (also as two good fragments) and an ICMP echo still answer."""
    mark = len(w.frames())
    payload = b"fragmented but whole " * 10
    u = _udp(HOST, guest, 40009, 7, payload)
    for f in _fragments(HOST, guest, u, ((0, 112, True), (112, len(u) - 112, False)),
                        0x7777):
        w.inject(f)
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"chitin"
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    w.inject(ip_frame(HOST, guest, 1, icmp))
    deadline = time.monotonic() + 5
    got_udp = got_icmp = False
    while time.monotonic() < deadline and not (got_udp and got_icmp):
        for f in w.frames()[mark:]:
            if len(f) > 34 and f[23] == 17 and payload in f:
                got_udp = True
            if len(f) > 34 and f[23] == 1 and f[34] == 0 and b"chitin" in f:
                got_icmp = True
        w.wait_frames(len(w.frames()) + 1, 0.1)
    if not got_udp or not got_icmp:
        return "after everything: UDP echo %s, ping %s" % (got_udp, got_icmp)
    note("reassembled UDP echo and ping answered")
    return None


def run(w, guest, note, source_bytes, keep_idle, keep_cnt, flood):
    """Every scenario in order; the first failure, or None."""
    steps = (lambda: rst_syn_rules(w, guest, note),
             lambda: zero_window(w, guest, note),
             lambda: time_wait(w, guest, note, source_bytes),
             lambda: malformed(w, guest, note),
             lambda: keepalive(w, guest, note, keep_idle, keep_cnt),
             lambda: syn_flood(w, guest, note, flood),
             lambda: udp_and_ping(w, guest, note))
    for step in steps:
        try:
            err = step()
        except AssertionError as e:
            err = str(e)
        if err:
            return err
    return None
