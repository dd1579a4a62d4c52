"""Protocol tests of the room server, exactly as doc/signaling.md says:
HTTP routes and limits, every event, every error code, the WebSocket
limits (1009, 1007, 1003, Origin), resume, and the iceServers handed out.

Run: /usr/bin/python3 tests/interop/signal_protocol.py [TEST...]
"""

import asyncio
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import websockets  # noqa: E402

from signal_lib import (OP_BINARY, OP_TEXT, USER_ID_RE, RawWs, Suite,  # noqa: E402
                        TestFailure, check, check_eq, check_ice_servers,
                        http_exchange, http_get, short)

S = Suite("test_signal_protocol")

_room_n = [0]


def room(tag="r"):
    """A room id no other test uses."""
    _room_n[0] += 1
    return "%s-%d-%d" % (tag, os.getpid() % 10000, _room_n[0])


def main_server():
    """Defaults, except a 2 s resume window to keep the tests short."""
    return S.server("main", ["resume-window=2"])


async def pair(srv, r=None):
    """A and B joined in one room; A has seen B's otherjoined."""
    r = r or room()
    a = await srv.ws("A")
    ja = await a.join(r)
    b = await srv.ws("B")
    jb = await b.join(r)
    oj = await a.recv_event("otherjoined")
    check_eq(oj, {"roomId": r, "userId": jb["userId"]}, "otherjoined to A")
    return r, a, ja, b, jb


# ---- HTTP ------------------------------------------------------------------

@S.test()
async def http_routes():
    srv = main_server()
    p = srv.http_port
    rsp = await asyncio.to_thread(http_get, p, "/")
    check_eq(rsp.status, 200, "GET / status")
    check("text/html" in rsp.header("content-type"),
          "GET / Content-Type %r, expected text/html" % rsp.header("content-type"))
    check(b"<" in rsp.body and len(rsp.body) > 100, "GET / body is not a page: %r"
          % rsp.body[:100])

    rsp = await asyncio.to_thread(http_get, p, "/turnroom.js")
    check_eq(rsp.status, 200, "GET /turnroom.js status")
    check("javascript" in rsp.header("content-type"),
          "GET /turnroom.js Content-Type %r, expected javascript"
          % rsp.header("content-type"))
    check(len(rsp.body) > 100, "GET /turnroom.js body only %d bytes" % len(rsp.body))

    rsp = await asyncio.to_thread(http_get, p, "/healthz")
    check_eq(rsp.status, 200, "GET /healthz status")
    check("text/plain" in rsp.header("content-type"),
          "GET /healthz Content-Type %r, expected text/plain" % rsp.header("content-type"))
    check_eq(rsp.body.split(b"\n")[0], b"ok", "GET /healthz body, first line")

    rsp = await asyncio.to_thread(http_get, p, "/healthz", "HEAD")
    check_eq(rsp.status, 200, "HEAD /healthz status")

    rsp = await asyncio.to_thread(http_get, p, "/nope")
    check_eq(rsp.status, 404, "GET /nope status")

    rsp = await asyncio.to_thread(http_get, p, "/", "POST", body=b"x=1")
    check_eq(rsp.status, 405, "POST / status")

    rsp = await asyncio.to_thread(http_get, p, "/healthz", "DELETE")
    check_eq(rsp.status, 405, "DELETE /healthz status")


@S.test()
async def http_head_too_large():
    srv = main_server()
    big = b"X-Filler: " + b"a" * (9 * 1024) + b"\r\n"
    rsp = await asyncio.to_thread(http_get, srv.http_port, "/healthz", "GET", big)
    check_eq(rsp.status, 431, "GET with a 9 KiB header: status")
    # A head just under the limit is served.
    ok = b"X-Filler: " + b"a" * (6 * 1024) + b"\r\n"
    rsp = await asyncio.to_thread(http_get, srv.http_port, "/healthz", "GET", ok)
    check_eq(rsp.status, 200, "GET with a 6 KiB header: status")


