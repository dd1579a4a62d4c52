#!/bin/bash
# RFC 8016 mobility (issue 13). With `mobility`: an Allocate with an empty
# MOBILITY-TICKET gets a 32-character ticket; the client binds a channel to
# an echo peer, relays, then changes its source port mid-stream (a new UDP
# socket) and sends Refresh with the ticket: the allocation moves (the
# same relayed address seen by the peer, the channel and permission kept,
# echoes reach the new socket, nothing reaches or leaves via the old one,
# which no longer has an allocation: 437). Refused: a stale ticket (the
# one the move used: a replayed Refresh cannot move it back), a forged one
# (400), another user's credentials with the ticket (441). Without
# `mobility`: 405 Mobility Forbidden. Then coturn's turnutils_uclient -M
# (each session reconnects from a new socket and refreshes with its
# ticket) relays to turnutils_peer without loss, over UDP and over TCP.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "user=alice:wonderland"
	echo "user=bob:builder"
	echo "allow-loopback-peers"
	echo "mobility"
	uclient_conf_lines
} >"$TMP/mob.conf"
start_turnroom "$TMP/mob.conf" mobility
PORT2=$(free_port)
read -r MINP2 MAXP2 <<<"$(relay_window)"
{
	base_conf "$PORT2" "$MINP2" "$MAXP2"
	echo "user=alice:wonderland"
} >"$TMP/nomob.conf"
start_turnroom "$TMP/nomob.conf" nomobility

py - "$PORT" "$PORT2" <<'PYEOF' >"$TMP/raw.log" 2>&1 || fail "raw client: $(tail -n 1 "$TMP/raw.log")"
import sys, time
import stunpy as S
import turnext as X
port, port2 = map(int, sys.argv[1:])
T = X.MOBILITY_TICKET

def client(p, user="alice", pw="wonderland"):
    c = S.Client("udp", ("127.0.0.1", p), timeout=3)
    c.set_credentials(user, pw)
    return c

def expect(rsp, want, what):
    assert X.code(rsp) == want, "%s: expected %d, got %r" % (what, want, rsp)
    print("ok %d %s" % (want, what))

def relay_echo(c, number, payload, peer):
    for _ in range(3):
        c.send_raw(X.channel_data(number, payload))
        got = X.recv_from_server(c, 1.0)
        if got:
            break
    assert got == ("chan", number, payload), "echo of %r: %r" % (payload, got)
    return peer.sources_of(payload)

# ---- mobility off: 405 ----
n = client(port2)
expect(n.request_auth(S.ALLOCATE, [S.requested_transport(), (T, b"")]), 405,
       "MOBILITY-TICKET without mobility")

# ---- mobility on ----
c = client(port)
expect(c.request_auth(S.ALLOCATE, [S.requested_transport(), (T, b"x" * 8)]), 400,
       "non-empty MOBILITY-TICKET in Allocate")
rsp = c.request_auth(S.ALLOCATE, [S.requested_transport(), (T, b"")])
expect(rsp, 0, "Allocate with an empty MOBILITY-TICKET")
relay = S.relayed_address(rsp)
ticket0 = rsp.get(T)
assert ticket0 and len(ticket0) == 32 and b"\0" not in ticket0, ticket0
peer = X.EchoPeer("127.0.0.1")
expect(c.channel_bind(0x4000, peer.addr), 0, "ChannelBind")
assert relay_echo(c, 0x4000, b"before-move", peer) == [tuple(relay)]
print("ok relayed before the move via %s:%d" % tuple(relay))

# A Refresh with the ticket from the same 5-tuple: a new ticket, no move.
rsp = c.request_auth(S.REFRESH, [S.lifetime(600), (T, ticket0)])
expect(rsp, 0, "Refresh with the ticket, same 5-tuple")
ticket1 = rsp.get(T)
assert ticket1 and len(ticket1) == 32 and ticket1 != ticket0, "ticket not renewed"

