"""NIC channels (issue 7): every test runs on QEMU's e1000 and on its
virtio-net (modern, disable-legacy=on), with the guest NIC on the virtual
wire (grade/wire.py) or on a tap in a network namespace (grade/netns.py),
and one basic transmit/receive test on Bochs' e1000.

The guest programs are user/test/net*.c; what they print and what the
host checks is described with each test below. A failed test keeps its
pcap as obj/grade/TEST.pcap (tcpdump -r reads it); host-side figures (the
transmit rate seen on the wire) go to obj/grade/TEST.figures.
"""

import os
import random
import struct
import time

from testlib import Test, equals, expect, expect_all
from wire import (GUEST_MAC, WIRE_MAC, WirePeer, eth, frames_hash,
                  udp_fields, udp_frame)
from netns import NetnsPeer

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = os.path.join(os.path.dirname(HERE), "obj", "grade")
MODELS = (("e1000", "e1000"), ("virtio", "virtio-net-pci"))
GUEST_IP, PEER_IP = "10.0.2.15", "10.0.2.2"
ETH_TEST = 0x88b5
AUDIT = lambda prog: expect(r"^%s: kernel page audit ok" % prog)


def _figure(name, text):
    os.makedirs(FIGURES, exist_ok=True)
    with open(os.path.join(FIGURES, name + ".figures"), "a") as f:
        f.write(text + "\n")


def _udp_in(dport, payload, sport=40000):
    """A frame from the wire's peer to the guest (>= 60 bytes: the e1000
    pads shorter ones, which would change what the guest hashes)."""
    payload = payload + b"\0" * max(0, 18 - len(payload))
    return udp_frame(PEER_IP, GUEST_IP, sport, dport, payload)


def _payloads(seed, n, lo=18, hi=1472):
    rnd = random.Random(seed)
    return [bytes(rnd.randrange(256) for _ in range(rnd.randint(lo, hi)))
            for _ in range(n)]


# --- transmit: byte-exact, in order, and the rate ---

def tx_frame(i, src=GUEST_MAC):
    """Frame i of user/test/nettx.c."""
    length = 60 + (i * 37) % (1514 - 60 + 1)
    body = bytes(((i * 7 + k * 13) & 0xff) for k in range(length - 18))
    return eth(WIRE_MAC, src, ETH_TEST, struct.pack("!I", i) + body)


def tx_test(tag, model, count=2000):
    peer = WirePeer(model)
    name = "nic-tx-" + tag
    is_test = lambda f: f[12:14] == struct.pack("!H", ETH_TEST)

    def check(m):
        got = peer.wire.wait_frames(count, 15, match=is_test)
        if len(got) != count:
            return "the wire got %d of %d frames" % (len(got), count)
        for i, f in enumerate(got):
            want = tx_frame(i)
            if f != want:
                return "frame %d differs: %d bytes %s..., want %d bytes %s..." % (
                    i, len(f), f[:20].hex(), len(want), want[:20].hex())
        n, secs = peer.wire.rate(match=is_test)
        if secs > 0:
            _figure(name, "wire: %d frames in %.3f s: %.0f frames/s" %
                    (n, secs, n / secs))
        return None
    return Test(name, cmdline="init=nettx 0 %d" % count, cpus=2, peer=peer,
                timeout=90, steps=[
                    expect(r"^nettx: sent \d+ frames, \d+ bytes in \d+ us: (\d+) frames/s.*",
                           lambda m: _figure(name, m.group(0))),
                    expect(r"^nettx: done (\d+)", check)])


# --- receive: byte-exact into the claiming channel, by copy and by flip ---

