#!/bin/bash
# The descriptor reserve covers RFC 6062 peer connections too: under
# RLIMIT_NOFILE 256 (fd-reserve 64), TCP allocations Connect to peer after
# peer until Connect answers 508 while the reserve is still free; a peer
# connecting in then is closed without a ConnectionAttempt; and the server
# still answers a Binding and a new client's Allocate.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "lt-cred-mech"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
} >"$TMP/turn.conf"
cat >"$TMP/limited.sh" <<EOF
#!/bin/bash
ulimit -n 256 || exit 1
exec "$TURNROOM" "\$@"
EOF
chmod +x "$TMP/limited.sh"
REAL_TURNROOM=$TURNROOM
TURNROOM=$TMP/limited.sh
start_turnroom "$TMP/turn.conf"
TURNROOM=$REAL_TURNROOM
grep -q '^Max open files *256 *256' "/proc/$SERVER_PID/limits" ||
	fail "the server does not run under RLIMIT_NOFILE 256"

cat >"$TMP/fds.py" <<'EOF2'
import os, socket, sys
import stunpy as s
import tcp_relay as t

server, pid = ("127.0.0.1", int(sys.argv[1])), int(sys.argv[2])
codes, controls, peers, relay = [], [], [], None
for a in range(5):                          # 5 x 64 connections > 256
    c = t.control(server)
    rsp = t.allocate_tcp(c)
    if t.code_of(rsp) != 200:
        sys.exit("TCP Allocate %d: %d" % (a, t.code_of(rsp)))
    relay = s.relayed_address(rsp)
    c.create_permission([("127.0.0.1", 0)])
    controls.append(c)
    for i in range(64):
        ls = t.listener()
        peers.append(ls)
        code = t.code_of(t.connect(c, ls.getsockname()))
        if code != 200:
            codes.append(code)
            break
    if codes:
        break
open_fds = len(os.listdir("/proc/%d/fd" % pid))
if codes != [508]:
    sys.exit("Connects ended with %r after %d peers" % (codes, len(peers) - 1))
print("ok %d peer connections, then 508 with %d descriptors open of 256"
      % (len(peers) - 1, open_fds))
if open_fds > 256 - 64 + 2:
    sys.exit("the reserve was eaten: %d descriptors open" % open_fds)
if len(peers) - 1 < 100:
    sys.exit("refused too early: %d peer connections" % (len(peers) - 1))
inc = socket.create_connection(relay, timeout=5)
inc.settimeout(3)
try:
    closed = inc.recv(1) == b""
except ConnectionResetError:
    closed = True
except socket.timeout:
    closed = False
if not closed or t.wait_indication(controls[-1], t.CONNECTION_ATTEMPT, 1.0):
    sys.exit("an incoming peer was taken past the reserve")
print("ok incoming peer closed past the reserve")
s.Client("udp", server).binding()
c = t.control(server)
code = t.code_of(c.allocate())
if code not in (200, 508):
    sys.exit("Allocate with the reserve held: %d" % code)
print("ok Binding answered, Allocate answered %d, %d descriptors open" % (code, len(os.listdir("/proc/%d/fd" % pid))))
EOF2
py "$TMP/fds.py" "$PORT" "$SERVER_PID" >"$TMP/fds.log" 2>&1 || fail "$(tail -n 3 "$TMP/fds.log" | tr '\n' ' ')"
note "$(cat "$TMP/fds.log")"
pass "$(head -n 1 "$TMP/fds.log" | sed 's/^ok //')"
