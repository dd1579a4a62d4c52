# Sourced by tests/e2e/test_*.sh: turnroom and headless Chromium in a
# network namespace of the test's own (only lo up), so
# fixed ports cannot collide and the test may cut links (tc) at will.
#
#   e2e_setup            checks, namespace, temp dir, config ($E2E_CONF)
#   e2e_start_server     starts turnroom in the namespace, waits for /healthz
#   e2e_node SCRIPT      runs tests/e2e/SCRIPT in the namespace with BASE_URL,
#                        ARTIFACTS, CHROMIUM, SERVER_PID, E2E_TMP, E2E_NS set;
#                        returns its exit status
#   in_ns CMD...         runs CMD in the namespace
# Append to "$E2E_CONF" between e2e_setup and e2e_start_server.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TURNROOM=${TURNROOM:-$ROOT/src/turnroom}
ARTIFACTS=${ARTIFACTS:-$ROOT/build/test-artifacts}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
HTTP_PORT=8080
TURN_PORT=3478
SERVER_PID=
NODE_PID=

die() {
	echo "FAIL: $*"
	exit 1
}

in_ns() { ip netns exec "$E2E_NS" "$@"; }

# e2e_no_sanitizer_report LOG...: false, with the start of the report on
# stdout, when a LOG holds an ASan/UBSan/LSan report (the interop tests'
# scan, tests/interop/sanitizer_scan.py).
e2e_no_sanitizer_report() {
	/usr/bin/python3 "$ROOT/tests/interop/sanitizer_scan.py" -A 30 "$@"
}

e2e_cleanup() {
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
	for pid in $(ip netns pids "$E2E_NS" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null
	done
	ip netns delete "$E2E_NS" 2>/dev/null
	# A sanitizer build of the server reports to its log, even at exit.
	if ! e2e_no_sanitizer_report "$E2E_TMP/server.log" >"$E2E_TMP/report"; then
		echo "FAIL: sanitizer report in the server log:"
		cat "$E2E_TMP/report"
		rm -rf "$E2E_TMP"
		exit 1
	fi
	rm -rf "$E2E_TMP"
}

e2e_setup() {
	[ "$(id -u)" -eq 0 ] || die "needs root for ip netns"
	[ -x "$TURNROOM" ] || die "no turnroom binary at $TURNROOM"
	[ -x "$CHROMIUM" ] || die "no chromium at $CHROMIUM (Debian package chromium)"
	[ -d tests/e2e/node_modules/playwright-core ] ||
		die "playwright-core missing: npm ci --prefix tests/e2e"
	command -v node >/dev/null || die "no node"
	E2E_NS=tr-e2e-$$
	E2E_TMP=$(mktemp -d /tmp/turnroom-e2e.XXXXXX)
	trap e2e_cleanup EXIT
	trap 'exit 1' INT TERM
	ip netns add "$E2E_NS" || die "ip netns add $E2E_NS"
	in_ns ip link set lo up || die "cannot bring up lo in $E2E_NS"
	mkdir -p "$ARTIFACTS"
	# Both browsers' relayed addresses are 127.0.0.1, so the relay must
	# allow loopback peers (else CreatePermission gets 403).
	E2E_CONF=$E2E_TMP/turnroom.conf
	cat >"$E2E_CONF" <<-CONF
		realm=turnroom.test
		listening-ip=127.0.0.1
		listening-port=$TURN_PORT
		http-port=$HTTP_PORT
		min-port=49152
		max-port=49252
		userdb=$E2E_TMP/turnroom.db
		use-auth-secret
		static-auth-secret=$(openssl rand -hex 16)
		allow-loopback-peers
		rfc5766-channel-numbers
	CONF
}

e2e_start_server() {
	local ready= _ page
	# ip netns exec execs its command: $! is the server itself.
	ip netns exec "$E2E_NS" "$TURNROOM" -c "$E2E_CONF" >"$E2E_TMP/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 50); do
		if in_ns curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz"; then
			ready=1
			break
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.2
	done
	if [ -z "$ready" ]; then
		cat "$E2E_TMP/server.log"
		die "turnroom did not answer /healthz on port $HTTP_PORT"
	fi
	page=$(in_ns curl -sf "http://127.0.0.1:$HTTP_PORT/") || die "GET / failed"
	grep -q 'id="relayonly"' <<<"$page" || die "GET / is not the web client"
}

# e2e_node SCRIPT [TIMEOUT_S]: extra environment passes through.
e2e_node() {
	local rc
	BASE_URL="http://127.0.0.1:$HTTP_PORT" ARTIFACTS="$ARTIFACTS" CHROMIUM="$CHROMIUM" \
		SERVER_PID="$SERVER_PID" E2E_TMP="$E2E_TMP" E2E_NS="$E2E_NS" \
		ip netns exec "$E2E_NS" timeout -k 5 "${2:-110}" node "tests/e2e/$1" &
	NODE_PID=$!
	wait "$NODE_PID"
	rc=$?
	NODE_PID=
	if [ "$rc" -ne 0 ]; then
		echo "--- server log (last 50 lines)"
		tail -n 50 "$E2E_TMP/server.log"
	fi
	return "$rc"
}
