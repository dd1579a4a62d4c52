#!/bin/bash
# python3-aioice as a second, independent TURN client: allocate over UDP and
# over TCP with a long-term user, echo datagrams through the relay to a local
# UDP socket (see aioice_echo.py).
. "$(dirname "$0")/lib.sh"
"$PY" -c 'import aioice' 2>/dev/null || fail "python3-aioice not installed (Debian package python3-aioice)"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "lt-cred-mech"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
out=$(timeout 60 "$PY" "$INTEROP_DIR/aioice_echo.py" --port "$PORT" \
	--user alice --password wonderland --min-port "$MINP" --max-port "$MAXP" \
	--transports udp,tcp 2>"$TMP/aioice.log")
rc=$?
[ "$rc" = 124 ] && fail "aioice_echo.py timed out"
if [ "$rc" != 0 ]; then
	[ -n "$out" ] && fail "${out#FAIL }"
	fail "aioice_echo.py exited $rc: $(tail -n 1 "$TMP/aioice.log")"
fi
pass "$out"