def rx_test(tag, model, flip=False, count=120, port=5555):
    peer = WirePeer(model)
    frames = [_udp_in(port, p, 40000 + i % 7)
              for i, p in enumerate(_payloads("rx" + tag, count))]
    want = frames_hash(frames)

    def inject(m):
        peer.wire.inject_many(frames)

    def check(m):
        got, h = int(m.group(1)), int(m.group(2), 16)
        if got != count:
            return "got %d of %d frames" % (got, count)
        if h != want:
            return "hash %016x, want %016x (the frames differ)" % (h, want)
        return None

    def rate(m):
        _figure(name, m.group(0))
    mode = " flip" if flip else ""
    name = "nic-rx%s-%s" % ("-flip" if flip else "", tag)
    return Test(name,
                cmdline="init=netrx 0 %d %d%s" % (port, count, mode), cpus=2,
                peer=peer, timeout=90, steps=[
                    expect(r"^netrx: ready", inject),
                    expect(r"^netrx: port \d+ got (\d+) frames hash ([0-9a-f]+)", check),
                    expect(r"^netrx: rate: .*", rate),
                    expect(r"^netrx: ok"), AUDIT("netrx")])


# --- three apps, three ports; unclaimed frames dropped, then to default ---

def multi_test(tag, model, count=30, unclaimed=20):
    peer = WirePeer(model)
    ports = (7001, 7002, 7003)
    per_port = {p: [_udp_in(p, x) for x in _payloads("m%d%s" % (p, tag), count)]
                for p in ports}
    stray = [_udp_in(7004, x) for x in _payloads("s" + tag, unclaimed)]
    order = []
    for i in range(count):
        order += [per_port[p][i] for p in ports]
        if i < unclaimed:
            order.append(stray[i])
    # the last frame is a claimed one: when the apps have all theirs, the
    # unclaimed ones before it have been counted
    assert order[-1] in per_port[ports[-1]]

    arp = eth(b"\xff" * 6, WIRE_MAC, 0x0806, bytes.fromhex(
        "0001080006040001") + WIRE_MAC + bytes([10, 0, 2, 2]) + b"\0" * 6 +
        bytes([10, 0, 2, 15]) + b"\0" * 18)

    def phase1(m):
        peer.wire.inject_many([arp] + order)

    def phase2(m):
        peer.wire.inject_many(stray)

    steps = [expect(r"^netmulti: ready1", phase1),
             expect_all(*[r"netmulti: port %d got %d frames \(0 foreign\) hash %016x, "
                          r"1 shared" % (p, count, frames_hash(per_port[p]))
                          for p in ports])]
    steps += [expect(r"^netmulti: (\d+) unclaimed frames dropped", equals(unclaimed)),
              expect(r"^netmulti: ready2", phase2),
              expect(r"^netmulti: default got %d frames \(0 foreign\) hash %016x"
                     % (unclaimed, frames_hash(stray))),
              expect(r"^netmulti: ok"), AUDIT("netmulti")]
    return Test("nic-multi-" + tag, cmdline="init=netmulti 0 %d %d" % (count, unclaimed),
                cpus=2,
                peer=peer, timeout=90, steps=steps)


# --- overlapping claims refused; a closed channel's claim is free again ---

def claim_test(tag, model):
    # netstat, run while both envs hold channels: the claim, in hex
    udp5000 = r"\[12:2\]=800 \[14:1\]=45 \[23:1\]=11 \[30:4\]=a00020f \[36:2\]=1388"
    return Test("nic-claim-" + tag, cmdline="init=netclaim 0", cpus=2,
                peer=WirePeer(model), timeout=60,
                reject=[r"netclaim: FAIL"],
                steps=[expect(r"^nic0 \S+ 52:54:00:12:34:56 link up irq \d+: 3 channels"),
                       expect(r"^chan \d+ nic0 owner \[[0-9a-f]+\] netclaim:"),
                       expect(r"^  filter \d+: %s \(0 hits\)" % udp5000),
                       expect(r"^chan \d+ nic0 owner \[[0-9a-f]+\] netclaim default:"),
                       expect(r"^netclaim: destroyed an env with \d+ frames in flight: "
                              r"pages free (\d+), then \1$"),
                       expect(r"^netclaim: a destroyed env's claim is free again"),
                       expect(r"^netclaim: ok"), AUDIT("netclaim")])


# --- bad descriptors and spoofing never reach the wire ---

