#!/bin/bash
# turnutils_stunclient (coturn) gets its mapped address from our Binding
# response: the XOR-MAPPED-ADDRESS must decode to 127.0.0.1.
. "$(dirname "$0")/lib.sh"
need turnutils_stunclient

PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "user=alice:wonderland"   # turnroom refuses to start without credentials
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

# stunclient never gives up on a silent server: bound it.
timeout 20 turnutils_stunclient -p "$PORT" 127.0.0.1 >"$TMP/stunclient.log" 2>&1 ||
	fail "turnutils_stunclient exited $? (124 = no answer in 20 s)"
addr=$(grep -m 1 -oE 'reflexive addr: [0-9.]+:[0-9]+' "$TMP/stunclient.log" |
	sed 's/reflexive addr: //')
[ -n "$addr" ] || fail "no reflexive address in stunclient output: $(head -c 200 "$TMP/stunclient.log")"
[ "${addr%:*}" = 127.0.0.1 ] || fail "mapped address $addr, expected 127.0.0.1"
pass "mapped address $addr"
