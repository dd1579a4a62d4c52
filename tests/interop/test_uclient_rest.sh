#!/bin/bash
# turnutils_uclient -W: REST API credentials (username EXPIRY:ID, password
# base64 HMAC-SHA1 of it), over UDP and TCP. Two static-auth-secret lines;
# the client uses the second, so every configured secret is tried.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
PEER_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "use-auth-secret"
	echo "static-auth-secret=retired-secret"
	echo "static-auth-secret=current-secret"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
start_peer "$PEER_PORT"

run_uclient "${UCLIENT_LOAD[@]}" -W current-secret -u restuser \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
udp=$UCLIENT_SUMMARY
run_uclient -t "${UCLIENT_LOAD[@]}" -W current-secret -u restuser \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
pass "REST secret, UDP: $udp; TCP: $UCLIENT_SUMMARY"
