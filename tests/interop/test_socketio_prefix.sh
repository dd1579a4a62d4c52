#!/bin/bash
# Attacks (issue 17, items 3 and 4): socketio-max-sessions-per-ip compared
# whole addresses, so one IPv6 /64 (one subscriber) took every Socket.IO
# session; each refused handshake walked every session and logged a line.
# Now every per-source limit of the signaling paths counts an IPv6 /64 as
# one source: in a network namespace of the test's own where 40 hosts of
# 2001:db8:1::/64 and one of 2001:db8:2::/64 are local, the /64's
# handshakes beyond the limit get 403 by both transports while the other
# /64 is admitted; 300 refusals write rate-limited log lines with a count
# of those suppressed; refused joins of the /64's hosts share one brake.
. "$(dirname "$0")/lib.sh"
need ip
PER=6
NS=turnroom-sp-$$
ip netns add "$NS" || fail "cannot create network namespace"
trap 'ip netns del "$NS" 2>/dev/null; _cleanup' EXIT
ip -n "$NS" link set lo up
{
	echo "addr add 2001:db8:ff::1/128 dev lo nodad"
	echo "addr add 2001:db8:2::1/128 dev lo nodad"
	for i in $(seq 1 40); do
		printf 'addr add 2001:db8:1::%x/128 dev lo nodad\n' "$i"
	done
} | ip -n "$NS" -batch - || fail "cannot add the test addresses"

PORT=$(free_port)
HTTP=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
cat >"$TMP/turn.conf" <<CONF
listening-ip=2001:db8:ff::1
listening-port=$PORT
http-port=$HTTP
min-port=$MINP
max-port=$MAXP
realm=interop.test
userdb=$TMP/turndb
signaling-auth=user
user=alice:right
socketio-max-sessions=1000
socketio-max-sessions-per-ip=$PER
max-connections-per-source=200
CONF
ip netns exec "$NS" "$TURNROOM" -c "$TMP/turn.conf" >"$TMP/server.log" 2>&1 &
STARTED_PIDS+=("$!")
SERVER_PIDS+=("$!:$TMP/server.log")

out=$(ip netns exec "$NS" timeout 60 "$PY" "$INTEROP_DIR/socketio_prefix.py" \
	2001:db8:ff::1 "$HTTP" "$PER" 2>"$TMP/client.log") ||
	fail "$(tail -n 1 "$TMP/client.log")"
refusals=$(sed -n 's/.*refusals=\([0-9]*\).*/\1/p' <<<"$out")
secs=$(sed -n 's/.*seconds=\([0-9]*\).*/\1/p' <<<"$out")
lines=$(grep -c 'Engine.IO handshake refused' "$TMP/server.log")
# log_limit: 5 lines a second, then one line with the count left out.
bound=$((5 * (secs + 2)))
[ "$lines" -ge 1 ] || fail "no refusal logged"
[ "$lines" -le "$bound" ] ||
	fail "$lines refusal lines for $refusals refusals in ${secs}+ s (bound $bound)"
grep -q 'similar message(s) suppressed' "$TMP/server.log" ||
	fail "no count of suppressed refusal lines"
grep -q 'sessions from 2001:db8:1::/64 (socketio-max-sessions-per-ip)' "$TMP/server.log" ||
	fail "the refusal does not name the /64"
pass "one /64 held to $PER sessions (polling and WebSocket), another /64 admitted; $refusals refusals, $lines log lines; refused joins braked per /64"
