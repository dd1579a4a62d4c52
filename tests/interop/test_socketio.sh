#!/usr/bin/env bash
# Socket.IO endpoint (issue 9): the node tests of tests/sio (node --test,
# the real npm socket.io-client 4.8.4 and raw Engine.IO/Socket.IO exchanges)
# against eight turnroom instances: default settings, signaling-auth=token (two:
# accepted and refused CONNECTs, as refusals are rate-limited per address),
# tight timers and payload limit, allowed-origin (CORS), and one of
# signaling-auth=user with the smallest limits (policy.test.mjs), and one with
# a 3 s resume-window and 500 ms pings, and one with a small
# signaling-max-queued (recovery.test.mjs). Fails if any
# node test fails.
#
# SERVER=ref runs the same tests against the reference server instead
# (tests/sio/ref-server.mjs: npm socket.io 4.8.4 with the seed's room code),
# to prove the tests themselves right, as SERVER=coturn does for TURN tests.
# SIO_TESTS="raw.test.mjs ..." runs only those files.
# Needs tests/sio/node_modules (scripts/install-deps: npm ci --prefix tests/sio).
. "$(dirname "$0")/lib.sh"

SIO_DIR=$INTEROP_DIR/../sio
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -d "$SIO_DIR/node_modules/socket.io-client" ] ||
	fail "tests/sio/node_modules missing: npm ci --prefix tests/sio"
need node nodejs

SECRET=sio-token-secret-$RANDOM$RANDOM
ORIGIN=http://allowed.test:8000
TOKEN=$("$ADMIN" --token --secret "$SECRET" -u alice --room '*' --ttl 600) ||
	fail "turnroom-admin --token failed ($ADMIN)"
BAD_TOKEN=$("$ADMIN" --token --secret "not-$SECRET" -u alice --room '*' --ttl 600) ||
	fail "turnroom-admin --token failed"

# start_ref NAME ARGS...: the reference server; sets REF_PORT.
start_ref() {
	local name=$1 i
	shift
	: >"$TMP/$name.log"
	node "$SIO_DIR/ref-server.mjs" "$@" >"$TMP/$name.log" 2>&1 &
	STARTED_PIDS+=("$!")
	SERVER_PIDS+=("$!:$TMP/$name.log")
	for ((i = 0; i < 100; i++)); do
		REF_PORT=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$TMP/$name.log")
		[ -n "$REF_PORT" ] && return 0
		sleep 0.1
	done
	fail "reference server $name did not start"
}

# start_sio NAME [CONF-LINES...]: a turnroom with its HTTP port on; sets URL.
start_sio() {
	local name=$1 port http
	shift
	if [ "$SERVER" = ref ]; then
		local args=() l
		for l in "$@"; do
			case $l in
			signaling-secret=*) args+=("--token-secret=${l#*=}") ;;
			socketio-ping-interval=*) args+=("--ping-interval=${l#*=}") ;;
			socketio-ping-timeout=*) args+=("--ping-timeout=${l#*=}") ;;
			socketio-max-payload=*) args+=("--max-payload=${l#*=}") ;;
			socketio-connect-timeout=*) args+=("--connect-timeout=${l#*=}") ;;
			allowed-origin=*) args+=("--allowed-origin=${l#*=}") ;;
			resume-window=*) args+=("--recovery=$((${l#*=} * 1000))") ;;
			esac
		done
		start_ref "$name" "${args[@]}"
		URL=http://127.0.0.1:$REF_PORT
		return
	fi
	port=$(free_port)
	http=$(free_port)
	read -r minp maxp <<<"$(relay_window)"
	{
		base_conf "$port" "$minp" "$maxp" | grep -v '^http-port'
		echo "http-port=$http"
		echo "userdb=$TMP/$name.db"
		echo "allow-loopback-peers"
		# the seed's semantics: a disconnect is a bye at once
		echo "resume-window=0"
		echo "socketio-client-dir=$SIO_DIR/node_modules/socket.io-client/dist"
		printf '%s\n' "$@"
	} >"$TMP/$name.conf"
	start_turnroom "$TMP/$name.conf" "$name"
	URL=http://127.0.0.1:$http
}

start_sio default
SIO_URL=$URL
start_sio token signaling-auth=token "signaling-secret=$SECRET"
SIO_TOKEN_URL=$URL
start_sio token2 signaling-auth=token "signaling-secret=$SECRET"
SIO_TOKEN2_URL=$URL
start_sio tight socketio-ping-interval=400 socketio-ping-timeout=400 \
	socketio-max-payload=2000 socketio-connect-timeout=1000
SIO_TIGHT_URL=$URL
start_sio cors "allowed-origin=$ORIGIN"
SIO_CORS_URL=$URL
# issue 17: one policy for both protocols (policy.test.mjs)
POLICY_METRICS=sio-policy-$RANDOM$RANDOM
start_sio policy signaling-auth=user user=alice:pw ws-join-timeout=2 \
	ws-max-output=4096 "metrics-token=$POLICY_METRICS"
SIO_POLICY_URL=$URL
# issue 18: connection state recovery (recovery.test.mjs): a 3 s window
start_sio recovery resume-window=3 socketio-ping-interval=500 socketio-ping-timeout=500
SIO_RECOVERY_URL=$URL
start_sio budget resume-window=30 signaling-max-queued=65536
SIO_RECOVERY_BUDGET_URL=$URL

TARGET=turnroom
[ "$SERVER" = ref ] && TARGET=ref
export TARGET SIO_URL SIO_TOKEN_URL SIO_TOKEN2_URL SIO_TIGHT_URL SIO_CORS_URL SIO_POLICY_URL
export SIO_RECOVERY_URL SIO_RECOVERY_BUDGET_URL
export SIO_POLICY_METRICS_TOKEN=$POLICY_METRICS
export SIO_TOKEN=$TOKEN SIO_BAD_TOKEN=$BAD_TOKEN SIO_ORIGIN=$ORIGIN
(cd "$SIO_DIR" && timeout -k 5 150 node --test --test-concurrency=4 --test-reporter=spec ${SIO_TESTS:-./*.test.mjs}) \
	>"$TMP/node-tests.log" 2>&1
rc=$?
summary=$(grep -E '^ℹ (tests|pass|fail) ' "$TMP/node-tests.log" | tr -d 'ℹ' | tr '\n' ' ')
if [ "$rc" -ne 0 ]; then
	grep -E '✖|Error|expected|actual|\+ |- ' "$TMP/node-tests.log" | head -n 80 >&2
	fail "node tests failed against $TARGET (exit $rc):$summary"
fi
pass "against $TARGET:$summary"
