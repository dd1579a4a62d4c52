#!/bin/bash
# RFC 6062 TCP allocations, raw client, one case per error: Allocate TCP
# over UDP (400), Connect without a permission (403) and to a denied peer
# (403), Connect twice to one peer (446), Connect to a closed port (447),
# ConnectionBind with an unknown CONNECTION-ID (400); the happy paths
# (Connect + ConnectionBind, ConnectionAttempt + ConnectionBind) carry
# bytes both ways; an incoming peer without a permission is closed unseen;
# and a ConnectionBind 31 s after its ConnectionAttempt gets 400 with the
# peer connection closed (the RFC's 30 s). About 35 s.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "lt-cred-mech"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

cat >"$TMP/errors.py" <<'EOF2'
import socket, sys, time
import stunpy as s
import tcp_relay as t

server = ("127.0.0.1", int(sys.argv[1]))
failures = []

def expect(what, rsp, want):
    code = t.code_of(rsp)
    print(("ok  " if code == want else "BAD ") + "%s -> %d (want %d)" % (what, code, want))
    if code != want:
        failures.append("%s: %d, expected %d" % (what, code, want))

def recv_exact(sock, n, buf=b""):
    sock.settimeout(5)
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf

def closed_by_server(sock, timeout=3):
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

# Allocate TCP over UDP: 400 (RFC 6062 5.1).
u = t.control(server, transport="udp")
expect("Allocate TCP over UDP", t.allocate_tcp(u), 400)

c = t.control(server)
rsp = t.allocate_tcp(c)
expect("Allocate TCP over TCP", rsp, 200)
if t.code_of(rsp) != 200:
    sys.exit("\n".join(failures))
relay = s.relayed_address(rsp)
peer_ls = t.listener()
peer = peer_ls.getsockname()

expect("Connect without a permission", t.connect(c, peer), 403)
expect("Connect to a denied peer (10.0.0.1)", t.connect(c, ("10.0.0.1", 80)), 403)
expect("CreatePermission 127.0.0.1", c.create_permission([("127.0.0.1", 0)]), 200)
rsp = t.connect(c, peer)
expect("Connect", rsp, 200)
cid = t.connection_id(rsp)
if cid is None:
    failures.append("Connect success without CONNECTION-ID")
peer_ls.settimeout(5)
ps, src = peer_ls.accept()
if src != relay:
    failures.append("peer saw the connection from %r, not the relay %r" % (src, relay))
expect("Connect again to the same peer", t.connect(c, peer), 446)
expect("Connect to a closed port", t.connect(c, ("127.0.0.1", t.closed_port())), 447)
d, rsp = t.connection_bind(server, 0x12345678 if cid != 0x12345678 else 1, ctrl=c)
expect("ConnectionBind with an unknown CONNECTION-ID", rsp, 400)
d.close()
d, rsp = t.connection_bind(server, cid, ctrl=c)
expect("ConnectionBind", rsp, 200)
d.sock.sendall(b"to-peer" * 100)
if recv_exact(ps, 700) != b"to-peer" * 100:
    failures.append("peer did not get the client's bytes")
ps.sendall(b"to-client" * 100)
if recv_exact(d.sock, 900, d.buf) != b"to-client" * 100:
    failures.append("client did not get the peer's bytes")
d2, rsp = t.connection_bind(server, cid, ctrl=c)
expect("ConnectionBind of a bound CONNECTION-ID", rsp, 400)
d2.close()

# Incoming: a peer connects to the relayed address.
inc = socket.create_connection(relay, timeout=5)
ind = t.wait_indication(c, t.CONNECTION_ATTEMPT)
attempt_at = time.monotonic()
if ind is None:
    failures.append("no ConnectionAttempt for an incoming peer")
    sys.exit("\n".join(failures))
icid = t.connection_id(ind)
if s.parse_xor_addr(ind.get(s.XOR_PEER_ADDRESS), ind.tid) != inc.getsockname():
    failures.append("ConnectionAttempt names the wrong peer")
print("ok  ConnectionAttempt for an incoming peer")
d3, rsp = t.connection_bind(server, icid)  # the 401 dance on the data connection
expect("ConnectionBind after ConnectionAttempt", rsp, 200)
inc.sendall(b"ping")
if recv_exact(d3.sock, 4, d3.buf) != b"ping":
    failures.append("incoming peer's bytes did not reach the client")
d3.sock.sendall(b"pong")
if recv_exact(inc, 4) != b"pong":
    failures.append("client's bytes did not reach the incoming peer")
# Closing the data connection closes its peer connection (RFC 6062 5.5).
d3.close()
if not closed_by_server(inc):
    failures.append("peer connection still open after its data connection closed")

# A peer from an address without a permission is closed, unannounced.
stranger = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
stranger.bind(("127.0.0.2", 0))
stranger.connect(relay)
if not closed_by_server(stranger):
    failures.append("peer without a permission was not closed")
if t.wait_indication(c, t.CONNECTION_ATTEMPT, 1.0) is not None:
    failures.append("ConnectionAttempt for a peer without a permission")
print("ok  peer without a permission closed, no ConnectionAttempt")

# 30 s without ConnectionBind: the peer connection goes, the id is dead.
late = socket.create_connection(relay, timeout=5)
ind = t.wait_indication(c, t.CONNECTION_ATTEMPT)
lcid = t.connection_id(ind) if ind else None
start = time.monotonic()
if closed_by_server(late, 25):
    failures.append("pending peer connection closed before 25 s")
if not closed_by_server(late, 10):
    failures.append("pending peer connection still open 35 s after")
waited = time.monotonic() - start
print("ok  pending peer connection closed after %.1f s" % waited)
d4, rsp = t.connection_bind(server, lcid or 1, ctrl=c)
expect("ConnectionBind after the 30 s timeout", rsp, 400)
# The allocation and its bound pair live on.
ps.sendall(b"still")
if recv_exact(d.sock, 5) != b"still":
    failures.append("bound pair broken by the other connection's timeout")
if failures:
    sys.exit("\n".join(failures))
EOF2
py "$TMP/errors.py" "$PORT" >"$TMP/errors.log" 2>&1 || fail "$(tail -n 3 "$TMP/errors.log" | tr '\n' ' ')"
cat "$TMP/errors.log" >&2
pass "400 UDP, 403 no permission/denied, 446, 447, 400 unknown id, 400 after 30 s"
