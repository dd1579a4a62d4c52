#!/bin/bash
# Attack (issue 8, item 1): open TCP connections to the room server until
# the process runs out of file descriptors and keep opening. Before: no
# accept error callback, so libevent re-fired the listener forever (96 % of
# a core, millions of "Error from accept()" lines). Now: the listeners
# pause on EMFILE and resume from a timer; CPU and log stay small, and once
# the flood ends a new client is served again. The control socket does the
# same.
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
SOCK=$TMP/ctl.sock
HTTP_PORT=$(free_port)
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	# No connection limit before the descriptors run out: this test is
	# about running out of them.
	echo "max-connections=100000"
	echo "max-connections-per-source=100000"
	echo "control-socket=$SOCK"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
# 128 descriptors, soft and hard, on the running server.
prlimit --pid "$SERVER_PID" --nofile=128:128 || fail "prlimit failed"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
HZ=$(getconf CLK_TCK)
lines_before=$(wc -l <"$SERVER_LOG")
t0=$(cpu_ticks)
"$PY" - "$HTTP_PORT" "$TMP/flood.out" "$SOCK" <<'PYEOF' || fail "flood client failed"
# Opens connections for 6 s (at most 600), holds them, then closes them;
# once the server is out of descriptors, knocks on the control socket too.
import resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
socks, refused, end = [], 0, time.time() + 6
while time.time() < end and len(socks) + refused < 600:
    s = socket.socket()
    s.settimeout(0.2)
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
        socks.append(s)
    except OSError:
        refused += 1
        s.close()
        time.sleep(0.01)
for _ in range(20):
    u = socket.socket(socket.AF_UNIX)
    u.settimeout(0.2)
    try:
        u.connect(sys.argv[3])
        socks.append(u)
    except OSError:
        u.close()
while time.time() < end:
    time.sleep(0.1)
open(sys.argv[2], "w").write(f"{len(socks)} {refused}\n")
for s in socks:
    s.close()
PYEOF
t1=$(cpu_ticks)
lines_after=$(wc -l <"$SERVER_LOG")
read -r opened refused_c <"$TMP/flood.out"
cpu_pct=$(( (t1 - t0) * 100 / HZ / 6 ))
log_lines=$((lines_after - lines_before))
echo "flood: $opened connections held, $refused_c timed out; server CPU ${cpu_pct}% of a core over 6 s; $log_lines log lines" >&2
[ "$opened" -ge 100 ] || fail "only $opened connections opened: the flood did not reach the limit"
[ "$cpu_pct" -lt 20 ] || fail "server spent ${cpu_pct}% of a core during the flood"
[ "$log_lines" -lt 300 ] || fail "$log_lines log lines during the flood"
grep -q 'TCP listeners: accept failed .*not accepting for' "$SERVER_LOG" ||
	fail "no pause of the TCP listeners logged"
grep -q 'control socket: accept failed .*not accepting for' "$SERVER_LOG" ||
	fail "no pause of the control socket logged"

# The flood is over (its connections closed): the listener has resumed.
ok=0
for _ in $(seq 1 30); do
	if [ "$(curl -s -m 2 "http://127.0.0.1:$HTTP_PORT/healthz" | head -n 1)" = ok ]; then
		ok=1
		break
	fi
	sleep 0.2
done
[ "$ok" = 1 ] || fail "no answer after the flood: the listener did not resume"
"$ADMIN" --status --control-socket "$SOCK" >"$TMP/status.out" 2>&1 ||
	fail "control socket not answering after the flood: $(cat "$TMP/status.out")"
grep -q '^version' "$TMP/status.out" || fail "no status from the control socket"
pass "out of descriptors: ${cpu_pct}% CPU, $log_lines log lines over a 6 s flood ($opened held, $refused_c timed out); HTTP and control socket served again after it"
