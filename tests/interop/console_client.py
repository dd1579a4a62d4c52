"""Drives turnroom's web console (web-admin) over HTTP, as a browser would,
and as a hostile page would. Subcommands (each prints one line per check
that failed, to stderr, and exits 1 on the first failure):

    console_client.py security PORT REALM
        headers, login (coturn's turnadmin -A row and turnroom-admin -A
        row), CSRF token missing / wrong / another session's, another
        Origin, cross-site Sec-Fetch-Site: each changes nothing; realm
        isolation; logout; then adds user "newbie" (password newbie-pw) in
        REALM through the console.
    With CONSOLE_TLS=1 in the environment, over HTTPS (a self-signed
    certificate), where the cookie must also be Secure.
    console_client.py disconnect PORT USER
        logs in and disconnects USER; prints the answer.
    console_client.py brake PORT
        five wrong passwords, then even the right one is braked (429).
"""

import http.client
import json
import os
import sqlite3
import ssl
import sys
import urllib.parse


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


class Console:
    def __init__(self, port):
        self.port = port
        self.tls = os.environ.get("CONSOLE_TLS") == "1"
        self.origin = "%s://127.0.0.1:%d" % ("https" if self.tls else "http", port)
        self.cookie = None
        self.csrf = ""

    def req(self, method, path, fields=None, headers=None, origin=True, csrf=True):
        h = {"Host": "127.0.0.1:%d" % self.port}
        body = None
        if method == "POST":
            body = urllib.parse.urlencode(fields or {})
            h["Content-Type"] = "application/x-www-form-urlencoded"
            if origin:
                h["Origin"] = self.origin
            if csrf:
                h["X-CSRF-Token"] = self.csrf
        if self.cookie:
            h["Cookie"] = self.cookie
        h.update(headers or {})
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=5, context=ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, r.headers, data

    def login(self, name, password, **kw):
        st, hd, data = self.req("POST", "/api/login",
                                {"name": name, "password": password}, **kw)
        if st == 200:
            sc = hd.get("Set-Cookie", "")
            self.cookie = sc.split(";")[0]
            self.csrf = json.loads(data)["csrf"]
            return st, sc, json.loads(data)
        return st, None, data

    def users(self):
        st, _, data = self.req("GET", "/api/users")
        check(st == 200, "GET /api/users: %d %s" % (st, data))
        return json.loads(data)


def has_user(con, name, realm):
    return any(u["name"] == name and u["realm"] == realm for u in con.users()["users"])


