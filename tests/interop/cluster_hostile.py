"""A turnroom node (redis=) whose Redis answers with hostile replies
(issue 17, defect 6): integers where the join script's member list has
strings, wrong array lengths, nil, nested arrays, a second reply to one
command, a subscription confirmation of the wrong shape, a members'
snapshot with integers. The node must survive each one as it survives an
outage: the joiner is told "unavailable", /healthz says degraded while
Redis cannot be used, turnroom_cluster_replies_malformed_total counts the
replies, and the node recovers when Redis answers properly again (the fake
turned honest, then a real redis-server on the same port).

The fake Redis is a small RESP server in this process (asyncio, on a
thread of its own so the blocking helpers of signal_lib do not stall it): it
answers the commands a node sends (AUTH, SELECT, SUBSCRIBE, PUBLISH, SET,
SADD, HGETALL, HLEN, EVAL of the membership scripts), honestly or not.

Run: /usr/bin/python3 tests/interop/cluster_hostile.py [TEST...]
"""

import asyncio
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signal_lib import Suite, check, check_eq, free_port, http_get  # noqa: E402

S = Suite("test_cluster_hostile")


def bulk(b):
    if b is None:
        return b"$-1\r\n"
    if isinstance(b, str):
        b = b.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def enc(v):
    """Python value as RESP2: int, str/bytes (bulk), None (nil), list."""
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, int):
        return b":%d\r\n" % v
    if isinstance(v, list):
        return b"*%d\r\n" % len(v) + b"".join(enc(x) for x in v)
    return bulk(v)


OK = b"+OK\r\n"

# What a hostile fake answers instead of the join script's reply.
HOSTILE_JOIN = {
    "join-int": enc([0, 2, [1, 2]]),                      # the crash of issue 17
    "join-nested": enc([0, 2, [["a"], "n2"]]),
    "join-nil": b"$-1\r\n",
    "join-short": enc([0]),
    "join-long": enc([0, 1, [], 7]),
    "join-status-str": enc(["0", 1, []]),
    "join-stray": enc([1, 2]) + b":1\r\n",               # a second reply to one command
}


