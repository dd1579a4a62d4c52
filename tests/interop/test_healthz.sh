#!/bin/bash
# /healthz's external-address self-check, in a network namespace of the
# test's own where "public" and "private" addresses are both local: a
# private relay address advertised to a client that came in on a public
# one is warned about, at start-up and in /healthz.
. "$(dirname "$0")/lib.sh"
need ip
NS=turnroom-hz-$$
ip netns add "$NS" || fail "cannot create network namespace"
trap 'ip netns del "$NS" 2>/dev/null; _cleanup' EXIT
ip -n "$NS" link set lo up
ip -n "$NS" addr add 198.18.7.1/32 dev lo  # stands in for a private relay address
ip -n "$NS" addr add 192.88.98.1/32 dev lo # not in the deny list: "public"
PORT=$(free_port)
HTTP=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
cat >"$TMP/turn.conf" <<CONF
listening-ip=192.88.98.1
listening-port=$PORT
http-port=$HTTP
relay-ip=198.18.7.1
min-port=$MINP
max-port=$MAXP
realm=interop.test
userdb=$TMP/turndb
CONF
ip netns exec "$NS" "$TURNROOM" -c "$TMP/turn.conf" >"$TMP/server.log" 2>&1 &
SPID=$!
for _ in $(seq 1 50); do
	body=$(ip netns exec "$NS" curl -s "http://192.88.98.1:$HTTP/healthz") && [ -n "$body" ] && break
	sleep 0.1
done
kill "$SPID"
wait "$SPID"
echo "$body" | grep -q '^ok$' || fail "no ok in /healthz: $body"
echo "$body" | grep -q '^relay_advertised 198.18.7.1$' || fail "advertised address missing: $body"
echo "$body" | grep -q '^reached_on 192.88.98.1$' || fail "reached_on missing: $body"
echo "$body" | grep -q '^warning: .*private' || fail "no warning in /healthz: $body"
grep -q 'relay address 198.18.7.1 is private' "$TMP/server.log" || fail "no start-up warning"

# With external-ip mapping the private address, no warning.
echo "external-ip=192.88.98.1/198.18.7.1" >>"$TMP/turn.conf"
ip netns exec "$NS" "$TURNROOM" -c "$TMP/turn.conf" >"$TMP/server2.log" 2>&1 &
SPID=$!
for _ in $(seq 1 50); do
	body=$(ip netns exec "$NS" curl -s "http://192.88.98.1:$HTTP/healthz") && [ -n "$body" ] && break
	sleep 0.1
done
kill "$SPID"
wait "$SPID"
echo "$body" | grep -q '^relay_advertised 192.88.98.1$' || fail "external-ip not advertised: $body"
echo "$body" | grep -q warning && fail "warning despite external-ip: $body"
grep -q 'is private' "$TMP/server2.log" && fail "start-up warning despite external-ip"
no_sanitizer_report "$TMP"/server*.log
pass "private relay address warned about in /healthz and at start-up; external-ip silences it"
