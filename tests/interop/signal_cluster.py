"""Several turnroom nodes as one service through one Redis (redis=): rooms,
capacity, messages, presence and revocation across nodes.

The test starts its own redis-server on a loopback port and three turnroom
nodes pointing at it. Clients are native WebSocket clients of the room
protocol (doc/signaling.md); TURN is probed with stunpy.

Run: /usr/bin/python3 tests/interop/signal_cluster.py [TEST...]
"""

import asyncio
import base64
import hashlib
import hmac
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import stunpy  # noqa: E402
from signal_lib import (TURNROOM, Suite, check, check_eq, free_port,  # noqa: E402
                        http_get)
from signal_turn import (EchoPeer, assert_alive, assert_gone, creds_of,  # noqa: E402
                         probe)

S = Suite("test_signal_cluster")
SECRET = "cluster-test-secret-0123456789"
CLUSTER_SECRET = "interop-cluster-secret-9876543210"
NODE_TIMEOUT = 2           # seconds: a silent node is dead after this
BYE_BOUND = 10.0           # the bound for peers to see bye


class Redis:
    """A redis-server of the test's own on 127.0.0.1, no persistence."""

    def __init__(self, tmpdir):
        self.port = free_port()
        self.dir = os.path.join(tmpdir, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None

    def start(self):
        exe = shutil.which("redis-server")
        check(exe is not None, "redis-server is not installed (scripts/install-deps)")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--protected-mode", "yes"],
            stdout=open(os.path.join(self.dir, "redis.log"), "a"),
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                out = subprocess.run(["redis-cli", "-p", str(self.port), "PING"],
                                     capture_output=True, text=True, timeout=2).stdout
                if "PONG" in out:
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.1)
        raise AssertionError("redis-server did not answer PING on %d" % self.port)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                              capture_output=True, text=True, timeout=5).stdout.strip()


REDIS = None


def redis():
    global REDIS
    if REDIS is None:
        REDIS = Redis(S.tmpdir)
        REDIS.start()
    return REDIS


def node(name, extra=()):
    r = redis()
    return S.server(name, ["redis=127.0.0.1:%d" % r.port, "cluster-secret=" + CLUSTER_SECRET,
                           "node-id=%s" % name,
                           "node-timeout=%d" % NODE_TIMEOUT,
                           "static-auth-secret=%s" % SECRET, "resume-window=1",
                           "ws-rate=1000"]
                    + list(extra))


def nodes():
    return node("n1"), node("n2"), node("n3")


_ROOM = [0]


def room():
    _ROOM[0] += 1
    return "cl-%d-%d" % (os.getpid(), _ROOM[0])


async def pair_across(a_srv, b_srv):
    r = room()
    a = await a_srv.ws("A")
    b = await b_srv.ws("B")
    ja = await a.join(r)
    jb = await b.join(r)
    check_eq(jb.get("userNum"), 2, "joined.userNum of the second member (other node)")
    check_eq(jb.get("peers"), [ja["userId"]], "joined.peers names the member on the other node")
    other = await a.recv_event("otherjoined", 5.0)
    check_eq(other, {"roomId": r, "userId": jb["userId"]}, "otherjoined across nodes")
    return r, a, ja, b, jb


@S.test()
async def messages_cross_nodes_in_order():
    n1, n2, _ = nodes()
    r, a, ja, b, jb = await pair_across(n1, n2)
    payloads = [{"seq": i, "sdp": "v=0\r\n" + "x" * (i * 7), "u": "\u00e9\u2713"}
                for i in range(60)]
    for p in payloads:
        await a.send("message", {"roomId": r, "data": p})
    for i, p in enumerate(payloads):
        env = await b.recv_event("message", 5.0, envelope=True)
        check_eq(env.get("from"), ja["userId"], "message %d: from" % i)
        check_eq(env.get("data"), p, "message %d: data (deep-equal, in order)" % i)
    await b.send("message", {"roomId": r, "to": ja["userId"], "data": "back"})
    env = await a.recv_event("message", 5.0, envelope=True)
    check_eq((env.get("from"), env.get("data")), (jb["userId"], "back"),
             "directed message back across nodes")
    await a.send("leave", {"roomId": r})
    await a.recv_event("leaved")
    bye = await b.recv_event("bye", 5.0)
    check_eq(bye, {"roomId": r, "userId": ja["userId"]}, "bye across nodes on leave")
    await a.close()
    await b.close()


