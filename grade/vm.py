"""Booting one test: its disk image, the emulator, and the judging loop.

Each test boots a private copy of obj/chitin.img with the test's command
line written into it (where kern/abi/bootinfo.h says the loader reads it),
so tests run in parallel and nothing is rebuilt. The emulator's serial
output is judged as it arrives and saved to obj/grade/TEST.log; the
emulator is killed as soon as the verdict is known.
"""

import codecs
import collections
import os
import re
import selectors
import shutil
import subprocess
import time

from judge import Judge

SECTOR = 512
# Bochs derives the disk geometry from the image size, 16 heads x 63
# sectors per cylinder; an image smaller than one cylinder does not boot.
BOCHS_CYLINDER = 16 * 63 * SECTOR
POLL = 0.05             # seconds between looks at a quiet emulator
# After a failure, output is read on until it pauses this long (at most
# LINGER_MAX): a panic's message and backtrace belong in the report.
LINGER_QUIET = 0.3
LINGER_MAX = 1.0
TAIL_LINES = 20


class Config:
    """What every test run shares: paths, emulator binaries, accelerator."""

    def __init__(self, root, image, accel, timeout_scale=1.0, verbose=False):
        self.root = root
        self.image = image
        self.accel = accel
        self.timeout_scale = timeout_scale
        self.verbose = verbose
        self.outdir = os.path.join(root, "obj", "grade")
        self.qemu = os.environ.get("QEMU", "qemu-system-x86_64")
        self.bochs = os.environ.get("BOCHS", "bochs")
        self.cmdline_lba, self.cmdline_max = read_cmdline_layout(root)


class Result:
    """How one test went."""

    def __init__(self, test, passed, reason, elapsed, log, tail, diag):
        self.test = test
        self.passed = passed
        self.reason = reason        # why it failed, or a note on a pass
        self.elapsed = elapsed      # seconds
        self.log = log              # path of the serial log
        self.tail = tail            # the last lines of serial output
        self.diag = diag            # the emulator's own last words


def read_cmdline_layout(root):
    """BOOT_CMDLINE_LBA and BOOT_CMDLINE_MAX from kern/abi/bootinfo.h."""
    path = os.path.join(root, "kern", "abi", "bootinfo.h")
    with open(path) as f:
        text = f.read()
    values = {}
    for name in ("BOOT_CMDLINE_LBA", "BOOT_CMDLINE_MAX"):
        m = re.search(r"^#define\s+%s\s+(0x[0-9a-fA-F]+|\d+)\b" % name,
                      text, re.M)
        if not m:
            raise RuntimeError("%s: no #define %s" % (path, name))
        values[name] = int(m.group(1), 0)
    return values["BOOT_CMDLINE_LBA"], values["BOOT_CMDLINE_MAX"]


def prepare_image(cfg, test, dst):
    """Copy the image to dst with the test's command line written in."""
    data = test.cmdline.encode()
    if len(data) >= cfg.cmdline_max:
        raise ValueError("cmdline longer than %d bytes"
                         % (cfg.cmdline_max - 1))
    offset = cfg.cmdline_lba * SECTOR
    shutil.copyfile(cfg.image, dst)
    with open(dst, "r+b") as f:
        size = f.seek(0, os.SEEK_END)
        if size < offset + cfg.cmdline_max:
            raise ValueError("%s is too small (%d bytes) to hold the command "
                             "line at byte %d" % (cfg.image, size, offset))
        f.seek(offset)
        f.write(data.ljust(cfg.cmdline_max, b"\0"))
        if test.emulator == "bochs" and size % BOCHS_CYLINDER:
            f.truncate(size + BOCHS_CYLINDER - size % BOCHS_CYLINDER)


