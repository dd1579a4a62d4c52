#!/bin/bash
# SIGKILL in the middle of admin writes: turnroom-admin rewrites one user
# with a new password each run, and is killed -9 at a random moment, many
# times, while a second writer keeps adding users. After every kill the
# database passes PRAGMA integrity_check and holds the user's old key or
# its new one, never anything else; afterwards it still opens for
# turnroom-admin and for a server that authenticates from it.
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
need sqlite3 sqlite3
REALM=interop.test
DB=$TMP/turndb
ROUNDS=${ROUNDS:-40}

key_of() { # key_of PASSWORD: the hmackey kuser would have with it
	py "$INTEROP_DIR/admin_helper.py" key kuser "$REALM" "$1"
}
# sqlite3 with a busy timeout: a writer may hold the lock, or the first
# reader after a kill may be recovering the WAL.
sql() {
	sqlite3 -cmd '.timeout 10000' "$DB" "$@"
}
stored_key() {
	sql "SELECT hmackey FROM turnusers_lt WHERE name='kuser' AND realm='$REALM'"
}

"$ADMIN" -a -b "$DB" -u kuser -r "$REALM" -p v0 2>"$TMP/admin.log" ||
	fail "turnroom-admin -a: $(cat "$TMP/admin.log")"
# A second writer, also killed from time to time, keeps the lock busy.
(
	i=0
	while :; do
		i=$((i + 1))
		"$ADMIN" -a -b "$DB" -u "bg$i" -r "$REALM" -p "bg$i"
	done
) 2>/dev/null &
BG=$!
STARTED_PIDS+=("$BG")

# How long one run takes here (a sanitizer build is slower; the fastest
# of five): kills are spread over 0 to 1.2 times that, so they land in
# every phase of a run, from start-up to the commit and the checkpoint.
RUN_US=
for i in 1 2 3 4 5; do
	t0=$(date +%s%N)
	"$ADMIN" -a -b "$DB" -u kuser -r "$REALM" -p v0 2>"$TMP/admin.log" ||
		fail "turnroom-admin -a: $(cat "$TMP/admin.log")"
	t=$((($(date +%s%N) - t0) / 1000))
	[ -z "$RUN_US" ] || [ "$t" -lt "$RUN_US" ] && RUN_US=$t
done
WINDOW_US=$((RUN_US * 6 / 5 + 1))
# Sleeping without a fork (an external sleep costs about a run's time):
# read with a timeout on a FIFO nobody writes to.
mkfifo "$TMP/never"
exec 9<>"$TMP/never"
nap() {
	read -r -t "$1" -u 9 _ || :
}

state=v0
killed=0
killed_after_commit=0
completed=0
for ((k = 1; k <= ROUNDS; k++)); do
	"$ADMIN" -a -b "$DB" -u kuser -r "$REALM" -p "v$k" 2>>"$TMP/kill-rounds.log" &
	pid=$!
	us=$(((RANDOM * 32768 + RANDOM) % WINDOW_US))
	nap "$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))"
	kill -9 "$pid" 2>/dev/null
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	if [ $((k % 5)) = 0 ]; then # now and then, the background writer too
		for child in $(pgrep -P "$BG"); do
			kill -9 "$child" 2>/dev/null
		done
	fi
	check=$(sql 'PRAGMA integrity_check' 2>&1)
	[ "$check" = ok ] || fail "round $k: integrity_check says $check"
	key=$(stored_key)
	if [ "$key" = "$(key_of "v$k")" ]; then
		state=v$k
	elif [ "$key" != "$(key_of "$state")" ]; then
		fail "round $k: kuser's key is neither the old ($state) nor the new (v$k): [$key]"
	fi
	if [ "$rc" = 0 ]; then
		completed=$((completed + 1))
		[ "$state" = "v$k" ] || fail "round $k: the run exited 0 but the new key is not stored"
	else
		killed=$((killed + 1))
		[ "$state" = "v$k" ] && killed_after_commit=$((killed_after_commit + 1))
	fi
done
# The loop stops; its last run, if any, finishes on its own.
kill "$BG" 2>/dev/null
wait "$BG" 2>/dev/null
note "one run takes ${RUN_US} us; $killed runs killed ($killed_after_commit after their commit), $completed completed; kuser ends at $state"
[ "$killed" -gt 0 ] || fail "no run was killed: the timing window missed every write"

# The database is whole and usable: the admin command writes and lists,
# and a server authenticates kuser with the password of the final state.
"$ADMIN" -a -b "$DB" -u after -r "$REALM" -p after-pw 2>"$TMP/admin.log" ||
	fail "turnroom-admin -a after the kills: $(cat "$TMP/admin.log")"
"$ADMIN" -l -b "$DB" -r "$REALM" | grep -qx "kuser\[$REALM\]" ||
	fail "kuser is not listed after the kills"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check failed at the end"
setup_lt_relay "userdb=$DB"
code=$(py "$INTEROP_DIR/admin_helper.py" alloc-code 127.0.0.1 "$PORT" kuser "$state" 127.0.0.1)
[ "$code" = 0 ] || fail "kuser with password $state got $code from the server"
run_uclient "${UCLIENT_LOAD[@]}" -u kuser -w "$state" \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
pass "$ROUNDS rounds ($killed killed mid-run), integrity ok, kuser at $state authenticates: $UCLIENT_SUMMARY"
