#!/bin/bash
# A TCP client that holds no allocation is disconnected after
# max-allocate-timeout (here 2 s); one with an allocation is not.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "user=alice:wonderland"
	echo "max-allocate-timeout=2"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
py - "$PORT" <<'PYEOF' || fail "see above"
import socket, sys, time
import stunpy
port = int(sys.argv[1])

def binding_over_tcp():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(stunpy.build(stunpy.Message(stunpy.BINDING, stunpy.REQUEST)))
    assert s.recv(2048)[:2] == b"\x01\x01", "no Binding success over TCP"
    return s

idle = binding_over_tcp()
t = time.monotonic()
idle.settimeout(6)
data = idle.recv(1)   # b"" when the server closes
waited = time.monotonic() - t
assert data == b"" and 1.5 <= waited <= 4.5, (data, waited)
print(f"idle TCP client closed after {waited:.1f} s")

c = stunpy.Client("tcp", ("127.0.0.1", port), timeout=5)
c.set_credentials("alice", "wonderland")
rsp = c.allocate()
assert rsp.cls == stunpy.SUCCESS, rsp
time.sleep(4)
rsp = c.request_auth(stunpy.REFRESH, [stunpy.lifetime(600)])
assert rsp.cls == stunpy.SUCCESS, rsp   # still connected and allocated
print("client with an allocation kept")
PYEOF
pass "idle TCP client closed after max-allocate-timeout; allocated one kept"
