#!/bin/bash
# /metrics in Prometheus text format: counters move while traffic flows,
# not only when a session ends (coturn's behaviour). They are served on the
# metrics listener (prometheus-port, loopback), and on the public http-port
# only to the metrics-token bearer.
# The attack this guards against (issue 8): /metrics on the public port
# listed every live room id; under signaling-auth=open a stranger read one
# and joined a waiting member's room. Now: 404 on the public port unless
# metrics-token is set, 401 without the token, and no room id anywhere in
# the metrics unless prometheus-room-labels.
. "$(dirname "$0")/lib.sh"
HTTP_PORT=$(free_port)
METRICS_PORT=$(free_port)
PORT=$(free_port)
PEER_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "prometheus"
	echo "prometheus-port=$METRICS_PORT"
	echo "metrics-token=scrape-me-7d1c"
	echo "user=alice:wonderland"
	echo "userdb=$TMP/turndb"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
start_peer "$PEER_PORT"

value() { # value NAME-WITH-LABELS
	curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
code() { # code URL [CURL-ARGS...]: the HTTP status
	local url=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' "$@" "$url"
}
[ "$(value turnroom_allocations_created_total)" = 0 ] || fail "allocations before any client"
curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q '^# TYPE turnroom_allocations gauge' ||
	fail "no TYPE line for turnroom_allocations"
[ "$(code "http://127.0.0.1:$METRICS_PORT/other")" = 404 ] || fail "metrics listener serves /other"
c=$(code "http://127.0.0.1:$HTTP_PORT/metrics")
[ "$c" = 401 ] || fail "public /metrics without the token answered $c, not 401"
c=$(code "http://127.0.0.1:$HTTP_PORT/metrics" -H 'Authorization: Bearer wrong-token-x')
[ "$c" = 401 ] || fail "public /metrics with a wrong token answered $c, not 401"
c=$(code "http://127.0.0.1:$HTTP_PORT/metrics" -H 'Authorization: Bearer scrape-me-7d1c')
[ "$c" = 200 ] || fail "public /metrics with the token answered $c, not 200"

# A long session (up to 3000 messages every 10 ms, stopped once the
# counters moved, so that a slow machine still scrapes while it runs).
turnutils_uclient -m 1 -n 3000 -l 100 -z 10 -c -u alice -w wonderland -e 127.0.0.1 \
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
kill "$UPID" 2>/dev/null
wait "$UPID"

# A wrong password counts under its reason. uclient retries a refused
# Allocate for two minutes before it gives up: stopped once counted.
turnutils_uclient -m 1 -n 1 -c -u alice -w wrong -e 127.0.0.1 -r "$PEER_PORT" \
	-p "$PORT" 127.0.0.1 >"$TMP/uclient-bad.log" 2>&1 &
UPID=$!
STARTED_PIDS+=("$UPID")
for _ in $(seq 1 100); do
	bad=$(value 'turnroom_auth_failures_total{reason="wrong_credentials"}')
	[ "${bad:-0}" -gt 0 ] && break
	sleep 0.2
done
kill "$UPID" 2>/dev/null
[ "${bad:-0}" -gt 0 ] || fail "wrong password not counted within 20 s"

# A room member: rooms and joins move, and its room id appears nowhere
# (neither on the metrics listener nor through the token on http-port).
"$PY" - "$HTTP_PORT" "$METRICS_PORT" <<'PYEOF' || fail "room counts wrong or room id leaked"
import asyncio, json, sys, urllib.request, websockets
room = "waiting-room-5b8e21"
async def main():
    ws = await websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/ws")
    await ws.send(json.dumps({"event": "join", "data": {"roomId": room}}))
    assert json.loads(await ws.recv())["event"] == "joined"
    body = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[2]}/metrics").read().decode()
    req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/metrics",
                                 headers={"Authorization": "Bearer scrape-me-7d1c"})
    public = urllib.request.urlopen(req).read().decode()
    for text in (body, public):
        assert room not in text, "room id in the metrics"
        assert "room=" not in text, "a per-room label in the metrics"
    lines = dict(l.split(" ", 1) for l in body.splitlines() if l and not l.startswith("#"))
    assert lines["turnroom_rooms"] == "1", lines["turnroom_rooms"]
    assert lines["turnroom_websocket_peers"] == "1", lines["turnroom_websocket_peers"]
    assert lines["turnroom_joins_total"] == "1"
    await ws.close()
asyncio.run(main())
PYEOF

# Defaults: no metrics-token, no prometheus: /metrics on http-port is 404
# and nothing listens on the metrics port.
HTTP2=$(free_port)
PORT2=$(free_port)
{
	base_conf "$PORT2" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP2"
} >"$TMP/turn2.conf"
start_turnroom "$TMP/turn2.conf" server2
c=$(code "http://127.0.0.1:$HTTP2/metrics")
[ "$c" = 404 ] || fail "default public /metrics answered $c, not 404"
grep -q 'metrics on http' "$TMP/server2.log" && fail "metrics listener up without prometheus"
pass "counters moved live: to_peer>0 during the session, from_peer $mid -> $later, auth failure counted, room counted; no room id in the metrics; public /metrics 401 without token, 404 by default"
