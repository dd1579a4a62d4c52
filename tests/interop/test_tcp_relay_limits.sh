#!/bin/bash
# RFC 6062 TCP allocations under the limits (and EVEN-PORT refused with
# 400, as 5.1 says, before any quota): user-quota counts TCP
# allocations (with user-quota=2, TCP + UDP allocations, then a third
# allocation gets 486); an allocation holds at most 64 peer connections
# (the 65th Connect gets 508, a 65th incoming peer is closed without a
# ConnectionAttempt); deleting the allocation (Refresh 0) closes its peer
# connections; the turnroom_tcp_relay_connections gauge shows the 64.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
METRICS_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$METRICS_PORT"
	echo "userdb=$TMP/turndb"
	echo "lt-cred-mech"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
	echo "user-quota=2"
	echo "metrics-token=tcp-metrics"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

cat >"$TMP/limits.py" <<'EOF2'
import socket, sys
import stunpy as s
import tcp_relay as t

server = ("127.0.0.1", int(sys.argv[1]))
failures = []

def expect(what, code, want):
    print(("ok  " if code == want else "BAD ") + "%s -> %d (want %d)" % (what, code, want))
    if code != want:
        failures.append("%s: %d, expected %d" % (what, code, want))

def closed_by_server(sock, timeout=3):
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

c = t.control(server)
rsp = t.allocate_tcp(c)
expect("TCP Allocate", t.code_of(rsp), 200)
relay = s.relayed_address(rsp)
u = t.control(server, transport="udp")
expect("UDP Allocate (2nd of user-quota=2)", t.code_of(u.allocate()), 200)
c3 = t.control(server)
expect("TCP Allocate (3rd, over user-quota)", t.code_of(t.allocate_tcp(c3)), 486)
c3.close()
c4 = t.control(server)
even = c4.request_auth(s.ALLOCATE, [s.requested_transport(t.TCP), (0x0018, b"\x00")])
expect("TCP Allocate with EVEN-PORT (RFC 6062 5.1)", t.code_of(even), 400)
c4.close()

c.create_permission([("127.0.0.1", 0)])
peers = [t.listener() for _ in range(65)]
codes = [t.code_of(t.connect(c, p.getsockname())) for p in peers]
expect("64 Connects", sum(1 for x in codes[:64] if x == 200), 64)
expect("65th Connect", codes[64], 508)
extra = socket.create_connection(relay, timeout=5)
if not closed_by_server(extra):
    failures.append("65th incoming peer not closed")
if t.wait_indication(c, t.CONNECTION_ATTEMPT, 1.0) is not None:
    failures.append("ConnectionAttempt past the 64 connections")
print("ok  65th incoming peer closed without a ConnectionAttempt")
import urllib.request
metrics = urllib.request.urlopen(urllib.request.Request(
    "http://127.0.0.1:%s/metrics" % sys.argv[2],
    headers={"Authorization": "Bearer tcp-metrics"}), timeout=5).read().decode()
live = [l for l in metrics.splitlines() if l.startswith("turnroom_tcp_relay_connections ")]
expect("turnroom_tcp_relay_connections", int(live[0].split()[1]) if live else -1, 64)
peers[0].settimeout(5)
ps, _ = peers[0].accept()
expect("Refresh 0", t.code_of(c.request_auth(s.REFRESH, [s.lifetime(0)])), 200)
if not closed_by_server(ps):
    failures.append("peer connection outlived its allocation")
print("ok  peer connection closed with its allocation")
if failures:
    sys.exit("\n".join(failures))
EOF2
py "$TMP/limits.py" "$PORT" "$METRICS_PORT" >"$TMP/limits.log" 2>&1 || fail "$(tail -n 3 "$TMP/limits.log" | tr '\n' ' ')"
note "$(cat "$TMP/limits.log")"
pass "user-quota counts TCP allocations (486), 64 connections per allocation (508), closed with the allocation"