async def join_outcome(w, r):
    await w.send("join", {"roomId": r})
    while True:
        got = await w._recv_one(8.0)
        check(got is not None, "%s: no answer to join" % w.name)
        if got[0] in ("joined", "full", "error"):
            return got[0], got[1]


@S.test(timeout=180)
async def capacity_holds_under_simultaneous_joins():
    srvs = nodes()
    for rnd in range(50):
        r = room()
        ws = [await s.ws("J%d" % i) for i, s in enumerate(srvs)]
        outcomes = await asyncio.gather(*(join_outcome(w, r) for w in ws))
        kinds = sorted(o[0] for o in outcomes)
        check_eq(kinds, ["full", "joined", "joined"],
                 "round %d: three nodes join a 2-seat room at once" % rnd)
        full = [o[1] for o in outcomes if o[0] == "full"][0]
        check_eq(full, {"roomId": r, "userNum": 2}, "round %d: full payload" % rnd)
        for w in ws:
            await w.close()


@S.test()
async def check_room_answers_from_shared_state():
    n1, n2, n3 = nodes()
    r, a, ja, b, jb = await pair_across(n1, n2)
    c = await n3.ws("C")
    await c.send("checkRoom", {"roomId": r})
    check_eq(await c.recv_event("full", 5.0), {"roomId": r, "userNum": 2},
             "checkRoom on a third node sees the room full")
    await a.send("leave", {"roomId": r})
    await b.recv_event("bye", 5.0)
    await c.send("checkRoom", {"roomId": r})
    got = await c.recv_event("checkRoomSuccess", 5.0)
    check_eq((got.get("userNum"), got.get("capacity")), (1, 2),
             "checkRoom after a leave on another node")
    for w in (a, b, c):
        await w.close()


@S.test()
async def leave_on_one_node_ends_turn_on_another():
    n1, n2, _ = nodes()
    peer = EchoPeer()
    try:
        r = room()
        a = await n1.ws("A")
        ja = await a.join(r)
        # The credentials minted on n1, used on n2's TURN port.
        ja2 = dict(ja)
        ja2["iceServers"] = [dict(x) for x in ja["iceServers"]]
        turn = ja2["iceServers"][1]
        turn["urls"] = [u.replace(":%d" % n1.turn_port, ":%d" % n2.turn_port)
                        for u in turn["urls"]]
        p = await probe(ja2, peer)
        await assert_alive(p, "on node n2 with n1's credentials")
        await a.send("leave", {"roomId": r})
        await a.recv_event("leaved")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            code = await asyncio.to_thread(p.refresh)
            if code == 437:
                break
            await asyncio.sleep(0.2)
        await assert_gone(p, "on n2 after the member left on n1")
        p.close()
        # The departed member's credentials are refused on n2 too.
        server, user, password = creds_of(ja2)
        c = stunpy.Client("udp", server, timeout=3.0)
        c.set_credentials(user, password)
        ec = stunpy.error_code(await asyncio.to_thread(c.allocate))
        c.close()
        check_eq(ec[0] if ec else None, 401,
                 "Allocate on n2 with the credentials of a member gone on n1")
        await a.close()
    finally:
        peer.stop()


@S.test(timeout=90)
async def dead_node_members_leave():
    n1 = node("n1")
    doomed = node("n4")
    r, a, ja, b, jb = await pair_across(n1, doomed)
    t0 = time.monotonic()
    doomed.kill()                                  # kill -9: no goodbye
    bye = await a.recv_event("bye", BYE_BOUND + 5)
    took = time.monotonic() - t0
    check_eq(bye, {"roomId": r, "userId": jb["userId"]}, "bye for the dead node's member")
    check(took <= BYE_BOUND, "bye after %.1f s (bound %.0f s)" % (took, BYE_BOUND))
    check_eq(redis().cli("HLEN", "tr:room:" + r), "1", "the room in Redis after reaping")
    await a.close()
    S.servers.remove(doomed)


@S.test(timeout=60)
async def restart_under_same_id_ends_old_members():
    """A node killed and restarted at once (same node-id, heartbeat never
    expired): the members it had before are gone, and others see bye."""
    n1 = node("n1")
    again = node("n5")
    r, a, ja, b, jb = await pair_across(n1, again)
    again.kill()
    t0 = time.monotonic()
    again.start()
    bye = await a.recv_event("bye", 5.0)
    check_eq(bye, {"roomId": r, "userId": jb["userId"]}, "bye after the restart")
    check(time.monotonic() - t0 < NODE_TIMEOUT + 3, "bye came from the restart, not a reap")
    await a.close()


