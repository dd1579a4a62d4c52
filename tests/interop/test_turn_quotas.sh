#!/bin/bash
# Quotas count reserved ports, and room members have one by default
# (issue 8 item 6). The attacks:
#  1. Under user-quota=1, Allocate with EVEN-PORT R=1 then delete the
#     allocation (Refresh 0), again and again: each round left a reserved
#     port behind (30 s), so one user held 10 ports. Now the reservation
#     counts against its user (486 after the first) and against the total;
#     its token still works for its own user.
#  2. One open join handed out a REST credential that could take every
#     relay port. Now every credential of one member (same user id, also
#     after refreshIce) shares member-quota, 10 by default. Only the room
#     server's credentials ("EXPIRY:room~ID"): REST IDs a site's backend
#     mints keep coturn's user-quota (test_quota_rest.sh).
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "user=alice:wonderland"
	for i in 1 2 3; do echo "user=u$i:pw$i"; done
	echo "user-quota=1"
	echo "total-quota=4"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
py - "$PORT" <<'PYEOF' || fail "see above"
import sys
import stunpy as S
srv = ("127.0.0.1", int(sys.argv[1]))
EVEN_R, TOKEN = (0x0018, b"\x80"), 0x0022

def code(rsp):
    ec = S.error_code(rsp)
    return ec[0] if ec else 0

def client(user, pw):
    c = S.Client("udp", srv, timeout=3)
    c.set_credentials(user, pw)
    return c

codes, token, rport = [], None, None
for i in range(10):
    c = client("alice", "wonderland")
    rsp = c.request_auth(S.ALLOCATE, [S.requested_transport(), EVEN_R])
    codes.append(code(rsp))
    if rsp.cls == S.SUCCESS:
        token, rport = rsp.get(TOKEN), S.relayed_address(rsp)[1]
        assert c.request_auth(S.REFRESH, [S.lifetime(0)]).cls == S.SUCCESS
    c.close()
assert codes == [0] + [486] * 9, "R=1 then Refresh 0, ten rounds: %r" % codes
print("ok user-quota=1: one reservation, then 486 x9")
t = client("alice", "wonderland")
rsp = t.request_auth(S.ALLOCATE, [S.requested_transport(), (TOKEN, token)])
assert rsp.cls == S.SUCCESS and S.relayed_address(rsp)[1] == rport + 1, rsp
print("ok the reservation's token still serves its user")
# total-quota=4: alice holds 1 allocation; u1's R=1 takes 2 more ports,
# u2 the fourth, so u3 is refused though no allocation of its own exists
u1 = client("u1", "pw1")
assert u1.request_auth(S.ALLOCATE, [S.requested_transport(), EVEN_R]).cls == S.SUCCESS
assert client("u2", "pw2").allocate().cls == S.SUCCESS
rsp = client("u3", "pw3").allocate()
assert code(rsp) == 486, "total-quota=4 with 3 allocations and 1 reserved port: %r" % rsp
print("ok reserved ports count against total-quota")
PYEOF
grep -q "user-quota reached" "$SERVER_LOG" || fail "no log line for the refusal"

# Part 2: a member of an open room, default member-quota (10).
cd "$INTEROP_DIR/../.." || fail "cd"
TMPDIR=$TMP timeout -k 5 60 "$PY" - <<'PYEOF' || fail "member-quota: see above"
import asyncio, os, sys
sys.path.insert(0, "tests/interop")
import stunpy as S
from signal_lib import Server, make_tmpdir

def allocate_all(server, user, pw, n):
    codes, held = [], []
    for _ in range(n):
        c = S.Client("udp", server, timeout=3)
        c.set_credentials(user, pw)
        ec = S.error_code(c.allocate())
        codes.append(ec[0] if ec else 0)
        held.append(c)
    return codes, held

async def main():
    srv = Server("quota", make_tmpdir("quota")).start()
    try:
        ws = await srv.ws("A")
        joined = await ws.join("quota-room")
        turn = joined["iceServers"][1]
        server = ("127.0.0.1", srv.turn_port)
        codes, held = await asyncio.to_thread(allocate_all, server, turn["username"],
                                              turn["credential"], 12)
        assert codes == [0] * 10 + [486] * 2, "one member, 12 Allocates: %r" % codes
        assert "member-quota reached" in srv.log_text(), "no log line naming member-quota"
        print("ok a room member gets 10 allocations (member-quota default), then 486")
        await asyncio.sleep(1.2)  # a later EXPIRY: another username, same user id
        await ws.send("refreshIce", {})
        fresh = (await ws.recv_event("iceServers"))["iceServers"][1]
        assert fresh["username"] != turn["username"], fresh
        more, held2 = await asyncio.to_thread(allocate_all, server, fresh["username"],
                                              fresh["credential"], 1)
        assert more == [486], "a refreshed credential of the same member: %r" % more
        print("ok a refreshed credential shares the member's quota")
        other = await srv.ws("B")
        j2 = await other.join("quota-room")
        t2 = j2["iceServers"][1]
        c2, held3 = await asyncio.to_thread(allocate_all, server, t2["username"],
                                            t2["credential"], 1)
        assert c2 == [0], "another member is not affected: %r" % c2
        for c in held + held2 + held3:
            c.close()
        await ws.close()
        await other.close()
    finally:
        srv.stop()
    assert not srv.problems, srv.problems

asyncio.run(main())
PYEOF
pass "reservations count against user-quota and total-quota; member-quota 10 per room member"
