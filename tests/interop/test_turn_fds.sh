#!/bin/bash
# File descriptors: allocations must not starve the listeners (issue 8,
# "Also"). The attack: every allocation holds a relay socket, so enough
# of them used up RLIMIT_NOFILE; then the HTTP/WebSocket listener and the
# control socket could accept nothing (and libevent spun on EMFILE). With
# RLIMIT_NOFILE 256 (so fd-reserve = 64), allocations are refused with 508
# while the server still has its reserve free, and with them held a GET
# /healthz, a WebSocket join and a control-socket command all work.
. "$(dirname "$0")/lib.sh"
ADMIN=$(dirname "$TURNROOM")/turnroom-admin
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
PORT=$(free_port)
HTTP_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "user=alice:wonderland"
	echo "control-socket=$TMP/ctl.sock"
} >"$TMP/turn.conf"
# bash's ulimit -n sets the soft and the hard limit, so raising the soft
# limit at start cannot undo it.
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
	fail "the server does not run under RLIMIT_NOFILE 256: $(grep 'open files' "/proc/$SERVER_PID/limits")"
cd "$INTEROP_DIR/../.." || fail "cd"
timeout -k 5 60 "$PY" - "$PORT" "$HTTP_PORT" "$SERVER_PID" "$TMP/ctl.sock" "$ADMIN" <<'PYEOF' ||
import asyncio, os, subprocess, sys
sys.path.insert(0, "tests/interop")
import stunpy as S
from signal_lib import WsClient, http_get
port, http_port, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ctl, admin = sys.argv[4], sys.argv[5]

held, codes = [], []
for i in range(400):                      # bounded: 256 descriptors in all
    c = S.Client("udp", ("127.0.0.1", port), timeout=3)
    c.set_credentials("alice", "wonderland")
    ec = S.error_code(c.allocate())
    held.append(c)
    if ec:
        codes.append(ec[0])
        break
open_fds = len(os.listdir("/proc/%d/fd" % pid))
assert codes == [508], "allocations ended with %r after %d" % (codes, len(held) - 1)
print("ok %d allocations, then 508 with %d descriptors open of 256" % (len(held) - 1, open_fds))
assert open_fds <= 256 - 64 + 2, "the reserve was eaten: %d descriptors open" % open_fds
assert len(held) - 1 >= 100, "refused too early: %d allocations" % (len(held) - 1)

rsp = http_get(http_port, "/healthz")
assert rsp.status == 200, "GET /healthz with the allocations held: %r" % rsp
print("ok GET /healthz answered 200")

async def ws_join():
    ws = await WsClient.connect(http_port, "A")
    joined = await ws.join("fds-room")
    assert joined.get("userId"), joined
    await ws.close()
asyncio.run(ws_join())
print("ok a WebSocket joins a room")
out = subprocess.run([admin, "--status", "--control-socket", ctl], capture_output=True,
                     text=True, timeout=10)
assert out.returncode == 0 and "allocations" in out.stdout, (out.returncode, out.stdout, out.stderr)
print("ok turnroom-admin --status over the control socket")
# Freed descriptors come back: after deleting ten allocations, one more fits.
for c in held[:10]:
    c.request_auth(S.REFRESH, [S.lifetime(0)])
c = S.Client("udp", ("127.0.0.1", port), timeout=3)
c.set_credentials("alice", "wonderland")
rsp = c.allocate()
assert rsp.cls == S.SUCCESS, "after freeing ten: %r" % rsp
print("ok descriptors freed by deletes are usable again")
PYEOF
	fail "see above"
grep -qiE 'accept|too many open files' "$SERVER_LOG" &&
	fail "a listener failed: $(grep -m 1 -iE 'accept|too many open files' "$SERVER_LOG")"
grep -q "file descriptor reserve reached" "$SERVER_LOG" || fail "no log line for the refusal"
pass "508 before the descriptor reserve; /healthz, WebSocket and control socket still work"
