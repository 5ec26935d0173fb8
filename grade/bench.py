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
   to --max-runs, 4) while some figure's runs differ by more than 25%. These
   boots also time QEMU's start to the first user program.
3. Runs ../shared/linuxref/run.sh --linux-runs times, taking turns with
   step 2, in the same QEMU configuration (accelerator, -cpu model,
   -machine pc, CPUs, memory, NIC model) and reads its results file. If
   it cannot run (it needs root and network namespaces; `--nic none`
   needs neither), says why and prints Chitin alone.
4. With --mc-cpus > 1 (default 4), boots once more with that many CPUs
   and runs the multicore figures (`bench -m`): the same per-CPU work on
   1, 2, ... --mc-cpus CPUs at once. Under TCG each vCPU is a host
   thread: past the host's cores, the vCPUs share them.
5. With the network peer and user/tcpbench (the library stack's own
   tool), boots --tcp-runs times per NIC model (--net-nics, default
   e1000 and virtio) and runs, one after the other (user/netrun),
   tcpbench rr with the stack's defaults (tcp_rtt), rr latency-tuned
   with delack=0 nodelay=1 (tcp_rtt_tuned) and a 64 MiB send to netsrv's
   sink (tcp_bulk); figures of a NIC other than --nic get a _<nic>
   suffix. For the other NICs, one bench boot more gives udp_rtt, and
   linuxref runs once with that NIC (--linux-net-runs).
6. With the host peer and wrk, boots user/httpd and loads it from the
   namespace as linuxref's httpd-load.sh loads busybox httpd: a 1 s
   warm-up, then 3 runs of 5 s of `wrk -t1 -c32` fetching a 1 KiB body
   with Connection: close (httpd_small_c32), and one 5 s keep-alive run;
   linuxref runs once in httpd mode for Linux's httpd_small_c32.
7. Prints one table (ratio = Linux / Chitin for times, Chitin / Linux for
   MB/s and req/s, so > 1 always means Chitin is faster) and writes into obj/bench/:
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


def default_linuxref():
    """../shared/linuxref beside the tree, or beside the main tree when
    this is a git worktree elsewhere."""
    here = os.path.normpath(os.path.join(ROOT, "..", "shared", "linuxref"))
    if os.path.isdir(here):
        return here
    try:
        common = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute",
             "--git-common-dir"], cwd=ROOT, capture_output=True, text=True,
            timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return here
    main = os.path.normpath(os.path.join(os.path.dirname(common), "..",
                                         "shared", "linuxref"))
    return main if common and os.path.isdir(main) else here


LINUXREF = default_linuxref()

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
    ("pipe_rtt", "pipe_rtt", "library pipes (shared ring) vs Linux pipes"),
    ("yield_switch", "yield_switch", "sys_yield vs sched_yield"),
    ("yield_to_switch", "yield_switch", "directed yield vs sched_yield"),
    ("thread_switch", None, "library threads, one env"),
    ("demux_1", None, "kernel classifier, 1 filter"),
    ("demux_10", None, "10 filters"),
    ("demux_100", None, "100 filters"),
    ("demux_1000", None, "1000 filters"),
    ("nic_ping_rtt", None, "raw ICMP echo frames with the peer"),
    ("udp_rtt", "udp_rtt", "e1000: raw UDP frames vs Linux's UDP socket"),
    ("tcp_rtt", "tcp_rtt", "e1000: library stack, defaults+NODELAY vs "
     "Linux NODELAY"),
    ("tcp_rtt_tuned", "tcp_rtt", "e1000: library stack, delack=0 nodelay=1 "
     "vs Linux NODELAY"),
    ("tcp_bulk", "tcp_bulk", "e1000: MB/s, tcpbench send vs Linux"),
    ("udp_rtt_virtio", "udp_rtt_virtio", "virtio-net: raw UDP frames vs "
     "Linux's UDP socket"),
    ("tcp_rtt_virtio", "tcp_rtt_virtio", "virtio-net: library stack, "
     "defaults+NODELAY vs Linux NODELAY"),
    ("tcp_rtt_tuned_virtio", "tcp_rtt_virtio", "virtio-net: library stack, "
     "delack=0 nodelay=1 vs Linux NODELAY"),
    ("tcp_bulk_virtio", "tcp_bulk_virtio", "virtio-net: MB/s, tcpbench send "
     "vs Linux"),
    ("httpd_small_c32", "httpd_small_c32", "req/s, wrk -c32, Connection: "
     "close: user/httpd /bytes/1024 (generated) vs busybox httpd "
     "small.html (1 KiB file)"),
    ("httpd_small_c32_keepalive", None, "req/s, as above but keep-alive "
     "(busybox httpd cannot)"),
]

