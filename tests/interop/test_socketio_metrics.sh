#!/usr/bin/env bash
# The Engine.IO and Socket.IO series of /metrics (turnroom_engineio_*,
# turnroom_socketio_*): the pinned socket.io-client (tests/sio/
# metrics-drive.mjs) goes through a polling handshake and an upgrade to
# WebSocket, a polling-only session, four events, an unknown sid, an
# unknown transport and two disconnects; the script then reads /metrics on
# the public http-port with metrics-token and checks the exact counts.
# Needs tests/sio/node_modules (scripts/install-deps: npm ci --prefix tests/sio).
. "$(dirname "$0")/lib.sh"

SIO_DIR=$INTEROP_DIR/../sio
[ -d "$SIO_DIR/node_modules/socket.io-client" ] ||
	fail "tests/sio/node_modules missing: npm ci --prefix tests/sio"
need node nodejs

PORT=$(free_port)
HTTP_PORT=$(free_port)
TOKEN=sio-metrics-$RANDOM$RANDOM
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "metrics-token=$TOKEN"
	echo "userdb=$TMP/turndb"
	echo "allow-loopback-peers"
	echo "resume-window=0"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
URL=http://127.0.0.1:$HTTP_PORT

scrape() {
	curl -s -H "Authorization: Bearer $TOKEN" "$URL/metrics" >"$TMP/metrics" ||
		fail "GET /metrics failed"
}
# value 'NAME{LABELS}': the sample's value from the last scrape (labels may
# hold spaces: the value is the last field).
value() {
	awk -v n="$1" 'index($0, n " ") == 1 { print $NF; exit }' "$TMP/metrics"
}
expect() { # expect 'NAME{LABELS}' VALUE
	local v
	v=$(value "$1")
	[ "$v" = "$2" ] || fail "$1 is '${v:-absent}', expected $2"
}
at_least() { # at_least 'NAME{LABELS}' MIN
	local v
	v=$(value "$1")
	[ -n "$v" ] && [ "$v" -ge "$2" ] || fail "$1 is '${v:-absent}', expected >= $2"
}

scrape
expect 'turnroom_engineio_sessions_opened_total' 0
expect 'turnroom_socketio_events_total' 0
grep -q '^# TYPE turnroom_engineio_sessions gauge$' "$TMP/metrics" ||
	fail "no turnroom_engineio_sessions gauge"

(cd "$SIO_DIR" && SIO_URL=$URL timeout -k 5 30 node metrics-drive.mjs) >"$TMP/drive.log" 2>&1 ||
	{
		cat "$TMP/drive.log" >&2
		fail "metrics-drive.mjs failed"
	}

# The server reads the last close frames and POSTs after the clients go.
for ((i = 0; i < 50; i++)); do
	scrape
	[ "$(value 'turnroom_socketio_disconnects_total')" = 2 ] &&
		[ "$(value 'turnroom_engineio_sessions{transport="polling"}')" = 0 ] &&
		[ "$(value 'turnroom_engineio_sessions{transport="websocket"}')" = 0 ] && break
	sleep 0.1
done

expect 'turnroom_engineio_sessions{transport="polling"}' 0
expect 'turnroom_engineio_sessions{transport="websocket"}' 0
expect 'turnroom_engineio_sessions_opened_total' 2
expect 'turnroom_engineio_upgrades_total' 1
# socket.disconnect(): a close frame on the WebSocket, a close packet on
# polling; engine.io calls both a "transport close".
expect 'turnroom_engineio_sessions_closed_total{reason="transport close"}' 2
for r in "ping timeout" "transport error" "parse error" "forced close" \
	"server shutting down" "rate limit" "payload too large" "queue full"; do
	expect "turnroom_engineio_sessions_closed_total{reason=\"$r\"}" 0
done
expect 'turnroom_engineio_errors_total{code="0"}' 1
expect 'turnroom_engineio_errors_total{code="1"}' 1
for c in 2 3 4 5; do
	expect "turnroom_engineio_errors_total{code=\"$c\"}" 0
done
expect 'turnroom_engineio_rate_limited_total' 0
expect 'turnroom_engineio_payload_too_large_total' 0
# In: A sends 40 (POST), 2probe, 5, three events, 41 (WebSocket); B sends
# 40, one event, 41 and its close packet (POSTs). No pings within 25 s.
expect 'turnroom_engineio_packets_total{direction="in"}' 11
# Their bytes: POST bodies (separators included) and WebSocket messages.
expect 'turnroom_engineio_bytes_total{direction="in"}' 188
# Out: 13 or 14: the open packets, 40 answers, 3probe, acks, joined and
# iceServers, and one noop or two (whether A's poll was held at 2probe).
at_least 'turnroom_engineio_packets_total{direction="out"}' 13
at_least 'turnroom_engineio_bytes_total{direction="out"}' 1000
# B's POSTs: at least 40, the event and the close; its GETs: at least one.
# POSTs: A's 40, B's 40, event, 41 and close (5 measured); GETs: 4 or 5.
at_least 'turnroom_engineio_polling_requests_total{method="POST"}' 4
at_least 'turnroom_engineio_polling_requests_total{method="GET"}' 3
expect 'turnroom_socketio_connects_total' 2
expect 'turnroom_socketio_disconnects_total' 2
expect 'turnroom_socketio_events_total' 4
if grep -q 'metrics-[ab]' "$TMP/metrics"; then
	fail "a room id in /metrics"
fi
pass "Engine.IO/Socket.IO counters: 2 sessions, 1 upgrade, 2 transport closes, errors 0 and 1, 11 packets in, 4 events"
