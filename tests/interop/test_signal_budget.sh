#!/bin/bash
# Attack (issue 8, item 8): many members that never read, each under its
# own ws-max-output, together pinning more memory than the server can
# spare. Now: signaling-max-queued bounds the bytes queued on all
# connections together; past it the largest consumers are disconnected,
# with a logged reason, until the total is back under the budget.
. "$(dirname "$0")/lib.sh"
HTTP_PORT=$(free_port)
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "ws-rate=100000"
	echo "ws-max-output=4194304"
	echo "signaling-max-queued=2097152"
	echo "metrics-token=budget-t0ken"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
metric() {
	curl -s -H 'Authorization: Bearer budget-t0ken' "http://127.0.0.1:$HTTP_PORT/metrics" |
		awk -v n="$1" '$1 == n { print $2 }'
}

# 20 rooms, 1.2 MB to each member that does not read: 24 MB wanted, 2 MiB
# allowed, while no single connection reaches its own 4 MiB cap.
"$PY" "$INTEROP_DIR/slow_ws.py" "$HTTP_PORT" "$TMP/slow.out" 30 20 20 &
LOAD_PID=$!
STARTED_PIDS+=("$LOAD_PID")
max_queued=0
for _ in $(seq 1 150); do
	sleep 0.2
	q=$(metric turnroom_signaling_queued_bytes)
	[ "${q:-0}" -gt "$max_queued" ] && max_queued=$q
	[ -s "$TMP/slow.out" ] || continue
	[ "$(metric 'turnroom_signaling_messages_total{direction="in"}')" -ge \
		$(($(cat "$TMP/slow.out") + 40)) ] && break
done
shed=$(metric 'turnroom_websocket_closed_total{reason="queued_budget"}')
slow=$(metric 'turnroom_websocket_closed_total{reason="slow_consumer"}')
queued=$(metric turnroom_signaling_queued_bytes)
kill "$LOAD_PID" 2>/dev/null
echo "budget: $(cat "$TMP/slow.out") messages sent; ${shed:-0} shed, ${slow:-0} over ws-max-output; queued at most $max_queued, at the end $queued bytes" >&2
grep -q 'signaling-max-queued exceeded: .* the largest, disconnected' "$SERVER_LOG" ||
	fail "no disconnection for signaling-max-queued logged"
[ "${shed:-0}" -ge 5 ] || fail "only ${shed:-0} consumers shed"
[ "${slow:-0}" = 0 ] || fail "$slow closed by ws-max-output: the budget was not what acted"
# Sampled between shedding rounds: one turn of the loop reads at most
# 16 KiB per sender, i.e. one more 60 KB message for each of the 20.
[ "$max_queued" -le $((2097152 + 1572864)) ] || fail "queued bytes reached $max_queued"
[ "${queued:-0}" -le 2097152 ] || fail "$queued bytes still queued over a 2 MiB budget"
pass "24 MB aimed at 20 members that never read: ${shed} shed for a 2 MiB signaling-max-queued, queued at most $max_queued bytes"
