#!/bin/bash
# Running for years: SIGHUP with a broken file keeps the old config and
# keeps serving; SIGHUP with a new static-auth-secret makes REST
# credentials of the new secret valid at once; a reload that adds or drops
# the store or changes the realm says so; SIGTERM ends the process
# (WebSocket peers told 1001) with status 0 within 2 s.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
HTTP=$(free_port)
PEER_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
write_conf() { # write_conf SECRET [EXTRA]
	{
		base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
		echo "http-port=$HTTP"
		echo "use-auth-secret"
		echo "static-auth-secret=$1"
		echo "allow-loopback-peers"
		# uclient retries a refused Allocate ~31 times, waiting for each
		# answer: budgets above the defaults (test_auth_guess.sh tests them).
		echo "auth-fail-source=50"
		echo "auth-fail-user=50"
		uclient_conf_lines
		[ $# -gt 1 ] && echo "$2"
	} >"$TMP/turn.conf"
}
rest_run() { # rest_run SECRET: one uclient session with REST credentials
	run_uclient -m 1 -n 10 -l 100 -z 5 -c -W "$1" -u rt -e 127.0.0.1 -r "$PEER_PORT" \
		-p "$PORT" 127.0.0.1
}
write_conf old-secret
start_turnroom "$TMP/turn.conf"
start_peer "$PEER_PORT"
rest_run old-secret
uclient_assert_no_loss

# A broken file: the reload fails, says why, the old secret still works.
write_conf new-secret "no-such-option-here"
kill -HUP "$SERVER_PID"
sleep 0.5
grep -q 'reload failed, the old configuration stays in force: .*turn.conf:[0-9]*: unknown option' \
	"$SERVER_LOG" || fail "no reload failure message naming file and line"
_alive "$SERVER_PID" || fail "server died on a broken reload"
rest_run old-secret
uclient_assert_no_loss

# A good file with a new secret: new credentials valid without restart.
write_conf new-secret
kill -HUP "$SERVER_PID"
sleep 0.5
grep -q 'configuration reloaded' "$SERVER_LOG" || fail "no reload message"
rest_run new-secret
uclient_assert_no_loss
rest_run old-secret
[ "$(uclient_figures | cut -d' ' -f2)" = 0 ] || grep -q 'Cannot complete Allocation\|error 401' "$UCLIENT_LOG" ||
	fail "the removed secret still authenticates"

# A reload that changes who may authenticate says so (issue 8): a store
# added, then a truncated file that still parses (no userdb, another realm).
write_conf new-secret "userdb=$TMP/reload.db"
kill -HUP "$SERVER_PID"
sleep 0.5
grep -q "reload: userdb $TMP/reload.db added" "$SERVER_LOG" || fail "no warning for an added userdb"
write_conf new-secret
sed -i 's/^realm=.*/realm=other.test/' "$TMP/turn.conf"
kill -HUP "$SERVER_PID"
sleep 0.5
grep -q "reload: userdb $TMP/reload.db dropped" "$SERVER_LOG" || fail "no warning for a dropped userdb"
grep -q "reload: realm changed from interop.test to other.test" "$SERVER_LOG" ||
	fail "no warning for a changed realm"
[ "$(grep -c 'configuration reloaded' "$SERVER_LOG")" = 3 ] || fail "the warned reloads did not apply"

# SIGTERM with a WebSocket peer: close 1001, exit 0 within 2 s.
"$PY" - "$HTTP" "$SERVER_PID" <<'PYEOF' || fail "SIGTERM: see above"
import asyncio, json, os, signal, sys, time, websockets
async def main():
    ws = await websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/ws")
    await ws.send(json.dumps({"event": "join", "data": {"roomId": "bye"}}))
    await ws.recv()
    t = time.monotonic()
    os.kill(int(sys.argv[2]), signal.SIGTERM)
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 3)
    except websockets.ConnectionClosed as e:
        code = e.rcvd.code if e.rcvd else None
        print(f"close code {code} after {time.monotonic() - t:.2f} s")
        assert code == 1001, code
asyncio.run(main())
PYEOF
t0=$(date +%s%N)
while _alive "$SERVER_PID"; do
	[ $(($(date +%s%N) - t0)) -lt 2000000000 ] || fail "still running 2 s after SIGTERM"
	sleep 0.05
done
wait "$SERVER_PID"
rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
no_sanitizer_report "$SERVER_LOG"
SERVER_PIDS=()
pass "broken reload kept serving; new secret valid after SIGHUP; userdb/realm changes warned; SIGTERM: 1001 and exit 0 within 2 s"
