#!/bin/bash
# What SIGHUP applies is declared per option in the table (issue 12 item 2).
# One reload changes options of both kinds:
# - restart-only ones (listening-port, min-port, redis-password) are
#   logged once each as "needs a restart (keeping OLD)", a secret without
#   its value, and not applied: STUN still answers on the old port, not on
#   the new one;
# - room-capacity 2 -> 3: a third member gets into a room made after the
#   reload, while a room made before keeps capacity 2 (the third is "full");
# - verbose: debug lines appear in the log after the reload, none before;
# - external-ip: XOR-RELAYED-ADDRESS of a new allocation carries it.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
PORT2=$(free_port)
HTTP=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
write_conf() { # write_conf LISTEN-PORT MIN-PORT [EXTRA-LINES...]
	{
		base_conf "$1" "$2" "$MAXP" | grep -v '^http-port'
		echo "http-port=$HTTP"
		echo "static-auth-secret=reload-secret"
		shift 2
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$TMP/turn.conf"
}
write_conf "$PORT" "$MINP" "room-capacity=2" "redis-password=first-pw-1234"
start_turnroom "$TMP/turn.conf"

# Before: two members hold room "before" (capacity 2) until the end.
mkfifo "$TMP/hold"
py - "$HTTP" "$TMP/hold" >"$TMP/hold.out" 2>&1 <<'PYEOF' &
import asyncio, json, sys, websockets
async def main():
    socks = []
    for _ in range(2):
        ws = await websockets.connect("ws://127.0.0.1:%s/ws" % sys.argv[1])
        await ws.send(json.dumps({"event": "join", "data": {"roomId": "before"}}))
        while json.loads(await asyncio.wait_for(ws.recv(), 3))["event"] != "joined":
            pass
        socks.append(ws)
    print("held", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, lambda: open(sys.argv[2]).read())
asyncio.run(main())
PYEOF
HOLD_PID=$!
STARTED_PIDS+=("$HOLD_PID")
for _ in $(seq 50); do grep -q held "$TMP/hold.out" && break; sleep 0.1; done
grep -q held "$TMP/hold.out" || fail "two members could not join room 'before': $(cat "$TMP/hold.out")"

allocate() { # allocate: prints the XOR-RELAYED-ADDRESS IP of a new allocation
	py - "$PORT" <<'PYEOF'
import sys, time, stunpy
c = stunpy.Client("udp", ("127.0.0.1", int(sys.argv[1])), timeout=3.0)
u, p = stunpy.rest_credentials("reload-secret", "probe", int(time.time()) + 600)
c.set_credentials(u, p)
rsp = c.allocate()
if stunpy.error_code(rsp):
    sys.exit("Allocate answered %r" % (stunpy.error_code(rsp),))
print(stunpy.relayed_address(rsp)[0])
c.request_auth(stunpy.REFRESH, [stunpy.lifetime(0)])
PYEOF
}
ip=$(allocate) || fail "Allocate before the reload: $ip"
[ "$ip" = 127.0.0.1 ] || fail "relayed address before the reload is $ip, not 127.0.0.1"
grep -q ' DEBUG ' "$SERVER_LOG" && fail "debug lines before verbose was set"

write_conf "$PORT2" "$((MINP + 1))" "room-capacity=3" "redis-password=second-pw-5678" \
	"verbose" "external-ip=203.0.113.7"
kill -HUP "$SERVER_PID"
for _ in $(seq 50); do grep -q 'configuration reloaded' "$SERVER_LOG" && break; sleep 0.1; done
grep -q 'configuration reloaded' "$SERVER_LOG" || fail "no reload message"
grep -q "reload: listening-port changed; needs a restart (keeping $PORT)" "$SERVER_LOG" ||
	fail "no restart message for listening-port"
grep -q "reload: min-port changed; needs a restart (keeping $MINP)" "$SERVER_LOG" ||
	fail "no restart message for min-port"
grep -q "reload: redis-password changed; needs a restart (keeping the old value)" \
	"$SERVER_LOG" || fail "no restart message for redis-password"
grep -q 'pw-1234\|pw-5678' "$SERVER_LOG" && fail "a redis-password value was logged"
[ "$(grep -c 'needs a restart' "$SERVER_LOG")" = 3 ] ||
	fail "expected 3 restart messages: $(grep 'needs a restart' "$SERVER_LOG")"
grep -q 'reload: room-capacity\|reload: verbose\|reload: external-ip' "$SERVER_LOG" &&
	fail "an option applied on reload was reported as needing a restart"
wait_stun "$PORT" 3 || fail "STUN no longer answered on the old listening-port"
py "$INTEROP_DIR/stunpy.py" ping 127.0.0.1 "$PORT2" 0.5 >/dev/null 2>&1 &&
	fail "the new listening-port answers: a restart-only option was applied"

ip=$(allocate) || fail "Allocate after the reload: $ip"
[ "$ip" = 203.0.113.7 ] || fail "relayed address after the reload is $ip, not external-ip 203.0.113.7"
grep -q ' DEBUG .*request method 0x003' "$SERVER_LOG" ||
	fail "no debug line after verbose was set by the reload"

py - "$HTTP" <<'PYEOF' || fail "room capacity after the reload: see above"
import asyncio, json, sys, websockets
async def join(room):
    ws = await websockets.connect("ws://127.0.0.1:%s/ws" % sys.argv[1])
    await ws.send(json.dumps({"event": "join", "data": {"roomId": room}}))
    while True:
        m = json.loads(await asyncio.wait_for(ws.recv(), 3))
        if m["event"] in ("joined", "full", "error"):
            return ws, m
async def main():
    socks = []
    for i in range(3):
        ws, m = await join("after")
        assert m["event"] == "joined", "member %d of a new room: %r" % (i + 1, m)
        socks.append(ws)
    assert m["data"]["capacity"] == 3, m
    ws, m = await join("before")
    assert m["event"] == "full", "third member of the room made before the reload: %r" % m
    print("new room took 3 members; old room stayed at 2")
asyncio.run(main())
PYEOF
echo done >"$TMP/hold"
pass "restart-only options logged and kept (secret unshown); room-capacity, verbose and external-ip applied by SIGHUP"