# ---- move: new source port ----
old_sock = X.new_source_port(c)
old_port = old_sock.getsockname()[1]
new_port = c.sock.getsockname()[1]
assert old_port != new_port
rsp = c.request_auth(S.REFRESH, [S.lifetime(600), (T, ticket1)])
expect(rsp, 0, "Refresh with the ticket from port %d (was %d)" % (new_port, old_port))
ticket2 = rsp.get(T)
assert ticket2 and ticket2 not in (ticket0, ticket1), "no new ticket after the move"
# The channel (and so the permission) survived, with the same relay.
assert relay_echo(c, 0x4000, b"after-move", peer) == [tuple(relay)], \
    peer.sources_of(b"after-move")
print("ok channel 0x4000 and relay %s:%d kept after the move" % tuple(relay))
# Data the peer sends on its own reaches the new socket.
peer.sock.sendto(b"peer-initiated", tuple(relay))
assert X.recv_from_server(c) == ("chan", 0x4000, b"peer-initiated")
old_sock.settimeout(0.3)
try:
    stray = old_sock.recv(65536)
    raise AssertionError("old socket still receives: %r" % stray[:16])
except OSError:
    pass
# The old 5-tuple no longer maps to the allocation.
old_sock.send(X.channel_data(0x4000, b"from-old-port"))
time.sleep(0.3)
assert not peer.sources_of(b"from-old-port"), "old 5-tuple still relays"
o = client(port)
o.sock.close()
o.sock = old_sock
expect(o.request_auth(S.REFRESH, [S.lifetime(600)]), 437, "Refresh from the old 5-tuple")
expect(c.create_permission([peer.addr]), 0, "CreatePermission on the new 5-tuple")

# ---- refusals ----
third = client(port)
expect(third.request_auth(S.REFRESH, [S.lifetime(600), (T, ticket1)]), 400,
       "stale ticket (the one the move used) from a third port")
forged = bytes([ticket2[0] ^ 1]) + ticket2[1:]
expect(third.request_auth(S.REFRESH, [S.lifetime(600), (T, forged)]), 400, "forged ticket")
bob = client(port, "bob", "builder")
expect(bob.request_auth(S.REFRESH, [S.lifetime(600), (T, ticket2)]), 441,
       "current ticket with another user's credentials")
assert relay_echo(c, 0x4000, b"still-mine", peer) == [tuple(relay)]
print("ok allocation still with its owner after the refused attempts")
expect(c.request_auth(S.REFRESH, [S.lifetime(0)]), 0, "delete")
expect(third.request_auth(S.REFRESH, [S.lifetime(600), (T, ticket2)]), 400,
       "ticket of a deleted allocation")
peer.close()
PYEOF
note "$(grep -c '^ok' "$TMP/raw.log") raw checks passed"

# coturn's client in mobility mode (it exits 0 even at 100 % loss: judge it by its totals).
PEER_PORT=$(free_port)
start_peer "$PEER_PORT"
run_uclient -M -e 127.0.0.1 -r "$PEER_PORT" -u alice -w wonderland \
	"${UCLIENT_LOAD[@]}" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
MOVES=$(grep -c "allocation moved (mobility)" "$TMP/mobility.log")
[ "$MOVES" -ge 5 ] || fail "uclient -M moved $((MOVES - 1)) allocations, want at least 4"
UDP_SUMMARY=$UCLIENT_SUMMARY
# Over TCP uclient closes its connection before the Refresh from the new
# one: the allocation must outlive its connection to be moved.
run_uclient -M -t -e 127.0.0.1 -r "$PEER_PORT" -u alice -w wonderland \
	"${UCLIENT_LOAD[@]}" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
TCP_MOVES=$(($(grep -c "allocation moved (mobility)" "$TMP/mobility.log") - MOVES))
[ "$TCP_MOVES" -ge 4 ] || fail "uclient -M -t moved $TCP_MOVES allocations, want at least 4"
pass "$(grep -c '^ok' "$TMP/raw.log") raw checks; uclient -M UDP $UDP_SUMMARY, $((MOVES - 1)) moves; TCP $UCLIENT_SUMMARY, $TCP_MOVES moves"
