#!/usr/bin/env bash
# Both sides press Call at the same instant, 20 times: the call connects
# every time (perfect negotiation); tests/e2e/glare.mjs says what is checked.
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_start_server
e2e_node glare.mjs 180 || die "glare.mjs failed"
kill -0 "$SERVER_PID" 2>/dev/null || die "turnroom exited during the test"
echo "PASS simultaneous Call presses connect every time"