def logged_node_ids(srv):
    """The node ids srv's log names, one per start."""
    return re.findall(r"cluster: node (\S+), redis", srv.log_text())


@S.test(timeout=60)
async def generated_node_id_is_kept_in_the_store():
    """No node-id, a userdb each: the generated id is kept in the store, so
    a node killed and restarted comes back under it and its old members
    leave at once, well before its node-timeout; two stores, two ids."""
    long_timeout = 15
    conf = ["redis=127.0.0.1:%d" % redis().port, "cluster-secret=" + CLUSTER_SECRET,
            "node-timeout=%d" % long_timeout,
            "static-auth-secret=%s" % SECRET, "resume-window=1", "ws-rate=1000"]
    g1 = S.server("g1", conf)
    g2 = S.server("g2", conf)
    id1, id2 = logged_node_ids(g1)[-1], logged_node_ids(g2)[-1]
    check(id1 != id2, "two nodes with their own stores got the same id %s" % id1)
    r, a, ja, b, jb = await pair_across(g1, g2)
    g2.kill()                                      # kill -9: no goodbye
    t0 = time.monotonic()
    g2.start()
    bye = await a.recv_event("bye", long_timeout / 3)
    took = time.monotonic() - t0
    check_eq(bye, {"roomId": r, "userId": jb["userId"]}, "bye after the restart")
    check(took < long_timeout / 3, "bye %.1f s after the restart (node-timeout %d s)"
          % (took, long_timeout))
    check_eq(logged_node_ids(g2), [id2, id2], "g2's node id before and after the restart")
    with sqlite3.connect(g2.userdb) as db:
        kept = db.execute("SELECT value FROM turnroom_node WHERE key='node-id'").fetchall()
    check_eq(kept, [(id2,)], "the node id kept in g2's store")
    check("cluster: node-id %s (kept in the store)" % id2 in g2.log_text(),
          "the start log line says where the id comes from")
    await a.close()


@S.test(timeout=60)
async def without_a_store_the_node_id_is_new_at_each_start():
    """No node-id and no userdb: nowhere to keep an id, so each start has
    its own (today's behaviour), and the log says it is not kept."""
    conf = ["redis=127.0.0.1:%d" % redis().port, "cluster-secret=" + CLUSTER_SECRET,
            "node-timeout=%d" % NODE_TIMEOUT,
            "static-auth-secret=%s" % SECRET]
    g0 = S.server("g0", conf, start=False)
    with_store = g0.conf_text
    g0.conf_text = lambda: "".join(line + "\n" for line in with_store().splitlines()
                                   if not line.startswith("userdb="))
    g0.start()
    g0.kill()
    g0.start()
    ids = logged_node_ids(g0)
    check(len(ids) == 2 and ids[0] != ids[1], "node ids of two starts without a store: %r"
          % ids)
    check("cluster: node-id %s (generated, not kept: no userdb)" % ids[1] in g0.log_text(),
          "the start log line says the id is not kept")
    check(not os.path.exists(g0.userdb), "a store was created without userdb=")


def derived_rest_secret(cluster_secret):
    """HKDF-SHA256 (RFC 5869) of cluster-secret under the REST secret's
    label, as src/cluster derives it: 64 hex digits."""
    prk = hmac.new(b"turnroom cluster v1", cluster_secret.encode(), hashlib.sha256).digest()
    return hmac.new(prk, b"turn rest secret" + b"\x01", hashlib.sha256).hexdigest()


def redis_dump(r_):
    """Every key of every type in the Redis, and every value, as text."""
    out = []
    for key in r_.cli("--scan").splitlines():
        kind = r_.cli("TYPE", key)
        cmd = {"string": ["GET"], "hash": ["HGETALL"], "set": ["SMEMBERS"],
               "list": ["LRANGE", key, "0", "-1"]}.get(kind)
        if cmd is None:
            out.append(key)
            continue
        args = cmd if len(cmd) > 1 else cmd + [key]
        out.append(key + " " + r_.cli(*args))
    return "\n".join(out)


