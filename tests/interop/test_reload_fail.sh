#!/bin/bash
# A reload is all or nothing (issue 8 item 9). Each step that can fail is
# made to fail in turn: a bad config line, a bad peer range, bad
# turn-servers, alternate-server, redis and node-id values, no
# credentials at all, a store that cannot be opened, a store that cannot be
# written (locked by another process: the room server must store its
# generated secret there), a missing certificate, and the case that used to
# leave TURN on freed memory: the old certificate deleted, the new config
# naming another one and a store that cannot be written (the rollback then
# failed and TURN kept the new, freed, conf and auth). After each, the log
# says why, and the server keeps serving the old config: an Allocate with the
# old REST secret works and a WebSocket join works. Run it under the ASan
# build too: a use-after-free is a sanitizer report there.
. "$(dirname "$0")/lib.sh"
need openssl
PORT=$(free_port)
TLS=$(free_port)
HTTP=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
for n in a b; do
	self_signed_cert "$TMP/$n-key.pem" "$TMP/$n-cert.pem" "$n.test"
done
write_conf() { # write_conf SECRET CERT USERDB [EXTRA-LINES...]
	{
		base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
		echo "http-port=$HTTP"
		echo "tls-listening-port=$TLS"
		echo "https-port=$TLS"
		echo "cert=$TMP/$2-cert.pem"
		echo "pkey=$TMP/$2-key.pem"
		[ -n "$1" ] && echo "static-auth-secret=$1"
		echo "userdb=$3"
		echo "allow-loopback-peers"
		shift 3
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$TMP/turn.conf"
}
probe() { # probe WHAT: the old config still serves
	local why
	why=$(py "$INTEROP_DIR/reload_probe.py" "$PORT" "$HTTP" old-secret "room-$RANDOM") ||
		fail "after $1: $why"
}
N_FAILED=0
reload_must_fail() { # reload_must_fail WHAT LOG-PATTERN
	kill -HUP "$SERVER_PID"
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -c 'reload failed' "$SERVER_LOG")" -gt "$N_FAILED" ] && break
		sleep 0.1
	done
	N_FAILED=$((N_FAILED + 1))
	grep 'reload failed' "$SERVER_LOG" | tail -n 1 |
		grep -q 'the old configuration stays in force: ' ||
		fail "$1: no 'reload failed' line"
	grep -q -- "$2" "$SERVER_LOG" || fail "$1: the log does not say why ($2)"
	grep -q 'configuration reloaded' "$SERVER_LOG" && fail "$1: reported as reloaded"
	_alive "$SERVER_PID" || fail "server died on $1"
	probe "$1"
	note "$1: refused, old config serving"
}

write_conf old-secret a "$TMP/live.db"
start_turnroom "$TMP/turn.conf"
probe "start"

write_conf new-secret a "$TMP/live.db" "no-such-option-here"
reload_must_fail "a bad config line" "turn.conf:[0-9]*: unknown option"

write_conf new-secret a "$TMP/live.db" "denied-peer-ip=10.0.0.1-banana"
reload_must_fail "a bad peer range" "denied-peer-ip"

# Values src/conf checks at load (issue 17): before, a bad turn-servers
# was committed and handed out as broken URLs, a bad redis or node-id
# passed until a restart started the cluster.
write_conf new-secret a "$TMP/live.db" "turn-servers=turn.example.org:99999"
reload_must_fail "a bad turn-servers" \
	"turn.conf:[0-9]*: bad value 'turn.example.org:99999' for 'turn-servers'"
write_conf new-secret a "$TMP/live.db" "alternate-server=relay2.example.org"
reload_must_fail "a bad alternate-server" \
	"turn.conf:[0-9]*: bad value 'relay2.example.org' for 'alternate-server'"
write_conf new-secret a "$TMP/live.db" "redis=redis.internal"
reload_must_fail "a redis without a port" "turn.conf:[0-9]*: bad value 'redis.internal' for 'redis'"
write_conf new-secret a "$TMP/live.db" "node-id=eu/1"
reload_must_fail "a bad node-id" "turn.conf:[0-9]*: bad value 'eu/1' for 'node-id'"

{ base_conf "$PORT" "$MINP" "$MAXP"; } >"$TMP/turn.conf"
reload_must_fail "no credentials" "no credentials configured"

write_conf new-secret a "$TMP/no-such-dir/x.db"
reload_must_fail "a store that cannot be opened" "cannot open userdb $TMP/no-such-dir/x.db"

printf 'this is not a database, just sixty-four bytes of text, really..' >"$TMP/junk.db"
write_conf new-secret a "$TMP/junk.db"
reload_must_fail "a store that is not sqlite" "cannot open userdb $TMP/junk.db"

write_conf new-secret missing "$TMP/live.db"
reload_must_fail "a missing certificate" "missing-cert.pem"

# A store another process holds the write lock of (as root, file modes
# do not stop writes): it cannot even be set up.
"$PY" - "$TMP/locked.db" <<'PYEOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("BEGIN IMMEDIATE")
open(sys.argv[1] + ".locked", "w").close()
time.sleep(60)
PYEOF
STARTED_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do [ -e "$TMP/locked.db.locked" ] && break; sleep 0.1; done
[ -e "$TMP/locked.db.locked" ] || fail "the store locker did not start"
write_conf new-secret a "$TMP/locked.db"
reload_must_fail "a store locked by another process" "locked.db: creating the tables: database is locked"

# A store that opens but refuses writes (a trigger aborts every insert
# into turn_secret), without a secret: the room server must write one.
"$PY" - "$TMP/ro.db" <<'PYEOF' || fail "cannot make ro.db"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("CREATE TABLE turn_secret (realm varchar(127) default '', "
           "value varchar(127), primary key (realm,value))")
db.execute("CREATE TRIGGER read_only BEFORE INSERT ON turn_secret "
           "BEGIN SELECT RAISE(ABORT, 'this store is read-only'); END")
PYEOF
write_conf "" a "$TMP/ro.db"
reload_must_fail "a store that cannot be written" "cannot store the generated TURN secret"

# The use-after-free of issue 8: old certificate gone, new config with
# another certificate and a store that cannot be written.
mv "$TMP/a-cert.pem" "$TMP/a-cert.pem.gone"
write_conf "" b "$TMP/ro.db"
reload_must_fail "old cert gone + unwritable store" "cannot store the generated TURN secret"
probe "old cert gone + unwritable store (again)"
mv "$TMP/a-cert.pem.gone" "$TMP/a-cert.pem"

# And a good reload still commits: the new secret works, the old not.
write_conf new-secret b "$TMP/live.db"
kill -HUP "$SERVER_PID"
for ((i = 0; i < 50; i++)); do grep -q 'configuration reloaded' "$SERVER_LOG" && break; sleep 0.1; done
grep -q 'configuration reloaded' "$SERVER_LOG" || fail "a good reload was not committed"
why=$(py "$INTEROP_DIR/reload_probe.py" "$PORT" "$HTTP" new-secret room-new) ||
	fail "after a good reload: $why"
py "$INTEROP_DIR/reload_probe.py" "$PORT" "$HTTP" old-secret room-old >/dev/null &&
	fail "the old secret still authenticates after a good reload"
pass "$N_FAILED failing reloads refused, each logged with its reason, old config kept serving; a good one committed"
