#!/bin/bash
# relay-offload without the privilege to load eBPF (CAP_BPF, CAP_SYS_ADMIN,
# CAP_NET_ADMIN dropped from the bounding set): auto logs one line and
# relays in userspace (a ChannelData round trip through turnutils_uclient
# works), xdp and tc refuse to start. off never loads anything.
. "$(dirname "$0")/lib.sh"
. "$INTEROP_DIR/offload_lib.sh"
need setpriv util-linux
need turnutils_uclient
offload_topology
PORT=3478

offload_conf "$PORT" auto >"$TMP/auto.conf"
SERVER_LOG=$TMP/server.log
ip netns exec "$NS_S" setpriv --inh-caps=-all --bounding-set -bpf,-sys_admin,-net_admin,-perfmon \
	"$TURNROOM" -c "$TMP/auto.conf" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
STARTED_PIDS+=("$SERVER_PID")
SERVER_PIDS+=("$SERVER_PID:$SERVER_LOG")
for ((i = 0; i < 50; i++)); do
	in_c "$PY" "$INTEROP_DIR/stunpy.py" ping 198.51.100.1 "$PORT" 0.2 >/dev/null 2>&1 && break
done
lines=$(grep -c "relay-offload" "$SERVER_LOG")
[ "$lines" = 1 ] || fail "auto without privilege: $lines relay-offload lines"
grep -q "relay-offload: relaying in userspace (cannot load the eBPF program" "$SERVER_LOG" ||
	fail "auto without privilege: $(grep relay-offload "$SERVER_LOG")"
ip netns exec "$NS_P" turnutils_peer -L 203.0.113.20 -p 3480 >"$TMP/peer.log" 2>&1 &
STARTED_PIDS+=("$!")
uclient_ns -c -m 2 -n 20 -l 100 -z 5 -u alice -w wonderland -e 203.0.113.20 -r 3480 \
	-p "$PORT" 198.51.100.1
uclient_assert_no_loss
stop_ns_server

for mode in xdp tc; do
	offload_conf "$PORT" "$mode" >"$TMP/$mode.conf"
	rc=0
	ip netns exec "$NS_S" setpriv --inh-caps=-all --bounding-set -bpf,-sys_admin,-net_admin,-perfmon \
		timeout 10 "$TURNROOM" -c "$TMP/$mode.conf" >"$TMP/$mode.txt" 2>&1 || rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "relay-offload=$mode without privilege: exit $rc"
	grep -q "relay-offload=$mode: cannot load the eBPF program" "$TMP/$mode.txt" ||
		fail "relay-offload=$mode: $(grep -m1 relay-offload "$TMP/$mode.txt")"
done
pass "auto: one line, userspace relay ($UCLIENT_SUMMARY); xdp and tc refuse to start"