class QemuRun:
    """QEMU with COM1 on its stdin/stdout; stderr kept for diagnostics."""

    def __init__(self, cfg, test, image):
        self.cmd = [cfg.qemu, "-machine", "pc", "-accel", cfg.accel,
                    "-smp", str(test.cpus), "-m", str(test.mem),
                    "-drive", "file=%s,format=raw,if=ide,index=0,media=disk"
                    % image,
                    "-display", "none", "-no-reboot",
                    "-serial", "stdio", "-monitor", "none"] + test.qemu_args
        self.proc = None
        self.sel = selectors.DefaultSelector()
        self.diag = collections.deque(maxlen=TAIL_LINES)
        self.stderr_buf = b""

    def start(self):
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.sel.register(self.proc.stdout, selectors.EVENT_READ, "out")
        self.sel.register(self.proc.stderr, selectors.EVENT_READ, "err")

    def read(self, timeout):
        """Serial output that arrived within timeout (b"" if none), and
        whether the emulator has exited (its output all read)."""
        data = b""
        for key, _ in self.sel.select(timeout):
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                self.sel.unregister(key.fileobj)
            elif key.data == "out":
                data += chunk
            else:
                self._stderr(chunk)
        done = not any(k.data == "out" for k in self.sel.get_map().values())
        if done:
            self.proc.wait()
        return data, done

    def _stderr(self, chunk):
        lines = (self.stderr_buf + chunk).split(b"\n")
        self.stderr_buf = lines.pop()
        self.diag.extend(l.decode(errors="replace") for l in lines)

    def send(self, text):
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def exit_how(self):
        rc = self.proc.returncode
        if rc == 0:
            return ("qemu exited (status 0: the guest reset, triple-faulted "
                    "or powered off; -no-reboot turns a reset into an exit)")
        if rc < 0:
            return "qemu was killed by signal %d" % -rc
        return "qemu exited with status %d" % rc

    def kill(self):
        """Kills the emulator; returns the serial output it wrote before
        dying that nobody had read yet (a reader that lags behind, on a
        loaded host, would otherwise lose the last lines)."""
        rest = b""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()
            rest = self._drain_stdout()
            for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                f.close()
        self.sel.close()
        return rest

    def _drain_stdout(self):
        """What is left in the serial pipe of a dead emulator, to EOF."""
        if not any(k.data == "out" for k in self.sel.get_map().values()):
            return b""
        rest, fd = b"", self.proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return rest
            rest += chunk


class BochsRun:
    """Bochs with COM1 written to a file that is read as it grows; its
    stdout (the debugger and fatal messages) kept for diagnostics."""

    def __init__(self, cfg, test, image):
        base = os.path.join(cfg.outdir, test.name)
        self.serial = base + ".serial"
        rcfile, cmdsfile = base + ".bochsrc", base + ".bochs-cmds"
        with open(os.path.join(cfg.root, "conf", "bochsrc")) as f:
            conf = f.read()
        for key, val in (("IMAGE", image), ("CPUS", test.cpus),
                         ("MEM", test.mem), ("HOSTMEM", min(test.mem, 2048)),
                         ("SERIAL", self.serial)):
            conf = conf.replace("@%s@" % key, str(val))
        conf = re.sub(r"^log:.*$", "log: %s.bochs.log" % base, conf,
                      flags=re.M)
        with open(rcfile, "w") as f:
            f.write(conf)
        self.rcfile = rcfile
        with open(cmdsfile, "w") as f:
            f.write("c\n")
        self.cmd = [cfg.bochs, "-q", "-unlock", "-f", rcfile, "-rc", cmdsfile]
        self.proc = None
        self.file = None
        self.sel = selectors.DefaultSelector()
        self.diag = collections.deque(maxlen=TAIL_LINES)
        self.stdout_buf = b""

    def start(self):
        if os.path.exists(self.serial):
            os.unlink(self.serial)
        # stdin stays an open pipe: at EOF Bochs' debugger would quit or spin
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)

    def read(self, timeout):
        for key, _ in self.sel.select(timeout):
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                self.sel.unregister(key.fileobj)
            else:
                lines = (self.stdout_buf + chunk).split(b"\n")
                self.stdout_buf = lines.pop()
                self.diag.extend(l.decode(errors="replace") for l in lines)
        done = self.proc.poll() is not None
        if self.file is None and os.path.exists(self.serial):
            self.file = open(self.serial, "rb")
        data = self.file.read() if self.file else b""
        return data, done

    def send(self, text):
        raise RuntimeError("Bochs tests cannot send input")

    def exit_how(self):
        why = ""
        lines = list(self.diag)
        for i, line in enumerate(lines):
            if "Bochs is exiting" in line and i + 1 < len(lines):
                why = ": " + lines[i + 1].strip()
        return "bochs exited with status %d%s" % (self.proc.returncode, why)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()
        if self.file:
            self.file.close()
        self.sel.close()


