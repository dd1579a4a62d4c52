#!/bin/bash
# Live control over the control socket (control-socket=PATH, mode 0600):
# turnroom-admin --status, --sessions (lists a live allocation's user),
# --disconnect USER (ends the allocation: its next Refresh gets 437
# Allocation Mismatch), --reload; refusals exit 1 with the server's reason,
# and a server that is not there is "cannot reach turnroom at PATH".
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
[ "$SERVER" = turnroom ] || { echo "PASS $TEST_NAME: coturn has no control socket"; exit 0; }
SOCK=$TMP/turnroom.ctl
setup_lt_relay "control-socket=$SOCK" "user=ctluser:ctl-pw"

# ctl ARGS...: turnroom-admin; stdout in $OUT, stderr in $ERR, status in $RC.
ctl() {
	RC=0
	"$ADMIN" "$@" >"$TMP/out" 2>"$TMP/err" || RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

[ -S "$SOCK" ] || fail "no control socket at $SOCK"
mode=$(stat -c %a "$SOCK")
[ "$mode" = 600 ] || fail "the control socket has mode $mode, not 600"

ctl --status --control-socket "$SOCK"
[ "$RC" = 0 ] || fail "--status exited $RC: $ERR"
grep -q allocations <<<"$OUT" || fail "--status printed no allocations line: [$OUT]"
grep -qx OK <<<"$OUT" && fail "--status printed the protocol's OK line"

# A live allocation, held by a raw client until we tell it to Refresh.
mkfifo "$TMP/go"
py "$INTEROP_DIR/admin_helper.py" alloc-then-refresh 127.0.0.1 "$PORT" ctluser ctl-pw \
	"$TMP/go" >"$TMP/client.log" 2>&1 &
CLIENT=$!
STARTED_PIDS+=("$CLIENT")
for ((i = 0; i < 50; i++)); do
	grep -q '^allocated' "$TMP/client.log" && break
	_alive "$CLIENT" || break
	sleep 0.1
done
grep -q '^allocated' "$TMP/client.log" || fail "the client did not allocate: $(cat "$TMP/client.log")"

# -c FILE gives the socket path.
ctl --sessions -c "$TMP/turn.conf"
[ "$RC" = 0 ] || fail "--sessions exited $RC: $ERR"
grep -q ctluser <<<"$OUT" || fail "--sessions does not list ctluser's allocation: [$OUT]"
ctl --status -c "$TMP/turn.conf"
grep -qE 'allocations[ =:]+1' <<<"$OUT" || fail "--status does not count 1 allocation: [$OUT]"

ctl --disconnect ctluser --control-socket "$SOCK"
[ "$RC" = 0 ] || fail "--disconnect ctluser exited $RC: $ERR"
echo go >"$TMP/go"
wait "$CLIENT"
grep -q '^refresh 437' "$TMP/client.log" ||
	fail "after --disconnect the Refresh got [$(grep refresh "$TMP/client.log")], not 437"
ctl --sessions --control-socket "$SOCK"
grep -q ctluser <<<"$OUT" && fail "--sessions still lists ctluser after --disconnect: [$OUT]"

ctl --disconnect nobody --control-socket "$SOCK"
[ "$RC" = 1 ] || fail "--disconnect of a user with no session exited $RC"
grep -q 'nobody' <<<"$ERR" || fail "--disconnect nobody: the reason is missing: [$ERR]"

ctl --reload --control-socket "$SOCK"
[ "$RC" = 0 ] || fail "--reload exited $RC: $ERR"
ctl --status --control-socket "$SOCK"
[ "$RC" = 0 ] || fail "--status after --reload exited $RC: $ERR"

ctl --status --control-socket "$TMP/nothing-here.ctl"
[ "$RC" = 1 ] || fail "--status with no server exited $RC"
grep -q "cannot reach turnroom at $TMP/nothing-here.ctl" <<<"$ERR" ||
	fail "--status with no server said [$ERR]"
ctl --disconnect "$(printf 'a\nstatus')" --control-socket "$SOCK"
[ "$RC" = 1 ] || fail "a user name with a line break was sent"
pass "status, sessions, disconnect (Refresh then 437), reload"
