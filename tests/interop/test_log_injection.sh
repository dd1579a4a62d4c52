#!/bin/bash
# Log injection (issue 8 item 11). Attack: a client puts CR/LF into a
# string the server logs (a TURN USERNAME needs only a nonce; a REST id; a
# WebSocket Origin; a join's roomId or username) so that the log grows a
# line the attacker wrote ("2026-01-01 INFO forged"), or into a string the
# control socket's --sessions prints. Asserted: no log or --sessions line
# starts with the forged text, and the \xNN-escaped form is what appears.
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
[ "$SERVER" = turnroom ] || { echo "PASS $TEST_NAME: turnroom's own logs only"; exit 0; }
PORT=$(free_port)
HTTP=$(free_port)
SOCK=$TMP/turnroom.ctl
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP"
	echo "https-port=0"
	echo "user=alice:wonderland"
	echo "static-auth-secret=s3cret"
	echo "signaling-auth=user"
	echo "allowed-origin=http://ok.test"
	echo "control-socket=$SOCK"
	echo "verbose"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

py - "$PORT" "$HTTP" >"$TMP/client.log" 2>&1 <<'PYEOF' || fail "client: $(tail -n 3 "$TMP/client.log" | tr '\n' ' ')"
import asyncio, json, socket, sys, websockets
import stunpy
port, http = int(sys.argv[1]), int(sys.argv[2])
FORGED = "a\r\n2026-01-01 INFO forged"

# TURN: a long-term name (auth failure is logged with the name) ...
for transport in ("udp", "tcp"):
    c = stunpy.Client(transport, ("127.0.0.1", port))
    c.set_credentials(FORGED, "wrong")
    rsp = c.allocate()
    assert stunpy.error_code(rsp)[0] == 401, rsp
    c.close()
# ... a valid REST credential whose id carries the forged line (the
# allocation is logged and listed by --sessions), and an expired one.
c = stunpy.Client("udp", ("127.0.0.1", port))
c.set_credentials(*stunpy.rest_credentials("s3cret", FORGED, 4000000000))
rsp = c.request_auth(stunpy.ALLOCATE, [stunpy.requested_transport(),
                                        (stunpy.SOFTWARE, FORGED.encode())])
assert stunpy.error_code(rsp) is None, rsp
c = stunpy.Client("udp", ("127.0.0.1", port))
c.set_credentials(*stunpy.rest_credentials("s3cret", FORGED, 1))
assert stunpy.error_code(c.allocate()) is not None

# WebSocket: an Origin with bytes a terminal or a log reader would take for
# something else (http-parser itself refuses CR/LF inside a header) ...
s = socket.create_connection(("127.0.0.1", http), timeout=5)
s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          b"Origin: http://evil\xff\xe2\x80\xae.test\r\n\r\n")
assert s.recv(100).startswith(b"HTTP/1.1 403"), "Origin not refused"
s.close()

# ... and a join whose roomId and username carry the forged line.
async def ws():
    w = await websockets.connect(f"ws://127.0.0.1:{http}/ws", origin="http://ok.test")
    for data in ({"roomId": FORGED, "username": "alice", "password": "wonderland"},
                 {"roomId": "room1", "username": FORGED, "password": "x"}):
        await w.send(json.dumps({"event": "join", "data": data}))
        m = json.loads(await asyncio.wait_for(w.recv(), 5))
        assert m["event"] == "error", m
    await w.close()
asyncio.run(ws())
print("done")
PYEOF

"$ADMIN" --sessions --control-socket "$SOCK" >"$TMP/sessions" 2>&1 ||
	fail "--sessions failed: $(cat "$TMP/sessions")"
sleep 0.3
for f in "$SERVER_LOG" "$TMP/sessions"; do
	n=$(grep -c '^2026-01-01 INFO forged' "$f")
	[ "$n" = 0 ] && continue
	fail "$(basename "$f") has $n forged line(s): $(grep -m 1 '^2026-01-01 INFO forged' "$f")"
done
ESC='a\x0d\x0a2026-01-01 INFO forged'
grep -F "auth failure" "$SERVER_LOG" | grep -qF "user '$ESC'" ||
	fail "no escaped USERNAME in an auth failure line"
grep -F "allocation created" "$SERVER_LOG" | grep -qF "user '4000000000:$ESC'" ||
	fail "no escaped REST name in the allocation line"
grep -F "REST credential of" "$SERVER_LOG" | grep -qF "1:$ESC" ||
	fail "no escaped name in the expired-credential line"
grep -qF "origin 'http://evil\xff\xe2\x80\xae.test' refused" "$SERVER_LOG" ||
	fail "no escaped Origin in the refusal line"
grep -qF "user=4000000000:$ESC " "$TMP/sessions" ||
	fail "--sessions does not show the escaped name: $(head -n 3 "$TMP/sessions")"
lines=$(grep -c . "$SERVER_LOG")
pass "no forged line in $lines log lines nor in --sessions; USERNAME, REST id, Origin escaped"
