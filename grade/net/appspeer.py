#!/usr/bin/env python3
"""Linux's side of the network-application tests (grade/tests_netapps.py),
run inside the test's namespace:

    appspeer.py sink PORT [COUNT]          accept COUNT (1) connections, read each to
                                           the end: "sink: got N bytes crc C in S s"
    appspeer.py send HOST PORT BYTES       connect, send BYTES random bytes, close,
                                           wait for the peer's close:
                                           "send: sent N bytes crc C in S s"
    appspeer.py echo PORT                  a TCP echo server (a thread per connection)
    appspeer.py http PORT DIR              a static HTTP server of DIR
    appspeer.py fetch URL NAME...          curl (or wget) each URL+NAME, compare
                                           with /bytes/N's stream: one line each
    appspeer.py concurrent URL N REQS      N clients at once, REQS keep-alive GETs each
    appspeer.py refused HOST PORT          a connection is refused (RST): exit 0

CRCs are zlib's CRC-32, as the guest programs print them.
"""

import concurrent.futures
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import zlib


def sink(port, count=1):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(8)
    print("sink: listening on %d" % port, flush=True)
    for _ in range(count):
        s, _ = ls.accept()
        t, crc, got = time.monotonic(), 0, 0
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            crc = zlib.crc32(b, crc)
            got += len(b)
        s.close()
        print("sink: got %d bytes crc %08x in %.2f s" % (got, crc, time.monotonic() - t),
              flush=True)
    return 0


def send(host, port, n):
    data = os.urandom(n)
    t = time.monotonic()
    s = socket.create_connection((host, port), timeout=120)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    print("send: sent %d bytes crc %08x in %.2f s" % (n, zlib.crc32(data),
                                                      time.monotonic() - t), flush=True)
    return 0


def echo(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(16)
    print("echo: listening on %d" % port, flush=True)

    def serve(s):
        while True:
            b = s.recv(65536)
            if not b:
                break
            s.sendall(b)
        s.close()
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve, args=(s,), daemon=True).start()


def http_serve(port, root):
    os.chdir(root)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("0.0.0.0", port), Quiet)
    print("http: ready on %d" % port, flush=True)
    srv.serve_forever()


def stream(n):
    """httpd's /bytes/N: xorshift64 from 0x2545f4914f6cdd1d, 8 bytes of
    each state little-endian (user/netapp.h pattern_fill)."""
    out = bytearray()
    x = 0x2545f4914f6cdd1d
    m = (1 << 64) - 1
    while len(out) < n:
        x ^= (x << 13) & m
        x ^= x >> 7
        x ^= (x << 17) & m
        out += x.to_bytes(8, "little")
    return bytes(out[:n])


def fetch(url, names):
    ok = True
    tool = "curl" if shutil.which("curl") else "wget"
    for name in names:
        t = time.monotonic()
        if tool == "curl":
            cmd = ["curl", "-s", "-f", "--max-time", "120", url + name]
        else:
            cmd = ["wget", "-q", "-O", "-", "--timeout=120", url + name]
        r = subprocess.run(cmd, capture_output=True, timeout=180)
        want = stream(int(name.split("/")[-1])) if "/bytes/" in name else None
        good = r.returncode == 0 and (want is None or r.stdout == want)
        secs = time.monotonic() - t
        print("%s %s %s: %d bytes crc %08x in %.2f s" % (
            "ok  " if good else "FAIL", tool, name, len(r.stdout), zlib.crc32(r.stdout), secs),
            flush=True)
        ok = ok and good
    return 0 if ok else 1


def concurrent_get(url, nclients, reqs):
    """nclients at once, each with one keep-alive connection making reqs
    GETs of url; the answers must all be whole (Content-Length)."""
    import http.client
    from urllib.parse import urlparse
    u = urlparse(url)

    def client(i):
        c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=120)
        for _ in range(reqs):
            c.request("GET", u.path)
            r = c.getresponse()
            body = r.read()
            if r.status != 200 or len(body) != int(r.getheader("Content-Length")):
                return False
        c.close()
        return True
    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(nclients) as ex:
        results = list(ex.map(client, range(nclients)))
    secs = time.monotonic() - t
    good = sum(results)
    print("concurrent: %d/%d clients ok, %d requests in %.2f s: %.0f requests/s" % (
        good, nclients, nclients * reqs, secs, nclients * reqs / secs), flush=True)
    return 0 if good == nclients else 1


def refused(host, port):
    try:
        socket.create_connection((host, port), timeout=10).close()
        print("refused: FAIL: %s:%d accepted" % (host, port))
        return 1
    except ConnectionRefusedError:
        print("refused: ok: %s:%d refused" % (host, port))
        return 0
    except OSError as e:
        print("refused: FAIL: %s" % e)
        return 1


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "sink" and len(argv) in (3, 4):
        return sink(int(argv[2]), int(argv[3]) if len(argv) == 4 else 1)
    if cmd == "send" and len(argv) == 5:
        return send(argv[2], int(argv[3]), int(argv[4]))
    if cmd == "echo" and len(argv) == 3:
        return echo(int(argv[2]))
    if cmd == "http" and len(argv) == 4:
        return http_serve(int(argv[2]), argv[3])
    if cmd == "fetch" and len(argv) >= 4:
        return fetch(argv[2], argv[3:])
    if cmd == "concurrent" and len(argv) == 5:
        return concurrent_get(argv[2], int(argv[3]), int(argv[4]))
    if cmd == "refused" and len(argv) == 4:
        return refused(argv[2], int(argv[3]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
