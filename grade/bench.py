#!/usr/bin/env python3
"""make bench: Chitin's benchmarks beside the Linux reference guest.

    python3 grade/bench.py                 everything, defaults below
    python3 grade/bench.py --runs 5        more Chitin boots per figure
    python3 grade/bench.py --no-linux      Chitin alone
    python3 grade/bench.py --linux-results FILE ...   reuse linuxref results

0. As root, sets up the network peer as linuxref does: a private network
   namespace with a tap device (host 10.99.0.1, guest 10.99.0.2) and
   linuxref's netsrv (UDP echo :7001, TCP echo :7002, TCP sink :7003);
   every Chitin boot runs inside it. Otherwise Chitin's network figures
   use QEMU's user-mode network (ping only) and UDP/TCP are skipped.
1. Boots Chitin --boots times with `monitor` and times, host-side,
   QEMU's start to the kernel monitor's prompt (there is no shell yet);
   the kernel's boot line also gives the TSC rate, passed on to bench.
2. Boots Chitin --runs times with `init=bench` (user/bench.c) and
   collects its RESULT lines; a run's figure is the median over its 11
   timed batches, the figure reported is the median over the runs, and
   the spread is the min and max batch over all runs. Runs are added (up
   to --max-runs) while some figure's runs differ by more than 25%. These
   boots also time QEMU's start to the first user program.
3. Runs ../shared/linuxref/run.sh --linux-runs times, taking turns with
   step 2, in the same QEMU configuration (accelerator, -cpu model,
   -machine pc, CPUs, memory, NIC model) and reads its results file. If
   it cannot run (it needs root and network namespaces; `--nic none`
   needs neither), says why and prints Chitin alone.
4. With --mc-cpus > 1, boots once more with that many CPUs and runs the
   multicore figures (`bench -m`).
5. With the network peer and user/tcpbench (the library stack's own
   tool), boots tcpbench for tcp_rtt (rr against netsrv's echo) and
   tcp_bulk (64 MiB to netsrv's sink).
6. Prints one table (ratio = Linux / Chitin for times, Chitin / Linux for
   MB/s, so > 1 always means Chitin is faster) and writes into obj/bench/:
   results.json (every run's raw figures), table.txt, the serial logs,
   ratios.svg, mc.svg and demux.svg (drawn here, no dependency), bench.gp
   and *.dat (a gnuplot script; bench.png when gnuplot is installed).

Asserts nothing about speed; exits 1 only when Chitin's bench could not
run or reported an error. Python 3 standard library only.
"""

import argparse
import json
import math
import os
import re
import selectors
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from vm import read_cmdline_layout  # noqa: E402

SECTOR = 512
OUTDIR = os.path.join(ROOT, "obj", "bench")
LINUXREF = os.path.normpath(os.path.join(ROOT, "..", "shared", "linuxref"))

# Rows of the table, in order: (Chitin figure, Linux figure it is set
# against, note). A Linux figure of None: no counterpart in linuxref.
# Pairs of different names compare the same service done each system's
# way (the issue asks for PCT and IPC against a pipe round trip).
ROWS = [
    ("null_syscall", "null_syscall", "getenvid vs getppid"),
    ("pf_upcall", "pf_trap", "Linux's figure also calls mprotect"),
    ("pf_trap", "pf_trap", "fault -> user handler -> unprotect -> resume"),
    ("appel1", "pf_trap", "Chitin also protects the page (timed)"),
    ("appel2", "pf_trap", "Chitin also protects (1/100 of a batch call)"),
    ("page_alloc", "page_alloc", "page_alloc+unmap vs mmap+munmap"),
    ("map_single", None, "page_map+page_unmap, a call each"),
    ("map_batch64", None, "the same, 64 per mmap_batch"),
    ("fork_exit_wait", "fork_exit_wait", "libos COW fork vs kernel fork"),
    ("spawn_exit_wait", None, "libos ELF loader"),
    ("ipc_rtt", "pipe_rtt", "IPC vs 1-byte pipe ping-pong"),
    ("pct_rtt", "pipe_rtt", "PCT vs 1-byte pipe ping-pong"),
    ("pipe_rtt", "pipe_rtt", ""),
    ("yield_switch", "yield_switch", "sys_yield vs sched_yield"),
    ("yield_to_switch", "yield_switch", "directed yield vs sched_yield"),
    ("thread_switch", None, "library threads, one env"),
    ("demux_1", None, "kernel classifier, 1 filter"),
    ("demux_10", None, "10 filters"),
    ("demux_100", None, "100 filters"),
    ("demux_1000", None, "1000 filters"),
    ("nic_ping_rtt", None, "raw ICMP echo frames with the peer"),
    ("udp_rtt", "udp_rtt", "raw UDP frames vs Linux's UDP socket"),
    ("tcp_rtt", "tcp_rtt", "library stack (tcpbench rr) vs Linux"),
    ("tcp_bulk", "tcp_bulk", "MB/s: tcpbench send vs Linux"),
]

RESULT_RE = re.compile(r"^RESULT\|([^|]+)\|([0-9.]+)\|([^|]*)\|([0-9.]+)\|"
                       r"([^|]*)\|(\d+)\|(\d+)\|([0-9.]+)\|([0-9.]+)\|(.*)$")
EVENTS = {
    "kernel_ready": re.compile(r"^boot: kernel ready in (\d+) ms"),
    "init": re.compile(r"^env \[[0-9a-f]+\] \S+: started from the boot "
                       r"archive"),
    "prompt": re.compile(r"^K> "),
    "done": re.compile(r"^DONE\|"),
    "panic": re.compile(r"kernel panic|[Tt]riple fault"),
}


def log(msg):
    print("[bench] %s" % msg, flush=True)


