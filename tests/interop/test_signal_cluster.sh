#!/bin/bash
# Clustering (redis=): three nodes and a redis-server of the test's own; see
# signal_cluster.py. One verdict line on stdout, details on stderr.
cd "$(dirname "$0")/../.." || exit 1
timeout -k 5 280 /usr/bin/python3 tests/interop/signal_cluster.py "$@"
rc=$?
[ "$rc" = 124 ] && echo "FAIL test_signal_cluster: timed out after 280 s"
exit "$rc"
