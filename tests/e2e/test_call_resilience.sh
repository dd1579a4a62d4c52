#!/usr/bin/env bash
# A relay-only call survives a cut of its paths to the TURN server (ICE
# restart with fresh credentials, back on new allocations within 10 s) and a dropped
# WebSocket (resume); tests/e2e/resilience.mjs says what is checked. The
# credentials live 100 s here, so a restart always counts as near expiry.
. "$(dirname "$0")/lib.sh"
e2e_setup
echo "ice-credential-ttl=100" >>"$E2E_CONF"
e2e_start_server
e2e_node resilience.mjs 110 || die "resilience.mjs failed"
kill -0 "$SERVER_PID" 2>/dev/null || die "turnroom exited during the test"
echo "PASS call survives a cut of its relay paths and a dropped WebSocket"
