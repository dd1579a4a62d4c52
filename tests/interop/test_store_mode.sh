#!/bin/bash
# The credential store holds hmackeys and REST secrets: a local user other
# than the server's must not read them. A store the server creates, its
# -wal and -shm, and one turnroom-admin creates are mode 0600; a server
# started on an existing store that group or others can read says so.
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
PORT=$(free_port)
HTTP=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
mode() { stat -c %a "$1"; }
umask 022 # what a service manager or a shell usually gives

# 1. A fresh store: the room server writes its generated secret into it.
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP"
	echo "userdb=$TMP/fresh.db"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
for f in fresh.db fresh.db-wal fresh.db-shm; do
	[ -e "$TMP/$f" ] || fail "$f not created by the running server"
	[ "$(mode "$TMP/$f")" = 600 ] || fail "$f created with mode $(mode "$TMP/$f"), not 600"
done
grep -q 'lets other local users read' "$SERVER_LOG" && fail "warning about a store just created 0600"

# 2. turnroom-admin creating a store.
"$ADMIN" -a -b "$TMP/admin.db" -u bob -r interop.test -p pw >"$TMP/admin.log" 2>&1 ||
	fail "turnroom-admin -a failed: $(tail -n 1 "$TMP/admin.log")"
for f in "$TMP"/admin.db*; do
	[ "$(mode "$f")" = 600 ] || fail "$(basename "$f") created by turnroom-admin with mode $(mode "$f")"
done

# 3. An existing store left 0644 (as turnroom 0.1 created them): a warning.
PORT2=$(free_port)
cp "$TMP/admin.db" "$TMP/old.db"
chmod 644 "$TMP/old.db"
{
	base_conf "$PORT2" "$MINP" "$MAXP"
	echo "userdb=$TMP/old.db"
} >"$TMP/old.conf"
start_turnroom "$TMP/old.conf" old
grep -q "sqlite $TMP/old.db: mode 0644 lets other local users read" "$SERVER_LOG" ||
	fail "no warning about a 0644 store"
pass "fresh db, -wal, -shm and turnroom-admin's db are 0600; a 0644 store is warned about"
