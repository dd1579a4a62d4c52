#!/bin/bash
# turnutils_uclient over TCP (-t) to the server, long-term credentials,
# ChannelData framed and padded on the stream, UDP relay to turnutils_peer.
. "$(dirname "$0")/lib.sh"
setup_lt_relay
run_uclient -t "${UCLIENT_LOAD[@]}" -u alice -w wonderland \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
pass "TCP, channels: $UCLIENT_SUMMARY"
