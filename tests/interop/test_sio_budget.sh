#!/usr/bin/env bash
# Issue 17: one signaling-max-queued for every queue of the Socket.IO
# endpoint. tests/sio/budget-drive.mjs (raw Engine.IO over node's net and the
# pinned ws) checks that POSTs are refused from their heads (200 POSTs of
# 1 MB to an unknown sid leave the peak memory where it was; a foreign
# Origin gets 403 before its body), that a body in flight and the queues of
# polling clients that never poll count in turnroom_signaling_queued_bytes,
# and that the largest polling queues are shed once past the budget.
# Needs tests/sio/node_modules (scripts/install-deps: npm ci --prefix tests/sio).
. "$(dirname "$0")/lib.sh"

SIO_DIR=$INTEROP_DIR/../sio
[ -d "$SIO_DIR/node_modules/ws" ] ||
	fail "tests/sio/node_modules missing: npm ci --prefix tests/sio"
need node nodejs

PORT=$(free_port)
HTTP_PORT=$(free_port)
TOKEN=sio-budget-$RANDOM$RANDOM
BUDGET=2097152
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "metrics-token=$TOKEN"
	echo "resume-window=0"
	echo "ws-rate=100000"
	echo "signaling-max-queued=$BUDGET"
	# each receiver stays under its own cap: only the budget can act
	echo "socketio-max-queued=4194304"
	echo "allowed-origin=http://allowed.test:8000"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

# The sanitizer build keeps freed memory in quarantine: no RSS bound there.
SANITIZED=0
grep -q __asan_init "$TURNROOM" && SANITIZED=1
(cd "$SIO_DIR" && SIO_URL=http://127.0.0.1:$HTTP_PORT METRICS_TOKEN=$TOKEN \
	SERVER_PID=$SERVER_PID BUDGET=$BUDGET SANITIZED=$SANITIZED \
	timeout -k 5 50 node budget-drive.mjs) \
	>"$TMP/drive.log" 2>&1 || {
	cat "$TMP/drive.log" >&2
	fail "budget-drive.mjs failed"
}
cat "$TMP/drive.log" >&2
grep -q 'signaling-max-queued exceeded: .* the largest, disconnected' "$SERVER_LOG" ||
	fail "no shedding for signaling-max-queued logged"
pass "$(grep -c . "$TMP/drive.log") steps: POSTs refused from their heads, bodies and polling queues in the budget, the largest shed"
