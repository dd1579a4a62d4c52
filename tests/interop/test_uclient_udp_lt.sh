#!/bin/bash
# turnutils_uclient over UDP, long-term credentials, ChannelData (uclient's
# default), relaying to turnutils_peer on 127.0.0.1: every message echoed.
. "$(dirname "$0")/lib.sh"
setup_lt_relay
run_uclient "${UCLIENT_LOAD[@]}" -u alice -w wonderland \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
pass "UDP, channels: $UCLIENT_SUMMARY"
