#!/bin/bash
# Attack (issue 8, item 8): WebSocket members that join and never read
# while their room peer sends to them. Before: each could pin 4 MiB of
# output (and a departed one 64 queued messages of 64 KiB); 100 of them
# pinned hundreds of MB. Now: ws-max-output (256 KiB) disconnects a slow
# reader with a logged reason, and signaling-max-queued bounds the total.
. "$(dirname "$0")/lib.sh"
HTTP_PORT=$(free_port)
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "ws-rate=100000"
	echo "max-connections-per-source=1000"
	echo "metrics-token=t0ken-slow"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status"; }
rss0=$(rss_kb)

metric() {
	curl -s -H 'Authorization: Bearer t0ken-slow' "http://127.0.0.1:$HTTP_PORT/metrics" |
		awk -v n="$1" '$1 == n { print $2 }'
}

# 100 rooms: a member that never reads (tiny receive buffer) and a peer
# that sends it 720 KB in 60 KB messages: more than ws-max-output plus the
# kernel's socket buffers.
"$PY" "$INTEROP_DIR/slow_ws.py" "$HTTP_PORT" "$TMP/slow.out" 40 100 12 &
LOAD_PID=$!
STARTED_PIDS+=("$LOAD_PID")
# Until every message sent has been read by the server (at most 40 s).
for _ in $(seq 1 200); do
	sleep 0.2
	[ -s "$TMP/slow.out" ] || continue
	[ "$(metric 'turnroom_signaling_messages_total{direction="in"}')" -ge \
		$(($(cat "$TMP/slow.out") + 200)) ] && break
done
sent=$(cat "$TMP/slow.out")
rss1=$(rss_kb)
hwm=$(hwm_kb)
logged=$(grep -c 'does not read: .* over ws-max-output; disconnected' "$SERVER_LOG")
closed=$(metric 'turnroom_websocket_closed_total{reason="slow_consumer"}')
kill "$LOAD_PID" 2>/dev/null
echo "slow consumers: $sent messages sent; RSS ${rss0} kB -> ${rss1} kB (peak ${hwm} kB); $closed disconnected ($logged lines logged)" >&2
[ "$sent" -ge 1000 ] || fail "only $sent messages sent"
# The sanitizer build keeps freed memory in quarantine (and shadows all of
# it): there the disconnections below are the verdict.
if ! grep -q __asan_init "$TURNROOM"; then
	[ $((hwm - rss0)) -lt 81920 ] || fail "RSS grew by $(((hwm - rss0) / 1024)) MB (peak ${hwm} kB)"
fi
[ "$logged" -ge 1 ] || fail "no slow consumer disconnected with a logged reason"
[ "${closed:-0}" -ge 90 ] || fail "only ${closed:-0} of 100 slow consumers disconnected"
pass "100 members that never read: RSS peak +$(((hwm - rss0) / 1024)) MB, $closed disconnected for ws-max-output ($logged log lines)"
