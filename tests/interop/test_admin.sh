#!/bin/bash
# turnroom-admin on a temp turndb, no server: turnadmin's flags and output
# shapes (-a -d -l -k -s -S -X --delete-all-secrets, -u -r -p -b, -c FILE),
# coturn's turnadmin reading what we wrote and the other way round, --token
# (a JWT checked by hand with hmac), and every refusal: exit status 1, a
# message saying why, and the database rows exactly as before.
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
need sqlite3 sqlite3
DB=$TMP/turndb
REALM=example.org
CHECKS=0

# adm ARGS...: runs turnroom-admin; stdout in $OUT, stderr in $ERR, status in $RC.
adm() {
	RC=0
	"$ADMIN" "$@" >"$TMP/out" 2>"$TMP/err" || RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
	sanitizer_report "$TMP/err" >/dev/null &&
		fail "sanitizer report from turnroom-admin $*: $(head -n 3 "$TMP/err")"
	CHECKS=$((CHECKS + 1))
	return 0
}

# ok ARGS...: must succeed.
ok() {
	adm "$@"
	[ "$RC" = 0 ] || fail "turnroom-admin $* exited $RC: $ERR"
}

# out_is TEXT: stdout of the last run, exactly.
out_is() {
	[ "$OUT" = "$1" ] || fail "turnroom-admin printed [$OUT], expected [$1]"
}

dump() {
	sqlite3 "$DB" .dump
}

# refused PATTERN ARGS...: exit status 1, stderr matching PATTERN (grep
# -E), nothing on stdout, and the database rows unchanged.
refused() {
	local pattern=$1 before after
	shift
	before=$(dump)
	adm "$@"
	[ "$RC" = 1 ] || fail "turnroom-admin $* exited $RC, expected 1 (stderr: $ERR)"
	grep -qE -- "$pattern" <<<"$ERR" ||
		fail "turnroom-admin $*: stderr [$ERR] does not match /$pattern/"
	[ -z "$OUT" ] || fail "turnroom-admin $* printed [$OUT] on stdout while refusing"
	after=$(dump)
	[ "$before" = "$after" ] || fail "turnroom-admin $* changed the database while refusing"
}

# ---- users
ok -a -b "$DB" -u alice -r "$REALM" -p secret
out_is ""
ok -a -b "$DB" -u bob -r other.org -p pw
ok -a -b "$DB" -u zed -r aaa.org -p pz
ok -l -b "$DB"
out_is $'zed[aaa.org]\nalice[example.org]\nbob[other.org]'
ok -l -b "$DB" -r "$REALM"
out_is "alice[example.org]"
ok --list --db "$DB" --realm other.org
out_is "bob[other.org]"
key=$(sqlite3 "$DB" "SELECT hmackey FROM turnusers_lt WHERE name='alice' AND realm='$REALM'")
[ "$key" = 543e1aec5d3614f03141652d6ada51b2 ] || fail "alice's hmackey is $key"

# -k prints the key and touches nothing (no -b needed, none created).
ok -k -u alice -r "$REALM" -p secret
out_is 0x543e1aec5d3614f03141652d6ada51b2
ok -k -u alice -p secret -b "$TMP/never.db"
out_is "0x$(py "$INTEROP_DIR/admin_helper.py" key alice '' secret)"
[ -e "$TMP/never.db" ] && fail "-k created the database file"

# -a again replaces the key (insert or replace), still one row.
ok -a -b "$DB" -u alice -r "$REALM" -p changed
key=$(sqlite3 "$DB" "SELECT hmackey FROM turnusers_lt WHERE name='alice' AND realm='$REALM'")
[ "$key" = "$(py "$INTEROP_DIR/admin_helper.py" key alice "$REALM" changed)" ] ||
	fail "-a on an existing user did not update the key"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM turnusers_lt WHERE name='alice'")" = 1 ] ||
	fail "-a on an existing user added a second row"

# -d removes; deleting an absent user changes nothing and is not an error
# (turnadmin's behaviour), with a word on stderr.
ok -d -b "$DB" -u zed -r aaa.org
ok -l -b "$DB"
out_is $'alice[example.org]\nbob[other.org]'
before=$(dump)
ok -d -b "$DB" -u nobody -r aaa.org
grep -q 'no user nobody' <<<"$ERR" || fail "-d of an absent user said [$ERR]"
[ "$(dump)" = "$before" ] || fail "-d of an absent user changed the database"