def sec_test(tag, model):
    peer = WirePeer(model)
    guest_ip = bytes(map(int, GUEST_IP.split(".")))

    def raced(m):
        sent, refused = int(m.group(1)), int(m.group(2))
        if sent == 0 or refused == 0:
            return ("the racer did not race (%d sent, %d refused): the test "
                    "proves nothing" % (sent, refused))
        return None

    def check(m):
        sent = int(m.group(1))
        want = 2 + 1 + sent          # GOOD 1, GOOD 2, the ARP, the race
        peer.wire.wait_frames(want, 10)
        time.sleep(0.5)              # and nothing more comes after them
        got = peer.wire.frames()
        for f in got:
            if f[6:12] != GUEST_MAC:
                return "a frame from MAC %s reached the wire" % f[6:12].hex()
            if b"EVIL" in f:
                return "a rejected frame reached the wire: %r" % f[42:70]
            if f[12:14] == b"\x08\x06":
                if f[28:32] != guest_ip or f[22:28] != GUEST_MAC:
                    return "a spoofed ARP frame reached the wire"
                continue
            fields = udp_fields(f)
            if fields is None or fields[0] != GUEST_IP or fields[2] != 6000:
                return "a spoofed frame reached the wire: %s" % f[:40].hex()
        good = sum(1 for f in got if b"GOOD" in f)
        race = sum(1 for f in got if b"RACE" in f)
        if len(got) != want or good != 2 or race != sent:
            return "the wire got %d frames (%d good, %d race), want %d (2, %d)" % (
                len(got), good, race, want, sent)
        return None
    return Test("nic-sec-" + tag, cmdline="init=netsec 0", cpus=2, peer=peer,
                timeout=90, reject=[r"netsec: FAIL"], steps=[
                    expect(r"^netsec: race with an env: (\d+) frames sent, (\d+) refused",
                           raced),
                    expect(r"^netsec: race with a thread: (\d+) frames sent, (\d+) refused",
                           raced),
                    expect(r"^netsec: done (\d+)", check), AUDIT("netsec")])


# --- a flood: responsive, drops counted, pages exact ---

def flood_test(tag, model):
    peer = WirePeer(model)
    name = "nic-flood-" + tag
    frames = [_udp_in(4444, b"flood %d" % i) for i in range(256)]

    state = {}

    def flood(m):
        state["thread"] = peer.wire.flood(frames, seconds=2.0)

    def responsive(m):
        # a livelocked guest would be late by the whole 2 s flood
        late = int(m.group(1))
        return None if late < 1000000 else "a tick was %d us late" % late

    def dropped(m):
        got, drops, missed = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if drops == 0:
            return "nothing was dropped"
        # every frame the wire got into QEMU was received or counted:
        # dropped by the kernel, or missed by the device
        state["thread"].join(timeout=5)
        if got + drops + missed != peer.wire.sent:
            return ("the wire sent %d frames; %d received + %d dropped + %d "
                    "missed = %d" % (peer.wire.sent, got, drops, missed,
                                     got + drops + missed))
        _figure(name, "wire: flood of %d frames in 2 s (%.0f frames/s offered), "
                "%d received, %d dropped, %d missed" % (peer.wire.sent,
                                                        peer.wire.sent / 2.0, got, drops, missed))
        return None

    def pages(m):
        a, b = int(m.group(1)), int(m.group(2))
        return None if a == b else "%d pages free before, %d after" % (a, b)
    return Test(name, cmdline="init=netflood 0 4444", cpus=2,
                peer=peer, timeout=90, steps=[
                    expect(r"^netflood: ready", flood),
                    expect(r"^netflood: alive 4"),
                    expect(r"^netflood: alive 8"),
                    expect(r"^netflood: ticks late by at most (\d+) us", responsive),
                    expect(r"^netflood: received (\d+), dropped (\d+) .*device missed (\d+)",
                           dropped),
                    expect(r"^netflood: pages free before (\d+), after (\d+)", pages),
                    expect(r"^netflood: ok"), AUDIT("netflood")])


# --- malformed frames ---

