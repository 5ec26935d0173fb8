"""The benchmark program in smoke mode (`bench -s`): every figure runs once
(one batch of one operation) with its answers checked, so a broken
benchmark shows up in `make test`. Nothing here judges speed; `make bench`
(grade/bench.py) does the measuring.

bench prints, in linuxref's format (see user/bench.c):
    RESULT|name|median|ns/op|cycles|cyc/op|n|batches|min|max|what
    SKIP|name|why            (a subsystem that does not exist yet)
    ERROR|name|what          (a failure: rejected here)
    DONE|results|skips|errors
"""

import re

from testlib import Test, expect

# Figures that exist now: each must print a RESULT line with positive
# numbers. The multicore ones need a second CPU (the test boots two).
FIGURES = ("null_syscall", "pf_upcall", "pf_trap", "appel1", "appel2",
           "page_alloc", "map_single", "map_batch64", "fork_exit_wait",
           "spawn_exit_wait", "ipc_rtt", "pct_rtt", "pipe_rtt",
           "yield_switch", "yield_to_switch")
MULTICORE = ("user_loop", "null_syscall", "page_alloc")
CPUS = 2
# Figures of subsystems still being built: RESULT lines (NAME or
# NAME_<variant>, with positive numbers) once they land, a SKIP line
# until then; never silence.
PENDING = ("thread_switch", "demux", "udp_rtt", "tcp_rtt",
           "tcp_bulk", "httpd")

RESULT_RE = re.compile(r"^RESULT\|([^|\n]+)\|([0-9.]+)\|ns/op\|(\d+)\|cyc/op\|"
                       r"(\d+)\|(\d+)\|([0-9.]+)\|([0-9.]+)\|", re.M)
SKIP_RE = re.compile(r"^SKIP\|([^|\n]+)\|", re.M)


def wanted():
    names = list(FIGURES)
    for work in MULTICORE:
        names += ["mc_%s_x%d" % (work, k) for k in range(1, CPUS + 1)]
    return names


def bad_result(m):
    """Why a RESULT line's numbers are not sane, or None."""
    median, cycles, n, batches = (float(m.group(2)), int(m.group(3)),
                                  int(m.group(4)), int(m.group(5)))
    lo, hi = float(m.group(6)), float(m.group(7))
    if median <= 0 or cycles <= 0 or n < 1 or batches < 1:
        return "%s: median %s ns, %d cycles, n %d, %d batches" % (
            m.group(1), m.group(2), cycles, n, batches)
    if not lo <= median <= hi:
        return "%s: median %s outside min..max %s..%s" % (
            m.group(1), m.group(2), m.group(6), m.group(7))
    return None


def all_figures(m):
    """A check at the DONE line: every figure printed a sane RESULT, the
    pending ones a RESULT or a SKIP, and DONE's counts agree."""
    out = m.string[:m.start()]
    out = out[out.rfind("BENCH-START"):]
    results = {r.group(1): r for r in RESULT_RE.finditer(out)}
    skips = set(SKIP_RE.findall(out))
    missing = [n for n in wanted() if n not in results]
    missing += [n for n in PENDING if n not in skips and not any(
        r == n or r.startswith(n + "_") for r in results)]
    if missing:
        return "no RESULT line for %s" % ", ".join(missing)
    for r in results.values():
        why = bad_result(r)
        if why:
            return why
    nres, nskip, nerr = (int(m.group(i)) for i in (1, 2, 3))
    if nerr or nres != len(results) or nskip != len(skips):
        return ("DONE says %d results, %d skips, %d errors; the output "
                "has %d, %d, 0" % (nres, nskip, nerr, len(results),
                                   len(skips)))
    return None


TESTS = [
    Test("bench-smoke", cmdline="init=bench -s", cpus=CPUS, mem=128,
         timeout=120,
         reject=[r"^ERROR\|", r"unhandled exception", r"killed by the kernel"],
         steps=[expect(r"^BENCH-START"),
                expect(r"^DONE\|(\d+)\|(\d+)\|(\d+)", all_figures)]),
]
