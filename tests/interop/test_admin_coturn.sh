#!/bin/bash
# The turndb is interchangeable with coturn both ways:
# 1. a user and a REST secret written by coturn's turnadmin authenticate
#    turnutils_uclient on turnroom (userdb=);
# 2. a user and a REST secret written by turnroom-admin authenticate
#    turnutils_uclient on coturn's own turnserver (started only here, on
#    loopback, with its own ports and database).
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
[ "$SERVER" = turnroom ] || fail "this test runs turnroom and coturn itself; leave SERVER unset"
need turnserver
REALM=interop.test

PEER_PORT=$(free_port)
start_peer "$PEER_PORT"

# conf FILE SERVER-KIND AUTH-LINES...: a relay config for turnroom or coturn.
conf() {
	local file=$1 kind=$2 port minp maxp
	shift 2
	port=$(free_port)
	read -r minp maxp <<<"$(relay_window)"
	{
		SERVER=$kind base_conf "$port" "$minp" "$maxp"
		echo "allow-loopback-peers"
		SERVER=$kind uclient_conf_lines
		printf '%s\n' "$@"
	} >"$file"
	echo "$port"
}

# ---- 1. coturn's turnadmin writes, turnroom serves.
CDB=$TMP/coturn-written.db
run_turnadmin -a -b "$CDB" -u carol -r "$REALM" -p 'carol-pw' ||
	fail "turnadmin -a failed: $(tail -n 2 "$TMP/turnadmin.log")"
run_turnadmin -s 'coturn-secret' -b "$CDB" -r "$REALM" ||
	fail "turnadmin -s failed: $(tail -n 2 "$TMP/turnadmin.log")"
# turnroom serves long-term users and REST secrets from one instance.
PORT=$(conf "$TMP/tr.conf" turnroom lt-cred-mech use-auth-secret "userdb=$CDB")
start_turnroom "$TMP/tr.conf" turnroom
run_uclient "${UCLIENT_LOAD[@]}" -u carol -w 'carol-pw' \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
r1=$UCLIENT_SUMMARY
run_uclient "${UCLIENT_LOAD[@]}" -W 'coturn-secret' -u restuser \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
r2=$UCLIENT_SUMMARY

# ---- 2. turnroom-admin writes, coturn's turnserver serves.
TDB=$TMP/turnroom-written.db
"$ADMIN" -a -b "$TDB" -u dave -r "$REALM" -p 'dave-pw' 2>"$TMP/admin.log" ||
	fail "turnroom-admin -a failed: $(cat "$TMP/admin.log")"
"$ADMIN" -s 'turnroom-secret' -b "$TDB" -r "$REALM" 2>>"$TMP/admin.log" ||
	fail "turnroom-admin -s failed: $(cat "$TMP/admin.log")"
# coturn 4.6.1 cannot serve users and REST secrets from one instance: one
# server each.
PORT=$(conf "$TMP/co-lt.conf" coturn lt-cred-mech "userdb=$TDB")
SERVER=coturn start_turnroom "$TMP/co-lt.conf" coturn-lt
run_uclient "${UCLIENT_LOAD[@]}" -u dave -w 'dave-pw' \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
r3=$UCLIENT_SUMMARY
PORT=$(conf "$TMP/co-rest.conf" coturn use-auth-secret "userdb=$TDB")
SERVER=coturn start_turnroom "$TMP/co-rest.conf" coturn-rest
run_uclient "${UCLIENT_LOAD[@]}" -W 'turnroom-secret' -u restuser \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
r4=$UCLIENT_SUMMARY

# And a wrong password is refused by coturn, so the above means something.
run_uclient -m 1 -n 5 -l 100 -z 5 -u dave -w wrong \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$(sed -n 's/^listening-port=//p' "$TMP/co-lt.conf")" 127.0.0.1
read -r _ recv _ <<<"$(uclient_figures)"
[ "$recv" = none ] || [ "$recv" = 0 ] || fail "coturn relayed $recv messages for a wrong password"

pass "turnadmin->turnroom user: $r1, secret: $r2; turnroom-admin->coturn user: $r3, secret: $r4"