def malformed_frames():
    rnd = random.Random(7)
    out = []
    for n in (1, 5, 13):                        # runts
        out.append(GUEST_MAC[:n])
    for n in (1515, 1518, 1600, 3000, 4097, 9018):  # oversized, jumbo
        out.append(eth(GUEST_MAC, WIRE_MAC, 0x88b7, b"\xab" * (n - 14)))
    for n in (14, 20, 30, 35, 37):              # IPv4 headers cut short
        out.append(_udp_in(9000, b"LAST")[:n])
    # IPv4 with options: port 9000 at offset 38, not where the claim looks
    ip = _udp_in(9000, b"LAST")
    hdr = bytearray(ip[14:34])
    hdr[0] = 0x46
    out.append(ip[:14] + bytes(hdr) + b"\0\0\0\0" + ip[34:])
    # the deep claim: 0xab at offset 1000 only in a frame too short to
    # have it... after one that leaves 0xab there in some buffer
    out.append(eth(GUEST_MAC, WIRE_MAC, 0x88b7, b"\xab" * 1486))
    for n in (100, 999, 1000):
        out.append(eth(GUEST_MAC, WIRE_MAC, 0x88b6, b"\xab" * (n - 14)))
    for _ in range(20):                         # garbage
        n = rnd.randint(14, 1514)
        t = rnd.choice((0x1234, 0x86dd, 0xffff, 0x0000, 0x88b7))
        out.append(eth(GUEST_MAC, bytes(rnd.randrange(256) for _ in range(6)), t,
                       bytes(rnd.randrange(256) for _ in range(n - 14))))
    deep = bytearray(eth(GUEST_MAC, WIRE_MAC, 0x88b6, bytes(1200 - 14)))
    deep[1000] = 0xab
    out.append(bytes(deep))
    out.append(_udp_in(9000, b"LAST"))
    return out


def malformed_test(tag, model):
    peer = WirePeer(model)
    frames = malformed_frames()

    def inject(m):
        peer.wire.inject_many(frames)
    return Test("nic-malformed-" + tag, cmdline="init=netmal 0", cpus=2,
                peer=peer, timeout=60, steps=[
                    expect(r"^netmal: ready", inject),
                    expect(r"^netmal: claim got 1, deep got 1 \(0 wrong\)"),
                    expect(r"^netmal: the device gave (\d+) frames, \1 accounted for"),
                    expect(r"^netmal: ok"), AUDIT("netmal")])


# --- the demux benchmark: 1, 10, 100, 1000 filters ---

def bench_test(tag, model, frames=200):
    peer = WirePeer(model)
    name = "nic-bench-" + tag

    def inject(n, r):
        def go(m):
            rnd = random.Random(n * 10 + r)
            peer.wire.inject_many([_udp_in(20000 + rnd.randrange(n), b"bench")
                                   for _ in range(frames)])
        return go

    def record(m):
        _figure(name, m.group(0))
    steps = []
    for n in (1, 10, 100, 1000):
        steps += [expect(r"^netbench: ready %d %d$" % (n, r), inject(n, r))
                  for r in range(3)]
        steps.append(expect(r"^netbench: %d filters: \d+ cycles.*" % n, record))
    steps.append(expect(r"^netbench: done"))
    return Test(name, cmdline="init=netbench 0 %d" % frames, cpus=2, peer=peer,
                timeout=120, steps=steps)


# --- echo: receive and transmit in one light test (also on Bochs) ---

def echo_test(tag, model, emulator="qemu", count=10, port=7):
    peer = WirePeer(model)
    payloads = [b"echo %d " % i + p for i, p in enumerate(_payloads("e" + tag, count, 18, 600))]

    def inject(m):
        peer.wire.inject_many([_udp_in(port, p, 41000 + i)
                               for i, p in enumerate(payloads)])

    def reply(f):
        u = udp_fields(f)
        return u is not None and u[0] == GUEST_IP and u[2] == port

    def check(m):
        got = peer.wire.wait_frames(count, 30, match=reply)
        if len(got) != count:
            return "the wire got %d of %d replies" % (len(got), count)
        for i, f in enumerate(got):
            ulen = struct.unpack_from("!H", f, 38)[0]
            if f[:6] != WIRE_MAC or udp_fields(f)[1:] != (PEER_IP, port, 41000 + i) \
                    or f[42:34 + ulen] != payloads[i]:
                return "reply %d is wrong: %s" % (i, f[:60].hex())
        return None
    return Test("nic-echo-" + tag, cmdline="init=netecho 0 %d %d" % (port, count),
                emulator=emulator, peer=peer, timeout=240 if emulator == "bochs" else 60,
                steps=[expect(r"^netecho: ready", inject),
                       expect(r"^netecho: echoed %d datagrams, 0 bad" % count, check)])