# ---------------------------------------------------------------- setup --

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3,
                   help="Chitin bench boots (default 3)")
    p.add_argument("--max-runs", type=int, default=5,
                   help="Chitin boots at most, adding runs while some "
                   "figure's runs differ by over 25%% (default 5)")
    p.add_argument("--boots", type=int, default=3,
                   help="boots timed to the monitor prompt (default 3)")
    p.add_argument("--linux-runs", type=int, default=3,
                   help="linuxref runs (default 3; 0 = none)")
    p.add_argument("--no-linux", action="store_true",
                   help="Chitin alone")
    p.add_argument("--linux-results", nargs="+", metavar="FILE",
                   help="use these linuxref .results files instead of "
                   "running it")
    p.add_argument("--cpus", type=int, default=1,
                   help="CPUs of both guests (default 1, linuxref's)")
    p.add_argument("--mem", type=int, default=512,
                   help="MiB of both guests (default 512, linuxref's)")
    p.add_argument("--mc-cpus", type=int, default=2,
                   help="CPUs of the multicore boot (default 2; <2: none)")
    p.add_argument("--nic", default="e1000",
                   choices=("e1000", "virtio", "none"),
                   help="NIC model of both guests (default e1000)")
    p.add_argument("--bench-args", default="",
                   help="extra arguments for Chitin's bench, e.g. '-B 21'")
    p.add_argument("--image", default=os.path.join(ROOT, "obj",
                                                   "chitin.img"))
    p.add_argument("--timeout", type=int, default=300,
                   help="seconds per Chitin boot (default 300)")
    p.add_argument("--linuxref", default=LINUXREF,
                   help="the Linux reference guest's folder (default "
                   "../shared/linuxref)")
    p.add_argument("--no-plot", action="store_true",
                   help="do not run gnuplot even if it is installed")
    return p.parse_args()


def pick_accel():
    accel = os.environ.get("ACCEL", "").strip()
    if accel:
        return accel
    try:
        out = subprocess.run(["sh", os.path.join(ROOT, "conf", "accel.sh")],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "tcg"
    except (OSError, subprocess.SubprocessError):
        return "tcg"


class Config:
    """What both guests share: the QEMU configuration."""

    def __init__(self, args):
        self.args = args
        self.accel = pick_accel()
        # linuxref's choice: qemu64 (QEMU's default) under TCG, host under KVM
        self.cpu_model = "host" if self.accel == "kvm" else "qemu64"
        self.qemu = os.environ.get("QEMU", "qemu-system-x86_64")
        self.lba, self.cmdline_max = read_cmdline_layout(ROOT)
        self.net = None         # a started HostNet, or None

    def nic_args(self):
        model = {"e1000": "e1000", "virtio": "virtio-net-pci"}.get(
            self.args.nic)
        if model is None:
            return ["-nic", "none"]
        # The device model and MAC of linuxref's guest; behind it the tap
        # of the host peer, or else QEMU's user-mode network.
        backend = ("tap,id=n0,ifname=%s,script=no,downscript=no"
                   % HostNet.TAP if self.net else "user,id=n0")
        return ["-netdev", backend, "-device",
                "%s,netdev=n0,mac=52:54:00:12:34:56" % model]

    def qemu_cmd(self, image, cpus):
        prefix = self.net.prefix() if self.net else []
        return prefix + ([self.qemu, "-machine", "pc", "-accel", self.accel,
                 "-cpu", self.cpu_model, "-smp", str(cpus),
                 "-m", str(self.args.mem),
                 "-drive", "file=%s,format=raw,if=ide,index=0,media=disk"
                 % image, "-display", "none", "-no-reboot",
                 "-serial", "stdio", "-monitor", "none"] + self.nic_args())



class HostNet:
    """The host peer of the network figures, as linuxref sets up its own:
    a private network namespace holding a tap device (10.99.0.1/24) and
    linuxref's netsrv (UDP echo :7001, TCP echo :7002, sink :7003), with
    QEMU started inside it. Needs root; start() says why it cannot."""

    HOST_IP = "10.99.0.1"
    TAP = "cbtap0"

    def __init__(self, cfg):
        self.cfg = cfg
        self.ns = "chitinbench%d" % os.getpid()
        self.srv = None
        self.up = False

    def _ip(self, *words):
        subprocess.run(["ip"] + list(words), check=True,
                       capture_output=True, timeout=20)

    def _netsrv(self):
        """linuxref's netsrv, built into obj/bench/ from its source."""
        src = os.path.join(self.cfg.args.linuxref, "netsrv.c")
        out = os.path.join(OUTDIR, "netsrv")
        if not os.path.exists(out) or (
                os.path.getmtime(out) < os.path.getmtime(src)):
            subprocess.run(["gcc", "-O2", "-pthread", "-o", out, src],
                           check=True, capture_output=True, timeout=120)
        return out

    def start(self):
        """Returns None, or why the host peer cannot be set up."""
        if self.cfg.args.nic == "none":
            return "no NIC (--nic none)"
        if os.geteuid() != 0:
            return "not root (a network namespace and a tap device need it)"
        try:
            netsrv = self._netsrv()
            self._ip("netns", "add", self.ns)
            self.up = True
            self._ip("-n", self.ns, "link", "set", "lo", "up")
            self._ip("-n", self.ns, "tuntap", "add", "dev", self.TAP,
                     "mode", "tap")
            self._ip("-n", self.ns, "addr", "add", self.HOST_IP + "/24",
                     "dev", self.TAP)
            self._ip("-n", self.ns, "link", "set", self.TAP, "up")
            self.srv = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, netsrv, self.HOST_IP],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.3)
            if self.srv.poll() is not None:
                raise RuntimeError("netsrv exited at once")
        except (OSError, subprocess.SubprocessError, RuntimeError) as e:
            self.stop()
            return "cannot set up the host peer: %s" % e
        return None

    def stop(self):
        if self.srv and self.srv.poll() is None:
            self.srv.kill()
            self.srv.wait()
        self.srv = None
        if self.up:
            subprocess.run(["ip", "netns", "del", self.ns],
                           capture_output=True, timeout=20)
            self.up = False

    def prefix(self):
        return ["ip", "netns", "exec", self.ns] if self.srv else []


