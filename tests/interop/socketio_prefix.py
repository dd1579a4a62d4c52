"""Per-source limits of the signaling paths by IPv6 /64 (test_socketio_prefix.sh
runs this inside a network namespace of its own where 2001:db8:1::1-40 (one
/64) and 2001:db8:2::1 (another) are local addresses).

Usage: socketio_prefix.py SERVER_IP HTTP_PORT PER_SOURCE

Prints "refusals=N seconds=S" on stdout; exits non-zero with the reason
on stderr when a check fails.
"""

import asyncio
import json
import socket
import sys
import time

import websockets

SERVER, PORT, PER = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ONE = "2001:db8:1::%x"     # one /64: many hosts of one subscriber
OTHER = "2001:db8:2::1"    # another /64


HELD = []  # WebSocket sessions' sockets, kept open for the test's length


def http(src, query, upgrade=False, path="/socket.io/"):
    """One request from src; (status, body). An accepted upgrade's socket
    is kept open (its session lives as long as it does)."""
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((src, 0))
    s.connect((SERVER, PORT))
    head = "GET %s?%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (path, query)
    if upgrade:
        head = ("GET %s?%s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" % (path, query))
    s.sendall((head + "\r\n").encode())
    data = b""
    try:
        while True:
            if upgrade and data.startswith(b"HTTP/1.1 101 ") and b"\r\n\r\n" in data:
                HELD.append(s)
                return 101, ""
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, data.partition(b"\r\n\r\n")[2].decode(errors="replace")


def handshake(src, ws=False):
    if ws:
        return http(src, "EIO=4&transport=websocket", upgrade=True)
    return http(src, "EIO=4&transport=polling")


def check(cond, what):
    if not cond:
        print("check failed: " + what, file=sys.stderr)
        sys.exit(1)


def wait_ready():
    for _ in range(100):
        try:
            if http(OTHER, "", path="/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    check(False, "server not answering /healthz")


async def bad_join(src, room):
    """A join with a wrong password from src: the error code."""
    async with websockets.connect("ws://[%s]:%d/ws" % (SERVER, PORT),
                                  local_addr=(src, 0), open_timeout=5) as ws:
        await ws.send(json.dumps({"event": "join", "data": {
            "roomId": room, "username": "alice", "password": "wrong"}}))
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if m.get("event") == "error":
                return m["data"].get("code")


async def join_brake():
    """Refused joins from one /64 share one brake: 20 refusals from 20
    hosts of the /64 meet it (a burst of 10 per source), another /64 does
    not."""
    codes = [await bad_join(ONE % (i + 1), "brake") for i in range(20)]
    check("rate-limited" in codes, "20 refused joins from one /64 never braked: %s" % codes)
    other = await bad_join(OTHER, "brake")
    check(other == "unauthorized", "another /64 answered %r, not unauthorized" % other)


def main():
    wait_ready()
    # PER sessions from PER hosts of one /64 (both transports): admitted.
    for i in range(PER):
        st, body = handshake(ONE % (i + 1), ws=(i % 2 == 1))
        check(st == (101 if i % 2 else 200), "handshake %d from the /64: %d %s" % (i, st, body))
    # The /64 is full, whichever host of it asks and by either transport.
    st, body = handshake(ONE % (PER + 1))
    check(st == 403 and body == '{"code":4,"message":"Forbidden"}',
          "polling handshake beyond the /64's limit: %d %s" % (st, body))
    st, body = handshake(ONE % (PER + 2), ws=True)
    check(st == 403, "WebSocket handshake beyond the /64's limit: %d %s" % (st, body))
    # Another /64 is admitted.
    st, body = handshake(OTHER)
    check(st == 200 and body.startswith("0{"), "another /64 refused: %d %s" % (st, body))
    # A flood of refused handshakes from the /64; then one more after a
    # second, so the count of suppressed lines is written.
    t0 = time.monotonic()
    refused = 0
    for i in range(300):
        refused += handshake(ONE % (1 + i % 40))[0] == 403
    check(refused == 300, "only %d of 300 handshakes refused" % refused)
    time.sleep(1.2)
    refused += handshake(ONE % 3)[0] == 403
    seconds = time.monotonic() - t0
    asyncio.run(join_brake())
    print("refusals=%d seconds=%.1f" % (refused + 2, seconds))


main()