# Rates: higher is better, so their ratio is Chitin / Linux.
RATE_UNITS = ("MB/s", "req/s")

RESULT_RE = re.compile(r"^RESULT\|([^|]+)\|([0-9.]+)\|([^|]*)\|([0-9.]+)\|"
                       r"([^|]*)\|(\d+)\|(\d+)\|([0-9.]+)\|([0-9.]+)\|(.*)$")
EVENTS = {
    "kernel_ready": re.compile(r"^boot: kernel ready in (\d+) ms"),
    "init": re.compile(r"^env \[[0-9a-f]+\] \S+: started from the boot "
                       r"archive"),
    "prompt": re.compile(r"^K> "),
    "done": re.compile(r"^DONE\|"),
    "netrun_done": re.compile(r"^netrun: done"),
    "httpd": re.compile(r"^httpd: serving .* on port"),
    "panic": re.compile(r"kernel panic|[Tt]riple fault"),
}


def log(msg):
    print("[bench] %s" % msg, flush=True)


# ---------------------------------------------------------------- setup --

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3,
                   help="Chitin bench boots (default 3)")
    p.add_argument("--max-runs", type=int, default=4,
                   help="Chitin boots at most, adding runs while some "
                   "figure's runs differ by over 25%% (default 4)")
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
    p.add_argument("--mc-cpus", type=int, default=4,
                   help="CPUs of the multicore boot (default 4, so the "
                   "figures are for 1..4 CPUs; <2: none)")
    p.add_argument("--nic", default="e1000",
                   choices=("e1000", "virtio", "none"),
                   help="NIC model of both guests (default e1000)")
    p.add_argument("--net-nics", default="e1000,virtio",
                   help="NIC models of the TCP/UDP figures, comma-separated "
                   "(default e1000,virtio; --nic's figures have no suffix)")
    p.add_argument("--tcp-runs", type=int, default=2,
                   help="tcpbench boots per NIC model (default 2; 0: none)")
    p.add_argument("--linux-net-runs", type=int, default=1,
                   help="linuxref runs per extra NIC model (default 1)")
    p.add_argument("--linux-net-results", nargs="+", metavar="FILE",
                   help="linuxref .results files of the extra NIC models "
                   "(their INFO nic line says which) instead of running it")
    p.add_argument("--no-httpd", action="store_true",
                   help="no httpd figures (user/httpd under wrk)")
    p.add_argument("--linux-httpd-results", metavar="FILE",
                   help="a linuxref httpd-mode .results file instead of "
                   "running it")
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

    def nic_args(self, nic=None):
        model = {"e1000": "e1000", "virtio": "virtio-net-pci"}.get(
            nic or self.args.nic)
        if model is None:
            return ["-nic", "none"]
        # The device model and MAC of linuxref's guest; behind it the tap
        # of the host peer, or else QEMU's user-mode network.
        backend = ("tap,id=n0,ifname=%s,script=no,downscript=no"
                   % HostNet.TAP if self.net else "user,id=n0")
        return ["-netdev", backend, "-device",
                "%s,netdev=n0,mac=52:54:00:12:34:56" % model]

    def qemu_cmd(self, image, cpus, nic=None):
        prefix = self.net.prefix() if self.net else []
        return prefix + ([self.qemu, "-machine", "pc", "-accel", self.accel,
                 "-cpu", self.cpu_model, "-smp", str(cpus),
                 "-m", str(self.args.mem),
                 "-drive", "file=%s,format=raw,if=ide,index=0,media=disk"
                 % image, "-display", "none", "-no-reboot",
                 "-serial", "stdio", "-monitor", "none"] + self.nic_args(nic))



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