def qemu_version(cfg):
    try:
        out = subprocess.run([cfg.qemu, "--version"], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.split("\n")[0].strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except (OSError, IndexError):
        return "?"


def host_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


# --------------------------------------------------------- Chitin boots --

def write_image(cfg, src, dst, cmdline):
    data = cmdline.encode()
    if len(data) >= cfg.cmdline_max:
        raise ValueError("command line longer than %d bytes"
                         % (cfg.cmdline_max - 1))
    shutil.copyfile(src, dst)
    with open(dst, "r+b") as f:
        f.seek(cfg.lba * SECTOR)
        f.write(data.ljust(cfg.cmdline_max, b"\0"))


class Boot:
    """One boot of Chitin: its serial lines, and when (seconds after
    QEMU's start, host clock) each of EVENTS first appeared."""

    def __init__(self):
        self.lines = []
        self.events = {}
        self.kernel_ready_ms = None
        self.failure = None
        self.elapsed = 0.0


def boot_chitin(cfg, cmdline, cpus, until, timeout, tag):
    """Boots with cmdline until the event `until` (or a panic, QEMU's
    exit, the timeout). Returns a Boot; its serial log goes to
    obj/bench/<tag>.log."""
    image = os.path.join(OUTDIR, tag + ".img")
    write_image(cfg, cfg.args.image, image, cmdline)
    boot = Boot()
    t0 = time.monotonic()
    proc = subprocess.Popen(cfg.qemu_cmd(image, cpus), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with open(os.path.join(OUTDIR, tag + ".log"), "wb") as logf:
            _read_boot(proc, boot, until, t0, t0 + timeout, logf)
        boot.elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for f in (proc.stdin, proc.stdout):
            f.close()
        os.unlink(image)
    return boot


def _read_boot(proc, boot, until, t0, deadline, logf):
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    while True:
        now = time.monotonic()
        if now >= deadline:
            boot.failure = "timeout after %.0f s" % (now - t0)
            return
        if not sel.select(min(0.2, deadline - now)):
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        now = time.monotonic() - t0
        if not chunk:
            boot.failure = "QEMU exited (status %s)" % proc.wait()
            return
        logf.write(chunk)
        buf += chunk
        # a prompt has no newline: look at the unfinished line too
        *done, buf = buf.split(b"\n")
        for raw in done + [buf]:
            line = raw.decode(errors="replace").replace("\r", "")
            if raw is not buf:
                boot.lines.append(line)
            _note_events(boot, line, now)
        if "panic" in boot.events:
            boot.failure = "kernel panic (see the log)"
            return
        if until in boot.events:
            return


def _note_events(boot, line, now):
    for name, regex in EVENTS.items():
        m = regex.search(line)
        if m and name not in boot.events:
            boot.events[name] = now
            if name == "kernel_ready":
                boot.kernel_ready_ms = int(m.group(1))


# -------------------------------------------------------------- parsing --

def parse_lines(lines):
    """RESULT, SKIP, ERROR and INFO lines of a bench run (Chitin's or
    linuxref's: one format)."""
    out = {"results": {}, "skips": {}, "errors": [], "info": {}}
    for line in lines:
        line = line.strip()
        m = RESULT_RE.match(line)
        if m:
            out["results"][m.group(1)] = {
                "median": float(m.group(2)), "unit": m.group(3),
                "cycles": float(m.group(4)), "cycles_unit": m.group(5),
                "n": int(m.group(6)), "batches": int(m.group(7)),
                "min": float(m.group(8)), "max": float(m.group(9)),
                "what": m.group(10)}
            continue
        parts = line.split("|")
        if parts[0] == "SKIP" and len(parts) >= 3:
            out["skips"][parts[1]] = parts[2]
        elif parts[0] == "ERROR":
            out["errors"].append(line)
        elif parts[0] == "INFO" and len(parts) >= 3:
            out["info"][parts[1]] = "|".join(parts[2:])
    return out


def aggregate(runs):
    """Per figure over runs: the median of the runs' medians, the min and
    max batch over all runs, and the runs' medians themselves."""
    agg = {}
    for run in runs:
        for name, r in run["results"].items():
            a = agg.setdefault(name, {"medians": [], "cycles": [],
                                      "min": r["min"], "max": r["max"],
                                      "unit": r["unit"], "what": r["what"],
                                      "cycles_unit": r["cycles_unit"]})
            a["medians"].append(r["median"])
            a["cycles"].append(r["cycles"])
            a["min"] = min(a["min"], r["min"])
            a["max"] = max(a["max"], r["max"])
    for a in agg.values():
        a["median"] = statistics.median(a["medians"])
        a["median_cycles"] = statistics.median(a["cycles"])
    return agg


# ---------------------------------------------------------------- Chitin --

def tsc_mhz(boots):
    """The TSC rate the kernel printed at boot ('timer: ... tsc N MHz').
    bench gets it with -H while the clock page does not carry it."""
    for b in boots:
        for line in b.lines:
            m = re.search(r"^timer: .*\btsc (\d+) MHz", line)
            if m:
                return int(m.group(1))
    return None


def bench_cmdline(cfg, mode, mhz):
    words = ["init=bench", mode]
    if mhz:
        words += ["-H", str(mhz)]
    if cfg.net:
        words += ["-n", HostNet.HOST_IP]
    return " ".join(words + cfg.args.bench_args.split())


def run_chitin_once(cfg, i, mhz):
    """Bench boot number i (from 1); returns (parsed results, Boot, failure
    or None)."""
    args = cfg.args
    cmdline = bench_cmdline(cfg, "-M", mhz)
    log("Chitin run %d: %s, %d CPU(s), %d MiB"
        % (i, cmdline, args.cpus, args.mem))
    boot = boot_chitin(cfg, cmdline, args.cpus, "done", args.timeout,
                       "chitin-run%d" % i)
    log("  %.0f s" % boot.events.get("done", boot.elapsed))
    parsed = parse_lines(boot.lines)
    parsed["events"] = boot.events
    if boot.failure or parsed["errors"]:
        why = boot.failure or "; ".join(parsed["errors"])
        return parsed, boot, "run %d: %s (obj/bench/chitin-run%d.log)" % (
            i, why, i)
    return parsed, boot, None


def unsettled(runs, limit):
    """The figures whose run medians differ by more than limit (a
    fraction of their median)."""
    out = []
    for name, a in aggregate(runs).items():
        if len(a["medians"]) > 1 and a["median"] > 0 and (
                max(a["medians"]) - min(a["medians"])) > limit * a["median"]:
            out.append(name)
    return out


def run_prompt_boots(cfg):
    out = []
    log("%d boot(s) to the monitor prompt" % cfg.args.boots)
    for i in range(cfg.args.boots):
        boot = boot_chitin(cfg, "monitor", cfg.args.cpus, "prompt", 120,
                           "chitin-boot%d" % (i + 1))
        if boot.failure:
            log("boot to the monitor prompt failed: %s" % boot.failure)
            continue
        out.append(boot)
    return out


def run_multicore(cfg, mhz):
    n = cfg.args.mc_cpus
    if n < 2:
        return None, "multicore boot not requested (--mc-cpus < 2)"
    cmdline = bench_cmdline(cfg, "-m", mhz)
    log("Chitin multicore run: %s, %d CPUs" % (cmdline, n))
    boot = boot_chitin(cfg, cmdline, n, "done", cfg.args.timeout,
                       "chitin-mc")
    parsed = parse_lines(boot.lines)
    if boot.failure or parsed["errors"]:
        return parsed, "multicore run: %s" % (
            boot.failure or "; ".join(parsed["errors"]))
    return parsed, None


def boot_figures(bench_boots, prompt_boots):
    """Host-side boot times in ms: QEMU start to the first user program
    (from the bench boots) and to the monitor prompt."""
    figs = {}
    series = {
        "boot_to_init": [b.events["init"] * 1000 for b in bench_boots
                         if "init" in b.events],
        "boot_to_prompt": [b.events["prompt"] * 1000 for b in prompt_boots
                           if "prompt" in b.events],
        "kernel_ready_self": [b.kernel_ready_ms for b in bench_boots
                              + prompt_boots if b.kernel_ready_ms],
    }
    whats = {
        "boot_to_init": "QEMU start -> first user program running (host "
                        "clock; BIOS, loader, kernel, archive)",
        "boot_to_prompt": "QEMU start -> kernel monitor prompt K> "
                          "(no shell yet: issue 6)",
        "kernel_ready_self": "the kernel's own 'kernel ready in N ms' "
                             "(kernel entry -> ready)",
    }
    for name, vals in series.items():
        if vals:
            figs[name] = {"median": statistics.median(vals),
                          "min": min(vals), "max": max(vals),
                          "medians": vals, "unit": "ms", "what": whats[name]}
    return figs


# ------------------------------------------- TCP, through the stack's tool --

TCP_RR = re.compile(r"^tcpbench: rr (\d+) x (\d+) bytes: median (\d+) us, "
                    r"p90 (\d+) us, min (\d+) us")
TCP_SEND = re.compile(r"^tcpbench: sen[dt] (\d+) bytes .* in ([0-9.]+) s: "
                      r"([0-9.]+) Mbit/s")
TCP_RR_COUNT = 1000
TCP_BULK_BYTES = 64 << 20       # linuxref's default BULK_MB


def tcpbench_once(cfg, i, words, regex, tag):
    """One boot of the stack's own tool (user/tcpbench.c) against netsrv;
    returns its line's match, or None (the log says why)."""
    cmdline = "init=tcpbench -o ip=10.99.0.2/24 " + words
    log("Chitin TCP run %d: %s" % (i, cmdline))
    boot = boot_chitin(cfg, cmdline, cfg.args.cpus, "prompt", 300, tag)
    for line in boot.lines:
        m = regex.search(line)
        if m:
            return m
    log("  no figure (%s)" % (boot.failure or "see obj/bench/%s.log"
                              % tag))
    return None


def run_tcp(cfg):
    """tcp_rtt and tcp_bulk as parsed runs (RESULT-like figures), from
    tcpbench's own summary lines: the rr median per exchange (min and
    p90 as the spread), and a 64 MiB send's rate (1 MB = 10^6 B), or
    (runs, why there are none)."""
    if not cfg.net:
        return [], "needs the host peer (root, network namespaces)"
    if not os.path.exists(os.path.join(ROOT, "obj", "user", "tcpbench")):
        return [], "no tcpbench program (the library stack, issue 8)"
    runs = []
    for i in range(1, cfg.args.runs + 1):
        res = {}
        m = tcpbench_once(cfg, i, "rr %s 7002 %d" % (
            HostNet.HOST_IP, TCP_RR_COUNT), TCP_RR, "chitin-tcprr%d" % i)
        if m:
            res["tcp_rtt"] = {
                "median": 1000.0 * int(m.group(3)), "unit": "ns/op",
                "min": 1000.0 * int(m.group(5)),
                "max": 1000.0 * int(m.group(4)), "cycles": 0,
                "cycles_unit": "", "n": int(m.group(1)), "batches": 1,
                "what": "tcpbench rr: 1-byte TCP echo round trip with "
                        "netsrv (NODELAY), median of %s; spread = min..p90"
                        % m.group(1)}
        m = tcpbench_once(cfg, i, "send %s 7003 %d" % (
            HostNet.HOST_IP, TCP_BULK_BYTES), TCP_SEND, "chitin-tcpbulk%d" % i)
        if m:
            mbs = float(m.group(3)) / 8
            res["tcp_bulk"] = {
                "median": mbs, "unit": "MB/s", "min": mbs, "max": mbs,
                "cycles": 0, "cycles_unit": "", "n": int(m.group(1)),
                "batches": 1, "what": "tcpbench send: 64 MiB to netsrv's "
                "sink (1 MB = 1e6 B)"}
        if not res:
            return runs, "tcpbench gave no figure (obj/bench/chitin-tcp*.log)"
        runs.append({"results": res, "skips": {}, "errors": [], "info": {}})
    return runs, None


# ----------------------------------------------------------------- Linux --

def linux_tag(cfg):
    tag = "%s-%s" % (cfg.accel, cfg.args.nic)
    return tag + ("-smp%d" % cfg.args.cpus if cfg.args.cpus != 1 else "")


def run_linux_once(cfg, i):
    """run.sh, the i-th time; returns (parsed results, None) or (None,
    why)."""
    logdir = os.path.join(OUTDIR, "linuxref")
    os.makedirs(logdir, exist_ok=True)
    log("Linux run %d: run.sh %s %s, SMP=%d MEM=%dM CPU=%s"
        % (i, cfg.accel, cfg.args.nic, cfg.args.cpus, cfg.args.mem,
           cfg.cpu_model))
    env = dict(os.environ, QUIET="1", SMP=str(cfg.args.cpus),
               MEM="%dM" % cfg.args.mem, CPU=cfg.cpu_model, MACHINE="pc",
               LOGDIR=logdir, LOGDIR_RO=logdir)
    cmd = ["./run.sh", cfg.accel, cfg.args.nic]
    suffix = "-%s.results" % linux_tag(cfg)
    before = set(os.listdir(logdir))
    try:
        out = subprocess.run(cmd, cwd=cfg.args.linuxref, env=env,
                             capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as e:
        return None, "run.sh could not run: %s" % e
    with open(os.path.join(logdir, "run.sh.out"), "a") as f:
        f.write(out.stdout + out.stderr)
    # this run's own file, not the latest-* link an earlier run left
    new = sorted(f for f in set(os.listdir(logdir)) - before
                 if f.endswith(suffix) and not f.startswith("latest-"))
    if out.returncode != 0 or not new:
        tail = (out.stderr.strip().split("\n") or [""])[-1]
        return None, "run.sh %s exited %d: %s" % (" ".join(cmd[1:]),
                                                   out.returncode, tail)
    path = os.path.join(logdir, new[-1])
    with open(path) as f:
        parsed = parse_lines(f.read().split("\n"))
    parsed["file"] = rel(path)
    if not parsed["results"]:
        return None, "run.sh gave no results (%s)" % path
    return parsed, None


def linux_plan(cfg):
    """(runs from files, note) when linuxref is not to be run here: its
    results come from --linux-results files, or it cannot or should not
    run (then the note says why). (None, None): run it."""
    args = cfg.args
    if args.linux_results:
        runs = []
        for path in args.linux_results:
            with open(path) as f:
                runs.append(parse_lines(f.read().split("\n")))
            runs[-1]["file"] = os.path.abspath(path)
        return runs, "from %s" % ", ".join(args.linux_results)
    if args.no_linux or args.linux_runs < 1:
        return [], "not run (--no-linux)"
    if not os.path.exists(os.path.join(args.linuxref, "run.sh")):
        return [], "%s/run.sh not found" % args.linuxref
    if args.nic != "none" and os.geteuid() != 0:
        return [], ("run.sh needs root for its network namespace (try "
                    "--nic none for the local figures)")
    return None, None


# ---------------------------------------------------------------- output --

def fmt_ns(v, unit):
    if v is None:
        return "-"
    if unit == "MB/s":
        return "%.1f MB/s" % v
    if unit == "ms":
        return "%.0f ms" % v
    if v >= 1e6:
        return "%.2f ms" % (v / 1e6)
    if v >= 1e4:
        return "%.1f us" % (v / 1e3)
    if v >= 1e3:
        return "%.2f us" % (v / 1e3)
    return "%.0f ns" % v


def ratio_of(c, l):
    """Linux / Chitin for times, Chitin / Linux for throughputs: > 1 is
    always Chitin ahead."""
    if not c or not l or not c["median"] or not l["median"]:
        return None
    if c["unit"] == "MB/s":
        return c["median"] / l["median"]
    return l["median"] / c["median"]


def build_rows(chitin, chitin_skips, linux, boot, mc):
    """The table's rows: dicts of name, linux_name, chitin, linux, ratio,
    note, status."""
    rows = []
    listed = set()
    for cname, lname, note in ROWS:
        c = chitin.get(cname)
        l = linux.get(lname) if lname else None
        if c is None and l is None and cname not in chitin_skips:
            continue
        status = ""
        if c is None:
            status = "missing: " + chitin_skips.get(cname, "not measured")
        rows.append({"name": cname, "linux_name": lname, "chitin": c,
                     "linux": l, "ratio": ratio_of(c, l), "note": note,
                     "status": status})
        listed.add(cname)
    for name in sorted(chitin):
        if name not in listed:
            rows.append({"name": name, "linux_name": None,
                         "chitin": chitin[name], "linux": None,
                         "ratio": None, "note": "", "status": ""})
    for name in sorted(mc):
        rows.append({"name": name, "linux_name": None, "chitin": mc[name],
                     "linux": None, "ratio": None, "note": "", "status": ""})
    for name in ("boot_to_init", "boot_to_prompt", "kernel_ready_self"):
        if name in boot:
            rows.append({"name": name, "linux_name": None,
                         "chitin": boot[name], "linux": None, "ratio": None,
                         "note": "", "status": ""})
    for group in ("demux", "httpd"):
        if group in chitin_skips:
            rows.append({"name": group, "linux_name": None, "chitin": None,
                         "linux": None, "ratio": None, "note": "",
                         "status": "missing: " + chitin_skips[group]})
    return rows


def spread(a):
    if not a:
        return ""
    return "%s..%s" % (fmt_ns(a["min"], a["unit"]).split(" ")[0],
                       fmt_ns(a["max"], a["unit"]))


def table_text(cfg, header, rows, chitin_runs, linux_runs):
    out = list(header)
    out.append("")
    fmt = "%-18s %11s %19s %11s %19s %-13s %7s  %s"
    out.append(fmt % ("figure", "Chitin", "(spread)", "Linux", "(spread)",
                      "(Linux fig.)", "ratio", "note"))
    out.append(fmt % ("", "median", "min..max", "median", "min..max", "",
                      "L/C", ""))
    for r in rows:
        c, l = r["chitin"], r["linux"]
        ratio = "%.2fx" % r["ratio"] if r["ratio"] else "-"
        lname = r["linux_name"] if (l and r["linux_name"] != r["name"]) \
            else ""
        cval = fmt_ns(c["median"], c["unit"]) if c else "-"
        note = r["status"] or r["note"]
        lval = fmt_ns(l["median"], l["unit"]) if l else "-"
        out.append((fmt % (r["name"], cval, spread(c), lval, spread(l),
                           lname, ratio, note)).rstrip())
    out.append("")
    out.append("ratio = Linux median / Chitin median (for MB/s: Chitin / "
               "Linux): > 1 means Chitin is faster.")
    out.append("Chitin: median over %d boot(s) of each boot's median over "
               "its batches; spread = min..max batch over all boots."
               % len(chitin_runs))
    out.append("Linux: median over %d linuxref run(s), computed the same "
               "way." % len(linux_runs))
    out.append("mc_<work>_x<K>: time per op on each CPU while K CPUs work "
               "at once (flat in K = perfect scaling; see mc.svg).")
    return out


def bar_label(row):
    """figure, or figure/linux_figure when they differ."""
    if row["linux_name"] and row["linux_name"] != row["name"]:
        return "%s/%s" % (row["name"], row["linux_name"])
    return row["name"]


def write_svg_bars(path, rows):
    """Ratios as horizontal bars on a log scale (1 = parity)."""
    bars = [(bar_label(r), r["ratio"]) for r in rows if r["ratio"]]
    if not bars:
        return False
    lo = min(min(v for _, v in bars), 0.5)
    hi = max(max(v for _, v in bars), 2.0)
    lmin, lmax = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    left, width, barh, top = 230, 520, 22, 50
    height = top + len(bars) * barh + 50

    def x(v):
        return left + (math.log10(v) - lmin) / (lmax - lmin) * width
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (left + width + 80,
                                                          height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="20" font-size="14">Chitin vs Linux on the same '
           'QEMU: Linux time / Chitin time (log scale; &gt;1 = Chitin '
           'faster)</text>']
    for d in range(lmin, lmax + 1):
        xv = x(10 ** d)
        svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ccc"/>'
                   % (xv, top - 5, xv, height - 40))
        svg.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>'
                   % (xv, height - 25, 10 ** d))
    for i, (name, v) in enumerate(bars):
        y = top + i * barh
        x1, x0 = x(v), x(1)
        color = "#3a7" if v >= 1 else "#c54"
        svg.append('<text x="%d" y="%d" text-anchor="end">%s</text>'
                   % (left - 8, y + 15, name))
        svg.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" '
                   'fill="%s"/>' % (min(x0, x1), y + 3, abs(x1 - x0),
                                    barh - 6, color))
        svg.append('<text x="%.1f" y="%d">%.2fx</text>'
                   % (max(x0, x1) + 4, y + 15, v))
    svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>'
               % (x(1), top - 5, x(1), height - 40))
    svg.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")
    return True