@S.test()
async def generated_secret_is_shared():
    """Nodes given no static-auth-secret, each with its own store: TURN
    credentials minted by one work on the other (the cluster's REST secret
    is derived from cluster-secret), and nothing in Redis holds it, nor the
    cluster secret, in plain text; a plain-text tr:secret left by an older
    version is removed."""
    r_ = redis()
    r_.cli("SET", "tr:secret", "legacy-plain-text-rest-secret")
    conf = ["redis=127.0.0.1:%d" % r_.port, "cluster-secret=" + CLUSTER_SECRET,
            "node-timeout=%d" % NODE_TIMEOUT]
    s1 = S.server("s1", conf + ["node-id=s1"])
    s2 = S.server("s2", conf + ["node-id=s2"])
    peer = EchoPeer()
    try:
        a = await s1.ws("A")
        ja = await a.join(room())
        ja2 = dict(ja)
        ja2["iceServers"] = [dict(x) for x in ja["iceServers"]]
        turn = ja2["iceServers"][1]
        rest = derived_rest_secret(CLUSTER_SECRET)
        want = base64.b64encode(hmac.new(rest.encode(), turn["username"].encode(),
                                         hashlib.sha1).digest()).decode()
        check_eq(turn["credential"], want, "credential minted with the derived secret")
        turn["urls"] = [u.replace(":%d" % s1.turn_port, ":%d" % s2.turn_port)
                        for u in turn["urls"]]
        p = await probe(ja2, peer)
        await assert_alive(p, "on s2 with credentials minted by s1")
        p.close()
        dump = redis_dump(r_)
        check("tr:members" in dump and ja["userId"] in dump,
              "the dump lists the cluster's keys: %r" % dump[:300])
        for what, text in (("REST secret", rest), ("cluster secret", CLUSTER_SECRET),
                           ("legacy secret", "legacy-plain-text-rest-secret")):
            check(text not in dump, "the %s is in Redis in plain text" % what)
        await a.close()
    finally:
        peer.stop()


@S.test(timeout=90)
async def redis_outage_degrades_then_recovers():
    n1, n2, _ = nodes()
    r, a, ja, b, jb = await pair_across(n1, n2)
    redis().stop()
    await asyncio.sleep(1.0)
    rsp = await asyncio.to_thread(http_get, n1.http_port, "/healthz")
    check_eq(rsp.status, 503, "/healthz status while Redis is down")
    check(rsp.body.startswith(b"degraded"), "/healthz body while Redis is down: %r" % rsp.body)
    c = await n1.ws("C")
    await c.send("join", {"roomId": room()})
    err = await c.expect_error("unavailable", 5.0)
    check("unreachable" in err.get("message", ""), "unavailable error message %r" % err)
    redis().start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rsp = await asyncio.to_thread(http_get, n1.http_port, "/healthz")
        rsp2 = await asyncio.to_thread(http_get, n2.http_port, "/healthz")
        if rsp.status == 200 and rsp2.status == 200:
            break
        await asyncio.sleep(0.3)
    check_eq((rsp.status, rsp2.status), (200, 200), "/healthz after Redis came back")
    # The nodes registered their members again: the room is full in Redis.
    await c.send("checkRoom", {"roomId": r})
    check_eq(await c.recv_event("full", 5.0), {"roomId": r, "userNum": 2},
             "the pair re-registered after the outage")
    await a.send("message", {"roomId": r, "data": {"after": "outage"}})
    env = await b.recv_event("message", 5.0, envelope=True)
    check_eq(env.get("data"), {"after": "outage"}, "messages flow again across nodes")
    for w in (a, b, c):
        await w.close()


ADMIN = os.path.join(os.path.dirname(TURNROOM), "turnroom-admin")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@S.test(timeout=90)
async def socketio_members_across_nodes():
    """The real socket.io-client on two nodes (tests/sio/cluster_pair.mjs)."""
    n1, n2, _ = nodes()
    env = dict(os.environ, TARGET="turnroom",
               SIO_URL="http://127.0.0.1:%d" % n1.http_port,
               SIO_URL2="http://127.0.0.1:%d" % n2.http_port)
    out = await asyncio.to_thread(
        subprocess.run, ["node", os.path.join(ROOT, "tests", "sio", "cluster_pair.mjs")],
        capture_output=True, text=True, timeout=80, env=env)
    check(out.returncode == 0, "cluster_pair.mjs exited %d: %s%s"
          % (out.returncode, out.stdout[-800:], out.stderr[-1500:]))


def admin(srv, *args):
    sock = os.path.join(S.tmpdir, "%s.ctl" % srv.name)
    return subprocess.run([ADMIN, "--control-socket", sock] + list(args),
                          capture_output=True, text=True, timeout=10)


