# shellcheck shell=bash
# Sourced by the relay-offload tests after lib.sh: three network namespaces
# joined by two veth pairs, named after this shell's pid (several tests run
# at once), removed on exit:
#   client ns  c0 198.51.100.10  2001:db8:1::10
#   server ns  s0 198.51.100.1   2001:db8:1::1    (listening addresses)
#              s1 203.0.113.1    2001:db8:2::1    (relay addresses)
#   peer ns    p0 203.0.113.20   2001:db8:2::20
# Documentation addresses only (RFC 5737, RFC 3849); IP forwarding stays
# off in the server namespace, as on a TURN host.

NS_C=trc-$$
NS_S=trs-$$
NS_P=trp-$$

in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }
in_p() { ip netns exec "$NS_P" "$@"; }

# offload_topology: builds the namespaces (fails the test without root).
offload_topology() {
	[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, eBPF)"
	need ethtool ethtool
	trap _cleanup_ns_and_tmp EXIT
	ip netns add "$NS_C" && ip netns add "$NS_S" && ip netns add "$NS_P" ||
		fail "cannot create network namespaces"
	ip link add c0 netns "$NS_C" type veth peer name s0 netns "$NS_S" &&
		ip link add p0 netns "$NS_P" type veth peer name s1 netns "$NS_S" ||
		fail "cannot create veth pairs"
	in_c ip addr add 198.51.100.10/24 dev c0
	in_c ip addr add 2001:db8:1::10/64 dev c0 nodad
	in_s ip addr add 198.51.100.1/24 dev s0
	in_s ip addr add 2001:db8:1::1/64 dev s0 nodad
	in_s ip addr add 203.0.113.1/24 dev s1
	in_s ip addr add 2001:db8:2::1/64 dev s1 nodad
	in_p ip addr add 203.0.113.20/24 dev p0
	in_p ip addr add 2001:db8:2::20/64 dev p0 nodad
	local ns dev
	for ns in "$NS_C:c0" "$NS_S:s0" "$NS_S:s1" "$NS_P:p0"; do
		dev=${ns#*:}
		ns=${ns%%:*}
		ip -n "$ns" link set lo up
		ip -n "$ns" link set "$dev" up
		# Like a wire: whole checksums from the senders (a local
		# sender's packets otherwise carry only the pseudo-header
		# sum, which a relayed copy cannot keep); GRO on so an XDP
		# redirect into the other end is delivered (veth needs NAPI).
		ip netns exec "$ns" ethtool -K "$dev" tx off gro on >/dev/null 2>&1
	done
	[ "$(in_s sysctl -n net.ipv4.ip_forward)" = 0 ] || fail "forwarding is on in $NS_S"
}

# The EXIT trap: lib.sh's cleanup (processes, temp dir) with the exit
# status kept, then the namespaces.
_cleanup_ns_and_tmp() {
	(exit $?)
	_cleanup
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_P" 2>/dev/null
}

# offload_conf PORT MODE [EXTRA-LINES...]: a server config for the
# topology: user alice:wonderland, the documentation ranges allowed as
# peers, a Prometheus listener on the server namespace's loopback. MODE
# auto-wildcard: relay-offload=auto with wildcard listening addresses.
offload_conf() {
	local port=$1 mode=$2 l4=198.51.100.1 l6=2001:db8:1::1
	shift 2
	if [ "$mode" = auto-wildcard ]; then
		mode=auto l4=0.0.0.0 l6=::
	fi
	cat <<EOF
listening-ip=$l4
listening-ip=$l6
relay-ip=203.0.113.1
relay-ip=2001:db8:2::1
listening-port=$port
min-port=20000
max-port=20999
realm=interop.test
http-port=0
lt-cred-mech
user=alice:wonderland
allowed-peer-ip=203.0.113.0-203.0.113.255
allowed-peer-ip=2001:db8:2::-2001:db8:2::ffff
rfc5766-channel-numbers
prometheus
prometheus-port=9641
relay-offload=$mode
EOF
	[ $# -gt 0 ] && printf '%s\n' "$@"
	return 0
}

# start_ns_server CONF PORT: turnroom in the server namespace; waits until
# it answers STUN from the client namespace.
start_ns_server() {
	SERVER_LOG=$TMP/server.log
	ip netns exec "$NS_S" "$TURNROOM" -c "$1" >"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	STARTED_PIDS+=("$SERVER_PID")
	SERVER_PIDS+=("$SERVER_PID:$SERVER_LOG")
	local i
	for ((i = 0; i < 50; i++)); do
		in_c "$PY" "$INTEROP_DIR/stunpy.py" ping 198.51.100.1 "$2" 0.2 >/dev/null 2>&1 &&
			return 0
		_alive "$SERVER_PID" || break
	done
	fail "turnroom in $NS_S did not answer STUN"
}

# stop_ns_server: SIGTERM, checked as pass() does (exit within 5 s, no
# sanitizer report); then the next server may start.
stop_ns_server() {
	_check_server_logs
	SERVER_PIDS=()
}

# metric NAME-WITH-LABELS: its value on the server's /metrics.
metric() {
	in_s curl -s "http://127.0.0.1:9641/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

# uclient_ns ARGS...: run_uclient with turnutils_uclient in the client
# namespace.
uclient_ns() {
	mkdir -p "$TMP/bin"
	printf '#!/bin/sh\nexec ip netns exec %s /usr/bin/turnutils_uclient "$@"\n' "$NS_C" \
		>"$TMP/bin/turnutils_uclient"
	chmod +x "$TMP/bin/turnutils_uclient"
	PATH="$TMP/bin:$PATH" run_uclient "$@"
}