class FakeRedis:
    """Just enough of Redis for one node, with a mode saying what to lie
    about. Membership is kept (rooms), so honest joins behave."""

    def __init__(self, port):
        self.port = port
        self.mode = "good"
        self.rooms = {}
        self.subs = {}          # writer -> set of channels
        self.writers = set()
        self.server = None
        self.secret = None
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._run(self._start())

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _start(self):
        self.server = await asyncio.start_server(self.client, "127.0.0.1", self.port)

    async def _stop(self):
        self.server.close()
        await self.server.wait_closed()
        self._drop_all()

    def stop(self):
        self._run(self._stop())

    def _drop_all(self):
        for w in list(self.writers):
            w.transport.abort()
        self.writers.clear()
        self.subs.clear()

    def drop_all(self):
        """Closes every connection: the node reconnects (as after a
        restart of Redis)."""
        self.loop.call_soon_threadsafe(self._drop_all)

    async def read_command(self, r):
        line = await r.readline()
        if not line:
            return None
        check(line.startswith(b"*"), "fake redis: not a RESP command: %r" % line[:50])
        args = []
        for _ in range(int(line[1:])):
            n = int((await r.readline())[1:])
            args.append((await r.readexactly(n + 2))[:-2])
        return args

    async def client(self, r, w):
        self.writers.add(w)
        try:
            while True:
                args = await self.read_command(r)
                if args is None:
                    break
                w.write(self.answer(w, args))
                await w.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.writers.discard(w)
            self.subs.pop(w, None)
            w.close()

    def publish(self, chan, msg):
        n = 0
        for w, chans in list(self.subs.items()):
            if chan in chans:
                w.write(enc([b"message", chan, msg]))
                n += 1
        return n

    def answer(self, w, args):
        cmd = args[0].upper()
        if cmd in (b"AUTH", b"SELECT", b"SET"):
            return OK
        if cmd == b"SUBSCRIBE":
            if self.mode == "push-int":
                return enc([b"subscribe", 5, 1]) + enc([b"subscribe", 6, 2])
            chans = self.subs.setdefault(w, set())
            out = b""
            for ch in args[1:]:
                chans.add(ch)
                out += enc([b"subscribe", ch, len(chans)])
            return out
        if cmd == b"PUBLISH":
            return enc(self.publish(args[1], args[2]))
        if cmd == b"SADD":
            return enc(1)
        if cmd == b"HGETALL":
            if self.mode == "members-int":
                return enc([b"u1", 3])
            out = []
            for room, members in self.rooms.items():
                for user, node in members.items():
                    out += [user, node + b" " + room]
            return enc(out)
        if cmd == b"HLEN":
            room = args[1][len(b"tr:room:"):]
            return enc(len(self.rooms.get(room, {})))
        if cmd == b"EVAL":
            return self.script(args[1], args[3:])
        return OK

    def script(self, body, rest):
        if b"HEXISTS" in body:                         # join
            if self.mode in HOSTILE_JOIN:
                return HOSTILE_JOIN[self.mode]
            keys, argv = rest[:3], rest[3:]
            room = keys[0][len(b"tr:room:"):]
            members = self.rooms.setdefault(room, {})
            if argv[0] in members:
                return enc([2, len(members)])
            if len(members) >= int(argv[2]):
                return enc([1, len(members)])
            others = [x for kv in members.items() for x in kv]
            members[argv[0]] = argv[1]
            self.publish(argv[4], argv[5])
            return enc([0, len(members), others])
        if b"HSETNX" in body:                          # rejoin after an outage
            room = rest[0][len(b"tr:room:"):]
            self.rooms.setdefault(room, {})[rest[3]] = rest[4]
            return enc(1)
        if b"HDEL" in body and b"gone" not in body:    # leave
            room = rest[0][len(b"tr:room:"):]
            self.rooms.get(room, {}).pop(rest[3], None)
            self.publish(rest[5], rest[6])
            return enc(1)
        if b"'tr:nodes'" in body:                      # reap: {nodes, removed}
            return enc([1, []])
        if b"keep" in body:                            # sync: {0, removed}
            return enc([0, []])
        return enc(0)


FAKE = None


def fake():
    global FAKE
    if FAKE is None:
        FAKE = FakeRedis(free_port())
    return FAKE


METRICS = {}


def node():
    name = "h1"
    if name not in METRICS:
        METRICS[name] = free_port()
    return S.server(name, ["redis=127.0.0.1:%d" % FAKE.port, "node-id=%s" % name,
                           "cluster-secret=hostile-cluster-secret-0123456789",
                           "static-auth-secret=hostile-test-secret-0123456789",
                           "prometheus", "prometheus-port=%d" % METRICS[name],
                           "ws-rate=1000"])


def malformed_count():
    rsp = http_get(METRICS["h1"], "/metrics")
    m = re.search(rb"^turnroom_cluster_replies_malformed_total (\d+)$", rsp.body, re.M)
    check(m is not None, "/metrics has no turnroom_cluster_replies_malformed_total")
    return int(m.group(1))


async def healthz(srv):
    return await asyncio.to_thread(http_get, srv.http_port, "/healthz")


async def wait_health(srv, status, within):
    deadline = time.monotonic() + within
    while True:
        rsp = await healthz(srv)
        if rsp.status == status or time.monotonic() > deadline:
            return rsp
        await asyncio.sleep(0.1)


_ROOM = [0]


def room():
    _ROOM[0] += 1
    return "hr-%d-%d" % (os.getpid(), _ROOM[0])


async def join_outcome(srv, r):
    w = await srv.ws("J")
    await w.send("join", {"roomId": r})
    while True:
        got = await w._recv_one(8.0)
        check(got is not None, "no answer to join")
        if got[0] in ("joined", "full", "error"):
            await w.close()
            return got[0], got[1]