# ---- secrets
ok -s s1 -b "$DB" -r "$REALM"
ok --set-secret=s2 -b "$DB" -r "$REALM"
ok -s o1 -b "$DB" -r other.org
ok -S -b "$DB"
out_is $'s1[example.org]\ns2[example.org]\no1[other.org]'
ok -S -b "$DB" -r "$REALM"
out_is $'s1[example.org]\ns2[example.org]'
ok -X s1 -b "$DB" -r "$REALM"
ok -S -b "$DB"
out_is $'s2[example.org]\no1[other.org]'
ok -s s3 -b "$DB" -r "$REALM"
ok --delete-all-secrets -b "$DB" -r "$REALM"
ok --show-secret -b "$DB"
out_is "o1[other.org]"

# ---- coturn's turnadmin reads our database, and we read its.
run_turnadmin -l -b "$DB" || fail "turnadmin -l on our database failed"
grep -qx 'alice\[example.org\]' "$TMP/turnadmin.log" ||
	fail "turnadmin -l does not list alice: $(head -n 3 "$TMP/turnadmin.log")"
run_turnadmin -k -u alice -r "$REALM" -p secret || fail "turnadmin -k failed"
grep -qx '0x543e1aec5d3614f03141652d6ada51b2' "$TMP/turnadmin.log" ||
	fail "turnadmin -k disagrees with the expected key"
run_turnadmin -a -b "$TMP/coturn.db" -u carol -r "$REALM" -p cpw || fail "turnadmin -a failed"
run_turnadmin -s cs1 -b "$TMP/coturn.db" -r "$REALM" || fail "turnadmin -s failed"
ok -l -b "$TMP/coturn.db"
out_is "carol[example.org]"
ok -S -b "$TMP/coturn.db"
out_is "cs1[example.org]"
key=$(sqlite3 "$TMP/coturn.db" "SELECT hmackey FROM turnusers_lt WHERE name='carol'")
ok -k -u carol -r "$REALM" -p cpw
out_is "0x$key"

# ---- -c FILE: userdb and realm from a config; -b and -r override it.
CDB=$TMP/conf.db
cat >"$TMP/admin.conf" <<EOF
# a turnroom config
listening-port=3478
realm=conf.realm
userdb=$CDB
lt-cred-mech
signaling-secret="conf-jwt-secret"
EOF
ok -a -c "$TMP/admin.conf" -u u1 -p p1
ok -a -c "$TMP/admin.conf" -u u2 -p p2 -r other.realm
ok -l -c "$TMP/admin.conf"
out_is $'u1[conf.realm]\nu2[other.realm]'
ok -k -c "$TMP/admin.conf" -u u1 -p p1
out_is "0x$(py "$INTEROP_DIR/admin_helper.py" key u1 conf.realm p1)"
ok -a -c "$TMP/admin.conf" -b "$DB" -u u3 -p p3
ok -l -b "$DB" -r conf.realm
out_is "u3[conf.realm]"
ok -d -c "$TMP/admin.conf" -b "$DB" -u u3
# A coturn config (options we do not implement only warn) works the same.
cat >"$TMP/coturn.conf" <<EOF
realm=coturn.realm
userdb=$CDB
lt-cred-mech
no-tlsv1
no-cli
EOF
ok -a -c "$TMP/coturn.conf" -u u4 -p p4
ok -l -c "$TMP/coturn.conf" -r coturn.realm
out_is "u4[coturn.realm]"