def mc_series(mc):
    """{workload: [(cpus, speedup)]}: K x time(1) / time(K), from the
    mc_<work>_x<K> figures."""
    by = {}
    for name, a in mc.items():
        m = re.match(r"^mc_(.+)_x(\d+)$", name)
        if m:
            by.setdefault(m.group(1), {})[int(m.group(2))] = a["median"]
    series = {}
    for work, pts in by.items():
        if 1 in pts and pts[1]:
            series[work] = [(k, k * pts[1] / pts[k]) for k in sorted(pts)
                            if pts[k]]
    return series


def svg_lines(path, title, xs, series, ymax, ideal=False):
    """A line plot: xs are the x positions' labels (equally spaced),
    series {name: [y per x or None]}; ideal draws y = x position + 1."""
    left, top, w, h = 70, 40, 420, 300
    colors = ["#36c", "#c63", "#3a7", "#939"]

    def xy(i, v):
        return (left + i / max(len(xs) - 1, 1) * w, top + h - v / ymax * h)
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (left + w + 200,
                                                          top + h + 50),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="20" font-size="14">%s</text>' % title,
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
           % (left, top + h, left + w, top + h),
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
           % (left, top, left, top + h)]
    for i, label in enumerate(xs):
        x, y = xy(i, 0)
        svg.append('<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>'
                   % (x, y + 18, label))
    for j in range(6):
        v = ymax * j / 5
        x, y = xy(0, v)
        svg.append('<text x="%.1f" y="%.1f" text-anchor="end">%.3g</text>'
                   % (x - 6, y + 4, v))
    if ideal:
        (x0, y0), (x1, y1) = xy(0, 1), xy(len(xs) - 1, len(xs))
        svg.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
                   'stroke="#aaa" stroke-dasharray="4"/>' % (x0, y0, x1, y1))
    for n, (name, ys) in enumerate(sorted(series.items())):
        c = colors[n % len(colors)]
        pts = " ".join("%.1f,%.1f" % xy(i, v) for i, v in enumerate(ys)
                       if v is not None)
        svg.append('<polyline points="%s" fill="none" stroke="%s" '
                   'stroke-width="2"/>' % (pts, c))
        svg.append('<text x="%d" y="%d" fill="%s">%s</text>'
                   % (left + w + 15, top + 20 + 18 * n, c, name))
    svg.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")
    return True


