#!/bin/bash
# The control socket and the room server together: --sessions names the
# room of an allocation made with credentials from "joined", and
# --disconnect USERID ends both the WebSocket session (close 1008, the
# other member sees bye) and the TURN allocation (Refresh then gets 437).
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
HTTP=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
ADMIN=$(dirname "$TURNROOM")/turnroom-admin
[ -x "$ADMIN" ] || fail "no turnroom-admin next to $TURNROOM"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP"
	echo "userdb=$TMP/turndb"
	echo "control-socket=$TMP/ctl.sock"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
py - "$PORT" "$HTTP" "$ADMIN" "$TMP/turn.conf" <<'PYEOF' || fail "see above"
import asyncio, json, subprocess, sys, websockets, stunpy
port, http, admin, conf = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def ctl(*args):
    p = subprocess.run([admin, "-c", conf, *args], capture_output=True, text=True, timeout=10)
    return p.returncode, p.stdout

async def join(room):
    ws = await websockets.connect(f"ws://127.0.0.1:{http}/ws")
    await ws.send(json.dumps({"event": "join", "data": {"roomId": room}}))
    return ws, json.loads(await ws.recv())["data"]

async def main():
    a, ja = await join("standup")
    b, jb = await join("standup")
    ice = ja["iceServers"][1]
    c = stunpy.Client("udp", ("127.0.0.1", port), timeout=3)
    c.set_credentials(ice["username"], ice["credential"])
    assert c.allocate().cls == stunpy.SUCCESS
    rc, out = ctl("--sessions")
    assert rc == 0, out
    lines = out.splitlines()
    assert any(l.startswith("allocation ") and f"user={ice['username']}" in l
               and "room=standup" in l for l in lines), out
    assert sum(l.startswith("websocket ") and "room=standup" in l for l in lines) == 2, out
    rc, out = ctl("--disconnect", ja["userId"])
    assert rc == 0 and "allocations 1" in out and "signaling_sessions 1" in out, out
    got_bye = False
    while not got_bye:
        m = json.loads(await asyncio.wait_for(b.recv(), 5))
        got_bye = m["event"] == "bye" and m["data"]["userId"] == ja["userId"]
    try:
        while True:
            await asyncio.wait_for(a.recv(), 5)
    except websockets.ConnectionClosed as e:
        assert e.rcvd and e.rcvd.code == 1008, e
    rsp = c.request_auth(stunpy.REFRESH, [stunpy.lifetime(600)])
    assert stunpy.error_code(rsp)[0] == 437, rsp
    print("sessions named the room; disconnect ended WebSocket (1008, bye) and allocation (437)")
asyncio.run(main())
PYEOF
pass "control socket sees rooms; --disconnect ends signaling and TURN"