# --- the wire's rules: drop, duplicate, corrupt, reorder, delay ---

def rules_test(tag, model, count=16, port=7):
    """netecho sends back what reaches it, so the replies show what the
    wire's rules did to the frames on the way in."""
    peer = WirePeer(model)
    frames = [_udp_in(port, b"rule %02d " % i + bytes(40), 42000 + i)
              for i in range(count)]
    has = lambda i: (lambda f: b"rule %02d " % i in f)
    # 3 dropped, 5 twice, 7 corrupted (a payload byte), 9 after 10, 12 last
    want = [0, 1, 2, 4, 5, 5, 6, 7, 8, 10, 9, 11, 13, 14, 15, 12]

    def inject(m):
        w = peer.wire
        w.add_rule("in", "drop", has(3))
        w.add_rule("in", "dup", has(5))
        w.add_rule("in", "corrupt", has(7), arg=42 + 20)
        w.add_rule("in", "reorder", has(9))
        w.add_rule("in", "delay", has(12), arg=1.0)
        w.inject_many(frames)

    def check(m):
        got = peer.wire.wait_frames(len(want), 20, match=lambda f: b"rule " in f)
        ids = [int(f[47:49]) for f in got]
        if ids != want:
            return "replies in the order %s, want %s" % (ids, want)
        if got[7][42 + 20] != 0xff:
            return "the corrupted byte did not come back corrupted"
        return None
    return Test("nic-wire-rules-" + tag, cmdline="init=netecho 0 %d %d" % (port, len(want)),
                cpus=2, peer=peer, timeout=60,
                steps=[expect(r"^netecho: ready", inject),
                       expect(r"^netecho: echoed %d datagrams, 0 bad" % len(want), check)])


# --- Linux's own stack as the peer, through a tap in a namespace ---

def linux_test(tag, model):
    peer = NetnsPeer(model)
    state = {}

    def ping(m):
        state["udp"] = peer.spawn(peer.helper("udprecv", "7777", "30"))
        rc, out = peer.run(peer.helper("ping", GUEST_IP, "3"), timeout=30)
        return None if rc == 0 else "Linux's pings were not all answered: %s" % out

    def udp(m):
        p = state["udp"]
        try:
            out, _ = p.communicate(timeout=10)
        except Exception as e:  # noqa: BLE001 (a timeout: say so)
            return "no datagram reached Linux (%s)" % e
        out = out.decode(errors="replace")
        if "hello linux" not in out or "10.0.2.15:7777" not in out:
            return "Linux got: %r" % out
        return None
    return Test("nic-linux-" + tag, cmdline="init=netresp 0 3", cpus=2, peer=peer,
                timeout=90, steps=[
                    expect(r"^netresp: ready", ping),
                    expect(r"^netresp: answered 3 echo requests"),
                    expect(r"^netresp: udp sent", udp)])


# --- transmit offloads: malformed requests refused (tap: virtio offers them) ---

def tso_test(tag, model):
    want = "csum tso4" if model.startswith("virtio") else "none"
    return Test("nic-tso-" + tag, cmdline="init=nettso 0", cpus=2,
                peer=NetnsPeer(model), timeout=60, reject=[r"nettso: FAIL"],
                steps=[expect(r"^nettso: offloads " + want),
                       expect(r"^nettso: ok, \d+ offload requests refused"),
                       AUDIT("nettso")])


TESTS = []
for _tag, _model in MODELS:
    TESTS += [tx_test(_tag, _model), rx_test(_tag, _model),
              rx_test(_tag, _model, flip=True), multi_test(_tag, _model),
              claim_test(_tag, _model), sec_test(_tag, _model),
              flood_test(_tag, _model), malformed_test(_tag, _model),
              bench_test(_tag, _model), linux_test(_tag, _model),
              echo_test(_tag, _model), rules_test(_tag, _model),
              tso_test(_tag, _model)]
TESTS.append(echo_test("bochs", "bochs", emulator="bochs", count=5))