def write_svg_mc(path, series):
    if not series:
        return False
    kmax = max(k for pts in series.values() for k, _ in pts)
    ymax = max(kmax, max(v for pts in series.values() for _, v in pts))
    lines = {w: [dict(pts).get(k) for k in range(1, kmax + 1)]
             for w, pts in series.items()}
    return svg_lines(path, "Chitin multicore: speedup (K x time on 1 CPU / "
                     "time on K CPUs; dashed: ideal)",
                     ["%d CPU%s" % (k, "s" if k > 1 else "")
                      for k in range(1, kmax + 1)], lines, ymax, ideal=True)


def demux_series(chitin):
    """[(filters, median ns, lowest and highest run median)] from the
    demux_<N> figures (a run's batch extremes are mostly the host's
    noise, its median is not)."""
    pts = []
    for name, a in chitin.items():
        m = re.match(r"^demux_(\d+)$", name)
        if m:
            pts.append((int(m.group(1)), a["median"], min(a["medians"]),
                        max(a["medians"])))
    return sorted(pts)


def write_svg_demux(path, pts):
    if not pts:
        return False
    ymax = max(p[1] for p in pts) * 1.5
    return svg_lines(path, "Chitin packet demultiplexing: kernel ns per "
                     "received frame vs filters installed",
                     ["%d filter%s" % (p[0], "s" if p[0] > 1 else "")
                      for p in pts], {"median": [p[1] for p in pts]}, ymax)