def allocate_code(srv):
    """(error code or None, ALTERNATE-SERVER) of an Allocate on srv."""
    user, password = stunpy.rest_credentials(SECRET, "probe", int(time.time()) + 600)
    c = stunpy.Client("udp", ("127.0.0.1", srv.turn_port), timeout=3.0)
    try:
        c.set_credentials(user, password)
        rsp = c.allocate()
        ec = stunpy.error_code(rsp)
        alt = rsp.get(0x8023)
        if ec is None:     # a live allocation would hold a drain open
            c.request_auth(stunpy.REFRESH, [stunpy.lifetime(0)])
        return (ec[0] if ec else None), (stunpy.parse_plain_addr(alt) if alt else None)
    finally:
        c.close()


async def wait_exit(srv, timeout):
    """srv exits by itself within timeout, with status 0."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and srv.proc.poll() is None:
        await asyncio.sleep(0.1)
    rc = srv.proc.poll()
    check(rc is not None, "%s still running %.0f s after draining" % (srv.name, timeout))
    check_eq(rc, 0, "%s exit status after draining" % srv.name)
    srv.proc = None
    srv.check_log()
    S.servers.remove(srv)


@S.test(timeout=60)
async def drain_moves_new_joins_while_the_call_continues():
    n2 = node("n2")
    d = node("d1", ["control-socket=%s" % os.path.join(S.tmpdir, "d1.ctl"),
                    "alternate-server=127.0.0.1:%d" % n2.turn_port])
    r, a, ja, b, jb = await pair_across(d, d)
    code, alt = await asyncio.to_thread(allocate_code, d)
    check_eq(code, None, "Allocate before draining")
    out = await asyncio.to_thread(admin, d, "--drain")
    check_eq(out.returncode, 0, "turnroom-admin --drain: %s%s" % (out.stdout, out.stderr))
    check("draining" in out.stdout, "--drain output %r" % out.stdout)
    code, alt = await asyncio.to_thread(allocate_code, d)
    check_eq((code, alt), (300, ("127.0.0.1", n2.turn_port)),
             "Allocate while draining: 300 Try Alternate toward the other node")
    c = await d.ws("C")
    await c.send("join", {"roomId": room()})
    await c.expect_error("draining", 5.0)
    c2 = await n2.ws("C2")
    await c2.join(room())
    # The live call goes on.
    await a.send("message", {"roomId": r, "data": "still here"})
    env = await b.recv_event("message", 5.0, envelope=True)
    check_eq(env.get("data"), "still here", "messages in a live call while draining")
    check(d.alive(), "the draining node exited with a call still live")
    await a.send("leave", {"roomId": r})
    await b.send("leave", {"roomId": r})
    await wait_exit(d, 5.0)
    for w in (a, b, c, c2):
        await w.close()


@S.test()
async def sessions_and_disconnect_are_cluster_wide():
    n2 = node("n2")
    k = node("k1", ["control-socket=%s" % os.path.join(S.tmpdir, "k1.ctl")])
    r, a, ja, b, jb = await pair_across(k, n2)
    out = await asyncio.to_thread(admin, k, "--sessions")
    check_eq(out.returncode, 0, "--sessions: %s" % out.stderr)
    check("cluster-member node=n2 room=%s user=%s" % (r, jb["userId"]) in out.stdout,
          "--sessions on k1 lists the member on n2: %r" % out.stdout)
    out = await asyncio.to_thread(admin, k, "--disconnect", jb["userId"])
    check_eq(out.returncode, 0, "--disconnect of a member on another node: %s%s"
             % (out.stdout, out.stderr))
    code, _ = await b.wait_closed(5.0)
    check_eq(code, 1008, "close code of the member disconnected from another node")
    bye = await a.recv_event("bye", 5.0)
    check_eq(bye, {"roomId": r, "userId": jb["userId"]}, "bye after the cluster disconnect")
    await a.close()


@S.test(timeout=60)
async def sigterm_drains_for_drain_timeout():
    d = node("d2", ["drain-timeout=2"])
    r = room()
    a = await d.ws("A")
    await a.join(r)
    t0 = time.monotonic()
    d.proc.send_signal(15)
    await asyncio.sleep(0.5)
    check(d.alive(), "SIGTERM with drain-timeout exited at once")
    c = await d.ws("C")
    await c.send("join", {"roomId": room()})
    await c.expect_error("draining", 5.0)
    await wait_exit(d, 6.0)
    took = time.monotonic() - t0
    check(1.8 <= took <= 5.0, "exit %.1f s after SIGTERM with drain-timeout=2" % took)
    await a.close()
    await c.close()


if __name__ == "__main__":
    try:
        rc = S.run()
    finally:
        if REDIS:
            REDIS.stop()
    sys.exit(rc)
