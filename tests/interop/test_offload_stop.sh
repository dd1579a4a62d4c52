#!/bin/bash
# relay-offload: what ends a channel in userspace ends it in the kernel. A
# raw client keeps sending ChannelData through the fast path (relay-offload
# =auto) while its permission expires (permission-lifetime=2), while it
# deletes its allocation (Refresh 0), and while the operator disconnects
# its user (turnroom-admin --disconnect): the peer receives nothing 50 ms
# after each deadline, and received traffic the kernel relayed before it.
# Then a SIGKILL leaves no program attached: a restart with
# relay-offload=xdp (which refuses to start when it cannot attach) works.
. "$(dirname "$0")/lib.sh"
. "$INTEROP_DIR/offload_lib.sh"
need curl curl
offload_topology
PORT=3478
CTL=$TMP/ctl.sock
offload_conf "$PORT" auto permission-lifetime=2 "control-socket=$CTL" >"$TMP/turn.conf"
start_ns_server "$TMP/turn.conf" "$PORT"
grep -q "relay-offload: ChannelData relayed in the kernel" "$SERVER_LOG" ||
	fail "not attached: $(grep relay-offload "$SERVER_LOG")"

kernel_to_peer() { metric 'turnroom_offload_relayed_packets_total{direction="to_peer"}'; }
now() { "$PY" -c 'import time; print("%.3f" % time.monotonic())'; }

# scenario NAME PEER-PORT [delete-at]: runs the client 3 s against a peer
# listening 3.6 s, in the background (CLIENT_PID); outputs in $TMP.
scenario() {
	local name=$1 pport=$2
	shift 2
	ip netns exec "$NS_P" "$PY" "$INTEROP_DIR/offload_raw.py" peer 203.0.113.20 "$pport" 3.6 \
		>"$TMP/peer-$name.out" 2>&1 &
	local ppid=$!
	STARTED_PIDS+=("$ppid")
	sleep 0.2
	ip netns exec "$NS_C" env PYTHONPATH="$INTEROP_DIR" "$PY" "$INTEROP_DIR/offload_raw.py" \
		client 198.51.100.1 "$PORT" 203.0.113.20 "$pport" 3 "$@" \
		>"$TMP/client-$name.out" 2>&1 &
	CLIENT_PID=$!
	STARTED_PIDS+=("$CLIENT_PID")
}


# 1. Permission expiry (ChannelBind installs a 2 s permission).
k0=$(kernel_to_peer)
scenario expiry 3481
wait "$CLIENT_PID"
bound=$(sed -n 's/^bound=//p' "$TMP/client-expiry.out")
[ -n "$bound" ] || fail "expiry: client did not bind: $(tail -n 2 "$TMP/client-expiry.out")"
finish_expiry_deadline=$("$PY" -c "print('%.3f' % ($bound + 2.0))")
sleep 0.7
read -r n first last <<<"$(sed 's/[a-z]*=//g' "$TMP/peer-expiry.out")"
k1=$(kernel_to_peer)
note "expiry: deadline $finish_expiry_deadline, peer got $n ($first .. $last), kernel $k0 -> $k1"
[ "${n:-0}" -gt 0 ] && [ "$((k1 - k0))" -gt 0 ] || fail "expiry: nothing relayed by the kernel before expiry"
"$PY" -c "import sys; sys.exit(0 if $last <= $finish_expiry_deadline + 0.05 else 1)" ||
	fail "expiry: the peer received until $last, deadline $finish_expiry_deadline"

# 2. Allocation deleted by its client (Refresh LIFETIME 0) after 1 s.
k0=$(kernel_to_peer)
scenario delete 3482 1
wait "$CLIENT_PID" || fail "delete: client failed: $(tail -n 2 "$TMP/client-delete.out")"
sleep 0.7
deleted=$(sed -n 's/^deleted=//p' "$TMP/client-delete.out")
[ -n "$deleted" ] || fail "delete: no Refresh 0 answered"
read -r n first last <<<"$(sed 's/[a-z]*=//g' "$TMP/peer-delete.out")"
k1=$(kernel_to_peer)
note "delete: deadline $deleted, peer got $n ($first .. $last), kernel $k0 -> $k1"
[ "${n:-0}" -gt 0 ] && [ "$((k1 - k0))" -gt 0 ] || fail "delete: nothing relayed by the kernel before"
"$PY" -c "import sys; sys.exit(0 if $last <= $deleted + 0.05 else 1)" ||
	fail "delete: the peer received until $last, deleted at $deleted"

# 3. The operator disconnects the user after 1 s.
k0=$(kernel_to_peer)
scenario disconnect 3483
sleep 1.2
"${TURNROOM%/turnroom}/turnroom-admin" --control-socket="$CTL" --disconnect=alice \
	>"$TMP/admin.out" 2>&1 || fail "turnroom-admin --disconnect failed: $(cat "$TMP/admin.out")"
gone=$(now)
wait "$CLIENT_PID"
sleep 0.7
read -r n first last <<<"$(sed 's/[a-z]*=//g' "$TMP/peer-disconnect.out")"
k1=$(kernel_to_peer)
note "disconnect: deadline $gone, peer got $n ($first .. $last), kernel $k0 -> $k1"
[ "${n:-0}" -gt 0 ] && [ "$((k1 - k0))" -gt 0 ] || fail "disconnect: nothing relayed by the kernel before"
"$PY" -c "import sys; sys.exit(0 if $last <= $gone + 0.05 else 1)" ||
	fail "disconnect: the peer received until $last, disconnected at $gone"

# 4. SIGKILL: the kernel detaches the links with the process.
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PIDS=()
for _ in 1 2 3 4 5 6 7 8 9 10; do
	in_s ip link show s0 | grep -q xdp || break
	sleep 0.2
done
in_s ip link show s0 | grep -q xdp && fail "an XDP program is still attached after SIGKILL"
mv "$SERVER_LOG" "$TMP/server-killed.txt"
offload_conf "$PORT" xdp >"$TMP/turn-xdp.conf"
start_ns_server "$TMP/turn-xdp.conf" "$PORT"
grep -q "relay-offload: ChannelData relayed in the kernel (xdp" "$SERVER_LOG" ||
	fail "restart after SIGKILL: $(grep relay-offload "$SERVER_LOG")"
pass "permission expiry, Refresh 0 and --disconnect stop kernel relaying within 50 ms; SIGKILL leaves nothing attached"