def _half_head_close_time(port):
    """Seconds until the server closes a connection that sent half a
    request head; None when still open after 15 s."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        t0 = time.monotonic()
        s.settimeout(1.0)
        while time.monotonic() - t0 < 15.0:
            try:
                data = s.recv(4096)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return time.monotonic() - t0, b""
            if not data:
                return time.monotonic() - t0, b""
            # A 408 before the close is fine; keep reading to the close.
            if not data.startswith(b"HTTP/1.1 408"):
                return None, data
        return None, b""
    finally:
        s.close()


@S.test(timeout=30, background=True)
async def http_slow_head_closed():
    srv = main_server()
    took, junk = await asyncio.to_thread(_half_head_close_time, srv.http_port)
    check(not junk, "half a request head: the server answered %r instead of closing"
          % junk[:80])
    check(took is not None, "half a request head: connection still open after 15 s")
    check(took >= 5.0, "half a request head: closed after %.1f s, expected ~10 s" % took)


# ---- rooms -----------------------------------------------------------------

@S.test()
async def join_fields_and_full():
    srv = main_server()
    r = room()
    a = await srv.ws("A")
    ja = await a.join(r)
    check_eq(ja.get("roomId"), r, "joined.roomId")
    check(isinstance(ja.get("userId"), str) and USER_ID_RE.match(ja["userId"]),
          "joined.userId %r is not 32 hex digits" % ja.get("userId"))
    check_eq(ja.get("userNum"), 1, "joined.userNum of the first")
    check_eq(ja.get("capacity"), 2, "joined.capacity (default)")
    check_eq(ja.get("peers"), [], "joined.peers of the first")
    check(isinstance(ja.get("resumeToken"), str) and len(ja["resumeToken"]) >= 16,
          "joined.resumeToken %r" % ja.get("resumeToken"))
    check(ja.get("resumed") is False, "joined.resumed %r, expected false" % ja.get("resumed"))
    check(isinstance(ja.get("iceServers"), list), "joined.iceServers is not a list")
    check(isinstance(ja.get("iceTtl"), int) and ja["iceTtl"] > 0,
          "joined.iceTtl %r" % ja.get("iceTtl"))

    b = await srv.ws("B")
    jb = await b.join(r)
    check_eq(jb.get("userNum"), 2, "joined.userNum of the second")
    check_eq(jb.get("peers"), [ja["userId"]], "joined.peers of the second")
    check(jb["userId"] != ja["userId"], "both members got userId %s" % ja["userId"])
    check(jb["resumeToken"] != ja["resumeToken"], "both members got one resumeToken")
    oj = await a.recv_event("otherjoined")
    check_eq(oj, {"roomId": r, "userId": jb["userId"]}, "otherjoined to the first")

    c = await srv.ws("C")
    await c.send("join", {"roomId": r})
    full = await c.recv_event("full")
    check_eq(full, {"roomId": r, "userNum": 2}, "full to the third")
    await a.expect_no_event(0.3, ["otherjoined"])
    await b.expect_no_event(0.1, ["otherjoined"])
    # Not in the room after "full": it may join another one.
    jc = await c.join(room())
    check_eq(jc.get("userNum"), 1, "joined.userNum after full, in another room")
    for w in (a, b, c):
        await w.close()


@S.test()
async def room_id_64_chars_accepted():
    srv = main_server()
    c = await srv.ws()
    r = ("A-z.0_" * 11)[:64]
    j = await c.join(r)
    check_eq(j.get("roomId"), r, "joined.roomId of a 64-character id")
    await c.close()


@S.test()
async def check_room():
    srv = main_server()
    r = room()
    c = await srv.ws("checker")
    await c.send("checkRoom", {"roomId": r})
    check_eq(await c.recv_event("checkRoomSuccess"),
             {"roomId": r, "userNum": 0, "capacity": 2}, "checkRoomSuccess of an empty room")
    a = await srv.ws("A")
    await a.join(r)
    await c.send("checkRoom", {"roomId": r})
    check_eq(await c.recv_event("checkRoomSuccess"),
             {"roomId": r, "userNum": 1, "capacity": 2}, "checkRoomSuccess with one member")
    b = await srv.ws("B")
    await b.join(r)
    await c.send("checkRoom", {"roomId": r})
    check_eq(await c.recv_event("full"), {"roomId": r, "userNum": 2},
             "checkRoom of a full room")
    await c.send("checkRoom", {"roomId": "a b"})
    await c.expect_error("bad-room-id")
    await c.alive("after checkRoom with a bad id")
    for w in (a, b, c):
        await w.close()


@S.test()
async def capacity_3():
    srv = S.server("cap3", ["room-capacity=3", "resume-window=2"])
    r = room()
    ws, ids = [], []
    for i in range(3):
        w = await srv.ws("M%d" % i)
        j = await w.join(r)
        check_eq(j.get("capacity"), 3, "joined.capacity with room-capacity=3")
        check_eq(j.get("userNum"), i + 1, "joined.userNum of member %d" % (i + 1))
        check_eq(sorted(j.get("peers", [])), sorted(ids), "joined.peers of member %d" % (i + 1))
        ids.append(j["userId"])
        ws.append(w)
    for i in range(2):
        seen = [(await ws[i].recv_event("otherjoined"))["userId"] for _ in range(2 - i)]
        check_eq(seen, ids[i + 1:], "otherjoined events to member %d" % (i + 1))
    x = await srv.ws("X")
    await x.send("join", {"roomId": r})
    check_eq(await x.recv_event("full"), {"roomId": r, "userNum": 3}, "full for the fourth")
    await x.send("checkRoom", {"roomId": room()})
    check_eq((await x.recv_event("checkRoomSuccess")).get("capacity"), 3,
             "checkRoomSuccess.capacity with room-capacity=3")
    for w in ws + [x]:
        await w.close()


def check_relayed(msg, sent, sender, who):
    """A relayed message is {"event": "message", "from": sender, "data": D}
    where D is exactly the sender's sent["data"] (the seed 003 server emits
    `data` alone); roomId and to are routing and do not travel."""
    check_eq(msg.get("from"), sender, "%s: message envelope's from" % who)
    check_eq(msg.get("data"), sent.get("data"), "%s: message data (untouched)" % who)
    check_eq(sorted(msg.keys()), ["data", "event", "from"], "%s: message envelope keys" % who)


PAYLOAD = {
    "type": "offer",
    "sdp": "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\n",
    "nested": {"list": [1, -2, 0.5, True, False, None, {"deep": [[], {}]}],
               "empty": "", "quote\"key": "back\\slash\ttab"},
    "unicode": "h\u00e9llo \u2713 \U0001d11e \u65e5\u672c",
    "big": 9007199254740991,
}


@S.test()
async def message_to_all():
    srv = S.server("cap3", ["room-capacity=3", "resume-window=2"])
    r = room()
    a, b, c = await srv.ws("A"), await srv.ws("B"), await srv.ws("C")
    ja = await a.join(r)
    jb = await b.join(r)
    await c.join(r)
    await a.drain(0.2)
    await b.drain(0.1)
    sent = {"roomId": r, "data": PAYLOAD}
    await a.send("message", sent)
    for w in (b, c):
        check_relayed(await w.recv_event("message", envelope=True), sent, ja["userId"],
                      w.name)
    await a.expect_no_event(0.3, ["message"])
    # A string payload passes too.
    sent = {"roomId": r, "data": "plain \u00fcber"}
    await b.send("message", sent)
    check_relayed(await a.recv_event("message", envelope=True), sent, jb["userId"], "A")
    for w in (a, b, c):
        await w.close()


@S.test()
async def message_to_one():
    srv = S.server("cap3", ["room-capacity=3", "resume-window=2"])
    r = room()
    a, b, c = await srv.ws("A"), await srv.ws("B"), await srv.ws("C")
    ja = await a.join(r)
    jb = await b.join(r)
    await c.join(r)
    sent = {"roomId": r, "to": jb["userId"], "data": PAYLOAD}
    await a.send("message", sent)
    check_relayed(await b.recv_event("message", envelope=True), sent, ja["userId"], "B")
    await c.expect_no_event(0.4, ["message"])
    await a.expect_no_event(0.1, ["message"])
    for w in (a, b, c):
        await w.close()


@S.test()
async def leave_then_bye():
    srv = main_server()
    r, a, ja, b, jb = await pair(srv)
    await a.send("leave", {"roomId": r})
    check_eq(await a.recv_event("leaved"), {"roomId": r}, "leaved to the leaver")
    check_eq(await b.recv_event("bye"), {"roomId": r, "userId": ja["userId"]},
             "bye to the other")
    await a.expect_no_event(0.2, ["bye"])
    # The leaver is out: leave again is not-in-room, it may join again.
    await a.send("leave", {"roomId": r})
    await a.expect_error("not-in-room")
    await b.send("checkRoom", {"roomId": r})
    check_eq((await b.recv_event("checkRoomSuccess")).get("userNum"), 1,
             "userNum after a leave")
    j = await a.join(r)
    check_eq(j.get("peers"), [jb["userId"]], "joined.peers after rejoining")
    check_eq((await b.recv_event("otherjoined")).get("userId"), j["userId"],
             "otherjoined after rejoining")
    await a.close()
    await b.close()


@S.test()
async def disconnect_bye_after_window():
    srv = main_server()              # resume-window=2
    r, a, ja, b, jb = await pair(srv)
    t0 = time.monotonic()
    await b.close()                  # a clean close also opens the window
    await a.expect_no_event(1.5, ["bye"])
    bye = await a.recv_event("bye", 4.0)
    took = time.monotonic() - t0
    check_eq(bye, {"roomId": r, "userId": jb["userId"]}, "bye after disconnect")
    check(took >= 1.8, "bye %.2f s after the disconnect, before the 2 s window" % took)
    await a.close()


# ---- errors ----------------------------------------------------------------

@S.test()
async def error_bad_json():
    srv = main_server()
    c = await srv.ws()
    for text in ["not json", "{\"event\": \"join\", ", "[1, 2]", "\"join\"", "42",
                 json.dumps({"data": {"roomId": "x"}}),
                 json.dumps({"event": 5, "data": {}}),
                 json.dumps({"event": "join"}),
                 json.dumps({"event": "join", "data": "x"}),
                 json.dumps({"event": "join", "data": ["x"]})]:
        await c.send_text(text)
        await c.expect_error("bad-json")
        await c.alive("after bad-json %s" % short(text, 60))
    await c.close()


@S.test()
async def error_unknown_event():
    srv = main_server()
    c = await srv.ws()
    for ev in ["dance", "Join", "error", "joined"]:
        await c.send(ev, {})
        await c.expect_error("unknown-event")
        await c.alive("after unknown-event %r" % ev)
    await c.close()


@S.test()
async def error_bad_request():
    srv = main_server()
    c = await srv.ws()
    for data in [{}, {"roomId": 5}, {"roomId": None}, {"roomId": ["a"]}]:
        await c.send("join", data)
        await c.expect_error("bad-request")
        await c.alive("after join %s" % short(data))
    await c.send("checkRoom", {})
    await c.expect_error("bad-request")
    await c.alive("after checkRoom {}")
    await c.close()


@S.test()
async def error_bad_room_id():
    srv = main_server()
    c = await srv.ws()
    for rid in ["", "a" * 65, "a b", "a/b", "caf\u00e9", "a\nb", "../x"]:
        await c.send("join", {"roomId": rid})
        await c.expect_error("bad-room-id")
        await c.alive("after join %r" % rid)
    await c.close()


@S.test()
async def error_already_in_room():
    srv = main_server()
    c = await srv.ws()
    r = room()
    await c.join(r)
    await c.send("join", {"roomId": r})
    await c.expect_error("already-in-room")
    await c.alive()
    await c.send("join", {"roomId": room()})
    await c.expect_error("already-in-room")
    await c.alive()
    await c.close()


@S.test()
async def error_not_in_room():
    srv = main_server()
    c = await srv.ws()
    r = room()
    await c.send("message", {"roomId": r, "data": {"x": 1}})
    await c.expect_error("not-in-room")
    await c.alive("after message without join")
    await c.send("leave", {"roomId": r})
    await c.expect_error("not-in-room")
    await c.alive("after leave without join")
    await c.join(r)
    await c.send("message", {"roomId": room(), "data": {"x": 1}})
    await c.expect_error("not-in-room")
    await c.alive("after message to another room")
    await c.close()


@S.test()
async def error_no_such_peer():
    srv = main_server()
    r, a, ja, b, jb = await pair(srv)
    await a.send("message", {"roomId": r, "to": "0" * 32, "data": {"x": 1}})
    await a.expect_error("no-such-peer")
    await a.alive()
    await b.expect_no_event(0.3, ["message"])
    # a user of another room is no peer either
    c = await srv.ws("C")
    jc = await c.join(room())
    await a.send("message", {"roomId": r, "to": jc["userId"], "data": {"x": 1}})
    await a.expect_error("no-such-peer")
    await c.expect_no_event(0.3, ["message"])
    for w in (a, b, c):
        await w.close()


def limits_server():
    return S.server("limits", ["ws-rate=5", "ws-max-message=1024"])


@S.test()
async def error_rate_limited():
    srv = limits_server()
    c = await srv.ws()
    for i in range(50):
        await c.send("checkRoom", {"roomId": "rate-%d" % i})
    events = await c.drain(0.5)
    names = [e for e, _, _ in events]
    limited = [d for e, d, _ in events if e == "error" and d.get("code") == "rate-limited"]
    answered = names.count("checkRoomSuccess")
    check(limited, "ws-rate=5: 50 messages at once, no rate-limited error (%d answered: %s)"
          % (answered, short(names[:12])))
    check(answered >= 5, "ws-rate=5: only %d of 50 messages answered" % answered)
    check(answered < 50, "ws-rate=5: all 50 messages answered")
    other = [d for e, d, _ in events if e == "error" and d.get("code") != "rate-limited"]
    check(not other, "unexpected errors: %s" % short(other))
    await asyncio.sleep(2.5)
    await c.alive("after rate-limited and a pause")
    await c.close()


# ---- WebSocket limits ------------------------------------------------------

@S.test()
async def close_1009_too_big():
    srv = limits_server()
    c = await srv.ws()
    # Just under ws-max-message=1024: processed (not in a room).
    msg = json.dumps({"event": "message", "data": {"roomId": "x", "data": "a" * 900}})
    check(len(msg) < 1024, "test bug: %d bytes" % len(msg))
    await c.send_text(msg)
    await c.expect_error("not-in-room")
    big = json.dumps({"event": "message", "data": {"roomId": "x", "data": "a" * 2000}})
    await c.send_text(big)
    code, reason = await c.wait_closed(5)
    check_eq(code, 1009, "close code after a %d-byte message (ws-max-message=1024)"
             % len(big))


def _raw_invalid_utf8(port):
    w = RawWs(port)
    try:
        check_eq(w.status, 101, "raw upgrade status")
        w.send_frame(OP_TEXT, json.dumps({"event": "checkRoom",
                                          "data": {"roomId": "raw"}}).encode())
        got = json.loads(w.recv_text())
        check_eq(got.get("event"), "checkRoomSuccess", "raw client: answer to checkRoom")
        w.send_frame(OP_TEXT, b'{"event": "checkRoom", "data": {"roomId": "\xff\xfe"}}')
        return w.recv_close(5)
    finally:
        w.close()


def _raw_bad_utf8_fragmented(port):
    """A 4-byte sequence split over two fragments is valid; a truncated one
    at the end of the message is not."""
    w = RawWs(port)
    try:
        check_eq(w.status, 101, "raw upgrade status")
        body = json.dumps({"event": "checkRoom", "data": {"roomId": "x"}},
                          ensure_ascii=False).encode()
        w.send_frame(OP_TEXT, body[:10], fin=False)
        w.send_frame(0, body[10:] + b"\xf0\x9f\x98", fin=True)
        return w.recv_close(5)
    finally:
        w.close()


def _raw_binary(port):
    w = RawWs(port)
    try:
        check_eq(w.status, 101, "raw upgrade status")
        w.send_frame(OP_BINARY, b'{"event":"checkRoom","data":{"roomId":"x"}}')
        return w.recv_close(5)
    finally:
        w.close()


@S.test()
async def close_1007_invalid_utf8():
    srv = main_server()
    got = await asyncio.to_thread(_raw_invalid_utf8, srv.http_port)
    check(got is not None, "invalid UTF-8 text frame: TCP closed without a close frame")
    check_eq(got[0], 1007, "close code after an invalid UTF-8 text frame")
    got = await asyncio.to_thread(_raw_bad_utf8_fragmented, srv.http_port)
    check(got is not None, "truncated UTF-8 in a fragmented message: no close frame")
    check_eq(got[0], 1007, "close code after a fragmented message ending mid-character")


@S.test()
async def close_1003_binary():
    srv = main_server()
    got = await asyncio.to_thread(_raw_binary, srv.http_port)
    check(got is not None, "binary frame: TCP closed without a close frame")
    check_eq(got[0], 1003, "close code after a binary frame")


@S.test()
async def allowed_origin():
    srv = S.server("origin", ["allowed-origin=http://good.example",
                              "allowed-origin=http://other.example"])
    try:
        w = await srv.ws(origin="http://evil.example")
        await w.close()
        raise TestFailure("upgrade with Origin http://evil.example was accepted")
    except websockets.InvalidStatusCode as e:
        check_eq(e.status_code, 403, "upgrade status with Origin http://evil.example")
    for origin in ("http://good.example", "http://other.example"):
        w = await srv.ws(origin=origin)
        await w.join(room())
        await w.close()
    raw = await asyncio.to_thread(RawWs, srv.http_port, "http://good.example")
    check_eq(raw.status, 101, "raw upgrade with Origin http://good.example")
    raw.close()


# ---- resume ----------------------------------------------------------------

@S.test()
async def resume_in_window():
    srv = main_server()              # resume-window=2
    r, a, ja, b, jb = await pair(srv)
    b.drop()
    await asyncio.sleep(0.3)
    queued = {"type": "candidate", "n": 1, "u": "\u00e9"}
    await a.send("message", {"roomId": r, "to": jb["userId"], "data": queued})
    await a.send("message", {"roomId": r, "data": {"n": 2}})
    await a.expect_no_event(0.3, ["error"])
    b2 = await srv.ws("B2")
    await b2.send("join", {"roomId": r, "resumeToken": jb["resumeToken"]})
    j = await b2.recv_event("joined")
    check_eq(j.get("userId"), jb["userId"], "resumed joined.userId")
    check(j.get("resumed") is True, "resumed joined.resumed %r" % j.get("resumed"))
    check_eq(j.get("roomId"), r, "resumed joined.roomId")
    check_eq(j.get("peers"), [ja["userId"]], "resumed joined.peers")
    check(isinstance(j.get("resumeToken"), str) and j["resumeToken"] != jb["resumeToken"],
          "resume must hand out a fresh resumeToken, got %r" % j.get("resumeToken"))
    check_relayed(await b2.recv_event("message", envelope=True),
                  {"roomId": r, "to": jb["userId"], "data": queued}, ja["userId"],
                  "B2 (first queued message)")
    check_relayed(await b2.recv_event("message", envelope=True),
                  {"roomId": r, "data": {"n": 2}}, ja["userId"], "B2 (second queued message)")
    # The window (2 s) passes: A sees nothing, B2 is a normal member.
    await a.expect_no_event(3.0, ["bye", "otherjoined"])
    await a.send("message", {"roomId": r, "data": "after"})
    check_eq((await b2.recv_event("message", envelope=True)).get("data"), "after",
             "message after resume: data")
    # The old token is single-use.
    c = await srv.ws("C")
    await c.send("join", {"roomId": r, "resumeToken": jb["resumeToken"]})
    await c.expect_error("bad-resume")
    await c.alive("after bad-resume")
    for w in (a, b2, c):
        await w.close()


@S.test()
async def resume_after_window():
    srv = main_server()              # resume-window=2
    r, a, ja, b, jb = await pair(srv)
    b.drop()
    await a.recv_event("bye", 5.0)
    b2 = await srv.ws("B2")
    await b2.send("join", {"roomId": r, "resumeToken": jb["resumeToken"]})
    await b2.expect_error("bad-resume")
    await b2.alive("after bad-resume")
    await b2.send("join", {"roomId": r, "resumeToken": "f" * 64})
    await b2.expect_error("bad-resume")
    j = await b2.join(r)
    check(j.get("userId") != jb["userId"], "a new join after the window got the old userId")
    check(j.get("resumed") is False, "a plain join has resumed %r" % j.get("resumed"))
    await a.close()
    await b2.close()


@S.test()
async def resume_not_full_because_of_ghost():
    srv = main_server()
    r, a, ja, b, jb = await pair(srv)
    b.drop()
    await asyncio.sleep(0.2)
    c = await srv.ws("C")
    await c.send("join", {"roomId": r})
    check_eq(await c.recv_event("full"), {"roomId": r, "userNum": 2},
             "join into a room whose member is in its resume window")
    b2 = await srv.ws("B2")
    j = await b2.join(r, resumeToken=jb["resumeToken"])
    check(j.get("resumed") is True, "resume into a room at capacity")
    await a.expect_no_event(0.3, ["bye", "otherjoined"])
    for w in (a, b2, c):
        await w.close()


# ---- ICE servers -----------------------------------------------------------

@S.test(timeout=40)
async def ice_shape_and_secret_persists():
    srv = S.server("ice", ["ice-credential-ttl=300"])
    c = await srv.ws()
    now = time.time()
    j = await c.join(room())
    secrets = srv.turn_secrets()
    check(len(secrets) >= 1, "no turn_secret row of realm turnroom.local in %s" % srv.userdb)
    check_eq(j.get("iceTtl"), 300, "joined.iceTtl with ice-credential-ttl=300")
    user, cred, exp, secret = check_ice_servers(
        j.get("iceServers"), "127.0.0.1", srv.turn_port, j["userId"], 300, secrets,
        now, "joined.iceServers")
    await c.send("refreshIce", {})
    ev = await c.recv_event("iceServers")
    check_eq(ev.get("ttl"), 300, "iceServers.ttl")
    check_ice_servers(ev.get("iceServers"), "127.0.0.1", srv.turn_port, j["userId"], 300,
                      secrets, time.time(), "refreshIce iceServers")
    await c.close()
    # Same store after a restart: same secret, credentials still verify.
    srv.restart()
    check_eq(srv.turn_secrets(), secrets, "turn_secret rows after a restart")
    c = await srv.ws()
    j = await c.join(room())
    _, _, _, secret2 = check_ice_servers(
        j.get("iceServers"), "127.0.0.1", srv.turn_port, j["userId"], 300, secrets,
        time.time(), "joined.iceServers after a restart")
    check_eq(secret2, secret, "secret used after a restart")
    await c.close()


@S.test(timeout=30, background=True)
async def ice_pushed_before_expiry():
    srv = S.server("icettl", ["ice-credential-ttl=8"])
    c = await srv.ws()
    t0 = time.time()
    j = await c.join(room())
    check_eq(j.get("iceTtl"), 8, "joined.iceTtl with ice-credential-ttl=8")
    _, _, exp0, _ = check_ice_servers(j.get("iceServers"), "127.0.0.1", srv.turn_port,
                                      j["userId"], 8, None, t0, "joined.iceServers")
    ev = await c.recv_event("iceServers", 8.0)
    took = time.time() - t0
    check_eq(ev.get("ttl"), 8, "pushed iceServers.ttl")
    _, _, exp1, _ = check_ice_servers(ev.get("iceServers"), "127.0.0.1", srv.turn_port,
                                      j["userId"], 8, srv.turn_secrets(), time.time(),
                                      "pushed iceServers")
    check(exp1 > exp0, "pushed credentials expire at %d, not after the old %d" % (exp1, exp0))
    check(took >= 3.0, "iceServers pushed after %.1f s, expected at ~3/4 of 8 s" % took)
    await c.close()


@S.test()
async def ice_host_from_host_header():
    srv = main_server()
    c = await srv.ws(host="myhost.example:%d" % srv.http_port)
    j = await c.join(room())
    check_ice_servers(j.get("iceServers"), "myhost.example", srv.turn_port, j["userId"],
                      3600, None, time.time(), "iceServers with Host: myhost.example")
    await c.send("refreshIce", {})
    ev = await c.recv_event("iceServers")
    check_ice_servers(ev.get("iceServers"), "myhost.example", srv.turn_port, j["userId"],
                      3600, None, time.time(), "refreshIce with Host: myhost.example")
    await c.close()


@S.test()
async def ice_server_name_overrides_host():
    srv = S.server("sname", ["server-name=turn.example.org"])
    for host in (None, "myhost.example:%d" % srv.http_port):
        c = await srv.ws(host=host)
        j = await c.join(room())
        check_ice_servers(j.get("iceServers"), "turn.example.org", srv.turn_port,
                          j["userId"], 3600, srv.turn_secrets(), time.time(),
                          "iceServers with server-name (Host %s)" % host)
        await c.close()


@S.test()
async def server_still_healthy():
    """Last: after everything above, every server still answers."""
    for srv in S.servers:
        if srv.proc is None:
            continue
        check(srv.alive(), "server %s died: %s" % (srv.name, srv.log_excerpt(5)))
        rsp = await asyncio.to_thread(http_get, srv.http_port, "/healthz")
        check_eq(rsp.status, 200, "server %s GET /healthz at the end" % srv.name)


if __name__ == "__main__":
    sys.exit(S.run())
