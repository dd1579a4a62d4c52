#!/bin/bash
# /metrics in Prometheus text format: counters move while traffic flows,
# not only when a session ends (coturn's behaviour).
. "$(dirname "$0")/lib.sh"
HTTP_PORT=$(free_port)
PORT=$(free_port)
PEER_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "user=alice:wonderland"
	echo "userdb=$TMP/turndb"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
start_peer "$PEER_PORT"

value() { # value NAME-WITH-LABELS
	curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
[ "$(value turnroom_allocations_created_total)" = 0 ] || fail "allocations before any client"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q '^# TYPE turnroom_allocations gauge' ||
	fail "no TYPE line for turnroom_allocations"

# A long session (-n 400 every 10 ms): scrape while it runs.
turnutils_uclient -m 1 -n 400 -l 100 -z 10 -c -u alice -w wonderland -e 127.0.0.1 \
	-r "$PEER_PORT" -p "$PORT" 127.0.0.1 >"$TMP/uclient.log" 2>&1 &
UPID=$!
STARTED_PIDS+=("$UPID")
live=0
for _ in $(seq 1 100); do
	sleep 0.1
	pk=$(value 'turnroom_relayed_packets_total{direction="to_peer"}')
	al=$(value turnroom_allocations)
	if [ "${pk:-0}" -gt 0 ] && [ "${al:-0}" -gt 0 ]; then
		live=1
		break
	fi
done
[ "$live" = 1 ] || fail "relayed packets did not move during the session"
mid=$(value 'turnroom_relayed_packets_total{direction="from_peer"}')
sleep 1
later=$(value 'turnroom_relayed_packets_total{direction="from_peer"}')
[ "$later" -gt "$mid" ] || fail "from_peer packets did not grow during the session ($mid -> $later)"
wait "$UPID"

# A wrong password counts under its reason.
turnutils_uclient -m 1 -n 1 -c -u alice -w wrong -e 127.0.0.1 -r "$PEER_PORT" \
	-p "$PORT" 127.0.0.1 >"$TMP/uclient-bad.log" 2>&1
bad=$(value 'turnroom_auth_failures_total{reason="wrong_credentials"}')
[ "${bad:-0}" -gt 0 ] || fail "wrong password not counted"

# A room member: rooms and joins move.
"$PY" - "$HTTP_PORT" <<'PYEOF' || fail "WebSocket join failed"
import asyncio, json, sys, websockets
async def main():
    ws = await websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/ws")
    await ws.send(json.dumps({"event": "join", "data": {"roomId": "metrics"}}))
    assert json.loads(await ws.recv())["event"] == "joined"
    import urllib.request
    body = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics").read().decode()
    lines = dict(l.split(" ", 1) for l in body.splitlines() if l and not l.startswith("#"))
    assert lines["turnroom_rooms"] == "1", lines["turnroom_rooms"]
    assert lines["turnroom_websocket_peers"] == "1", lines["turnroom_websocket_peers"]
    assert lines["turnroom_joins_total"] == "1"
    await ws.close()
asyncio.run(main())
PYEOF
pass "counters moved live: to_peer>0 during the session, from_peer $mid -> $later, auth failure counted, room counted"