def boot_chitin(cfg, cmdline, cpus, until, timeout, tag, nic=None,
                then=None):
    """Boots with cmdline until the event `until` (or a panic, QEMU's
    exit, the timeout), with the NIC model nic (default --nic); then, if
    given and the event came, calls then(boot) while QEMU still runs.
    Returns a Boot; its serial log goes to obj/bench/<tag>.log."""
    image = os.path.join(OUTDIR, tag + ".img")
    write_image(cfg, cfg.args.image, image, cmdline)
    boot = Boot()
    t0 = time.monotonic()
    proc = subprocess.Popen(cfg.qemu_cmd(image, cpus, nic),
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with open(os.path.join(OUTDIR, tag + ".log"), "wb") as logf:
            _read_boot(proc, boot, until, t0, t0 + timeout, logf)
            if then is not None and until in boot.events:
                then(boot)
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
                          "(booted with `monitor`)",
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
GUEST_IP = "10.99.0.2"
# The stack's defaults (tcpbench rr sets TCP_NODELAY itself, as linuxref's
# bench does), and a latency-tuned configuration: no delayed ACKs, Nagle
# off for every socket (sock.h's configuration words).
TCP_TUNED = "delack=0,nodelay=1"
NIC_NAMES = {"e1000": "e1000", "virtio": "virtio-net"}


def nic_suffix(cfg, nic):
    """'' for --nic's figures, '_<nic>' for the other NIC models'."""
    return "" if nic == cfg.args.nic else "_" + nic


def extra_nics(cfg):
    """The NIC models of the network figures other than --nic."""
    return [n for n in net_nics(cfg) if n != cfg.args.nic]


def net_nics(cfg):
    nics = [n.strip() for n in cfg.args.net_nics.split(",") if n.strip()]
    return [n for n in nics if n in NIC_NAMES]


def tcp_boot(cfg, nic, i):
    """One boot running tcpbench three times in a row (user/netrun): rr
    with the defaults, rr latency-tuned, a 64 MiB send. Returns a parsed
    run (RESULT-like figures) or None."""
    sfx = nic_suffix(cfg, nic)
    ip = "ip=%s/24" % GUEST_IP
    cmd = ("init=netrun tcpbench -o %s rr %s 7002 %d ; "
           "tcpbench -o %s,%s rr %s 7002 %d ; "
           "tcpbench -o %s send %s 7003 %d" % (
               ip, HostNet.HOST_IP, TCP_RR_COUNT,
               ip, TCP_TUNED, HostNet.HOST_IP, TCP_RR_COUNT,
               ip, HostNet.HOST_IP, TCP_BULK_BYTES))
    tag = "chitin-tcp-%s%d" % (nic, i)
    log("Chitin TCP run %d, %s: %s" % (i, nic, cmd))
    boot = boot_chitin(cfg, cmd, cfg.args.cpus, "netrun_done", 300, tag,
                       nic=nic)
    rrs = [m for m in (TCP_RR.search(l) for l in boot.lines) if m]
    sends = [m for m in (TCP_SEND.search(l) for l in boot.lines) if m]
    res = {}
    nicname = NIC_NAMES[nic]
    for name, m, how in (("tcp_rtt", rrs[0] if rrs else None,
                          "the stack's defaults (Nagle off by the "
                          "program, delayed ACK on)"),
                         ("tcp_rtt_tuned", rrs[1] if len(rrs) > 1 else None,
                          "latency-tuned: " + TCP_TUNED)):
        if m:
            res[name + sfx] = {
                "median": 1000.0 * int(m.group(3)), "unit": "ns/op",
                "min": 1000.0 * int(m.group(5)),
                "max": 1000.0 * int(m.group(4)), "cycles": 0,
                "cycles_unit": "", "n": int(m.group(1)), "batches": 1,
                "what": "tcpbench rr over %s: 1-byte TCP echo round trip "
                        "with netsrv, %s; median of %s; spread = min..p90"
                        % (nicname, how, m.group(1))}
    if sends:
        mbs = float(sends[0].group(3)) / 8
        res["tcp_bulk" + sfx] = {
            "median": mbs, "unit": "MB/s", "min": mbs, "max": mbs,
            "cycles": 0, "cycles_unit": "", "n": int(sends[0].group(1)),
            "batches": 1, "what": "tcpbench send over %s: 64 MiB to "
            "netsrv's sink (1 MB = 1e6 B), the stack's defaults" % nicname}
    if len(res) < 3:
        log("  %d of 3 figures (%s; obj/bench/%s.log)" % (
            len(res), boot.failure or "see the log", tag))
    return {"results": res, "skips": {}, "errors": [], "info": {}} \
        if res else None


def run_tcp(cfg):
    """The TCP figures of every NIC model (tcp_boot), or (runs, why there
    are none)."""
    if not cfg.net:
        return [], "needs the host peer (root, network namespaces)"
    for prog in ("tcpbench", "netrun"):
        if not os.path.exists(os.path.join(ROOT, "obj", "user", prog)):
            return [], "no %s program" % prog
    runs = []
    for nic in net_nics(cfg):
        for i in range(1, cfg.args.tcp_runs + 1):
            r = tcp_boot(cfg, nic, i)
            if r:
                runs.append(r)
    if not runs:
        return runs, "tcpbench gave no figure (obj/bench/chitin-tcp*.log)"
    return runs, None


def run_udp_extra(cfg, mhz):
    """udp_rtt over the NIC models other than --nic: a bench boot each
    (bench -o udp_rtt), its figure renamed udp_rtt_<nic>. Returns parsed
    runs."""
    runs = []
    if not cfg.net:
        return runs
    for nic in extra_nics(cfg):
        cmdline = bench_cmdline(cfg, "-M", mhz) + " -o udp_rtt"
        log("Chitin UDP run, %s: %s" % (nic, cmdline))
        tag = "chitin-udp-%s" % nic
        boot = boot_chitin(cfg, cmdline, cfg.args.cpus, "done",
                           cfg.args.timeout, tag, nic=nic)
        parsed = parse_lines(boot.lines)
        r = parsed["results"].pop("udp_rtt", None)
        if r is None:
            log("  no udp_rtt (%s; obj/bench/%s.log)" % (
                boot.failure or "; ".join(parsed["errors"]) or "?", tag))
            continue
        r["what"] += " (over %s)" % NIC_NAMES[nic]
        parsed["results"] = {"udp_rtt" + nic_suffix(cfg, nic): r}
        runs.append(parsed)
    return runs


# ------------------------------------------------------ httpd under wrk --

WRK_RATE = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.M)
WRK_REQS = re.compile(r"^\s*(\d+) requests in", re.M)
HTTPD_PATH = "/bytes/1024"      # 1 KiB, as linuxref's small.html
HTTPD_CONNS = 32
HTTPD_SECONDS = 5
HTTPD_REPS = 3


