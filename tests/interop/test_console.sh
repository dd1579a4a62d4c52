#!/bin/bash
# The web console (web-admin): coturn's turnadmin -A writes an admin row
# that logs in, turnroom-admin -A another (realm-bound); headers, CSRF,
# Origin, realm isolation, logout (console_client.py security); a user
# added from the console allocates with turnutils_uclient; "Disconnect"
# ends a live allocation (its Refresh gets 437); five wrong passwords brake
# the address.
. "$(dirname "$0")/lib.sh"
ADMIN=$(dirname "$TURNROOM")/turnroom-admin
[ "$SERVER" = turnroom ] || { echo "PASS $TEST_NAME: coturn's web-admin is not tested"; exit 0; }
DB=$TMP/turndb
run_turnadmin -A -b "$DB" -u boss -p 'boss-pw' ||
	fail "turnadmin -A failed: $(tail -n 2 "$TMP/turnadmin.log")"
"$ADMIN" -A -b "$DB" -u rb -p 'rb-pw' -r other.realm || fail "turnroom-admin -A failed"
"$ADMIN" -A -b "$DB" -u gone -p 'x' || fail "turnroom-admin -A gone failed"
"$ADMIN" -D -b "$DB" -u gone || fail "turnroom-admin -D gone failed"
list=$("$ADMIN" -L -b "$DB" | tr '\n' ' ')
[ "$list" = "boss rb[other.realm] " ] || fail "turnroom-admin -L printed [$list]"
run_turnadmin -L -b "$DB" || fail "turnadmin -L failed"
grep -qx 'rb\[other.realm\]' "$TMP/turnadmin.log" ||
	fail "coturn's turnadmin -L does not list turnroom-admin's row: $(cat "$TMP/turnadmin.log")"
grep -qx 'gone' "$TMP/turnadmin.log" && fail "turnadmin -L lists the deleted admin"
WPORT=$(free_port)
setup_lt_relay "userdb=$DB" "web-admin" "web-admin-port=$WPORT" "metrics-token=tok-SECRET-1"
for ((i = 0; i < 50; i++)); do
	grep -q "console on" "$SERVER_LOG" && break
	sleep 0.1
done

echo "ws-max-output=300000" >>"$TMP/turn.conf" # shown by the console's reload
"$ADMIN" -A -b "$DB" -u gone2 -p 'gone2-pw' || fail "turnroom-admin -A gone2 failed"
CONSOLE_DB=$DB py "$INTEROP_DIR/console_client.py" security "$WPORT" interop.test >&2 ||
	fail "console security checks"

PEER_PORT=$(free_port)
start_peer "$PEER_PORT"
run_uclient -n 20 -m 1 -u newbie -w 'newbie-pw' -e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
read -r sent recv _ <<<"$(uclient_figures)"
[ "$UCLIENT_RC" = 0 ] && [ "$recv" != none ] && [ "$recv" -gt 0 ] ||
	fail "newbie (added from the console) did not relay: rc $UCLIENT_RC, sent $sent recv $recv"

mkfifo "$TMP/go"
py "$INTEROP_DIR/admin_helper.py" alloc-then-refresh 127.0.0.1 "$PORT" newbie newbie-pw \
	"$TMP/go" >"$TMP/client.log" 2>&1 &
CLIENT=$!
STARTED_PIDS+=("$CLIENT")
for ((i = 0; i < 50; i++)); do
	grep -q '^allocated' "$TMP/client.log" && break
	sleep 0.1
done
grep -q '^allocated' "$TMP/client.log" || fail "newbie did not allocate: $(cat "$TMP/client.log")"
disc=$(py "$INTEROP_DIR/console_client.py" disconnect "$WPORT" newbie) ||
	fail "console disconnect"
echo go >"$TMP/go"
wait "$CLIENT"
grep -q '^refresh 437' "$TMP/client.log" ||
	fail "after the console's Disconnect the Refresh got [$(grep refresh "$TMP/client.log")]"

# HTTPS when cert and pkey are set: the same checks, and a Secure cookie.
self_signed_cert "$TMP/key.pem" "$TMP/cert.pem" 127.0.0.1
WPORT2=$(free_port)
PORT2=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT2" "$MINP" "$MAXP"
	printf '%s\n' lt-cred-mech "userdb=$DB" web-admin "web-admin-port=$WPORT2" \
		"cert=$TMP/cert.pem" "pkey=$TMP/key.pem" "tls-listening-port=$(free_port)" \
		"https-port=0" no-dtls "metrics-token=tok-SECRET-2"
} >"$TMP/tls.conf"
start_turnroom "$TMP/tls.conf" server-tls
for ((i = 0; i < 50; i++)); do
	grep -q "console on https" "$TMP/server-tls.log" && break
	sleep 0.1
done
echo "ws-max-output=300000" >>"$TMP/tls.conf"
"$ADMIN" -A -b "$DB" -u gone2 -p 'gone2-pw' || fail "turnroom-admin -A gone2 failed"
CONSOLE_DB=$DB CONSOLE_TLS=1 py "$INTEROP_DIR/console_client.py" security "$WPORT2" interop.test >&2 ||
	fail "console security checks over HTTPS"

brake=$(py "$INTEROP_DIR/console_client.py" brake "$WPORT") || fail "console brake"
pass "HTTP and HTTPS: turnadmin -A login, CSRF/Origin/realm refusals, console user relays ($sent/$recv), disconnect ($disc) then 437, $brake"
