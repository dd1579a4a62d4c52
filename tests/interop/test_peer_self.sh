#!/bin/bash
# The server's own addresses as peers (issue 8 item 7). The attack:
# with external-ip=PUB/PRIV (the README's VPS set-up) PRIV was allowed as a
# peer on every port, so any user reached any UDP service on the host's
# private address; and the server's own listeners were reachable as peers
# (TURN-in-TURN). Now PRIV (PUB, every listening and relay address) is a
# peer only on the relay port range, and the listening ports never are,
# even with allow-loopback-peers. A UDP echo socket on 127.0.0.1 outside
# the relay range stands for the host's private service.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
TLS_PORT=$(free_port)
HTTP_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "tls-listening-port=$TLS_PORT"
	echo "http-port=$HTTP_PORT"
	echo "user=alice:wonderland"
	echo "external-ip=127.0.0.1/127.0.0.1"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf" priv
PORT2=$(free_port)
read -r MINP2 MAXP2 <<<"$(relay_window)"
{
	base_conf "$PORT2" "$MINP2" "$MAXP2"
	echo "tls-listening-port=$TLS_PORT"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
} >"$TMP/turn2.conf"
start_turnroom "$TMP/turn2.conf" loopback
py - "$PORT" "$TLS_PORT" "$HTTP_PORT" "$MINP" "$PORT2" <<'PYEOF' || fail "see above"
import socket, struct, sys, time
import stunpy as S
port, tls_port, http_port, minp, port2 = map(int, sys.argv[1:])
LO = "127.0.0.1"

service = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
service.bind((LO, 0))             # a "private service" outside the relay range
service.settimeout(0.05)
svc = service.getsockname()

def code(rsp):
    ec = S.error_code(rsp)
    return ec[0] if ec else 0

def expect(rsp, want, what):
    assert code(rsp) == want, "%s: expected %d, got %r" % (what, want, rsp)
    print("ok %d %s" % (want, what))

def allocation(server_port):
    c = S.Client("udp", (LO, server_port), timeout=3)
    c.set_credentials("alice", "wonderland")
    rsp = c.allocate()
    assert rsp.cls == S.SUCCESS, rsp
    return c, S.relayed_address(rsp)

def send_indication(c, peer, data):
    tid = bytes(12)
    c.send_raw(S.build(S.Message(S.SEND, S.INDICATION, tid=tid, attrs=[
        (S.XOR_PEER_ADDRESS, S.xor_addr(peer[0], peer[1], tid)), (S.A_DATA, data)]),
        fingerprint=True))

def service_got(data, wait=0.5):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if service.recvfrom(2048)[0] == data:
                return True
        except socket.timeout:
            pass
    return False

# external-ip=127.0.0.1/127.0.0.1, loopback peers not allowed
a, relay_a = allocation(port)
b, relay_b = allocation(port)
expect(a.create_permission([(LO, 53)]), 403, "PRIV:53")
expect(a.create_permission([svc]), 403, "PRIV:%d (a service outside the relay range)" % svc[1])
for what, p in (("UDP/TCP", port), ("TLS/DTLS", tls_port), ("HTTP", http_port)):
    expect(a.create_permission([(LO, p)]), 403, "PRIV:%d (our %s listener)" % (p, what))
expect(a.channel_bind(0x4000, (LO, port)), 403, "ChannelBind to our own listener")
expect(a.create_permission([relay_b]), 0, "PRIV:%d (another allocation's relay)" % relay_b[1])
expect(b.create_permission([relay_a]), 0, "and back")
# The permission is per IP: a Send toward PRIV on another port is dropped.
send_indication(a, svc, b"to-the-service")
assert not service_got(b"to-the-service"), "Send indication reached PRIV outside the relay range"
print("ok Send indication to PRIV:%d dropped" % svc[1])
send_indication(a, relay_b, b"relay-to-relay")
deadline = time.monotonic() + 2
while True:
    pkt = b._recv_one(deadline)
    m = S.parse(pkt)
    if m.method == S.DATA and m.get(S.A_DATA) == b"relay-to-relay":
        break
print("ok relay-to-relay through PRIV on the relay ports")

# allow-loopback-peers: loopback stays open, our listeners do not
c, _ = allocation(port2)
expect(c.create_permission([(LO, port2)]), 403, "allow-loopback-peers: our own listener")
expect(c.create_permission([(LO, tls_port)]), 403, "allow-loopback-peers: our TLS port")
expect(c.create_permission([svc]), 0, "allow-loopback-peers: another loopback port")
send_indication(c, svc, b"loopback-ok")
assert service_got(b"loopback-ok"), "loopback peer not reached"
# Had it passed, our listener would answer the Binding to the relay, and
# the answer would come back to c as a Data indication from (LO, port2).
send_indication(c, (LO, port2), S.build(S.Message(S.BINDING, S.REQUEST)))
deadline = time.monotonic() + 0.8
while True:
    try:
        m = S.parse(c._recv_one(deadline))
    except (socket.timeout, OSError):
        break
    if m.method == S.DATA:
        peer = S.parse_xor_addr(m.get(S.XOR_PEER_ADDRESS), m.tid)
        assert peer != (LO, port2), "our own listener answered through the relay"
print("ok loopback peer reached; Send to our own listener dropped")
PYEOF
pass "PRIV only on relay ports; own listeners never peers, even with allow-loopback-peers"