def wrk(cfg, seconds, close, out):
    """One wrk run from the namespace; returns (req/s, requests) or
    None. Its output is appended to out."""
    cmd = cfg.net.prefix() + [
        "wrk", "-t1", "-c%d" % HTTPD_CONNS, "-d%ds" % seconds,
        "--timeout", "5s"] + (["-H", "Connection: close"] if close else []) \
        + ["http://%s%s" % (GUEST_IP, HTTPD_PATH)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=seconds + 30)
    except (OSError, subprocess.SubprocessError) as e:
        out.append("wrk: %s" % e)
        return None
    out.append("$ %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    m, n = WRK_RATE.search(r.stdout), WRK_REQS.search(r.stdout)
    if r.returncode != 0 or not m:
        return None
    return float(m.group(1)), int(n.group(1)) if n else 0


def run_httpd(cfg):
    """user/httpd loaded by wrk: (parsed run or None, why not)."""
    if cfg.args.no_httpd:
        return None, "not run (--no-httpd)"
    if not cfg.net:
        return None, "needs the host peer (root, network namespaces)"
    if shutil.which("wrk") is None:
        return None, "no wrk on the host (apt-get install wrk)"
    if not os.path.exists(os.path.join(ROOT, "obj", "user", "httpd")):
        return None, "no httpd program"
    out = []
    rates = {"close": [], "keep": []}

    def load(boot):
        wrk(cfg, 1, True, out)                  # warm-up, not recorded
        for _ in range(HTTPD_REPS):
            rates["close"].append(wrk(cfg, HTTPD_SECONDS, True, out))
        rates["keep"].append(wrk(cfg, HTTPD_SECONDS, False, out))
    cmd = "init=httpd -o ip=%s/24 -q" % GUEST_IP
    log("Chitin httpd run: %s; wrk -t1 -c%d from the host" % (
        cmd, HTTPD_CONNS))
    boot = boot_chitin(cfg, cmd, cfg.args.cpus, "httpd", 300, "chitin-httpd",
                       then=load)
    with open(os.path.join(OUTDIR, "chitin-httpd.wrk"), "w") as f:
        f.write("\n".join(out) + "\n")
    if "httpd" not in boot.events:
        return None, "httpd did not start (%s; obj/bench/chitin-httpd.log)" \
            % (boot.failure or "?")
    res = {}
    for name, key, what in (
            ("httpd_small_c32", "close", "user/httpd GET %s (1024 B body), "
             "wrk -t1 -c%d with Connection: close (a connection per "
             "request, as busybox httpd), median of %d x %d s" % (
                 HTTPD_PATH, HTTPD_CONNS, HTTPD_REPS, HTTPD_SECONDS)),
            ("httpd_small_c32_keepalive", "keep", "the same, keep-alive "
             "(connections reused), one %d s run" % HTTPD_SECONDS)):
        ok = [r for r in rates[key] if r]
        if not ok:
            continue
        vals = [r[0] for r in ok]
        res[name] = {"median": statistics.median(vals), "unit": "req/s",
                     "min": min(vals), "max": max(vals), "cycles": 0,
                     "cycles_unit": "", "n": sum(r[1] for r in ok),
                     "batches": len(ok), "what": what}
    if not res:
        return None, "wrk gave no figure (obj/bench/chitin-httpd.wrk)"
    return {"results": res, "skips": {}, "errors": [], "info": {}}, None


# ----------------------------------------------------------------- Linux --

def linux_tag(cfg, nic=None, httpd=False):
    tag = "%s-%s" % (cfg.accel, nic or cfg.args.nic)
    tag += "-httpd" if httpd else ""
    return tag + ("-smp%d" % cfg.args.cpus if cfg.args.cpus != 1 else "")


# linuxref's httpd mode, cut to the figure compared: the small file, 32
# connections, as many runs as Chitin's httpd figure has.
LINUX_HTTPD_ENV = {"HTTPD_FILES": "small", "HTTPD_CONNS": str(HTTPD_CONNS),
                   "HTTPD_S": str(HTTPD_SECONDS),
                   "HTTPD_REPS": str(HTTPD_REPS)}


def run_linux_once(cfg, i, nic=None, httpd=False):
    """run.sh, the i-th time (with the NIC model nic, default --nic; in
    httpd mode if httpd); returns (parsed results, None) or (None,
    why)."""
    nic = nic or cfg.args.nic
    logdir = os.path.join(OUTDIR, "linuxref")
    os.makedirs(logdir, exist_ok=True)
    log("Linux run %d: run.sh %s %s%s, SMP=%d MEM=%dM CPU=%s"
        % (i, cfg.accel, nic, " httpd" if httpd else "", cfg.args.cpus,
           cfg.args.mem, cfg.cpu_model))
    env = dict(os.environ, QUIET="1", SMP=str(cfg.args.cpus),
               MEM="%dM" % cfg.args.mem, CPU=cfg.cpu_model, MACHINE="pc",
               LOGDIR=logdir, LOGDIR_RO=logdir)
    cmd = ["./run.sh", cfg.accel, nic]
    if httpd:
        env.update(LINUX_HTTPD_ENV)
        cmd.append("httpd")
    suffix = "-%s.results" % linux_tag(cfg, nic, httpd)
    before = set(os.listdir(logdir))
    try:
        out = subprocess.run(cmd, cwd=cfg.args.linuxref, env=env,
                             capture_output=True, text=True,
                             timeout=1200 if httpd else 900)
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


NET_FIGURES = ("udp_rtt", "tcp_rtt", "tcp_bulk")


def linux_extra(cfg, run_lx):
    """Linux's figures of the other NIC models (renamed <fig>_<nic>) and
    of httpd mode: (parsed runs, notes). From files when given, else run
    when linuxref runs at all (run_lx)."""
    args, runs, notes = cfg.args, [], []
    files = [(p, False) for p in (args.linux_net_results or [])]
    if args.linux_httpd_results:
        files.append((args.linux_httpd_results, True))
    for path, httpd in files:
        with open(path) as f:
            parsed = parse_lines(f.read().split("\n"))
        parsed["file"] = os.path.abspath(path)
        nic = parsed["info"].get("nic", "").split(" ")[0]
        runs.append((nic, httpd, parsed))
    if run_lx and not args.linux_net_results and cfg.net:
        for nic in extra_nics(cfg):
            for i in range(1, args.linux_net_runs + 1):
                parsed, why = run_linux_once(cfg, i, nic)
                if parsed is None:
                    notes.append("%s: %s" % (nic, why))
                    break
                runs.append((nic, False, parsed))
    if (run_lx and not args.linux_httpd_results and cfg.net
            and not args.no_httpd):
        parsed, why = run_linux_once(cfg, 1, httpd=True)
        if parsed is None:
            notes.append("httpd: %s" % why)
        else:
            runs.append((args.nic, True, parsed))
    out = []
    for nic, httpd, parsed in runs:
        if httpd:
            keep = {k: v for k, v in parsed["results"].items()
                    if k == "httpd_small_c%d" % HTTPD_CONNS}
        else:
            sfx = nic_suffix(cfg, nic)
            keep = {k + sfx: v for k, v in parsed["results"].items()
                    if k in NET_FIGURES}
        parsed["results"] = keep
        out.append(parsed)
    return out, notes


# ---------------------------------------------------------------- output --

def fmt_ns(v, unit):
    if v is None:
        return "-"
    if unit in RATE_UNITS:
        return "%.1f %s" % (v, unit)
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
    if c["unit"] in RATE_UNITS:
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
                     "linux": None, "ratio": None, "note": mc_note(name),
                     "status": ""})
    for name, note in (
            ("boot_to_init", "QEMU start -> first user program (host clock)"),
            ("boot_to_prompt", "QEMU start -> monitor prompt (host clock)"),
            ("kernel_ready_self", "the kernel's own entry -> ready count")):
        if name in boot:
            rows.append({"name": name, "linux_name": None,
                         "chitin": boot[name], "linux": None, "ratio": None,
                         "note": note, "status": ""})
    for group in ("demux", "httpd"):
        if group in chitin_skips:
            rows.append({"name": group, "linux_name": None, "chitin": None,
                         "linux": None, "ratio": None, "note": "",
                         "status": "missing: " + chitin_skips[group]})
    return rows


