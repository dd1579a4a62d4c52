#!/usr/bin/env bash
# The web console in headless Chromium (tests/e2e/console.mjs says what is
# checked): an admin user from turnroom-admin -A logs in; the overview's
# allocation count equals /metrics while a raw client holds one; a user is
# added from the Users page; no secret on the configuration page; no page
# error under the CSP; screenshots at desktop and phone width in $ARTIFACTS.
. "$(dirname "$0")/lib.sh"
e2e_setup
SECRET=$(sed -n 's/^static-auth-secret=//p' "$E2E_CONF")
cat >>"$E2E_CONF" <<CONF
web-admin
web-admin-port=9642
prometheus
CONF
"$ROOT/src/turnroom-admin" -A -b "$E2E_TMP/turnroom.db" -u boss -p boss-pw ||
	die "turnroom-admin -A failed"
e2e_start_server
# One allocation held while the page looks (admin_helper.py signs as a
# REST user of the static secret).
mkfifo "$E2E_TMP/go"
rest_user="$(($(date +%s) + 600)):holder"
rest_pw=$(printf '%s' "$rest_user" | openssl dgst -sha1 -hmac "$SECRET" -binary | base64)
in_ns env PYTHONPATH="$ROOT/tests/interop" /usr/bin/python3 "$ROOT/tests/interop/admin_helper.py" \
	alloc-then-refresh 127.0.0.1 "$TURN_PORT" "$rest_user" "$rest_pw" "$E2E_TMP/go" \
	>"$E2E_TMP/client.log" 2>&1 &
HOLDER=$!
for _ in $(seq 50); do
	grep -q '^allocated' "$E2E_TMP/client.log" && break
	sleep 0.1
done
grep -q '^allocated' "$E2E_TMP/client.log" || die "the holder did not allocate: $(cat "$E2E_TMP/client.log")"
CONSOLE_URL=http://127.0.0.1:9642 METRICS_URL=http://127.0.0.1:9641/metrics SECRET=$SECRET \
	e2e_node console.mjs 90 || die "console.mjs failed"
echo go >"$E2E_TMP/go"
wait "$HOLDER"
echo "PASS console page: login, overview = /metrics, add user, masked config, phone layout"