def run_test(cfg, test, stop):
    """Boot test once and judge it; stop is a threading.Event that aborts
    the run (Ctrl-C). Returns a Result."""
    os.makedirs(cfg.outdir, exist_ok=True)
    image = os.path.join(cfg.outdir, test.name + ".img")
    logpath = os.path.join(cfg.outdir, test.name + ".log")
    judge = Judge(test)
    start = time.monotonic()
    vm = None
    peer = getattr(test, "peer", None)
    try:
        prepare_image(cfg, test, image)
        vm = (BochsRun if test.emulator == "bochs" else QemuRun)(
            cfg, test, image)
        if peer:
            _attach_peer(cfg, test, vm, peer)
        with open(logpath, "wb") as log:
            _drive(cfg, test, vm, judge, log, stop)
    except (OSError, ValueError, RuntimeError) as e:
        judge.abort("cannot run: %s" % e)
    finally:
        if vm:
            vm.kill()
        if peer:
            peer.stop(judge.verdict != "PASS")
        for path in (image, image + ".lock"):
            if os.path.exists(path):
                os.unlink(path)
    elapsed = time.monotonic() - start
    return _result(test, judge, elapsed, logpath, vm)


def _attach_peer(cfg, test, vm, peer):
    """Start test's host-side peer and add what it asks for to the
    emulator: a command prefix (e.g. ip netns exec), QEMU options or
    bochsrc lines."""
    prefix, extra = peer.start(cfg.outdir, test.name)
    vm.cmd = list(prefix) + vm.cmd
    if test.emulator == "bochs":
        with open(vm.rcfile, "a") as f:
            f.write("".join(line + "\n" for line in extra))
    else:
        vm.cmd += list(extra)


def _drive(cfg, test, vm, judge, log, stop):
    """The loop: read output, feed the judge, send what it asks, until a
    verdict, the deadline, the emulator's exit or stop."""
    timeout = test.timeout * cfg.timeout_scale
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    if cfg.verbose:
        print("+ %s: %s" % (test.name, " ".join(vm.cmd)), flush=True)
    vm.start()
    deadline = time.monotonic() + timeout
    done = False
    while judge.verdict is None:
        now = time.monotonic()
        if now >= deadline:
            judge.timed_out(timeout)
            break
        if stop.is_set():
            judge.abort("interrupted")
            break
        data, done = vm.read(min(POLL, deadline - now))
        now = time.monotonic()
        if data:
            log.write(data)
            log.flush()
            sends = judge.feed(decoder.decode(data), now)
        else:
            sends = judge.idle(now)
        for text in sends:
            vm.send(text)
        if done and judge.verdict is None:
            judge.exited(vm.exit_how())
    if (judge.verdict == "FAIL" and not done
            and time.monotonic() - judge.last_data < LINGER_QUIET):
        _linger(vm, judge, log, decoder)


def _linger(vm, judge, log, decoder):
    """Keep reading a failed run's output while it still flows (see
    LINGER_QUIET)."""
    end = time.monotonic() + LINGER_MAX
    quiet_since = time.monotonic()
    while time.monotonic() < end:
        data, done = vm.read(POLL)
        now = time.monotonic()
        if data:
            log.write(data)
            judge.feed(decoder.decode(data), now)
            quiet_since = now
        if done or now - quiet_since >= LINGER_QUIET:
            break


def _result(test, judge, elapsed, logpath, vm):
    tail = judge.out.rstrip("\n").split("\n")[-TAIL_LINES:]
    tail = tail if judge.out else []
    diag = list(vm.diag) if vm else []
    if test.expect_fail is None:
        passed = judge.verdict == "PASS"
        reason = judge.reason
    elif judge.verdict == "PASS":
        passed = False
        reason = ("expected a failure matching /%s/, but the run passed"
                  % test.expect_fail)
    else:
        passed = re.search(test.expect_fail, judge.reason) is not None
        reason = ("failed as expected: " if passed else
                  "failed, but not with /%s/: " % test.expect_fail)
        reason += judge.reason
    return Result(test, passed, reason, elapsed, logpath, tail, diag)
