"""Redis high availability through Sentinel (redis-sentinel=,
redis-master-name=): the cluster survives losing its Redis master.

The test starts a redis-server master, a replica of it and three
sentinels (redis-server --sentinel, generated configs, free loopback
ports), then two turnroom nodes that find the master through the
sentinels. Member A on n1 and member B on n2 share a room. The master is
killed (SIGKILL); within 20 s the nodes follow the sentinels to the
promoted replica: a new room with members on both nodes works and its
capacity holds across nodes, A and B exchange messages both ways, and
neither sees bye. The failover time each node saw is printed.

Run: /usr/bin/python3 tests/interop/cluster_sentinel.py
"""

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signal_lib import Suite, check, check_eq, free_port, http_get  # noqa: E402

S = Suite("test_cluster_sentinel")
MASTER_NAME = "trm"
FAILOVER_BOUND = 20.0
PROCS = []


def redis_server(args, name):
    exe = shutil.which("redis-server")
    check(exe is not None, "redis-server is not installed (scripts/install-deps)")
    log = open(os.path.join(S.tmpdir, name + ".log"), "a")
    p = subprocess.Popen([exe] + args, stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    PROCS.append(p)
    return p


def cli(port, *args):
    try:
        return subprocess.run(["redis-cli", "-p", str(port)] + list(args),
                              capture_output=True, text=True, timeout=3).stdout.strip()
    except subprocess.TimeoutExpired:
        return ""


def wait_for(what, cond, within):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def start_redis(port, extra=()):
    d = os.path.join(S.tmpdir, "r%d" % port)
    os.makedirs(d, exist_ok=True)
    p = redis_server(["--port", str(port), "--bind", "127.0.0.1", "--save", "",
                      "--appendonly", "no", "--dir", d] + list(extra), "redis-%d" % port)
    wait_for("redis on %d" % port, lambda: cli(port, "PING") == "PONG", 10)
    return p


def start_sentinel(port, master_port):
    conf = os.path.join(S.tmpdir, "sentinel-%d.conf" % port)
    with open(conf, "w") as f:
        f.write("port %d\nbind 127.0.0.1\ndir %s\n" % (port, S.tmpdir))
        f.write("sentinel monitor %s 127.0.0.1 %d 2\n" % (MASTER_NAME, master_port))
        f.write("sentinel down-after-milliseconds %s 1000\n" % MASTER_NAME)
        f.write("sentinel failover-timeout %s 4000\n" % MASTER_NAME)
        f.write("sentinel parallel-syncs %s 1\n" % MASTER_NAME)
    redis_server([conf, "--sentinel"], "sentinel-%d" % port)
    wait_for("sentinel on %d" % port, lambda: cli(port, "PING") == "PONG", 10)


def sentinel_field(port, field):
    out = cli(port, "SENTINEL", "master", MASTER_NAME).splitlines()
    for k, v in zip(out[0::2], out[1::2]):
        if k == field:
            return v
    return None


def node(name, sentinels):
    return S.server(name, ["redis-sentinel=127.0.0.1:%d" % p for p in sentinels]
                    + ["redis-master-name=" + MASTER_NAME, "node-id=" + name,
                       "cluster-secret=sentinel-test-cluster-secret-0123",
                       "static-auth-secret=sentinel-test-rest-secret-0123",
                       # above the failover time: nodes must not reap
                       # each other while both look for the new master
                       "node-timeout=25", "room-capacity=2", "ws-rate=1000"])


async def wait_health(srv, status, within):
    deadline = time.monotonic() + within
    while True:
        rsp = await asyncio.to_thread(http_get, srv.http_port, "/healthz")
        if rsp.status == status:
            return time.monotonic()
        check(time.monotonic() < deadline,
              "%s: /healthz %d, wanted %d within %.0f s" % (srv.name, rsp.status, status,
                                                            within))
        await asyncio.sleep(0.1)


async def message(frm, to, room, to_id, data):
    await frm.send("message", {"roomId": room, "to": to_id, "data": data})
    env = await to.recv_event("message", 5.0, envelope=True)
    check_eq(env.get("data"), data, "message %r" % data)


@S.test(timeout=55)
async def master_killed_the_cluster_follows_the_sentinels():
    mport, rport = free_port(), free_port()
    sports = [free_port() for _ in range(3)]
    master = start_redis(mport)
    start_redis(rport, ["--replicaof", "127.0.0.1", str(mport)])
    wait_for("the replica in sync",
             lambda: "master_link_status:up" in cli(rport, "INFO", "replication"), 10)
    for p in sports:
        start_sentinel(p, mport)
    wait_for("sentinels that know each other and the replica",
             lambda: all(sentinel_field(p, "num-other-sentinels") == "2" and
                         sentinel_field(p, "num-slaves") == "1" for p in sports), 15)

    n1, n2 = node("n1", sports), node("n2", sports)
    await wait_health(n1, 200, 5)
    await wait_health(n2, 200, 5)
    room = "sentinel-%d" % os.getpid()
    a, b = await n1.ws("A"), await n2.ws("B")
    ja = await a.join(room)
    jb = await b.join(room)
    check_eq(jb.get("peers"), [ja["userId"]], "B sees A across nodes")
    await a.recv_event("otherjoined", 5.0)
    await message(a, b, room, jb["userId"], "before")

    t0 = time.monotonic()
    master.send_signal(signal.SIGKILL)
    master.wait()
    await wait_health(n1, 503, 5)
    up1 = await wait_health(n1, 200, FAILOVER_BOUND)
    up2 = await wait_health(n2, 200, FAILOVER_BOUND)
    check(max(up1, up2) - t0 <= FAILOVER_BOUND, "nodes back within 20 s")
    new_master = cli(sports[0], "SENTINEL", "get-master-addr-by-name", MASTER_NAME)
    check(str(rport) in new_master, "the sentinels promoted the replica: %r" % new_master)
    for srv in (n1, n2):
        m = re.findall(r"registered again at 127\.0\.0\.1:(\d+) after (\d+) ms",
                       srv.log_text())
        check(m and m[-1][0] == str(rport), "%s registered on the new master: %r"
              % (srv.name, m))
        print("%s: failover seen by the node: %s ms without redis, %.1f s after the "
              "kill" % (srv.name, m[-1][1], (up1 if srv is n1 else up2) - t0),
              file=sys.stderr)

    # A new room across nodes works, and its capacity holds across nodes.
    room2 = room + "-after"
    c, d, e = await n1.ws("C"), await n2.ws("D"), await n1.ws("E")
    jc = await c.join(room2)
    jd = await d.join(room2)
    check_eq(jd.get("peers"), [jc["userId"]], "new room across nodes after failover")
    await e.send("join", {"roomId": room2})
    full = await e.recv_event("full", 5.0)
    check_eq(full.get("userNum"), 2, "capacity across nodes after failover")
    await message(c, d, room2, jd["userId"], "new-room")

    # The call that was up goes on: both ways, no bye.
    await message(a, b, room, jb["userId"], "a-to-b-after")
    await message(b, a, room, ja["userId"], "b-to-a-after")
    await a.expect_no_event(0.5, names=["bye"])
    await b.expect_no_event(0.1, names=["bye"])
    for w in (a, b, c, d, e):
        await w.close()


if __name__ == "__main__":
    try:
        rc = S.run()
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
    sys.exit(rc)
