#!/usr/bin/env bash
# Browser end to end of a seed's socket.io page (issue 9): seed 003's
# SignalServer page (SEED=003, the default) or seed 000's event flow
# (SEED=000, test_seed_000.sh), from tests/e2e/seed-pages. turnroom, a static
# server for the pages (another origin: cross-origin polling needs
# allowed-origin) and headless Chromium run in a network namespace of their
# own (only lo up). The pages load /socket.io/socket.io.js from turnroom
# (socketio-client-dir), connect with the seed's io(url), and two browser
# contexts place a relay-only call with the TURN credentials of
# joined.iceServers (seed.mjs says what is checked); a network blip in the
# middle of the call (every signaling connection reset) is recovered by the
# pages' socket.io-client without a bye (connection state recovery, within
# resume-window; the reference runs socket.io's with the same semantics).
# SERVER=ref: the pages talk to tests/sio/ref-server.mjs (npm socket.io 4.8.4)
# instead, with turnroom as the TURN server only, to prove the test itself.
# Needs root (ip netns), /usr/bin/chromium, tests/e2e/node_modules
# (playwright-core) and tests/sio/node_modules. Exit 0 on pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SEED=${SEED:-003}
SERVER=${SERVER:-turnroom}
TURNROOM=${TURNROOM:-$ROOT/src/turnroom}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
HTTP_PORT=8080
TURN_PORT=3478
PAGE_PORT=8000
ORIGIN=http://127.0.0.1:$PAGE_PORT
NAME=test_seed_$SEED

die() {
	echo "FAIL $NAME: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root for ip netns"
[ -x "$TURNROOM" ] || die "no turnroom binary at $TURNROOM"
[ -x "$CHROMIUM" ] || die "no chromium at $CHROMIUM (Debian package chromium)"
[ -d tests/e2e/node_modules/playwright-core ] || die "playwright-core missing: npm ci --prefix tests/e2e"
[ -d tests/sio/node_modules/socket.io-client ] || die "socket.io-client missing: npm ci --prefix tests/sio"

NS=tr-seed-$$
TMP=$(mktemp -d /tmp/turnroom-seed.XXXXXX)
PIDS=()

cleanup() {
	local pid i
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		for i in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for pid in $(ip netns pids "$NS" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null
	done
	ip netns delete "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || die "ip netns add $NS"
ip netns exec "$NS" ip link set lo up || die "cannot bring up lo in $NS"
in_ns() { ip netns exec "$NS" "$@"; }

# Both relayed addresses are 127.0.0.1: the relay must allow loopback peers.
SECRET=$(openssl rand -hex 16)
SIO_PORT=$HTTP_PORT
cat >"$TMP/turnroom.conf" <<CONF
realm=turnroom.test
listening-ip=127.0.0.1
listening-port=$TURN_PORT
http-port=$HTTP_PORT
min-port=49152
max-port=49252
userdb=$TMP/turnroom.db
use-auth-secret
static-auth-secret=$SECRET
allow-loopback-peers
rfc5766-channel-numbers
resume-window=30
allowed-origin=$ORIGIN
CONF
[ "$SERVER" = ref ] ||
	echo "socketio-client-dir=$ROOT/tests/sio/node_modules/socket.io-client/dist" >>"$TMP/turnroom.conf"

# ip netns exec execs its command: $! is the process itself.
ip netns exec "$NS" "$TURNROOM" -c "$TMP/turnroom.conf" >"$TMP/server.log" 2>&1 &
PIDS+=($!)
if [ "$SERVER" = ref ]; then
	SIO_PORT=8081
	ip netns exec "$NS" node tests/sio/ref-server.mjs --port=$SIO_PORT "--allowed-origin=$ORIGIN" \
		--recovery=30000 \
		"--ice-secret=$SECRET" "--ice-url=turn:127.0.0.1:$TURN_PORT?transport=udp" \
		>"$TMP/ref.log" 2>&1 &
	PIDS+=($!)
fi
ip netns exec "$NS" /usr/bin/python3 -m http.server "$PAGE_PORT" --bind 127.0.0.1 \
	--directory tests/e2e/seed-pages >"$TMP/pages.log" 2>&1 &
PIDS+=($!)

ready=
for _ in $(seq 50); do
	if in_ns curl -sf -o /dev/null "http://127.0.0.1:$SIO_PORT/socket.io/socket.io.js" &&
		in_ns curl -sf -o /dev/null "$ORIGIN/seed$SEED.html"; then
		ready=1
		break
	fi
	sleep 0.2
done
if [ -z "$ready" ]; then
	tail -n 20 "$TMP"/*.log
	die "/socket.io/socket.io.js on port $SIO_PORT or the page server did not answer"
fi

PAGE=seed$SEED PAGE_BASE=$ORIGIN SERVER_URL=http://127.0.0.1:$SIO_PORT ROOM=seed$SEED-$$ \
	CHROMIUM="$CHROMIUM" NODE_PATH=$ROOT/tests/e2e/node_modules \
	ip netns exec "$NS" timeout -k 5 110 node tests/e2e/seed.mjs &
NODE_PID=$!
wait "$NODE_PID"
rc=$?

if ! kill -0 "${PIDS[0]}" 2>/dev/null; then
	tail -n 50 "$TMP/server.log"
	die "turnroom exited during the test"
fi
if ! report=$(/usr/bin/python3 tests/interop/sanitizer_scan.py "$TMP/server.log"); then
	die "sanitizer report: ${report#"$TMP/server.log": }"
fi
if [ "$rc" -ne 0 ]; then
	echo "--- server log (last 40 lines)"
	tail -n 40 "$TMP/server.log"
	die "seed.mjs exited $rc"
fi
echo "PASS $NAME: seed $SEED page, socket.io.js from $SERVER, relay-only call with frames decoded, a blip recovered without bye, bye on leave"
