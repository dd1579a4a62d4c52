#!/bin/bash
# The sqlite store in coturn's schema, written by coturn's own turnadmin:
# a long-term user (turnusers_lt, key = MD5(user:realm:password)) and a REST
# secret (turn_secret) both authenticate turnutils_uclient.
. "$(dirname "$0")/lib.sh"
REALM=interop.test
DB=$TMP/turndb
run_turnadmin -a -b "$DB" -u carol -r "$REALM" -p 'db-pass' ||
	fail "turnadmin -a failed: $(tail -n 2 "$TMP/turnadmin.log")"
run_turnadmin -s 'db-secret' -b "$DB" -r "$REALM" ||
	fail "turnadmin -s failed: $(tail -n 2 "$TMP/turnadmin.log")"

PEER_PORT=$(free_port)
start_peer "$PEER_PORT"

# One server for the user, one for the secret: coturn cannot serve both from
# one instance (coturn 4.6.1), and this keeps the validation run honest.
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "lt-cred-mech"
	echo "userdb=$DB"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/lt.conf"
start_turnroom "$TMP/lt.conf" server-lt
run_uclient "${UCLIENT_LOAD[@]}" -u carol -w 'db-pass' \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
lt=$UCLIENT_SUMMARY

PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "use-auth-secret"
	echo "userdb=$DB"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/rest.conf"
start_turnroom "$TMP/rest.conf" server-rest
run_uclient "${UCLIENT_LOAD[@]}" -W 'db-secret' -u dbrest \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
pass "turnadmin user: $lt; turn_secret row: $UCLIENT_SUMMARY"
