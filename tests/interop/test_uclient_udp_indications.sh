#!/bin/bash
# turnutils_uclient -s: Send indications out and Data indications back
# instead of channels, over UDP and over TCP, long-term credentials.
. "$(dirname "$0")/lib.sh"
setup_lt_relay
run_uclient -s "${UCLIENT_LOAD[@]}" -u alice -w wonderland \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
udp=$UCLIENT_SUMMARY
run_uclient -s -t "${UCLIENT_LOAD[@]}" -u alice -w wonderland \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
pass "Send/Data indications, UDP: $udp; TCP: $UCLIENT_SUMMARY"