def write_gnuplot(rows, series, demux):
    """bench.gp with ratios.dat, mc.dat and demux.dat; runs gnuplot when
    installed. Returns the PNG's path or None."""
    with open(os.path.join(OUTDIR, "demux.dat"), "w") as f:
        f.write("# filters median_ns lowest_run_median highest_run_median\n")
        f.writelines("%d %.1f %.1f %.1f\n" % p for p in demux)
    with open(os.path.join(OUTDIR, "ratios.dat"), "w") as f:
        f.write("# figure ratio(Linux/Chitin)\n")
        for r in rows:
            if r["ratio"]:
                f.write('"%s" %.4f\n' % (bar_label(r), r["ratio"]))
    with open(os.path.join(OUTDIR, "mc.dat"), "w") as f:
        for work, pts in sorted(series.items()):
            f.write('# %s\n' % work)
            f.writelines("%d %.4f\n" % (k, s) for k, s in pts)
            f.write("\n\n")
    gp = os.path.join(OUTDIR, "bench.gp")
    names = sorted(series)
    with open(gp, "w") as f:
        f.write("""# gnuplot bench.gp (in obj/bench): bench.png
set terminal pngcairo size 900,1300 noenhanced
set output 'bench.png'
set multiplot layout 3,1
set title 'Linux time / Chitin time (log scale; >1 = Chitin faster)'
set style fill solid 0.6
set boxwidth 0.7
set logscale y
set xtics rotate by -40
set grid ytics
plot 'ratios.dat' using 0:2:xtic(1) with boxes notitle, 1 with lines lt -1 notitle
unset logscale y
set title 'Chitin multicore speedup'
set xlabel 'CPUs'
set xtics norotate 1
set key left top
""")
        if names:
            f.write("plot " + ", ".join(
                "'mc.dat' index %d using 1:2 with linespoints title '%s'"
                % (i, n) for i, n in enumerate(names)) + ", x title 'ideal'\n")
        else:
            f.write("set label 'no multicore figures' at graph 0.4,0.5\n"
                    "plot [1:2] x notitle\n")
        f.write("""unset key
set title 'Chitin packet demultiplexing: kernel ns per received frame (bars: run medians)'
set xlabel 'filters installed'
set logscale x
set xtics auto
set yrange [0:*]
set xrange [0.7:1500]
""")
        if demux:
            f.write("plot 'demux.dat' using 1:2:3:4 with yerrorlines "
                    "notitle\n")
        else:
            f.write("set label 'no demux figures' at graph 0.4,0.5\n"
                    "plot [1:1000] 1 notitle\n")
        f.write("unset multiplot\n")
    if shutil.which("gnuplot") is None:
        return None
    r = subprocess.run(["gnuplot", "bench.gp"], cwd=OUTDIR,
                       capture_output=True, text=True)
    if r.returncode != 0:
        log("gnuplot failed: %s" % r.stderr.strip()[-200:])
        return None
    return os.path.join(OUTDIR, "bench.png")


