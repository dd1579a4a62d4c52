"""Who may join (doc/signaling.md, "Who may join"): signaling-auth=user
checked against user= lines and a store written by coturn's turnadmin, and
signaling-auth=token with HS256 JWTs made here by hand.

Failed joins are rate-limited per source address, and every client here
comes from 127.0.0.1, so each refusal case gets a server of its own: a
refusal must be answered "unauthorized", not "rate-limited" because of
the case before it.

Run: /usr/bin/python3 tests/interop/signal_auth.py [TEST...]
"""

import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from signal_lib import (REALM, Server, Suite, check, check_eq,  # noqa: E402
                        http_get, jwt_hs256, jwt_none, run_turnadmin, b64url)

S = Suite("test_signal_auth")
SECRET = "join-token-secret-\u00e9t\u00e9"   # non-ASCII: UTF-8 bytes are the key


def user_server(name="user"):
    """signaling-auth=user: alice from a user= line, bob in the store
    (written by coturn's turnadmin before the server starts)."""
    srv = Server(name + str(len(S.servers)), S.tmpdir,
                 ["signaling-auth=user", "user=alice:pw"])
    S.servers.append(srv)
    run_turnadmin(["-a", "-b", srv.userdb, "-u", "bob", "-r", REALM, "-p", "pw2"])
    return srv.start()


def token_server():
    return S.fresh_server("token", ["signaling-auth=token",
                                    "signaling-secret=%s" % SECRET])


def claims(room, sub="alice", exp_in=300, **extra):
    c = {"room": room, "sub": sub, "exp": int(time.time()) + exp_in}
    c.update(extra)
    return c


# ---- signaling-auth=user ---------------------------------------------------

@S.test()
async def user_right_passwords_join():
    srv = user_server()
    a = await srv.ws("alice")
    j = await a.join("room-a", username="alice", password="pw")
    check_eq(j.get("userNum"), 1, "alice (user= line) joined.userNum")
    b = await srv.ws("bob")
    j = await b.join("room-a", username="bob", password="pw2")
    check_eq(j.get("userNum"), 2, "bob (turnadmin store) joined.userNum")
    await a.recv_event("otherjoined")
    await a.close()
    await b.close()


@S.test()
async def user_wrong_password_then_right():
    srv = user_server()
    c = await srv.ws("alice")
    await c.send("join", {"roomId": "room-w", "username": "alice", "password": "nope"})
    await c.expect_error("unauthorized")
    await c.alive("after unauthorized")
    j = await c.join("room-w", username="alice", password="pw")
    check_eq(j.get("userNum"), 1, "joined.userNum after a refused try")
    # the refused try did not take a slot
    d = await srv.ws("bob")
    j = await d.join("room-w", username="bob", password="pw2")
    check_eq(j.get("userNum"), 2, "second member after a refused try")
    await c.close()
    await d.close()


@S.test()
async def user_wrong_password_store_user():
    srv = user_server()
    c = await srv.ws("bob")
    await c.send("join", {"roomId": "room-b", "username": "bob", "password": "pw"})
    await c.expect_error("unauthorized")
    await c.alive("after unauthorized")
    await c.close()


@S.test()
async def user_unknown_user():
    srv = user_server()
    c = await srv.ws("mallory")
    await c.send("join", {"roomId": "room-u", "username": "mallory", "password": "pw"})
    await c.expect_error("unauthorized")
    await c.alive("after unauthorized")
    await c.close()


@S.test()
async def user_missing_credentials():
    srv = user_server()
    c = await srv.ws("anon")
    await c.send("join", {"roomId": "room-m"})
    err = await c.recv_event("error")
    check(err.get("code") in ("unauthorized", "bad-request"),
          "join without username/password: error %r, expected unauthorized" % err)
    await c.alive("after a join without credentials")
    await c.close()


@S.test()
async def user_other_realm_password_refused():
    """The key is MD5(user:realm:password) of the server's realm: a user of
    another realm in the store does not get in."""
    srv = Server("realm%d" % len(S.servers), S.tmpdir,
                 ["signaling-auth=user", "user=alice:pw"])
    S.servers.append(srv)
    run_turnadmin(["-a", "-b", srv.userdb, "-u", "carol", "-r", "other.realm", "-p", "pw3"])
    srv.start()
    c = await srv.ws("carol")
    await c.send("join", {"roomId": "room-r", "username": "carol", "password": "pw3"})
    await c.expect_error("unauthorized")
    await c.alive("after unauthorized")
    await c.close()


# ---- signaling-auth=token --------------------------------------------------

@S.test()
async def token_valid_and_wildcard():
    srv = token_server()
    c = await srv.ws("room-token")
    j = await c.join("room-t", token=jwt_hs256(SECRET, claims("room-t")))
    check_eq(j.get("roomId"), "room-t", "joined.roomId with a valid token")
    d = await srv.ws("star-token")
    j = await d.join("room-any-1", token=jwt_hs256(SECRET, claims("*", sub="bob")))
    check_eq(j.get("roomId"), "room-any-1", "joined.roomId with room=*")
    await d.send("leave", {"roomId": "room-any-1"})
    await d.recv_event("leaved")
    star = jwt_hs256(SECRET, claims("*", sub="bob"))
    j = await d.join("room-t", token=star)
    check_eq(j.get("userNum"), 2, "room=* token into room-t: joined.userNum")
    await c.recv_event("otherjoined")
    # the header may carry more than alg (kid, typ variants)
    e = await srv.ws("kid-token")
    tok = jwt_hs256(SECRET, claims("room-k"), {"alg": "HS256", "typ": "JWT", "kid": "1"})
    await e.join("room-k", token=tok)
    for w in (c, d, e):
        await w.close()


