#!/bin/bash
# One TURN message per TLS record. RFC 8656 frames a stream by length, but
# record-oriented clients (coturn's turnutils_uclient reads one record as
# one message) lost every second ChannelData frame when the server's TLS
# bufferevent coalesced two queued messages into one record. A raw TLS
# client (tls_records.py) cuts the stream into records before decrypting,
# while UDP peers burst toward the relay and the client does not read, and
# asserts every record holds exactly one message.
. "$(dirname "$0")/lib.sh"
need openssl
PORT=$(free_port)
TLS=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
self_signed_cert "$TMP/key.pem" "$TMP/cert.pem" "records.test"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "tls-listening-port=$TLS"
	echo "https-port=$TLS"
	echo "cert=$TMP/cert.pem"
	echo "pkey=$TMP/key.pem"
	echo "no-dtls"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
out=$(timeout 50 bash -c "$(declare -f py); INTEROP_DIR='$INTEROP_DIR' PY='$PY' py '$INTEROP_DIR/tls_records.py' '$TLS'" 2>&1)
rc=$?
[ "$rc" -eq 0 ] || fail "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
pass "$out"
