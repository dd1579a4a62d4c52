#!/bin/bash
# turnutils_uclient -T: RFC 6062 TCP relays, client to client (uclient's
# -T implies -t -y: two TCP allocations, one Connects to the other's
# relayed address, the other gets a ConnectionAttempt, both ConnectionBind
# data connections, and every message crosses the relay-to-relay TCP
# pair). No loss allowed, and the server log shows both binds.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "lt-cred-mech"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
run_uclient -T "${UCLIENT_LOAD[@]}" -u alice -w wonderland -p "$PORT" 127.0.0.1
uclient_assert_no_loss
if [ "$SERVER" = turnroom ]; then
	binds=$(grep -c 'TCP relay .*: bound' "$SERVER_LOG")
	[ "$binds" -ge 2 ] || fail "server log shows $binds ConnectionBinds, expected 2 or more"
	grep -q 'ConnectionAttempt sent' "$SERVER_LOG" || fail "no ConnectionAttempt in the server log"
fi
pass "TCP relay client to client: $UCLIENT_SUMMARY"
