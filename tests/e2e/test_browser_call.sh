#!/usr/bin/env bash
# Browser end to end: turnroom and headless Chromium in a network namespace
# of their own (only lo up), two browser contexts call each other through
# turnroom's web page with relay only (tests/e2e/call.mjs says what is
# checked). Needs root (ip netns), /usr/bin/chromium and playwright-core in
# tests/e2e/node_modules (npm ci --prefix tests/e2e). The screenshot lands
# in $ARTIFACTS (default build/test-artifacts). Exit 0 on pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TURNROOM=${TURNROOM:-$ROOT/src/turnroom}
ARTIFACTS=${ARTIFACTS:-$ROOT/build/test-artifacts}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
HTTP_PORT=8080
TURN_PORT=3478
TLS_PORT=5349
# TURNS_ONLY=1: the call may only use turns: (TURN over TLS) with a test
# certificate; see call.mjs.
TURNS_ONLY=${TURNS_ONLY:-0}

die() {
	echo "FAIL: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root for ip netns"
[ -x "$TURNROOM" ] || die "no turnroom binary at $TURNROOM"
[ -x "$CHROMIUM" ] || die "no chromium at $CHROMIUM (Debian package chromium)"
[ -d tests/e2e/node_modules/playwright-core ] ||
	die "playwright-core missing: npm ci --prefix tests/e2e"
command -v node >/dev/null || die "no node"

NS=tr-e2e-$$
TMP=$(mktemp -d /tmp/turnroom-e2e.XXXXXX)
SERVER_PID=
NODE_PID=

cleanup() {
	local pid i
	for pid in $NODE_PID $SERVER_PID; do
		kill "$pid" 2>/dev/null
	done
	for pid in $NODE_PID $SERVER_PID; do
		for i in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# Anything left in the namespace (a browser process playwright lost).
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

# Both browsers' relayed addresses are 127.0.0.1, so the relay must allow
# loopback peers (else CreatePermission gets 403). The namespace is ours:
# fixed ports cannot collide with anything.
cat >"$TMP/turnroom.conf" <<CONF
realm=turnroom.test
listening-ip=127.0.0.1
listening-port=$TURN_PORT
http-port=$HTTP_PORT
min-port=49152
max-port=49252
userdb=$TMP/turnroom.db
use-auth-secret
static-auth-secret=$(openssl rand -hex 16)
allow-loopback-peers
rfc5766-channel-numbers
CONF
if [ "$TURNS_ONLY" = 1 ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$TMP/key.pem" \
		-out "$TMP/cert.pem" -subj /CN=127.0.0.1 >/dev/null 2>&1 || die "openssl req"
	printf 'cert=%s\npkey=%s\ntls-listening-port=%s\n' "$TMP/cert.pem" "$TMP/key.pem" \
		"$TLS_PORT" >>"$TMP/turnroom.conf"
fi

# ip netns exec execs its command: $! is the server itself.
ip netns exec "$NS" "$TURNROOM" -c "$TMP/turnroom.conf" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

ready=
for _ in $(seq 50); do
	if in_ns curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz"; then
		ready=1
		break
	fi
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.2
done
if [ -z "$ready" ]; then
	cat "$TMP/server.log"
	die "turnroom did not answer /healthz on port $HTTP_PORT"
fi
page=$(in_ns curl -sf "http://127.0.0.1:$HTTP_PORT/") || die "GET / failed"
grep -q 'id="relayonly"' <<<"$page" || die "GET / is not the web client"

mkdir -p "$ARTIFACTS"
SHOT=e2e-call.png
[ "$TURNS_ONLY" = 1 ] && SHOT=e2e-call-turns.png
rm -f "$ARTIFACTS/$SHOT"
TURNS_ONLY=$TURNS_ONLY SHOT=$SHOT ROOM=e2e$$ BASE_URL="http://127.0.0.1:$HTTP_PORT" ARTIFACTS="$ARTIFACTS" CHROMIUM="$CHROMIUM" \
	ip netns exec "$NS" timeout -k 5 110 node tests/e2e/call.mjs &
NODE_PID=$!
wait "$NODE_PID"
rc=$?
NODE_PID=

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
	echo "--- server log"
	tail -n 50 "$TMP/server.log"
	die "turnroom exited during the test"
fi
if [ "$rc" -ne 0 ]; then
	echo "--- server log (last 50 lines)"
	tail -n 50 "$TMP/server.log"
	die "call.mjs exited $rc"
fi
[ -s "$ARTIFACTS/$SHOT" ] || die "no screenshot in $ARTIFACTS"
echo "PASS browser call through the relay$([ "$TURNS_ONLY" = 1 ] && echo ' over TLS (turns: only)') (screenshot $ARTIFACTS/$SHOT)"
