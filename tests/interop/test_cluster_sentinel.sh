#!/bin/bash
# Redis Sentinel failover (redis-sentinel=): a master, a replica, three
# sentinels and two nodes of the test's own; the master is killed and the
# cluster follows; see cluster_sentinel.py. One verdict line on stdout.
cd "$(dirname "$0")/../.." || exit 1
timeout -k 5 60 /usr/bin/python3 tests/interop/cluster_sentinel.py "$@"
rc=$?
[ "$rc" = 124 ] && echo "FAIL test_cluster_sentinel: timed out after 60 s"
exit "$rc"
