#!/usr/bin/env bash
# Browser end to end, relay only: two Chromium contexts in a network
# namespace of the test's own call each other through turnroom's page, B
# joining with A's invite link (tests/e2e/call.mjs says what is checked).
# TURNS_ONLY=1: only turns: (TURN over TLS) with a test certificate. Needs
# root (ip netns), /usr/bin/chromium and playwright-core (npm ci --prefix
# tests/e2e). The screenshot lands in $ARTIFACTS. Exit 0 on pass.
. "$(dirname "$0")/lib.sh"
TURNS_ONLY=${TURNS_ONLY:-0}
e2e_setup
if [ "$TURNS_ONLY" = 1 ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$E2E_TMP/key.pem" \
		-out "$E2E_TMP/cert.pem" -subj /CN=127.0.0.1 >/dev/null 2>&1 || die "openssl req"
	printf 'cert=%s\npkey=%s\ntls-listening-port=5349\n' "$E2E_TMP/cert.pem" \
		"$E2E_TMP/key.pem" >>"$E2E_CONF"
fi
e2e_start_server
SHOT=e2e-call.png
[ "$TURNS_ONLY" = 1 ] && SHOT=e2e-call-turns.png
rm -f "$ARTIFACTS/$SHOT"
TURNS_ONLY=$TURNS_ONLY SHOT=$SHOT e2e_node call.mjs 110 || die "call.mjs failed"
kill -0 "$SERVER_PID" 2>/dev/null || die "turnroom exited during the test"
[ -s "$ARTIFACTS/$SHOT" ] || die "no screenshot in $ARTIFACTS"
echo "PASS browser call through the relay$([ "$TURNS_ONLY" = 1 ] && echo ' over TLS (turns: only)') (screenshot $ARTIFACTS/$SHOT)"
