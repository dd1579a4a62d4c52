"""Sealed frames between nodes (cluster-secret=): what a Redis writer
cannot do.

Two turnroom nodes and a redis-server of the test's own; member A on n1,
member B on n2 in one room. A client of Redis without the secret
publishes on the nodes' real channels: a frame in the inner (unsealed)
layout that would deliver a message to A, frames sealed under another
secret, a genuine frame with one byte changed, a genuine frame again
(replay) and a genuine frame moved to another node's channel. Each is
dropped, counted in turnroom_cluster_frames_rejected_total{reason} and
logged; A receives none of them; genuine traffic flows both ways before
and after; nobody sees bye. A subscriber of Redis sees no SDP in clear.

Run: /usr/bin/python3 tests/interop/cluster_sealed.py
"""

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signal_lib import Suite, check, check_eq, free_port, http_get  # noqa: E402

S = Suite("test_cluster_sealed")
CLUSTER_SECRET = "sealed-test-cluster-secret-0123456789"


class Resp:
    """A minimal RESP2 client: binary-safe commands and pushes."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            check(chunk, "redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            check(chunk, "redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-"):
            return rest
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            return [self.read() for _ in range(int(rest))]
        raise AssertionError("RESP: %r" % line)

    def cmd(self, *args):
        self.send(*args)
        return self.read()

    def close(self):
        self.sock.close()


class Redis:
    def __init__(self, tmpdir):
        self.port = free_port()
        self.dir = os.path.join(tmpdir, "redis")
        os.makedirs(self.dir, exist_ok=True)
        exe = shutil.which("redis-server")
        check(exe is not None, "redis-server is not installed (scripts/install-deps)")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=open(os.path.join(self.dir, "redis.log"), "a"),
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                r = Resp(self.port)
                if r.cmd("PING") == b"PONG":
                    r.close()
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("redis-server did not answer on %d" % self.port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


METRICS = {}


def node(redis, name):
    METRICS[name] = free_port()
    return S.server(name, ["redis=127.0.0.1:%d" % redis.port, "node-id=%s" % name,
                           "cluster-secret=" + CLUSTER_SECRET,
                           "static-auth-secret=sealed-test-rest-secret-0123",
                           "prometheus", "prometheus-port=%d" % METRICS[name],
                           "ws-rate=1000"])


def rejected(name):
    body = http_get(METRICS[name], "/metrics").body.decode()
    out = {}
    for m in re.finditer(r'^turnroom_cluster_frames_rejected_total\{reason="(\w+)"\} (\d+)$',
                         body, re.M):
        out[m.group(1)] = int(m.group(2))
    check(out, "/metrics of %s has no turnroom_cluster_frames_rejected_total" % name)
    return out


def inner_frame(kind, node, room, frm, to, payload):
    """The frame layout inside the seal (src/cluster/cluster_wire.c)."""
    out = b"TR1" + kind
    for f in (node, room, frm, to, payload):
        f = f.encode() if isinstance(f, str) else f
        out += b"%d:%s" % (len(f), f)
    return out


class Tap:
    """A Redis subscriber that records what a reader of Redis sees."""

    def __init__(self, port, *chans):
        self.r = Resp(port)
        self.r.send("SUBSCRIBE", *chans)
        for _ in chans:
            self.r.read()
        self.r.sock.settimeout(0.2)

    def frames(self, within=2.0):
        out = []
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                m = self.r.read()
            except (socket.timeout, TimeoutError):
                if out:
                    break
                continue
            out.append((m[1], m[2]))
        return out


REDIS = []


@S.test(timeout=50)
async def forged_modified_replayed_frames_are_dropped():
    redis = Redis(S.tmpdir)
    REDIS.append(redis)
    n1, n2 = node(redis, "n1"), node(redis, "n2")
    room = "sealed-%d" % os.getpid()
    a = await n1.ws("A")
    b = await n2.ws("B")
    ja = await a.join(room)
    jb = await b.join(room)
    check_eq(jb.get("peers"), [ja["userId"]], "B sees A across nodes")
    await a.recv_event("otherjoined", 5.0)
    before = rejected("n1")

    # A genuine B -> A message, as a reader of Redis sees it.
    tap = Tap(redis.port, "tr:0:node:n1", "tr:0:node:n2", "tr:0:all")
    sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    await b.send("message", {"roomId": room, "to": ja["userId"], "data": {"sdp": sdp}})
    env = await a.recv_event("message", 5.0, envelope=True)
    check_eq(env.get("data"), {"sdp": sdp}, "a genuine message across nodes")
    seen = await asyncio.to_thread(tap.frames)
    to_n1 = [data for chan, data in seen if chan == b"tr:0:node:n1"]
    check_eq(len(to_n1), 1, "frames on n1's channel for one message")
    genuine = to_n1[0]
    tap.r.close()
    check(b"4611731400430051336" not in genuine and b"v=0" not in genuine,
          "a Redis reader sees the SDP in clear: %r" % genuine[:120])

    w = Resp(redis.port)
    # 1. The inner layout, unsealed: before sealing this delivered.
    forged = inner_frame(b"E", "n2", room, jb["userId"], ja["userId"], b'M"forged"')
    check_eq(w.cmd("PUBLISH", "tr:0:node:n1", forged), 1, "n1 subscribes its channel")
    # 2. The sealed layout under another secret (a node id, a sequence).
    fake = bytearray(genuine)
    fake[-20:] = os.urandom(20)
    w.cmd("PUBLISH", "tr:0:node:n1", bytes(fake))
    # 3. Each part of the genuine frame changed: header, ciphertext, tag.
    for i in (5, len(genuine) // 2, len(genuine) - 1):
        t = bytearray(genuine)
        t[i] ^= 1
        w.cmd("PUBLISH", "tr:0:node:n1", bytes(t))
    # 4. The genuine frame again, twice; 5. on another node's channel.
    w.cmd("PUBLISH", "tr:0:node:n1", genuine)
    w.cmd("PUBLISH", "tr:0:node:n1", genuine)
    w.cmd("PUBLISH", "tr:0:node:n2", genuine)
    # 6. A forged KICK broadcast for A and a forged GONE for B.
    w.cmd("PUBLISH", "tr:0:all", inner_frame(b"K", "n2", "", ja["userId"], "", ""))
    w.cmd("PUBLISH", "tr:0:all", inner_frame(b"G", "n2", room, jb["userId"], "", ""))
    w.close()

    await a.expect_no_event(1.0)
    await b.expect_no_event(0.2)
    after = rejected("n1")
    diff = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    print("n1 rejected: %r" % diff, file=sys.stderr)
    check(diff.get("malformed", 0) >= 3, "unsealed frames counted as malformed: %r" % diff)
    check(diff.get("auth", 0) >= 4, "forged and modified frames counted as auth: %r" % diff)
    check_eq(diff.get("replay", 0), 2, "replays of the genuine frame on n1")
    check(rejected("n2").get("auth", 0) >= 1, "the frame moved to n2's channel is refused")
    check("dropped (auth), claiming to be from node n2" in n1.log_text(),
          "n1 logs the dropped frame")
    check(n1.log_text().count("dropped (") <= 6, "the drop log lines are rate-limited")

    # Genuine traffic still flows both ways; the members are still there.
    await a.send("message", {"roomId": room, "data": "a-to-b"})
    env = await b.recv_event("message", 5.0, envelope=True)
    check_eq(env.get("data"), "a-to-b", "A -> B after the attacks")
    await b.send("message", {"roomId": room, "to": ja["userId"], "data": "b-to-a"})
    env = await a.recv_event("message", 5.0, envelope=True)
    check_eq(env.get("data"), "b-to-a", "B -> A after the attacks")
    await a.close()
    await b.close()


if __name__ == "__main__":
    try:
        rc = S.run()
    finally:
        for r in REDIS:
            r.stop()
    sys.exit(rc)