def rel(path):
    r = os.path.relpath(path, ROOT)
    return path if r.startswith("..") else r


# ------------------------------------------------------------------ main --

def main():
    args = parse_args()
    if not os.path.exists(args.image):
        print("bench: %s does not exist; run make first" % args.image)
        return 1
    os.makedirs(OUTDIR, exist_ok=True)
    cfg = Config(args)
    start = time.monotonic()
    load0 = loadavg()
    net = HostNet(cfg)
    net_note = net.start()
    if net_note:
        log("network figures against QEMU's user network only: %s"
            % net_note)
    else:
        cfg.net = net
    try:
        return run_all(cfg, start, load0, net_note)
    finally:
        net.stop()


class Runs:
    """What the boots and linuxref runs gave."""

    def __init__(self):
        self.prompt_boots = []      # Boots to the monitor prompt
        self.bench_boots = []       # Boots of the bench runs
        self.chitin = []            # parsed bench runs
        self.linux = []             # parsed linuxref runs
        self.linux_note = None      # why there are none, or few
        self.mc = None              # the parsed multicore run
        self.mc_note = None
        self.tcp = []               # tcp_rtt/tcp_bulk runs (tcpbench)
        self.tcp_note = None        # why there are none
        self.failure = None         # why Chitin's bench failed


def chitin_run(cfg, runs, mhz):
    parsed, boot, runs.failure = run_chitin_once(
        cfg, len(runs.chitin) + 1, mhz)
    runs.chitin.append(parsed)
    runs.bench_boots.append(boot)


