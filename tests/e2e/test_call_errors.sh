#!/usr/bin/env bash
# The page's error states (tests/e2e/errors.mjs says what is checked): room
# full, camera refused, no devices (receive-only), server stopped. The node
# script stops the server itself for the last one.
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_start_server
e2e_node errors.mjs 170 || die "errors.mjs failed"
kill -0 "$SERVER_PID" 2>/dev/null && die "the server should have been stopped by errors.mjs"
echo "PASS error states: full, camera refused, no devices, server stopped"
