#!/usr/bin/python3
"""Cluster benchmark (scripts/bench cluster): room-event latency and rate
between two members on the same node against two members on different
nodes of one cluster (one Redis, two turnroom nodes), and the join rate
through Redis, all in one run on this machine.

Latency: member A sends a message carrying its send time; B, in the same
process, notes the arrival: one clock, no skew. Messages go one at a time
(the next after the previous arrived), so this is latency, not queueing.
Rate: A sends a burst as fast as the server takes it; B counts.
Joins: clients join distinct rooms, JOINERS at a time.

Usage: scripts/bench cluster [--msgs N] [--burst N] [--joins N]
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
from signal_lib import Server, free_port  # noqa: E402

JOINERS = 20


def start_redis(tmpdir):
    port = free_port()
    proc = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", tmpdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        out = subprocess.run(["redis-cli", "-p", str(port), "PING"], capture_output=True,
                             text=True).stdout
        if "PONG" in out:
            return proc, port
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


async def pair(srv_a, srv_b, room):
    a = await srv_a.ws("A")
    b = await srv_b.ws("B")
    await a.join(room)
    await b.join(room)
    await a.recv_event("otherjoined", 5.0)
    return a, b


async def latency(a, b, room, n):
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        await a.send("message", {"roomId": room, "data": {"i": i, "pad": "x" * 200}})
        await b.recv_event("message", 5.0)
        lat.append((time.perf_counter() - t0) * 1000.0)
    lat.sort()
    return lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]


async def rate(a, b, room, n):
    t0 = time.perf_counter()
    sender = asyncio.ensure_future(asyncio.gather(*(
        a.send("message", {"roomId": room, "data": {"i": i}}) for i in range(n))))
    for _ in range(n):
        await b.recv_event("message", 10.0)
    await sender
    return n / (time.perf_counter() - t0)


async def join_rate(srv, n):
    sem = asyncio.Semaphore(JOINERS)

    async def one(i):
        async with sem:
            w = await srv.ws("J%d" % i)
            await w.join("bench-join-%d-%d" % (os.getpid(), i))
            await w.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - t0)


async def main(args):
    tmp = tempfile.mkdtemp(prefix="turnroom-bench-cluster.")
    redis, port = start_redis(tmp)
    common = ["redis=127.0.0.1:%d" % port, "cluster-secret=bench-cluster-secret-0123456789",
              "ws-rate=100000", "ws-max-message=65536",
              "static-auth-secret=bench-secret"]
    n1 = Server("n1", tmp, common + ["node-id=n1"]).start()
    n2 = Server("n2", tmp, common + ["node-id=n2"]).start()
    solo = Server("solo", tmp, ["ws-rate=100000"]).start()
    try:
        rows = []
        for label, sa, sb in (("one node, no Redis", solo, solo),
                              ("clustered, same node", n1, n1),
                              ("clustered, across nodes", n1, n2)):
            room = "bench-%s" % label.replace(" ", "").replace(",", "")
            a, b = await pair(sa, sb, room)
            p50, p99 = await latency(a, b, room, args.msgs)
            r = await rate(a, b, room, args.burst)
            rows.append((label, p50, p99, r))
            await a.close()
            await b.close()
        print("%-26s %10s %10s %12s" % ("members", "p50 ms", "p99 ms", "msgs/s"))
        for label, p50, p99, r in rows:
            print("%-26s %10.3f %10.3f %12.0f" % (label, p50, p99, r))
        j_solo = await join_rate(solo, args.joins)
        j_cl = await join_rate(n1, args.joins)
        print("joins/s (%d joiners at a time): one node %.0f, clustered %.0f"
              % (JOINERS, j_solo, j_cl))
        print(json.dumps({"rows": rows, "joins_solo": j_solo, "joins_cluster": j_cl}))
    finally:
        for s in (n1, n2, solo):
            s.stop()
        redis.terminate()
        redis.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--msgs", type=int, default=2000)
    ap.add_argument("--burst", type=int, default=5000)
    ap.add_argument("--joins", type=int, default=1000)
    asyncio.run(main(ap.parse_args()))