def collect(cfg):
    """Boots Chitin and runs linuxref as the arguments say."""
    args, runs = cfg.args, Runs()
    runs.prompt_boots = run_prompt_boots(cfg)
    mhz = tsc_mhz(runs.prompt_boots)
    from_files, runs.linux_note = linux_plan(cfg)
    run_lx = from_files is None
    runs.linux = from_files or []
    # Chitin and Linux take turns, so that the host's own load (other
    # QEMUs, builds) falls on both alike.
    for i in range(1, max(args.runs, args.linux_runs) + 1):
        if i <= args.runs and not runs.failure:
            chitin_run(cfg, runs, mhz)
        if run_lx and i <= args.linux_runs:
            parsed, runs.linux_note = run_linux_once(cfg, i)
            if parsed is None:
                log("linuxref: %s" % runs.linux_note)
                run_lx = False
            else:
                runs.linux.append(parsed)
    # More Chitin runs while some figure's runs disagree by over 25%.
    while not runs.failure and len(runs.chitin) < args.max_runs:
        wobbly = unsettled(runs.chitin, 0.25)
        if not wobbly:
            break
        log("runs differ by over 25%% on %s: one more" % ", ".join(wobbly))
        chitin_run(cfg, runs, mhz)
    runs.mc, runs.mc_note = run_multicore(cfg, mhz)
    runs.tcp, runs.tcp_note = run_tcp(cfg)
    if runs.tcp_note:
        log("TCP figures: %s" % runs.tcp_note)
    return runs


def header_lines(cfg, runs, load0, net_note):
    args = cfg.args
    lref = runs.linux[0]["info"] if runs.linux else {}
    tsc = runs.chitin[0]["info"].get("tsc_ghz", "?") if runs.chitin else "?"
    peer = ("the host through a tap (netsrv), as linuxref's" if cfg.net
            else "QEMU's user network (%s)" % net_note)
    linux = "NONE: %s" % (runs.linux_note or "?")
    if runs.linux:
        linux = "%d run(s) of linuxref (%s, TSC %s GHz)%s" % (
            len(runs.linux), lref.get("guest_kernel", "?"),
            lref.get("tsc_ghz", "?"),
            "; " + runs.linux_note if runs.linux_note else "")
    return [
        "== Chitin vs Linux: accel=%s cpu=%s machine=pc smp=%d mem=%dM "
        "nic=%s ==" % (cfg.accel, cfg.cpu_model, args.cpus, args.mem,
                       args.nic),
        "host: %s, %d cores, load average %s at the start, %s at the end"
        " | %s" % (host_cpu(), os.cpu_count() or 0, load0, loadavg(),
                   qemu_version(cfg)),
        "Chitin: %d bench boot(s), TSC %s GHz; network peer: %s%s" % (
            len(runs.chitin), tsc, peer,
            "; " + runs.mc_note if runs.mc_note else ""),
        "Linux: " + linux,
    ]


def write_raw(cfg, runs, figs):
    args = cfg.args
    raw = {"config": {"accel": cfg.accel, "cpu": cfg.cpu_model,
                      "cpus": args.cpus, "mem_mib": args.mem,
                      "nic": args.nic, "mc_cpus": args.mc_cpus,
                      "qemu": qemu_version(cfg), "host_cpu": host_cpu(),
                      "host_peer": bool(cfg.net)},
           "chitin_runs": runs.chitin, "linux_runs": runs.linux,
           "multicore_run": runs.mc, "tcp_runs": runs.tcp,
           "linux_note": runs.linux_note,
           "failure": runs.failure}
    raw.update(figs)
    with open(os.path.join(OUTDIR, "results.json"), "w") as f:
        json.dump(raw, f, indent=1, sort_keys=True)


def write_plots(cfg, figs):
    """The SVGs, and the gnuplot script (run when gnuplot is there).
    Returns (plot paths, whether a PNG was made)."""
    plots = []
    for name, ok in (
            ("ratios.svg", write_svg_bars(os.path.join(OUTDIR, "ratios.svg"),
                                          figs["rows"])),
            ("mc.svg", write_svg_mc(os.path.join(OUTDIR, "mc.svg"),
                                    figs["multicore_speedup"])),
            ("demux.svg", write_svg_demux(os.path.join(OUTDIR, "demux.svg"),
                                          figs["demux"]))):
        if ok:
            plots.append(os.path.join(OUTDIR, name))
    png = None if cfg.args.no_plot else write_gnuplot(
        figs["rows"], figs["multicore_speedup"], figs["demux"])
    if png:
        plots.append(png)
    return plots, png is not None


def run_all(cfg, start, load0, net_note):
    """Everything after the setup; returns main's exit status."""
    runs = collect(cfg)
    skips = {}
    for run in runs.chitin:
        skips.update(run["skips"])
    chitin, linux = aggregate(runs.chitin), aggregate(runs.linux)
    tcp = aggregate(runs.tcp)
    chitin.update(tcp)
    if not tcp and runs.tcp_note:
        for name in ("tcp_rtt", "tcp_bulk"):
            skips[name] = runs.tcp_note
    mc = aggregate([runs.mc]) if runs.mc else {}
    boot = boot_figures(runs.bench_boots, runs.prompt_boots)
    rows = build_rows(chitin, skips, linux, boot, mc)
    figs = {"chitin": chitin, "linux": linux, "multicore": mc, "boot": boot,
            "rows": rows, "multicore_speedup": mc_series(mc),
            "demux": demux_series(chitin)}

    text = table_text(cfg, header_lines(cfg, runs, load0, net_note), rows,
                      runs.chitin, runs.linux)
    if runs.failure:
        text.append("CHITIN BENCH FAILED: %s" % runs.failure)
    with open(os.path.join(OUTDIR, "table.txt"), "w") as f:
        f.write("\n".join(text) + "\n")
    write_raw(cfg, runs, figs)
    plots, png = write_plots(cfg, figs)

    print()
    print("\n".join(text))
    print()
    print("raw samples: %s; table: %s" % (
        rel(os.path.join(OUTDIR, "results.json")),
        rel(os.path.join(OUTDIR, "table.txt"))))
    print("plots: %s%s" % (", ".join(rel(p) for p in plots) or "none",
                           "" if png or cfg.args.no_plot else
                           " (gnuplot not installed: apt-get install "
                           "gnuplot-nox, then gnuplot obj/bench/bench.gp)"))
    print("bench: %.0f s" % (time.monotonic() - start))
    return 1 if runs.failure or not runs.chitin else 0


if __name__ == "__main__":
    sys.exit(main())
