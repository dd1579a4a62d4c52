#!/bin/bash
# RFC 8656 dual-stack allocations (issue 13). A server with relays on
# 127.0.0.1 and ::1: an Allocate with ADDITIONAL-ADDRESS-FAMILY gets one
# allocation with an IPv4 and an IPv6 relayed address; a permission and a
# channel per family; Send and ChannelData toward an IPv4 and an IPv6
# echo peer leave from the relayed address of the peer's family (checked
# at the peer) and the echoes come back through the one allocation; a
# Refresh with REQUESTED-ADDRESS-FAMILY=IPv6 and LIFETIME 0 releases the
# IPv6 side only. The forbidden combinations get 400. A server with IPv4
# relays only allocates IPv4 and answers ADDRESS-ERROR-CODE 440 for IPv6.
# Then coturn's turnutils_uclient -Z (dual allocation) relays through it.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "listening-ip=::1"
	echo "relay-ip=127.0.0.1"
	echo "relay-ip=::1"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/dual.conf"
start_turnroom "$TMP/dual.conf" dual
PORT4=$(free_port)
read -r MINP4 MAXP4 <<<"$(relay_window)"
{
	base_conf "$PORT4" "$MINP4" "$MAXP4"
	echo "relay-ip=127.0.0.1"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
} >"$TMP/v4.conf"
start_turnroom "$TMP/v4.conf" v4only

py - "$PORT" "$PORT4" "$MINP" "$MAXP" <<'PYEOF' >"$TMP/raw.log" 2>&1 || fail "raw client: $(tail -n 1 "$TMP/raw.log")"
import sys, time
import stunpy as S
import turnext as X
port, port4, minp, maxp = map(int, sys.argv[1:])

def client(p):
    c = S.Client("udp", ("127.0.0.1", p), timeout=3)
    c.set_credentials("alice", "wonderland")
    return c

def expect(rsp, want, what):
    assert X.code(rsp) == want, "%s: expected %d, got %r" % (what, want, rsp)
    print("ok %d %s" % (want, what))

# ---- forbidden combinations: 400 (RFC 8656 7.2) ----
c = client(port)
expect(c.request_auth(S.ALLOCATE, [S.requested_transport(), X.raf(1), X.aaf(2)]),
       400, "REQUESTED- and ADDITIONAL-ADDRESS-FAMILY together")
expect(c.request_auth(S.ALLOCATE, [S.requested_transport(), X.aaf(1)]),
       400, "ADDITIONAL-ADDRESS-FAMILY naming IPv4")
expect(c.request_auth(S.ALLOCATE, [S.requested_transport(), X.aaf(2),
                                   (X.RESERVATION_TOKEN, bytes(8))]),
       400, "ADDITIONAL-ADDRESS-FAMILY with RESERVATION-TOKEN")
expect(c.request_auth(S.ALLOCATE, [S.requested_transport(), X.aaf(2),
                                   (X.EVEN_PORT, b"\x80")]),
       400, "ADDITIONAL-ADDRESS-FAMILY with EVEN-PORT reserving a pair")

# ---- one allocation, two relayed addresses ----
rsp = c.request_auth(S.ALLOCATE, [S.requested_transport(), X.aaf(2)])
expect(rsp, 0, "dual Allocate")
relays = X.relayed_addresses(rsp)
assert len(relays) == 2, "want 2 XOR-RELAYED-ADDRESS, got %r" % relays
r4, r6 = relays
assert r4[0] == "127.0.0.1" and r6[0] == "::1", relays
assert all(minp <= p <= maxp for _, p in relays), relays
assert X.address_error(rsp) is None, "ADDRESS-ERROR-CODE on a full success"
print("ok relayed %s:%d and [%s]:%d" % (r4 + r6))

p4, p6 = X.EchoPeer("127.0.0.1"), X.EchoPeer("::1")
expect(c.create_permission([p4.addr, p6.addr]), 0, "one CreatePermission for both families")

# Send indications: each leaves from the relay of its peer's family.
for peer, relay, tag in ((p4, r4, b"v4"), (p6, r6, b"v6")):
    payload = b"send-" + tag
    X.send_indication(c, peer.addr, payload)
    got = X.recv_from_server(c)
    assert got == ("data", tuple(peer.addr), payload), "echo via %s: %r" % (tag, got)
    src = peer.sources_of(payload)
    assert src == [tuple(relay)], "peer %s saw %r, want the relay %r" % (tag, src, relay)
    print("ok Send/Data %s through relay %r" % (tag.decode(), relay))

