#!/bin/bash
# turnroom-admin while turnroom runs on the same database (WAL, busy
# timeouts on both sides, one transaction per change):
# 1. a user added while the server runs allocates at once (no restart,
#    no reload), and a deleted one is refused at once;
# 2. concurrent admin writes (4 writers x 25 users, plus secrets) while
#    turnutils_uclient relays and fresh users allocate: every write
#    succeeds (no "database is locked"), every allocation too.
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
need sqlite3 sqlite3
REALM=interop.test
DB=$TMP/turndb

"$ADMIN" -a -b "$DB" -u seed -r "$REALM" -p seed-pw 2>"$TMP/admin.log" ||
	fail "turnroom-admin -a seed: $(cat "$TMP/admin.log")"
setup_lt_relay "userdb=$DB"

# alloc_code USER PASSWORD SOURCE-IP: 0 or the error code of one Allocate.
# Each check uses its own source address: failed authentications are
# rate-limited per source IP.
alloc_code() {
	py "$INTEROP_DIR/admin_helper.py" alloc-code 127.0.0.1 "$PORT" "$@"
}

# ---- 1. seen at the next authentication, both ways.
[ "$(alloc_code newbie newbie-pw 127.0.0.11)" = 401 ] ||
	fail "a user not yet in the database was not refused with 401"
"$ADMIN" -a -b "$DB" -u newbie -r "$REALM" -p newbie-pw 2>"$TMP/admin.log" ||
	fail "turnroom-admin -a while the server runs: $(cat "$TMP/admin.log")"
code=$(alloc_code newbie newbie-pw 127.0.0.12)
[ "$code" = 0 ] || fail "a user added while the server runs got $code, not an allocation"
run_uclient "${UCLIENT_LOAD[@]}" -u newbie -w newbie-pw \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
live=$UCLIENT_SUMMARY
"$ADMIN" -a -b "$DB" -u newbie -r "$REALM" -p second-pw 2>"$TMP/admin.log" ||
	fail "turnroom-admin -a (new password): $(cat "$TMP/admin.log")"
[ "$(alloc_code newbie newbie-pw 127.0.0.13)" = 401 ] ||
	fail "the old password still works after -a changed it"
[ "$(alloc_code newbie second-pw 127.0.0.14)" = 0 ] ||
	fail "the new password does not work after -a changed it"
"$ADMIN" -d -b "$DB" -u newbie -r "$REALM" 2>"$TMP/admin.log" ||
	fail "turnroom-admin -d while the server runs: $(cat "$TMP/admin.log")"
[ "$(alloc_code newbie second-pw 127.0.0.15)" = 401 ] ||
	fail "a user deleted while the server runs can still allocate"

# ---- 2. concurrent writers during allocations.
# writer N: 25 users wN-1..wN-25 and one secret per user, each its own run;
# a failed run is recorded with its stderr.
writer() {
	local n=$1 i
	for ((i = 1; i <= 25; i++)); do
		"$ADMIN" -a -b "$DB" -u "w$n-$i" -r "$REALM" -p "pw$n-$i" \
			2>>"$TMP/writer-$n.err" || echo "w$n-$i -a" >>"$TMP/writer-fail"
		"$ADMIN" -s "sec$n-$i" -b "$DB" -r "$REALM" \
			2>>"$TMP/writer-$n.err" || echo "sec$n-$i -s" >>"$TMP/writer-fail"
	done
}
WRITERS=()
for n in 1 2 3 4; do
	writer "$n" &
	WRITERS+=("$!")
done
STARTED_PIDS+=("${WRITERS[@]}")
# Meanwhile: a relay session through uclient, and users added by the
# writers allocating as soon as they exist.
run_uclient -m 8 -n 100 -l 100 -z 5 -u seed -w seed-pw \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1 &
UC=$!
allocs=0
for ((i = 1; i <= 25; i += 3)); do
	for ((t = 0; t < 200; t++)); do
		sqlite3 "$DB" "SELECT 1 FROM turnusers_lt WHERE name='w1-$i'" 2>/dev/null |
			grep -q 1 && break
		sleep 0.05
	done
	code=$(alloc_code "w1-$i" "pw1-$i" 127.0.0.20)
	[ "$code" = 0 ] || fail "user w1-$i, added by a concurrent writer, got $code"
	allocs=$((allocs + 1))
done
for pid in "${WRITERS[@]}"; do
	wait "$pid"
done
wait "$UC"
# run_uclient ran in a subshell: its log is the next number.
uclient_assert_no_loss "$TMP/uclient-$((_UCLIENT_N + 1)).log"
if [ -s "$TMP/writer-fail" ]; then
	fail "$(wc -l <"$TMP/writer-fail") concurrent admin runs failed, e.g. $(head -n 1 "$TMP/writer-fail"): $(cat "$TMP"/writer-*.err | head -n 2)"
fi
grep -qi 'locked\|busy' "$TMP"/writer-*.err 2>/dev/null &&
	fail "a writer reported a lock: $(grep -i -m 1 'locked\|busy' "$TMP"/writer-*.err)"
users=$("$ADMIN" -l -b "$DB" -r "$REALM" | grep -c '^w[1-4]-')
[ "$users" = 100 ] || fail "$users of 100 users written concurrently are listed"
secrets=$("$ADMIN" -S -b "$DB" -r "$REALM" | grep -c '^sec[1-4]-')
[ "$secrets" = 100 ] || fail "$secrets of 100 secrets written concurrently are listed"
# Every writer's last user authenticates (the server saw every commit).
for n in 1 2 3 4; do
	code=$(alloc_code "w$n-25" "pw$n-25" "127.0.0.3$n")
	[ "$code" = 0 ] || fail "user w$n-25 got $code after the writers finished"
done
grep -qiE 'database is locked|sqlite.*(busy|locked)' "$SERVER_LOG" &&
	fail "the server logged a lock: $(grep -iE -m 1 'locked|busy' "$SERVER_LOG")"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check failed"
pass "added live: $live; 200 concurrent writes ok, $allocs fresh users allocated meanwhile, uclient $UCLIENT_SUMMARY"