async def refused(token, what, room="room-x"):
    srv = token_server()
    c = await srv.ws(what)
    await c.send("join", {"roomId": room, "token": token})
    await c.expect_error("unauthorized")
    await c.alive("after unauthorized (%s)" % what)
    # a good token still works on the same connection afterwards
    j = await c.join(room, token=jwt_hs256(SECRET, claims(room)))
    check_eq(j.get("roomId"), room, "join with a good token after %s" % what)
    await c.close()


@S.test()
async def token_wrong_room():
    await refused(jwt_hs256(SECRET, claims("room-other")), "wrong room")


@S.test()
async def token_expired():
    await refused(jwt_hs256(SECRET, claims("room-x", exp_in=-120)), "expired")


@S.test()
async def token_not_yet_valid():
    """RFC 7519 4.1.5: a token whose nbf is 10 minutes ahead is refused
    (the server allows 30 s of clock skew, no more)."""
    await refused(jwt_hs256(SECRET, claims("room-x", nbf=int(time.time()) + 600)),
                  "nbf in 10 minutes")


@S.test()
async def token_nbf_not_a_number():
    await refused(jwt_hs256(SECRET, claims("room-x", nbf="yesterday")), "nbf a string")


@S.test()
async def token_nbf_within_leeway_and_past():
    srv = token_server()
    c = await srv.ws("nbf-ok")
    j = await c.join("room-n1", token=jwt_hs256(
        SECRET, claims("room-n1", nbf=int(time.time()) + 10)))
    check_eq(j.get("roomId"), "room-n1", "nbf 10 s ahead (within the 30 s leeway)")
    d = await srv.ws("nbf-past")
    j = await d.join("room-n2", token=jwt_hs256(
        SECRET, claims("room-n2", nbf=int(time.time()) - 60)))
    check_eq(j.get("roomId"), "room-n2", "nbf a minute ago")
    await c.close()
    await d.close()


@S.test()
async def token_bad_signature():
    await refused(jwt_hs256(SECRET + "x", claims("room-x")), "bad signature")


@S.test()
async def token_tampered_claims():
    good = jwt_hs256(SECRET, claims("room-y"))
    h, _, sig = good.split(".")
    forged = h + "." + b64url(
        ('{"room":"room-x","sub":"alice","exp":%d}' % (time.time() + 300)).encode()) \
        + "." + sig
    await refused(forged, "claims changed after signing")


@S.test()
async def token_garbage():
    await refused("this-is-not-a-jwt", "garbage")


@S.test()
async def token_alg_none():
    await refused(jwt_none(claims("room-x")), "alg none")


@S.test()
async def token_alg_hs512():
    """A token whose header says another algorithm: HS256 only."""
    import hashlib
    import hmac
    import json
    header = b64url(json.dumps({"alg": "HS512", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims("room-x")).encode())
    sig = hmac.new(SECRET.encode(), (header + "." + body).encode(), hashlib.sha512).digest()
    await refused(header + "." + body + "." + b64url(sig), "alg HS512")


@S.test()
async def token_missing_claims():
    await refused(jwt_hs256(SECRET, {"room": "room-x", "sub": "alice"}), "no exp")


@S.test()
async def token_missing():
    srv = token_server()
    c = await srv.ws("no-token")
    await c.send("join", {"roomId": "room-n"})
    err = await c.recv_event("error")
    check(err.get("code") in ("unauthorized", "bad-request"),
          "join without a token: error %r, expected unauthorized" % err)
    await c.alive("after a join without a token")
    await c.close()


@S.test(timeout=60)
async def many_failures_no_crash():
    srv = token_server()
    conns = [await srv.ws("flood%d" % i) for i in range(3)]
    codes = {}
    for i in range(40):
        c = conns[i % 3]
        await c.send("join", {"roomId": "room-f", "token": "bad.%d.token" % i})
    for c in conns:
        for ev, data, _ in await c.drain(0.5):
            check_eq(ev, "error", "%s: answer to a bad join" % c.name)
            codes[data.get("code")] = codes.get(data.get("code"), 0) + 1
    check(set(codes) <= {"unauthorized", "rate-limited"},
          "40 bad joins answered with %r" % codes)
    check(sum(codes.values()) >= 30, "only %d of 40 bad joins answered: %r"
          % (sum(codes.values()), codes))
    check(srv.alive(), "server died after 40 bad joins: %s" % srv.log_excerpt(5))
    rsp = await asyncio.to_thread(http_get, srv.http_port, "/healthz")
    check_eq(rsp.status, 200, "GET /healthz after 40 bad joins")
    for c in conns:
        await c.alive("after 40 bad joins")
        await c.close()
    # the same flood in user mode
    usrv = user_server()
    u = await usrv.ws("uflood")
    for i in range(40):
        await u.send("join", {"roomId": "room-f", "username": "alice",
                              "password": "guess%d" % i})
    codes = {}
    for ev, data, _ in await u.drain(0.5):
        codes[data.get("code")] = codes.get(data.get("code"), 0) + 1
    check(set(codes) <= {"unauthorized", "rate-limited"},
          "user mode: 40 bad joins answered with %r" % codes)
    check(usrv.alive(), "server died after 40 bad user joins")
    await u.close()


@S.test()
async def open_mode_ignores_credentials():
    """signaling-auth=open (the default): joins need nothing."""
    srv = S.fresh_server("open")
    c = await srv.ws()
    await c.join("room-o")
    d = await srv.ws()
    await d.join("room-o", token="garbage", username="x", password="y")
    await c.close()
    await d.close()


if __name__ == "__main__":
    sys.exit(S.run())