def security(port, realm):
    c = Console(port)
    st, hd, page = c.req("GET", "/")
    check(st == 200 and "<form id=\"login\"" in page, "GET / is not the page: %d" % st)
    check("default-src 'self'" in hd.get("Content-Security-Policy", ""), "no CSP")
    check(hd.get("X-Frame-Options") == "DENY", "no X-Frame-Options DENY")
    check(hd.get("X-Content-Type-Options") == "nosniff", "no nosniff")
    st, _, _ = c.req("GET", "/api/status")
    check(st == 401, "/api/status without a session: %d, not 401" % st)

    # Login itself is same-origin only (no login CSRF).
    st, _, _ = c.login("boss", "boss-pw", origin=False)
    check(st == 403, "login without Origin: %d, not 403" % st)
    st, _, _ = c.login("boss", "boss-pw", headers={"Origin": "http://evil.example"})
    check(st == 403, "login from another Origin: %d, not 403" % st)
    st, sc, me = c.login("boss", "boss-pw")
    check(st == 200, "login of turnadmin's admin row: %d %s" % (st, me))
    for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
        check(attr in sc, "session cookie lacks %s: %s" % (attr, sc))
    check(("Secure" in sc) == c.tls, "cookie Secure flag is wrong: %s" % sc)
    check(me["realm"] == "", "boss is an admin of every realm: %r" % me)
    st, _, data = c.req("GET", "/api/status")
    check(st == 200 and "allocations" in json.loads(data), "status: %d %s" % (st, data))

    # A second session, realm-bound (turnroom-admin -A -r other.realm).
    r = Console(port)
    st, _, me = r.login("rb", "rb-pw")
    check(st == 200 and me["realm"] == "other.realm", "login of rb: %d %r" % (st, me))

    add = {"name": "mallory", "realm": realm, "password": "x"}
    for what, kw in (
        ("no CSRF token", {"csrf": False}),
        ("a wrong CSRF token", {"headers": {"X-CSRF-Token": "0" * 64}}),
        ("another session's CSRF token", {"headers": {"X-CSRF-Token": r.csrf}}),
        ("another Origin", {"headers": {"Origin": "http://127.0.0.1:1"}}),
        ("no Origin", {"origin": False}),
        ("Sec-Fetch-Site cross-site", {"headers": {"Sec-Fetch-Site": "cross-site"}}),
    ):
        st, _, data = c.req("POST", "/api/user-add", add, **kw)
        check(st == 403, "user-add with %s: %d %s, not 403" % (what, st, data))
        check(not has_user(c, "mallory", realm), "user-add with %s added the user" % what)
        st, _, _ = c.req("POST", "/api/reload", **kw)
        check(st == 403, "reload with %s: %d, not 403" % (what, st))

    # Realm isolation: rb sees and changes only other.realm.
    st, _, data = c.req("POST", "/api/user-add",
                        {"name": "otheruser", "realm": "other.realm", "password": "o"})
    check(st == 200, "boss adds otheruser: %d %s" % (st, data))
    ru = r.users()
    check(all(u["realm"] == "other.realm" for u in ru["users"]),
          "rb sees users of other realms: %r" % ru)
    check(any(u["name"] == "otheruser" for u in ru["users"]), "rb misses its user: %r" % ru)
    check(ru["admins"] == [], "rb sees the admin users: %r" % ru)
    bu = c.users()
    check(any(u["name"] == "otheruser" for u in bu["users"]), "boss misses otheruser")
    check({a["name"] for a in bu["admins"]} == {"boss", "rb", "gone2"}, "admins: %r" % bu)
    st, _, _ = r.req("POST", "/api/user-add", {"name": "x", "realm": realm, "password": "x"})
    check(st == 403, "rb adds to %s: %d, not 403" % (realm, st))
    st, _, _ = r.req("POST", "/api/user-delete", {"name": "alice", "realm": realm})
    check(st == 403, "rb deletes from %s: %d, not 403" % (realm, st))
    st, _, _ = r.req("POST", "/api/disconnect", {"user": "alice"})
    check(st == 403, "rb disconnects in %s: %d, not 403" % (realm, st))
    st, _, data = r.req("GET", "/api/sessions")
    check(st == 200 and data.strip() == "", "rb sees sessions of %s: %r" % (realm, data))
    st, _, _ = r.req("POST", "/api/reload")
    check(st == 403, "rb reloads: %d, not 403" % st)
    st, _, _ = r.req("GET", "/api/metrics")
    check(st == 403, "rb reads the metrics of %s: %d, not 403" % (realm, st))

    r2 = Console(port)
    st, _, _ = r2.login("rb", "rb-pw")
    check(st == 200, "second login of rb: %d" % st)

    # An admin deleted as coturn's turnadmin -D does (a DELETE of its
    # admin_user row) loses its live session at the next request.
    g = Console(port)
    st, _, _ = g.login("gone2", "gone2-pw")
    check(st == 200, "login of gone2: %d" % st)
    db = sqlite3.connect(os.environ["CONSOLE_DB"])
    db.execute("DELETE FROM admin_user WHERE name='gone2'")
    db.commit()
    db.close()
    st, _, _ = g.req("GET", "/api/users")
    check(st == 401, "a deleted admin's session still works: %d" % st)

    # Logout ends the session server-side: the old cookie is dead.
    st, _, _ = r.req("POST", "/api/logout")
    check(st == 204, "logout: %d" % st)
    st, _, _ = r.req("GET", "/api/users")
    check(st == 401, "the cookie still works after logout: %d" % st)

    st, _, data = c.req("POST", "/api/user-add",
                        {"name": "newbie", "realm": realm, "password": "newbie-pw"})
    check(st == 200 and has_user(c, "newbie", realm), "adding newbie: %d %s" % (st, data))
    # The configuration view masks every secret (user= passwords,
    # metrics-token) and marks what a reload applies.
    st, _, data = c.req("GET", "/api/config")
    check(st == 200, "config: %d" % st)
    for secret in ("wonderland", "tok-SECRET"):
        check(secret not in data, "the config view shows a secret: %s" % secret)
    rows = {o["name"]: o for o in json.loads(data)}
    check(rows["metrics-token"]["value"] == "(set, not shown)", "metrics-token: %r"
          % rows["metrics-token"])
    check(rows["realm"]["value"] == realm, "realm row: %r" % rows["realm"])
    check(rows["ws-max-output"]["reload"] and not rows["web-admin-port"]["reload"],
          "reload/restart marks are wrong")
    st, _, _ = r2.req("GET", "/api/config")
    check(st == 403, "a realm admin reads the configuration: %d" % st)
    st, _, data = c.req("POST", "/api/reload")
    check(st == 200 and "changed: ws-max-output=300000" in data,
          "reload does not show the change: %d %s" % (st, data))
    print("security checks passed")


def disconnect(port, user):
    c = Console(port)
    st, _, me = c.login("boss", "boss-pw")
    check(st == 200, "login: %d %s" % (st, me))
    st, _, data = c.req("GET", "/api/metrics")
    m = json.loads(data)
    st2, _, status = c.req("GET", "/api/status")
    check(st == 200 and m.get("turnroom_allocations", 0) >= 1 and
          m["turnroom_allocations"] == int(json.loads(status)["allocations"]),
          "metrics %r and status %s disagree or count no allocation" % (
              m.get("turnroom_allocations"), status))
    st, _, data = c.req("GET", "/api/sessions")
    check(user in data, "the sessions page does not list %s: %r" % (user, data))
    st, _, data = c.req("POST", "/api/disconnect", {"user": user})
    check(st == 200, "disconnect %s: %d %s" % (user, st, data))
    print(data.strip().replace("\n", ", "))


def brake(port):
    c = Console(port)
    for i in range(5):
        st, _, _ = c.login("boss", "wrong-%d" % i)
        check(st == 401, "wrong password %d: %d, not 401" % (i + 1, st))
    st, _, _ = c.login("boss", "boss-pw")
    check(st == 429, "the right password after five wrong ones: %d, not 429" % st)
    st, _, _ = c.login("rb", "rb-pw")
    check(st == 429, "another name from the braked address: %d, not 429" % st)
    print("braked after 5 wrong passwords")


def main():
    try:
        if sys.argv[1] == "security":
            security(int(sys.argv[2]), sys.argv[3])
        elif sys.argv[1] == "disconnect":
            disconnect(int(sys.argv[2]), sys.argv[3])
        elif sys.argv[1] == "brake":
            brake(int(sys.argv[2]))
    except Fail as e:
        print("FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)


main()