async def joins_again(srv):
    """/healthz 200 again, and a join (then a second member) succeeds."""
    rsp = await wait_health(srv, 200, 12.0)
    check_eq(rsp.status, 200, "/healthz once Redis answers properly (%r)" % rsp.body[:80])
    r = room()
    a = await srv.ws("A")
    ja = await a.join(r)
    b = await srv.ws("B")
    jb = await b.join(r)
    check_eq(jb.get("peers"), [ja["userId"]], "the second member sees the first")
    for w in (a, b):
        await w.close()


@S.test(timeout=60)
async def hostile_join_replies_are_outages():
    f = fake()
    srv = node()
    before = await asyncio.to_thread(malformed_count)
    for mode in HOSTILE_JOIN:
        f.mode = mode
        ev, data = await join_outcome(srv, room())
        if mode == "join-stray":
            # The reply decoded (full); the stray one after it is the outage.
            check_eq(ev, "full", "%s: the join's own reply is answered" % mode)
        else:
            check_eq((ev, data.get("code")), ("error", "unavailable"),
                     "%s: the joiner is told what an outage tells" % mode)
        check(srv.alive(), "%s: the node died: %s" % (mode, srv.log_excerpt(5)))
        n = await asyncio.to_thread(malformed_count)
        check_eq(n, before + 1, "%s: turnroom_cluster_replies_malformed_total" % mode)
        before = n
        # Honest again: the node reconnects, registers, serves joins.
        f.mode = "good"
        await joins_again(srv)
    check("malformed reply from redis to the join script (member list element 0 is "
          "not an id string)" in srv.log_text(),
          "the log names what was malformed: %s" % srv.log_excerpt(5))


async def stays_degraded(srv, mode):
    """The registration itself meets the hostile reply: degraded until
    Redis is honest again, joins refused, the node alive."""
    f = FAKE
    before = await asyncio.to_thread(malformed_count)
    f.mode = mode
    f.drop_all()                 # a Redis restart: the node reconnects
    rsp = await wait_health(srv, 503, 5.0)
    check_eq(rsp.status, 503, "%s: /healthz while Redis answers malformed" % mode)
    check(rsp.body.startswith(b"degraded"), "%s: /healthz body %r" % (mode, rsp.body))
    await asyncio.sleep(1.5)     # a few reconnections, each refused
    rsp = await healthz(srv)
    check_eq(rsp.status, 503, "%s: /healthz stays degraded" % mode)
    ev, data = await join_outcome(srv, room())
    check_eq((ev, data.get("code")), ("error", "unavailable"), "%s: a join" % mode)
    check(await asyncio.to_thread(malformed_count) > before,
          "%s: turnroom_cluster_replies_malformed_total did not move" % mode)
    check(srv.alive(), "%s: the node died: %s" % (mode, srv.log_excerpt(5)))
    f.mode = "good"
    await joins_again(srv)


@S.test(timeout=60)
async def hostile_registration_keeps_the_node_degraded():
    fake()
    srv = node()
    # hiredis 0.14 asserts on a subscription push whose channel is not a
    # string; the node refuses it before hiredis reads it.
    await stays_degraded(srv, "push-int")
    await stays_degraded(srv, "members-int")


@S.test(timeout=40)
async def a_real_redis_replaces_the_fake():
    f = fake()
    srv = node()
    exe = shutil.which("redis-server")
    check(exe is not None, "redis-server is not installed (scripts/install-deps)")
    f.mode = "join-int"
    ev, data = await join_outcome(srv, room())
    check_eq(data.get("code"), "unavailable", "a join while the fake lies")
    f.stop()
    rdir = os.path.join(S.tmpdir, "redis")
    os.makedirs(rdir, exist_ok=True)
    proc = subprocess.Popen(
        [exe, "--port", str(f.port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", rdir],
        stdout=open(os.path.join(rdir, "redis.log"), "a"), stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL)
    try:
        await joins_again(srv)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    sys.exit(S.run())
