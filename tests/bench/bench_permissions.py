#!/usr/bin/python3
"""Server CPU per Send indication against the number of permissions held by
the allocation (issue 8 item 5).

For each N: a fresh server, one allocation, N-1 permissions for public
addresses (11.x.y.z, never sent to) installed by CreatePermission in
batches of 30, then the permission of a UDP echo peer on 127.0.0.1 last
(the worst place for a linear scan). K Send indications to the peer, paced
at RATE per second; the figure is the server's on-CPU time
(/proc/PID/schedstat, ns) over the sending phase divided by the
datagrams the peer received. Bounded: K and RATE fix the phase length.

Usage: tests/bench/bench_permissions.py TURNROOM [N ...] [--k K] [--rate R]
A server that knows max-permissions-per-allocation gets it set to max(N).
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
import stunpy as S  # noqa: E402


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_ns(pid):
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


class Peer(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.count = 0
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                self.sock.recv(2048)
                self.count += 1
            except socket.timeout:
                pass


def run_one(binary, n, k, rate, knows_cap, tmp):
    port = free_port()
    conf = os.path.join(tmp, "bench.conf")
    with open(conf, "w") as f:
        f.write("listening-ip=127.0.0.1\nlistening-port=%d\nmin-port=21000\n"
                "max-port=21999\nrealm=bench\nhttp-port=0\nuser=b:b\n"
                "allow-loopback-peers\nno-tcp\nno-tls\nno-dtls\n" % port)
        if knows_cap:
            f.write("max-permissions-per-allocation=%d\n" % max(n, 1))
    log = open(os.path.join(tmp, "bench.log"), "w")
    proc = subprocess.Popen([binary, "-c", conf], stdout=log, stderr=log)
    try:
        for _ in range(50):
            try:
                S.Client("udp", ("127.0.0.1", port), timeout=0.2).binding()
                break
            except (OSError, S.StunError):
                time.sleep(0.1)
        c = S.Client("udp", ("127.0.0.1", port), timeout=10)
        c.set_credentials("b", "b")
        assert c.allocate().cls == S.SUCCESS
        peers = [("11.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), 9)
                 for i in range(1, n)]
        for i in range(0, len(peers), 30):
            rsp = c.create_permission(peers[i:i + 30])
            assert rsp.cls == S.SUCCESS, rsp
        peer = Peer()
        peer.start()
        rsp = c.create_permission([peer.sock.getsockname()])
        assert rsp.cls == S.SUCCESS, rsp
        tid = bytes(12)
        target = peer.sock.getsockname()
        pkt = S.build(S.Message(S.SEND, S.INDICATION, tid=tid, attrs=[
            (S.XOR_PEER_ADDRESS, S.xor_addr(target[0], target[1], tid)),
            (S.A_DATA, b"x" * 100)]))
        before = cpu_ns(proc.pid)
        start = time.monotonic()
        for i in range(k):
            c.sock.send(pkt)
            if i % 50 == 49:
                delay = start + (i + 1) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        time.sleep(0.5)
        used = cpu_ns(proc.pid) - before
        peer.stop = True
        peer.join()
        return used / max(peer.count, 1) / 1000.0, peer.count
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("n", nargs="*", type=int, default=[1, 100, 65535])
    ap.add_argument("--k", type=int, default=20000)
    ap.add_argument("--rate", type=int, default=5000)
    a = ap.parse_args()
    helptext = subprocess.run([a.binary, "--help"], capture_output=True, text=True)
    knows_cap = "max-permissions-per-allocation" in helptext.stdout + helptext.stderr
    with tempfile.TemporaryDirectory(prefix="bench-perms.") as tmp:
        for n in a.n:
            us, got = run_one(a.binary, n, a.k, a.rate, knows_cap, tmp)
            print("%-40s permissions=%-6d delivered=%-6d cpu/Send=%.2f us"
                  % (a.binary, n, got, us), flush=True)


if __name__ == "__main__":
    main()
