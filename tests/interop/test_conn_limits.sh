#!/bin/bash
# Attacks (issue 8, item 1): one host opens connection after connection to
# take every descriptor, and WebSockets that never join a room live as long
# as they ping. Now: max-connections-per-source (IPv4 address, IPv6 /64)
# and max-connections close the excess at once (another source is still
# served), and a WebSocket in no room is closed with 1008 after
# ws-join-timeout while a joined one stays.
. "$(dirname "$0")/lib.sh"
HTTP_PORT=$(free_port)
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "max-connections=8"
	echo "max-connections-per-source=5"
	echo "ws-join-timeout=2"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

"$PY" - "$HTTP_PORT" <<'PYEOF' || fail "connection limits not enforced"
import socket, sys, time
port = int(sys.argv[1])
def held(src):
    """A connection from src with half a request head: the server keeps it."""
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\n")
    return s
def closed_at_once(s):
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
def served(src):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    return data.startswith(b"HTTP/1.1 200")
first = [held("127.0.0.1") for _ in range(5)]
time.sleep(0.3)
sixth = held("127.0.0.1")
assert closed_at_once(sixth), "6th connection from 127.0.0.1 was not closed"
assert served("127.0.0.2"), "127.0.0.2 not served while 127.0.0.1 is at its limit"
second = [held("127.0.0.2") for _ in range(3)]
time.sleep(0.3)
ninth = held("127.0.0.3")
assert closed_at_once(ninth), "9th connection in total was not closed"
for s in first + second:
    s.close()
time.sleep(0.3)
assert served("127.0.0.3"), "not served again once connections closed"
PYEOF
grep -q 'refused: max-connections-per-source reached' "$SERVER_LOG" || fail "per-source refusal not logged"
grep -q 'refused: max-connections reached' "$SERVER_LOG" || fail "total refusal not logged"

"$PY" - "$HTTP_PORT" <<'PYEOF' || fail "join timeout not enforced"
import asyncio, json, sys, time, websockets
async def main():
    url = f"ws://127.0.0.1:{sys.argv[1]}/ws"
    idle = await websockets.connect(url, ping_interval=None)
    member = await websockets.connect(url, ping_interval=None)
    await member.send(json.dumps({"event": "join", "data": {"roomId": "stays"}}))
    assert json.loads(await member.recv())["event"] == "joined"
    t0 = time.monotonic()
    try:
        # The idle one keeps talking (as an attacker would) but never joins.
        while time.monotonic() - t0 < 4:
            await idle.ping()
            await asyncio.sleep(0.5)
        raise AssertionError("unjoined WebSocket still open after 4 s")
    except websockets.ConnectionClosed as e:
        took = time.monotonic() - t0
        assert idle.close_code == 1008, idle.close_code
        assert idle.close_reason == "join timeout", idle.close_reason
        assert took <= 4, took
    assert member.open, "a joined member was closed"
    await member.close()
asyncio.run(main())
PYEOF
pass "6th connection from one address and 9th in total closed at once, another address served; unjoined WebSocket closed with 1008 within ws-join-timeout+2 s, joined one kept"
