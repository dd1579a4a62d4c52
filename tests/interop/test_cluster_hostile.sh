#!/bin/bash
# A node whose Redis sends hostile replies survives them as outages; see
# cluster_hostile.py. One verdict line on stdout, details on stderr.
cd "$(dirname "$0")/../.." || exit 1
timeout -k 5 150 /usr/bin/python3 tests/interop/cluster_hostile.py "$@"
rc=$?
[ "$rc" = 124 ] && echo "FAIL test_cluster_hostile: timed out after 150 s"
exit "$rc"
