#!/bin/bash
# relay-offload: turnutils_uclient (channels) through turnroom to
# turnutils_peer across network namespaces (client -- server -- peer, IP
# forwarding off on the server), IPv4 and IPv6, the fast path at XDP and
# at TC ingress: nothing lost, and the kernel relayed the traffic. A first
# run resolves the neighbours (its first packets go through userspace,
# whose sends make the kernel resolve them); during a second run the
# userspace path stays flat: every relayed packet is the kernel's. The
# allocation-deleted lines count the kernel's packets. Last, the same with
# relay-offload=auto and wildcard listening addresses (0.0.0.0, ::).
. "$(dirname "$0")/lib.sh"
. "$INTEROP_DIR/offload_lib.sh"
need turnutils_uclient
need turnutils_peer
need curl curl
offload_topology
PORT=3478

ip netns exec "$NS_P" turnutils_peer -L 203.0.113.20 -p 3480 >"$TMP/peer4.log" 2>&1 &
STARTED_PIDS+=("$!")
ip netns exec "$NS_P" turnutils_peer -L 2001:db8:2::20 -p 3480 >"$TMP/peer6.log" 2>&1 &
STARTED_PIDS+=("$!")

counts() { # "USERSPACE KERNEL": relayed packets, both directions
	local tot kern
	tot=$(($(metric 'turnroom_relayed_packets_total{direction="to_peer"}') +
		$(metric 'turnroom_relayed_packets_total{direction="from_peer"}')))
	kern=$(($(metric 'turnroom_offload_relayed_packets_total{direction="to_peer"}') +
		$(metric 'turnroom_offload_relayed_packets_total{direction="from_peer"}')))
	echo "$((tot - kern)) $kern"
}

summary=
for mode in xdp tc auto-wildcard; do
	offload_conf "$PORT" "$mode" >"$TMP/turn-$mode.conf"
	start_ns_server "$TMP/turn-$mode.conf" "$PORT"
	want=$mode
	[ "$mode" = auto-wildcard ] && want=xdp+tc
	grep -q "relay-offload: ChannelData relayed in the kernel ($want" "$SERVER_LOG" ||
		fail "$mode: not attached: $(grep relay-offload "$SERVER_LOG")"
	for fam in 4 6; do
		srv=198.51.100.1 peer=203.0.113.20
		[ $fam = 6 ] && srv=2001:db8:1::1 peer=2001:db8:2::20
		# 4 sessions x 100 messages, echoed: 800 relayed packets.
		load=(-c -m 4 -n 100 -l 100 -z 5 -u alice -w wonderland -e "$peer" -r 3480
			-p "$PORT" "$srv")
		uclient_ns "${load[@]}"
		uclient_assert_no_loss
		read -r u1 k1 <<<"$(counts)"
		uclient_ns "${load[@]}"
		uclient_assert_no_loss
		read -r u2 k2 <<<"$(counts)"
		note "$mode IPv$fam: userspace $u1 -> $u2, kernel $k1 -> $k2"
		[ "$((k2 - k1))" -ge 800 ] ||
			fail "$mode IPv$fam: the kernel relayed $((k2 - k1)) of 800 packets"
		[ "$u2" = "$u1" ] ||
			fail "$mode IPv$fam: userspace relayed $((u2 - u1)) packets in the second run"
		summary="$summary $mode IPv$fam: $((k2 - k1)) packets in the kernel, 0 in userspace;"
	done
	stop_ns_server
	grep -qE "allocation deleted.*to peer [1-9][0-9]* pkts" "$SERVER_LOG" ||
		fail "$mode: no allocation-deleted line counts relayed packets"
	mv "$SERVER_LOG" "$TMP/server-$mode.txt"
done
pass "${summary%;}"
