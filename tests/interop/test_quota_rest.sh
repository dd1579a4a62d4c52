#!/bin/bash
# coturn drop-in (issue 17): quotas of REST credentials a site's own backend
# mints (use-auth-secret). member-quota (10 by default) used to apply to
# every REST credential ID and to share its count with the long-term user
# of the same name, so one REST user id of a coturn deployment got 486
# after 10 allocations; coturn has no such limit (user-quota 0 = unlimited).
#  1. turnutils_uclient -W SECRET -u restuser -m 8 holds 16 allocations of
#     one REST ID at once (8 sessions and their RTCP companions), with the
#     defaults: no 486, no loss.
#  2. user-quota=2 counts a long-term user "alice" and the REST ID "alice"
#     apart: each gets 2, the third of each is 486, and two credentials of
#     one REST ID (different EXPIRY) share theirs.
# Room-minted credentials ("EXPIRY:room~ID") keep member-quota:
# test_turn_quotas.sh part 2. SERVER=coturn runs this against coturn, whose
# use-auth-secret turns long-term users off (the two kinds never meet
# there): part 2 then checks the REST IDs only.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
PEER_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "use-auth-secret"
	echo "static-auth-secret=site-secret"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
start_peer "$PEER_PORT"

run_uclient -m 8 -n 20 -l 100 -z 5 -W site-secret -u restuser \
	-e 127.0.0.1 -r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
grep -q "quota reached" "$SERVER_LOG" && fail "a quota refusal with no quota configured"
udp=$UCLIENT_SUMMARY

# Part 2: user-quota=2, a long-term user and a REST ID of one name.
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "use-auth-secret"
	echo "static-auth-secret=site-secret"
	echo "user=alice:wonderland"
	echo "user-quota=2"
} >"$TMP/quota.conf"
start_turnroom "$TMP/quota.conf" quota
py - "$PORT" "$SERVER" <<'PYEOF' || fail "user-quota: see above"
import sys, time
import stunpy as S
srv = ("127.0.0.1", int(sys.argv[1]))
held = []

def allocate(user, pw, n):
    codes = []
    for _ in range(n):
        c = S.Client("udp", srv, timeout=3)
        c.set_credentials(user, pw)
        ec = S.error_code(c.allocate())
        codes.append(ec[0] if ec else 0)
        held.append(c)
    return codes

if sys.argv[2] != "coturn":
    lt = allocate("alice", "wonderland", 3)
    assert lt == [0, 0, 486], "long-term alice, user-quota=2: %r" % lt
now = int(time.time())
rest = allocate(*S.rest_credentials("site-secret", "alice", now + 600), 3)
assert rest == [0, 0, 486], "REST ID alice beside long-term alice: %r" % rest
other = allocate(*S.rest_credentials("site-secret", "alice", now + 900), 1)
assert other == [486], "another credential of REST ID alice: %r" % other
bob = allocate(*S.rest_credentials("site-secret", "bob", now + 600), 2)
assert bob == [0, 0], "REST ID bob: %r" % bob
print("ok user-quota=2: long-term alice 2, REST alice 2 (shared by its credentials), bob 2")
for c in held:
    c.close()
PYEOF
pass "REST ID, 16 allocations at once (UDP): $udp; user-quota counts long-term and REST apart"
