#!/bin/bash
# A realistic coturn turnserver.conf is accepted as is: coturn options
# turnroom does not implement give exactly one warning each (naming file
# and line), the server starts, and a client relays through it.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
PEER_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
TLS_PORT=$(free_port)
self_signed_cert "$TMP/pkey.pem" "$TMP/cert.pem" "turn.example.org"
cat >"$TMP/turnserver.conf" <<CONF
# /etc/turnserver.conf of a coturn operator
listening-port=$PORT
tls-listening-port=$TLS_PORT
https-port=0
listening-ip=127.0.0.1
relay-ip=127.0.0.1
external-ip=127.0.0.1
min-port=$MINP
max-port=$MAXP
http-port=0
verbose
fingerprint
lt-cred-mech
use-auth-secret
static-auth-secret=north-secret
static-auth-secret=rotated-secret
realm=example.org
server-name=turn.example.org
userdb=$TMP/turndb
user=alice:wonderland
total-quota=100
user-quota=12
max-bps=3000000
relay-threads=2
stale-nonce=600
cert=$TMP/cert.pem
pkey=$TMP/pkey.pem
cipher-list="ECDHE-RSA-AES256-GCM-SHA512:DHE-RSA-AES256-GCM-SHA512"
no-tlsv1
no-tlsv1_1
no-multicast-peers
no-loopback-peers
denied-peer-ip=0.0.0.0-0.255.255.255
denied-peer-ip=10.0.0.0-10.255.255.255
allowed-peer-ip=127.0.0.1
log-file=$TMP/turn.log
syslog
simple-log
pidfile=$TMP/turnserver.pid
proc-user=root
proc-group=root
no-cli
prometheus-tls
rfc5766-channel-numbers
CONF
start_turnroom "$TMP/turnserver.conf"
start_peer "$PEER_PORT"
[ -s "$TMP/turnserver.pid" ] || fail "no pidfile"
[ "$(cat "$TMP/turnserver.pid")" = "$SERVER_PID" ] || fail "pidfile holds another pid"
for opt in relay-threads no-cli prometheus-tls; do
	n=$(grep -c "'$opt' is a coturn option turnroom does not implement" "$SERVER_LOG")
	[ "$n" = 1 ] || fail "expected one warning for $opt, got $n"
	grep -q "turnserver.conf:[0-9]*: '$opt'" "$SERVER_LOG" ||
		grep -q "turnserver.conf:[0-9]*:.*'$opt'" "$SERVER_LOG" || fail "warning for $opt names no line"
done
warnings=$(grep -c 'is a coturn option turnroom does not implement' "$SERVER_LOG")
[ "$warnings" = 3 ] || fail "expected 3 warnings, got $warnings"
# Long-term user and REST secret (the second one: rotation) both work.
run_uclient -m 1 -n 10 -l 100 -z 5 -c -u alice -w wonderland -e 127.0.0.1 -r "$PEER_PORT" \
	-p "$PORT" 127.0.0.1
uclient_assert_no_loss
run_uclient -m 1 -n 10 -l 100 -z 5 -c -W rotated-secret -u bob -e 127.0.0.1 -r "$PEER_PORT" \
	-p "$PORT" 127.0.0.1
uclient_assert_no_loss
grep -q 'allocation created' "$TMP/turn.log" || fail "log-file not written"
# Its TLS listener serves TURN over TLS.
run_uclient -m 1 -n 10 -l 100 -z 5 -c -t -S -u alice -w wonderland -e 127.0.0.1 \
	-r "$PEER_PORT" -p "$TLS_PORT" 127.0.0.1
uclient_assert_no_loss
pass "coturn config accepted with 3 warnings (relay-threads, no-cli, prometheus-tls); user, rotated REST secret and TLS relay"
