#!/bin/bash
# scripts/bench offload: the ChannelData fast path against the userspace
# relay and against Debian's coturn, same topology, same load, same run.
# Client, server and peer in three network namespaces (offload_lib.sh);
# turnutils_uclient -c -m SESSIONS -n MSGS -l 100 -z INTERVAL to
# turnutils_peer through each server in turn:
#   turnroom relay-offload=off, =xdp, =tc; coturn (turnserver, 1 relay thread)
# For each: packets relayed (uclient's sent + received), loss, server
# process CPU per relayed packet (/proc/PID/stat utime+stime), whole-
# machine CPU per relayed packet (/proc/stat busy jiffies; the client's
# and peer's own CPU beside it, since softirq work lands wherever it
# lands), the rate reached, and for the fast path the program's own cost
# from kernel.bpf_stats_enabled (run_time_ns / run_cnt over every packet
# the program saw on the server's interfaces, relayed or not). Last, the
# program's cost through BPF_PROG_TEST_RUN (tests/unit/test_offload
# --bench). Needs root. Usage: scripts/bench offload [SESSIONS [MSGS [INTERVAL]]]
set -u
TEST_NAME=bench_offload
. "$(dirname "$0")/../interop/lib.sh"
. "$INTEROP_DIR/offload_lib.sh"
need turnutils_uclient
need turnserver
need bpftool bpftool
SESSIONS=${1:-20}
MSGS=${2:-2000}
INTERVAL=${3:-2}
offload_topology
PORT=3478
HZ=$(getconf CLK_TCK)

ip netns exec "$NS_P" turnutils_peer -L 203.0.113.20 -p 3480 >"$TMP/peer.log" 2>&1 &
PEER_PID=$!
STARTED_PIDS+=("$PEER_PID")

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
bpf_stats() { # "RUN_TIME_NS RUN_CNT" of the newest turnroom_xdp and turnroom_tc
	# (the server's: this benchmark runs alone; bpftool 7.1 lists no pids)
	bpftool prog show --json 2>/dev/null | "$PY" -c '
import json, sys
newest = {}
for p in json.load(sys.stdin):
    n = p.get("name")
    if n in ("turnroom_xdp", "turnroom_tc") and p["id"] > newest.get(n, {"id": -1})["id"]:
        newest[n] = p
print(sum(p.get("run_time_ns", 0) for p in newest.values()),
      sum(p.get("run_cnt", 0) for p in newest.values()))'
}

coturn_conf() {
	cat <<EOF
listening-ip=198.51.100.1
relay-ip=203.0.113.1
listening-port=$PORT
min-port=20000
max-port=20999
realm=interop.test
lt-cred-mech
user=alice:wonderland
allowed-peer-ip=203.0.113.0-203.0.113.255
userdb=$TMP/coturn.db
relay-threads=1
no-cli
no-tls
no-dtls
log-file=stdout
simple-log
pidfile=$TMP/coturn.pid
EOF
}

printf '%-16s %9s %6s %10s %12s %12s %9s %10s\n' server relayed loss% "pkt/s" "srv us/pkt" \
	"host us/pkt" "cli+peer" "prog ns"
sysctl -q -w kernel.bpf_stats_enabled=1
trap 'sysctl -q -w kernel.bpf_stats_enabled=0; _cleanup_ns_and_tmp' EXIT
for run in off xdp tc coturn; do
	if [ "$run" = coturn ]; then
		coturn_conf >"$TMP/coturn.conf"
		SERVER_LOG=$TMP/coturn.log
		ip netns exec "$NS_S" turnserver -c "$TMP/coturn.conf" >"$SERVER_LOG" 2>&1 &
		SERVER_PID=$!
		STARTED_PIDS+=("$SERVER_PID")
		sleep 1.5
	else
		offload_conf "$PORT" "$run" >"$TMP/turn-$run.conf"
		start_ns_server "$TMP/turn-$run.conf" "$PORT"
	fi
	# Warm-up (neighbours, caches), then the measured run.
	uclient_ns -c -m 2 -n 50 -l 100 -z 5 -u alice -w wonderland -e 203.0.113.20 -r 3480 \
		-p "$PORT" 198.51.100.1
	s0=$(cpu_ticks "$SERVER_PID") h0=$(busy_ticks) p0=$(cpu_ticks "$PEER_PID")
	read -r b0 c0 <<<"$(bpf_stats "$SERVER_PID")"
	t0=$(date +%s.%N)
	uclient_ns -c -m "$SESSIONS" -n "$MSGS" -l 100 -z "$INTERVAL" -u alice -w wonderland \
		-e 203.0.113.20 -r 3480 -p "$PORT" 198.51.100.1
	t1=$(date +%s.%N)
	s1=$(cpu_ticks "$SERVER_PID") h1=$(busy_ticks) p1=$(cpu_ticks "$PEER_PID")
	read -r b1 c1 <<<"$(bpf_stats "$SERVER_PID")"
	read -r sent recv lost <<<"$(uclient_figures)"
	"$PY" - "$run" "$sent" "$recv" "$s0" "$s1" "$h0" "$h1" "$p0" "$p1" "$b0" "$b1" "$c0" "$c1" \
		"$t0" "$t1" "$HZ" <<'PYEOF'
import sys
run, sent, recv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s0, s1, h0, h1, p0, p1, b0, b1, c0, c1 = map(float, sys.argv[4:14])
t0, t1, hz = float(sys.argv[14]), float(sys.argv[15]), float(sys.argv[16])
relayed = sent + recv
us = lambda ticks: ticks / hz * 1e6 / max(relayed, 1)
prog = "%.0f" % ((b1 - b0) / (c1 - c0)) if c1 > c0 else "-"
print("%-16s %9d %6.2f %10.0f %12.2f %12.2f %9.2f %10s" % (
    "turnroom/" + run if run != "coturn" else "coturn 4.6.1", relayed,
    100.0 * (sent - recv) / max(sent, 1), relayed / (t1 - t0), us(s1 - s0), us(h1 - h0),
    us(p1 - p0), prog))
PYEOF
	if [ "$run" = coturn ]; then
		kill "$SERVER_PID"
		wait "$SERVER_PID" 2>/dev/null
	else
		stop_ns_server
		mv "$SERVER_LOG" "$TMP/server-$run.txt"
	fi
done
echo "cli+peer: turnutils_peer's CPU per relayed packet (uclient's is not sampled: it exits);"
echo "host: every CPU's busy time (/proc/stat), other processes on the machine included."
echo "BPF_PROG_TEST_RUN (tests/unit/test_offload --bench):"
"$INTEROP_DIR/../unit/test_offload" --bench
_FINISHED=1
