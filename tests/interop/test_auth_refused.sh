#!/bin/bash
# Refusals: a wrong password (turnutils_uclient, then a raw client that
# checks the exact answer) and an expired REST username with a correct HMAC
# password (raw client: uclient cannot choose the expiry) get 401; valid
# credentials on the same server are accepted, so the 401s mean what we say.
. "$(dirname "$0")/lib.sh"
SECRET=rest-secret
PEER_PORT=$(free_port)
start_peer "$PEER_PORT"

conf() {   # conf FILE PORT AUTH-LINES...
	local file=$1 port=$2 minp maxp
	shift 2
	read -r minp maxp <<<"$(relay_window)"
	{
		base_conf "$port" "$minp" "$maxp"
		echo "allow-loopback-peers"
		echo "verbose"
		printf '%s\n' "$@"
	} >"$file"
}
LT_LINES=("lt-cred-mech" "user=alice:wonderland")
REST_LINES=("use-auth-secret" "static-auth-secret=$SECRET")
LT_PORT=$(free_port)
if [ "$SERVER" = coturn ]; then
	# coturn ignores user= lines once REST is on: one instance each.
	REST_PORT=$(free_port)
	conf "$TMP/lt.conf" "$LT_PORT" "${LT_LINES[@]}"
	conf "$TMP/rest.conf" "$REST_PORT" "${REST_LINES[@]}"
	start_turnroom "$TMP/lt.conf" server-lt
	LT_LOG=$SERVER_LOG
	start_turnroom "$TMP/rest.conf" server-rest
else
	# turnroom serves long-term users and REST secrets side by side.
	# uclient retries a refused Allocate about 31 times and waits for each
	# answer: budgets above that (the defaults, 20 per source and 10 per
	# username, would leave it waiting; test_auth_guess.sh tests them).
	REST_PORT=$LT_PORT
	conf "$TMP/turn.conf" "$LT_PORT" "${LT_LINES[@]}" "${REST_LINES[@]}" \
		"auth-fail-source=50" "auth-fail-user=50"
	start_turnroom "$TMP/turn.conf"
	LT_LOG=$SERVER_LOG
fi

# Each client below uses its own source address in 127.0.0.0/8: turnroom
# rate-limits failed authentications per source IP and then stays silent.

# 1. uclient with a wrong password must not get an allocation.
run_uclient -L 127.0.0.2 -m 1 -n 5 -l 100 -z 5 -u alice -w not-the-password \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$LT_PORT" 127.0.0.1
read -r sent recv lost <<<"$(uclient_figures)"
if [ "$recv" != none ] && [ "$recv" -gt 0 ]; then
	fail "uclient with a wrong password relayed $recv messages"
fi
grep -q 'Cannot complete Allocation' "$UCLIENT_LOG" || [ "$UCLIENT_RC" != 0 ] ||
	fail "uclient with a wrong password neither failed nor said 'Cannot complete Allocation'"
note "uclient wrong password: exit $UCLIENT_RC, $(grep -m 1 ERROR "$UCLIENT_LOG")"

# The server logs each refused authentication with the user name (a line
# about the first, credential-less 401 challenge does not count).
AUTH_RE='\b401\b|unauthori[sz]ed|auth[a-z]* (fail|refus|error|denied|rejected)|(wrong|bad|invalid) (password|credential|key|message.integrity|integrity)'
auth_line=$(grep -iE "$AUTH_RE" "$LT_LOG" | grep -F alice | head -n 1)
[ -n "$auth_line" ] ||
	fail "server log has no line about the refused authentication of alice (401/unauthorized/auth failed, naming the user)"
note "server log: $auth_line"

# 2. raw client: exact answers.
cat >"$TMP/raw.py" <<'EOF'
import sys, time
import stunpy as s

lt_port, rest_port, secret = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

sources = iter("127.0.0.%d" % i for i in range(3, 250))

def expect(what, port, user, password, want, transport="udp"):
    c = s.Client(transport, ("127.0.0.1", port), local=next(sources))
    c.set_credentials(user, password)
    rsp = c.allocate()
    for line in c.log:
        print("  %s %s: %s" % (transport, user, line))
    c.close()
    got = s.error_code(rsp)
    code = got[0] if got else 200
    if c.key is None:
        sys.exit("%s: the first Allocate was not challenged with 401+REALM+NONCE"
                 " (got %r)" % (what, rsp))
    if code != want:
        sys.exit("%s: Allocate with credentials got %s, expected %d"
                 % (what, "%d %s" % got if got else "success", want))
    if want == 200 and not s.check_integrity(rsp, c.key):
        sys.exit("%s: success response has no valid MESSAGE-INTEGRITY" % what)
    print("ok %s -> %d" % (what, code))

now = int(time.time())
expect("long-term, right password", lt_port, "alice", "wonderland", 200)
expect("long-term, wrong password", lt_port, "alice", "wrong", 401)
expect("long-term, wrong password (TCP)", lt_port, "alice", "wrong", 401, "tcp")
u, p = s.rest_credentials(secret, "bob", now + 600)
expect("REST, valid for 600 s", rest_port, u, p, 200)
u, p = s.rest_credentials(secret, "bob", now - 3600)
expect("REST, expired 3600 s ago", rest_port, u, p, 401)
u, p = s.rest_credentials(secret, "bob", now - 5)
expect("REST, expired 5 s ago", rest_port, u, p, 401)
u, p = s.rest_credentials(secret, "bob", now - 3600)
expect("REST, expired (TCP)", rest_port, u, p, 401, "tcp")
u, p = s.rest_credentials("other-secret", "bob", now + 600)
expect("REST, password from another secret", rest_port, u, p, 401)
EOF
py "$TMP/raw.py" "$LT_PORT" "$REST_PORT" "$SECRET" >"$TMP/raw.log" 2>&1 ||
	fail "$(tail -n 1 "$TMP/raw.log")"
grep '^ok' "$TMP/raw.log" | sed "s/^/  $TEST_NAME: /" >&2
pass "wrong password and expired REST username refused with 401"