# Channels, one per family.
expect(c.channel_bind(0x4000, p6.addr), 0, "ChannelBind IPv6 peer")
expect(c.channel_bind(0x4001, p4.addr), 0, "ChannelBind IPv4 peer")
for number, peer, relay in ((0x4000, p6, r6), (0x4001, p4, r4)):
    payload = b"chan-%x" % number
    for _ in range(3):
        c.send_raw(X.channel_data(number, payload))
        got = X.recv_from_server(c, 1.0)
        if got:
            break
    assert got == ("chan", number, payload), "channel 0x%x: %r" % (number, got)
    assert peer.sources_of(payload)[0] == tuple(relay), peer.sources_of(payload)
    print("ok ChannelData 0x%x both ways via %r" % (number, relay))

# ---- release the IPv6 side only ----
expect(c.request_auth(S.REFRESH, [S.lifetime(0), X.raf(2)]), 0,
       "Refresh REQUESTED-ADDRESS-FAMILY=IPv6 LIFETIME 0")
c.send_raw(X.channel_data(0x4000, b"after-v6-release"))
time.sleep(0.5)
assert not p6.sources_of(b"after-v6-release"), "IPv6 relay still relays"
expect(c.create_permission([p6.addr]), 443, "IPv6 peer after the IPv6 release")
c.send_raw(X.channel_data(0x4001, b"v4-still"))
got = X.recv_from_server(c)
assert got == ("chan", 0x4001, b"v4-still"), "IPv4 side after IPv6 release: %r" % (got,)
print("ok IPv4 side lives on")
expect(c.request_auth(S.REFRESH, [S.lifetime(600), X.raf(2)]), 443,
       "Refresh of the released family")
expect(c.request_auth(S.REFRESH, [S.lifetime(0)]), 0, "Refresh LIFETIME 0 deletes")
expect(c.create_permission([p4.addr]), 437, "after delete")

# ---- a single-family allocation still refuses the other family ----
c2 = client(port)
rsp = c2.allocate()
expect(rsp, 0, "plain Allocate")
assert len(X.relayed_addresses(rsp)) == 1
expect(c2.create_permission([p6.addr]), 443, "IPv6 peer on an IPv4 allocation")
expect(c2.request_auth(S.REFRESH, [S.lifetime(0)]), 0, "delete")

# ---- IPv6 only via REQUESTED-ADDRESS-FAMILY ----
c3 = client(port)
rsp = c3.request_auth(S.ALLOCATE, [S.requested_transport(), X.raf(2)])
expect(rsp, 0, "IPv6 Allocate")
assert [a[0] for a in X.relayed_addresses(rsp)] == ["::1"], X.relayed_addresses(rsp)
expect(c3.create_permission([p4.addr]), 443, "IPv4 peer on an IPv6 allocation")
expect(c3.request_auth(S.REFRESH, [S.lifetime(0)]), 0, "delete")

# ---- a server with IPv4 relays only: 440 in ADDRESS-ERROR-CODE ----
d = client(port4)
rsp = d.request_auth(S.ALLOCATE, [S.requested_transport(), X.aaf(2)])
expect(rsp, 0, "dual Allocate on an IPv4-only server")
relays = X.relayed_addresses(rsp)
assert [a[0] for a in relays] == ["127.0.0.1"], relays
assert X.address_error(rsp) == (2, 440), "ADDRESS-ERROR-CODE %r" % (X.address_error(rsp),)
print("ok IPv4 relay and ADDRESS-ERROR-CODE IPv6 440")
expect(d.create_permission([p4.addr]), 0, "IPv4 permission")
expect(d.create_permission([p6.addr]), 443, "IPv6 permission")
d2 = client(port4)
expect(d2.request_auth(S.ALLOCATE, [S.requested_transport(), X.raf(2)]), 440,
       "REQUESTED-ADDRESS-FAMILY=IPv6 on an IPv4-only server")
p4.close(); p6.close()
PYEOF
note "$(grep -c '^ok' "$TMP/raw.log") raw checks passed"
grep -q "allocation created" "$TMP/dual.log" || fail "no allocation in the server log"

# coturn's client in dual-allocation mode through the same server.
PEER_PORT=$(free_port)
start_peer "$PEER_PORT"
run_uclient -Z -e 127.0.0.1 -r "$PEER_PORT" -u alice -w wonderland \
	"${UCLIENT_LOAD[@]}" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
# uclient 4.6.1 asks with the draft code point 0x8032: still dual (one
# dual allocation of the raw client above, one per uclient session).
DUALS=$(grep -cE "allocation created: client [^ ]+ relay 127\.0\.0\.1:[0-9]+,\[::1\]:[0-9]+" "$TMP/dual.log")
[ "$DUALS" -ge 5 ] || fail "uclient -Z got $((DUALS - 1)) dual allocations, want 4 (server log)"
pass "$(grep -c '^ok' "$TMP/raw.log") raw checks; uclient -Z $UCLIENT_SUMMARY"