# ---- refusals: exit 1, the reason, nothing changed.
MSG='The operation cannot be completed: the'
refused "$MSG realm must be set\." -a -b "$DB" -u x -p y
refused "$MSG user must be set\." -a -b "$DB" -r "$REALM" -p y
refused "$MSG password must be set\." -a -b "$DB" -u x -r "$REALM"
refused "$MSG password must be set\." -a -b "$DB" -u x -r "$REALM" -p ''
refused "$MSG realm must be set\." -a -b "$DB" -u x -r '' -p y
refused "$MSG realm must be set\." -d -b "$DB" -u alice
refused "$MSG user must be set\." -d -b "$DB" -r "$REALM"
refused "$MSG user must be set\." -k -p y
refused "$MSG password must be set\." -k -u x
refused "$MSG realm must be set\." -s s9 -b "$DB"
refused "$MSG realm must be set\." -X o1 -b "$DB"
refused "$MSG realm must be set\." --delete-all-secrets -b "$DB"
refused "unknown or ambiguous option '--bogus'" --bogus -a -b "$DB" -u x -r "$REALM" -p y
grep -q '^Usage: ' <<<"$ERR" || fail "an unknown option does not print the usage on stderr"
refused "unknown or ambiguous option '-Z'" -a -Z -b "$DB" -u x -r "$REALM" -p y
refused "needs a value" -a -b "$DB" -u x -r "$REALM" -p
refused "one command" -a -d -b "$DB" -u x -r "$REALM" -p y
refused "no command" -b "$DB" -u x
refused "unexpected argument" -l -b "$DB" stray
refused "no database" -a -u x -r "$REALM" -p y
refused "Wrong user name" -a -b "$DB" -u 'two words' -r "$REALM" -p y
refused "Wrong user name" -a -b "$DB" -u 'quo"te' -r "$REALM" -p y
refused "cannot read config file" -a -c "$TMP/no-such.conf" -u x -p y
echo "bogus-option=1" >"$TMP/bad.conf"
refused "bad.conf:1: unknown option 'bogus-option'" -a -c "$TMP/bad.conf" -b "$DB" -u x -p y
# An unopenable database: a path in a directory that does not exist (tests
# run as root, so a mode-000 file would still open), a file that is not an
# sqlite database, a directory, and a missing file for a command that only
# reads or deletes.
refused "$TMP/no-dir/turndb" -a -b "$TMP/no-dir/turndb" -u x -r "$REALM" -p y
[ -e "$TMP/no-dir" ] && fail "a refused -a created $TMP/no-dir"
head -c 3000 /dev/urandom >"$TMP/not-a-db"
cp "$TMP/not-a-db" "$TMP/not-a-db.orig"
for cmd in "-a -u x -r $REALM -p y" "-l" "-s z -r $REALM" "-d -u x -r $REALM"; do
	# shellcheck disable=SC2086
	refused "$TMP/not-a-db" $cmd -b "$TMP/not-a-db"
	cmp -s "$TMP/not-a-db" "$TMP/not-a-db.orig" || fail "turnroom-admin $cmd modified a non-database file"
done
mkdir "$TMP/a-dir"
refused "$TMP/a-dir" -a -b "$TMP/a-dir" -u x -r "$REALM" -p y
refused "$TMP/a-dir" -l -b "$TMP/a-dir"
[ -z "$(ls -A "$TMP/a-dir")" ] || fail "a refused run wrote into the directory given as database"
refused "$TMP/absent.db" -l -b "$TMP/absent.db"
refused "$TMP/absent.db" -d -u x -r "$REALM" -b "$TMP/absent.db"
[ -e "$TMP/absent.db" ] && fail "-l/-d created a database file"
refused "--ttl" --token -u x --secret k --ttl 0
refused "--ttl" --token -u x --secret k --ttl 12x
refused "signaling secret must be set" --token -u x
refused "$MSG user must be set\." --token --secret k

# ---- --token: an HS256 JWT with room, sub, exp.
# exp is checked against the clock read before and after the command.
t0=$(date +%s)
ok --token -u bob --room room-1 --ttl 120 --secret 'jwt key'
t1=$(date +%s)
why=$(py "$INTEROP_DIR/admin_helper.py" jwt-check "$OUT" 'jwt key' room-1 bob 120 "$t0" "$t1") ||
	fail "--token: $why"
t0=$(date +%s)
ok --token -u carol -c "$TMP/admin.conf"
t1=$(date +%s)
why=$(py "$INTEROP_DIR/admin_helper.py" jwt-check "$OUT" conf-jwt-secret '*' carol 3600 "$t0" "$t1") ||
	fail "--token with -c: $why"
why=$(py "$INTEROP_DIR/admin_helper.py" jwt-check "$OUT" wrong-secret '*' carol 3600 "$t0" "$t1") &&
	fail "--token: a wrong secret verifies the signature"

ok --help
grep -q -- '--delete-all-secrets' <<<"$OUT" || fail "--help does not list the commands"
[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal ] || fail "the database is not in WAL mode"
pass "$CHECKS admin runs"
