#!/bin/bash
# Sealed frames between nodes (cluster-secret=): forged, modified and
# replayed frames published on the real channels are dropped and counted;
# see cluster_sealed.py. One verdict line on stdout, details on stderr.
cd "$(dirname "$0")/../.." || exit 1
timeout -k 5 60 /usr/bin/python3 tests/interop/cluster_sealed.py "$@"
rc=$?
[ "$rc" = 124 ] && echo "FAIL test_cluster_sealed: timed out after 60 s"
exit "$rc"
