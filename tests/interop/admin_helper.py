"""Helpers for the turnroom-admin tests (standard library only).

    admin_helper.py key USER REALM PASSWORD
        prints hex(MD5(USER:REALM:PASSWORD)), the turndb hmackey
    admin_helper.py jwt-check TOKEN SECRET ROOM SUB TTL FROM TO
        checks an HS256 JWT by hand (hmac, not a JWT library): header
        alg HS256, signature over "header.payload" with SECRET, claims
        room == ROOM, sub == SUB, FROM + TTL <= exp <= TO + TTL (FROM,
        TO: the clock in seconds before and after the token was made,
        so that a slow machine cannot fail it); exit 0, or 1 with the
        reason
    admin_helper.py alloc-then-refresh HOST PORT USER PASSWORD FIFO
        allocates (UDP) as USER, prints "allocated", then waits for
        a line on FIFO and sends a Refresh on the same 5-tuple; prints
        "refresh CODE" (CODE 0 for success)
    admin_helper.py alloc-code HOST PORT USER PASSWORD LOCAL-IP
        one Allocate from LOCAL-IP; prints 0 on success, else the error
        code (401 for unknown credentials); the allocation is dropped
"""

import base64
import hashlib
import hmac
import json
import sys


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_check(token, secret, room, sub, ttl, made_from, made_to):
    parts = token.split(".")
    if len(parts) != 3:
        return "not three dot-separated parts"
    header = json.loads(b64url_decode(parts[0]))
    claims = json.loads(b64url_decode(parts[1]))
    if header.get("alg") != "HS256":
        return "alg is %r, not HS256" % header.get("alg")
    mac = hmac.new(secret.encode(), (parts[0] + "." + parts[1]).encode(),
                   hashlib.sha256).digest()
    if not hmac.compare_digest(mac, b64url_decode(parts[2])):
        return "signature does not verify with the secret"
    if claims.get("room") != room:
        return "room claim %r, expected %r" % (claims.get("room"), room)
    if claims.get("sub") != sub:
        return "sub claim %r, expected %r" % (claims.get("sub"), sub)
    exp = claims.get("exp")
    low, high = int(made_from) + int(ttl), int(made_to) + int(ttl)
    if not isinstance(exp, int) or not low <= exp <= high:
        return "exp claim %r, expected %d..%d" % (exp, low, high)
    return None


def allocate(host, port, user, password, local=None):
    """A Client holding an allocation, or (None, error code)."""
    import stunpy
    c = stunpy.Client("udp", (host, int(port)), local=local)
    c.set_credentials(user, password)
    code = stunpy.error_code(c.allocate())
    if code is not None:
        c.close()
        return None, code[0]
    return c, 0


def alloc_then_refresh(host, port, user, password, fifo):
    import stunpy
    c, code = allocate(host, port, user, password)
    if c is None:
        print("allocate failed %d" % code, flush=True)
        return 1
    print("allocated", flush=True)
    with open(fifo) as f:
        f.readline()
    try:
        code = stunpy.error_code(
            c.request_auth(stunpy.REFRESH, [stunpy.lifetime(600)]))
        print("refresh %d" % (code[0] if code else 0), flush=True)
    except stunpy.StunError as e:
        print("refresh no-answer (%s)" % e, flush=True)
    return 0


def alloc_code(host, port, user, password, local):
    c, code = allocate(host, port, user, password, local)
    if c is not None:
        c.close()
    print(code)
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "key":
        print(hashlib.md5(":".join(argv[2:5]).encode()).hexdigest())
        return 0
    if len(argv) == 9 and argv[1] == "jwt-check":
        why = jwt_check(*argv[2:9])
        if why:
            print(why)
            return 1
        return 0
    if len(argv) == 7 and argv[1] == "alloc-code":
        return alloc_code(*argv[2:7])
    if len(argv) == 7 and argv[1] == "alloc-then-refresh":
        return alloc_then_refresh(*argv[2:7])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
