#!/bin/bash
# Signaling tests (auth): see signal_auth.py. Prints one verdict line on stdout
# ("PASS ..." or "FAIL ...: reason"), per-test lines and server logs on stderr.
cd "$(dirname "$0")/../.." || exit 1
timeout -k 5 120 /usr/bin/python3 tests/interop/signal_auth.py "$@"
rc=$?
[ "$rc" = 124 ] && echo "FAIL test_signal_auth: timed out after 120 s"
exit "$rc"
