#!/bin/bash
# The STUN/TURN error codes of RFC 8656 from turnroom, each provoked by a
# raw client: 400, 401 (+REALM/NONCE), 420 (+UNKNOWN-ATTRIBUTES), 437,
# 438 (+fresh NONCE), 440, 441, 442, 486, 508; FINGERPRINT answered with
# FINGERPRINT; a reserved relay port (EVEN-PORT R) taken by its token,
# which then gets 508, logged as an unknown or expired token.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP _ <<<"$(relay_window)"
MINP=$((MINP / 2 * 2)) # even: three even/odd pairs for EVEN-PORT
MAXP=$((MINP + 5))     # six relay ports: room to run out
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^fingerprint'
	echo "user=alice:wonderland"
	echo "user=bob:builder"
	for i in 1 2 3 4; do echo "user=u$i:pw$i"; done
	echo "user-quota=2"
	echo "total-quota=100" # above the six ports: the pool runs out first (508)
	echo "stale-nonce=2"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
py - "$PORT" "$MINP" "$MAXP" <<'PYEOF' || fail "see above"
import os, struct, sys, time
import stunpy as S
port, minp, maxp = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
srv = ("127.0.0.1", port)
n = [0]

def client(user="alice", pw="wonderland", fp=True):
    n[0] += 1
    c = S.Client("udp", srv, timeout=3, fingerprint=fp, local="127.0.0.%d" % (10 + n[0]))
    c.set_credentials(user, pw)
    return c

def code(rsp):
    ec = S.error_code(rsp)
    return ec[0] if ec else 0

def expect(rsp, want, what):
    assert code(rsp) == want, "%s: expected %d, got %r" % (what, want, rsp)
    print("ok %d %s" % (want, what))

# 401 with REALM and NONCE, then success; FINGERPRINT mirrored
c = client()
rsp = c.transact(S.Message(S.ALLOCATE, S.REQUEST, attrs=[S.requested_transport()]))
expect(rsp, 401, "Allocate without credentials")
assert rsp.get(S.REALM) and rsp.get(S.NONCE), rsp
assert S.check_fingerprint(rsp), "401 to a request with FINGERPRINT lacks it"
assert c.allocate().cls == S.SUCCESS
c2 = client(fp=False)
rsp = c2.transact(S.Message(S.BINDING, S.REQUEST))
assert rsp.cls == S.SUCCESS and rsp.get(0x8028) is None, "FINGERPRINT without one asked"
# 437: a second Allocate (new transaction) on a 5-tuple that has one
expect(c.allocate(), 437, "second Allocate on the same 5-tuple")
# 420 with UNKNOWN-ATTRIBUTES listing the comprehension-required type
rsp = c.request_auth(S.REFRESH, [(0x7777, b"abcd")])
expect(rsp, 420, "unknown comprehension-required attribute")
assert struct.unpack("!H", rsp.get(0x000A)[:2])[0] == 0x7777, rsp
# 400: CreatePermission without XOR-PEER-ADDRESS
expect(c.request_auth(S.CREATE_PERMISSION, []), 400, "CreatePermission without a peer")
# 441: another user's credentials on this allocation
other = client("bob", "builder")
other.sock.close()
other.sock = c.sock  # same 5-tuple, bob's password
expect(other.request_auth(S.REFRESH, [S.lifetime(600)]), 441, "username of another user")
# Refresh 0 deletes; then 437
assert c.request_auth(S.REFRESH, [S.lifetime(0)]).cls == S.SUCCESS
expect(c.request_auth(S.REFRESH, [S.lifetime(600)]), 437, "Refresh after deletion")
# EVEN-PORT with R (no allocation is live now): an even port, and the next one reserved for the token
e = client()
rsp = e.request_auth(S.ALLOCATE, [S.requested_transport(), (0x0018, b"\x80")])
assert rsp.cls == S.SUCCESS, rsp
rport = S.relayed_address(rsp)[1]
token = rsp.get(0x0022)
assert rport % 2 == 0 and token and len(token) == 8, rsp
t = client()
rsp = t.request_auth(S.ALLOCATE, [S.requested_transport(), (0x0022, token)])
assert rsp.cls == S.SUCCESS and S.relayed_address(rsp)[1] == rport + 1, rsp
print("ok EVEN-PORT %d, reserved %d taken by its token" % (rport, rport + 1))
# 508: the token is spent, no port is reserved for it (RFC 8656 7.2)
expect(client().request_auth(S.ALLOCATE, [S.requested_transport(), (0x0022, token)]), 508,
       "a spent RESERVATION-TOKEN")
# 442: REQUESTED-TRANSPORT neither UDP nor TCP (132 = SCTP)
expect(client().request_auth(S.ALLOCATE, [S.requested_transport(132)]), 442, "transport SCTP")
# 400: TCP (RFC 6062 5.1) needs a TCP or TLS client connection, not UDP
expect(client().request_auth(S.ALLOCATE, [S.requested_transport(6)]), 400, "transport TCP over UDP")
# 440: a family this server has no relay for (IPv6)
expect(client().request_auth(S.ALLOCATE, [S.requested_transport(),
                                          (0x0017, b"\x02\x00\x00\x00")]), 440,
       "IPv6 relay requested")
# 486: user-quota=2 for bob
b1, b2, b3 = client("bob", "builder"), client("bob", "builder"), client("bob", "builder")
assert b1.allocate().cls == S.SUCCESS and b2.allocate().cls == S.SUCCESS
expect(b3.allocate(), 486, "third allocation over user-quota 2")
# 508: the six ports are gone (b1, b2, e, t, and more)
codes = [code(client("u%d" % i, "pw%d" % i).allocate()) for i in range(1, 5)]
assert 508 in codes, codes
print("ok 508 when the relay ports run out:", codes)
# 438: a nonce older than stale-nonce=2 s
s = client()
assert s.request_auth(S.BINDING, []).cls == S.SUCCESS
s.transact(S.Message(S.ALLOCATE, S.REQUEST, attrs=[S.requested_transport()]))
s.key = None
rsp = s.transact(S.Message(S.ALLOCATE, S.REQUEST, attrs=[S.requested_transport()]))
s.nonce = rsp.get(S.NONCE); s.realm = rsp.get(S.REALM).decode()
s.key = S.long_term_key("alice", s.realm, "wonderland")
time.sleep(3.2)
rsp = s.transact(S.Message(S.REFRESH, S.REQUEST, attrs=[S.lifetime(600)] + s._auth_attrs()), s.key)
expect(rsp, 438, "stale nonce")
assert rsp.get(S.NONCE) and rsp.get(S.NONCE) != s.nonce, "438 without a fresh NONCE"
PYEOF
# The spent token is logged as what it is, not as a full port pool.
[ "$SERVER" = coturn ] ||
	grep -q '508 to client .*reservation token unknown or expired' "$SERVER_LOG" ||
	fail "no log line for the spent RESERVATION-TOKEN: $(grep -m 1 '508 to client' "$SERVER_LOG")"
pass "400 401 420 437 438 440 441 442 486 508, FINGERPRINT mirrored, EVEN-PORT reservation and its spent token"
