#!/bin/bash
# The web client as turnroom serves it holds no test hooks: the page and
# every script it loads (script tags, then the modules they import) are
# fetched from a running server, each must be the real file (200, not
# empty), and none may mention turnroomTest; the browser tests inject
# theirs from tests/e2e/hooks.js.
. "$(dirname "$0")/lib.sh"
need curl curl
PORT=$(free_port)
HTTP=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port='
	echo "http-port=$HTTP"
	echo "use-auth-secret"
	echo "static-auth-secret=$(openssl rand -hex 16)"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
BASE=http://127.0.0.1:$HTTP

# fetch PATH: the body into $TMP/web/, fails on any HTTP error or an empty body.
fetch() {
	local out=$TMP/web/${1//\//_}
	curl -sf --max-time 5 -o "$out" "$BASE$1" || fail "GET $1 failed"
	[ -s "$out" ] || fail "GET $1: empty body"
	echo "$out"
}
mkdir -p "$TMP/web"
page=$(fetch /)
grep -q 'id="relayonly"' "$page" || fail "GET / is not the call page"

# Scripts of the page, then what they import, until nothing new turns up.
todo=$(sed -n 's/.*<script[^>]* src="\([^"]*\)".*/\1/p' "$page")
seen=" "
while [ -n "$todo" ]; do
	next=
	for s in $todo; do
		s=/${s#./}
		case "$seen" in *" $s "*) continue ;; esac
		seen="$seen$s "
		f=$(fetch "$s")
		next="$next $(sed -n "s/^import .* from '\([^']*\)';.*/\1/p" "$f")"
	done
	todo=$next
done
for s in /call.js /turnroom.js /quality.js; do
	case "$seen" in *" $s "*) ;; *) fail "the page does not load $s (loaded:$seen)" ;; esac
done
hits=$(grep -l 'turnroomTest' "$TMP"/web/*) && fail "test hooks served in: $(basename -a $hits | tr '\n' ' ')"
pass "the page and its scripts ($seen) hold no test hooks"