def mc_note(name):
    """What a mc_<work>_x<K> row is, and whether K outnumbers the host's
    cores (then the vCPUs share them, and scaling says little)."""
    m = re.match(r"^mc_(.+)_x(\d+)$", name)
    if not m:
        return ""
    k, cores = int(m.group(2)), os.cpu_count() or 0
    note = "per CPU, %d CPU%s at once (%s)" % (
        k, "s" if k > 1 else "", {"user_loop": "user arithmetic",
                                  "null_syscall": "sys_getenvid",
                                  "page_alloc": "page_alloc+unmap"}.get(
                                      m.group(1), m.group(1)))
    if cores and k > cores:
        note += "; more vCPUs than the host's %d cores" % cores
    return note


def spread(a):
    if not a:
        return ""
    return "%s..%s" % (fmt_ns(a["min"], a["unit"]).split(" ")[0],
                       fmt_ns(a["max"], a["unit"]))


def table_text(cfg, header, rows, chitin_runs, linux_runs):
    out = list(header)
    out.append("")
    fmt = "%-25s %12s %20s %12s %20s %-14s %7s  %s"
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
    out.append("ratio = Linux median / Chitin median (for MB/s and req/s: "
               "Chitin / Linux): > 1 means Chitin is faster.")
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
        self.udp_extra = []         # udp_rtt_<nic> runs
        self.httpd = None           # the parsed httpd run
        self.httpd_note = None
        self.linux_extra = []       # Linux's <fig>_<nic> and httpd runs
        self.linux_extra_notes = []
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
    runs.udp_extra = run_udp_extra(cfg, mhz)
    runs.httpd, runs.httpd_note = run_httpd(cfg)
    if runs.httpd_note:
        log("httpd figures: %s" % runs.httpd_note)
    runs.linux_extra, runs.linux_extra_notes = linux_extra(cfg, run_lx)
    for note in runs.linux_extra_notes:
        log("linuxref: %s" % note)
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
    extra = ", ".join(
        "%s: %d run(s)" % (os.path.basename(r.get("file", "?")),
                           1) for r in runs.linux_extra)
    return [
        "== Chitin vs Linux: accel=%s cpu=%s machine=pc smp=%d mem=%dM "
        "nic=%s (network figures also %s) ==" % (
            cfg.accel, cfg.cpu_model, args.cpus, args.mem, args.nic,
            ", ".join(extra_nics(cfg)) or "no other NIC"),
        "host: %s, %d cores, load average %s at the start, %s at the end"
        " | %s" % (host_cpu(), os.cpu_count() or 0, load0, loadavg(),
                   qemu_version(cfg)),
        "Chitin: %d bench boot(s), TSC %s GHz; network peer: %s%s" % (
            len(runs.chitin), tsc, peer,
            "; " + runs.mc_note if runs.mc_note else ""),
        "Linux: " + linux,
        "Linux, other NICs and httpd: %s%s" % (
            extra or "none", "; " + "; ".join(runs.linux_extra_notes)
            if runs.linux_extra_notes else ""),
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
           "udp_extra_runs": runs.udp_extra, "httpd_run": runs.httpd,
           "linux_extra_runs": runs.linux_extra,
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
    chitin.update(aggregate(runs.udp_extra))
    linux.update(aggregate(runs.linux_extra))
    if runs.httpd:
        chitin.update(aggregate([runs.httpd]))
    elif runs.httpd_note:
        skips["httpd_small_c32"] = runs.httpd_note
    skips.pop("httpd", None)
    for cname, _, _ in ROWS:
        nic = cname.split("_")[-1]
        if nic in NIC_NAMES and nic not in extra_nics(cfg):
            continue
        if cname.startswith("tcp_") and cname not in tcp:
            skips.setdefault(cname, runs.tcp_note or "tcpbench gave no "
                             "figure (obj/bench/chitin-tcp*.log)")
        if cname.startswith("udp_rtt_") and cname not in chitin:
            skips.setdefault(cname, "no figure (obj/bench/chitin-udp-*.log)"
                             if cfg.net else "needs the host peer")
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
