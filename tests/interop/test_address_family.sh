#!/bin/bash
# allocation-default-address-family and keep-address-family: the relay
# family of an Allocate without REQUESTED-ADDRESS-FAMILY, for clients on
# 127.0.0.1 and ::1 of a server with both relay families.
#   default (ipv4): IPv4 relay for both clients;
#   keep, and coturn's keep-address-family: the client's own family;
#   ipv6: IPv6 for both; ipv6 on a server without an IPv6 relay: 440.
# REQUESTED-ADDRESS-FAMILY still wins over each default.
. "$(dirname "$0")/lib.sh"
read -r MINP MAXP <<<"$(relay_window)"
conf() { # conf PORT DUAL(0|1) EXTRA-LINES...
	local port=$1 dual=$2
	shift 2
	base_conf "$port" "$MINP" "$MAXP"
	echo "user=alice:wonderland"
	if [ "$dual" = 1 ]; then
		echo "listening-ip=::1"
		echo "relay-ip=127.0.0.1"
		echo "relay-ip=::1"
	fi
	printf '%s\n' "$@"
}
PORTS=()
i=0
for mode in "" "allocation-default-address-family=keep" "keep-address-family" \
	"allocation-default-address-family=ipv6" "allocation-default-address-family=ipv6@v4only"; do
	port=$(free_port)
	PORTS+=("$port")
	if [ "${mode#*@}" = v4only ]; then
		conf "$port" 0 "${mode%@*}" >"$TMP/s$i.conf"
	else
		conf "$port" 1 "$mode" >"$TMP/s$i.conf"
	fi
	start_turnroom "$TMP/s$i.conf" "s$i"
	i=$((i + 1))
done

py - "${PORTS[@]}" <<'PYEOF' || fail "see above"
import sys
import stunpy as S
ports = [int(p) for p in sys.argv[1:]]

def relay_family(port, client_ip, raf=None):
    c = S.Client("udp", (client_ip, port), timeout=3)
    c.set_credentials("alice", "wonderland")
    attrs = [S.requested_transport()]
    if raf:
        attrs.append((S.REQUESTED_ADDRESS_FAMILY, bytes([raf, 0, 0, 0])))
    rsp = c.request_auth(S.ALLOCATE, attrs)
    ec = S.error_code(rsp)
    if ec:
        return ec[0]
    ip = S.relayed_address(rsp)[0]
    c.request_auth(S.REFRESH, [S.lifetime(0)])
    return 6 if ":" in ip else 4

cases = [
    (0, "default", {"127.0.0.1": 4, "::1": 4}),
    (1, "keep", {"127.0.0.1": 4, "::1": 6}),
    (2, "keep-address-family", {"127.0.0.1": 4, "::1": 6}),
    (3, "ipv6", {"127.0.0.1": 6, "::1": 6}),
]
for idx, name, want in cases:
    for client, fam in want.items():
        got = relay_family(ports[idx], client)
        assert got == fam, "%s: client %s got %r, expected IPv%d" % (name, client, got, fam)
        print("ok %s: client %s -> IPv%d relay" % (name, client, fam))
    # REQUESTED-ADDRESS-FAMILY overrides the default either way.
    assert relay_family(ports[idx], "::1", raf=1) == 4, name
    assert relay_family(ports[idx], "127.0.0.1", raf=2) == 6, name
got = relay_family(ports[4], "127.0.0.1")
assert got == 440, "ipv6 default without an IPv6 relay: %r" % got
print("ok ipv6 default, no IPv6 relay: 440")
PYEOF
pass "default ipv4, keep and keep-address-family follow the client (127.0.0.1/::1), ipv6, 440"
