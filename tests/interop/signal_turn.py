"""The iceServers handed out at join are real TURN credentials on
turnroom's own relay, and they are bound to presence (doc/signaling.md,
"TURN credentials"): allocations made with a member's credentials go away
when it leaves, or when its resume window closes; credentials minted
elsewhere with the same secret keep coturn's semantics.

Two independent TURN clients: aioice 0.8 (UDP and TCP) and stunpy (the
raw client of these tests), relaying to a UDP echo peer on 127.0.0.1.

Run: /usr/bin/python3 tests/interop/signal_turn.py [TEST...]
"""

import asyncio
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aioice import stun as aiostun  # noqa: E402
from aioice.turn import create_turn_endpoint  # noqa: E402

import stunpy  # noqa: E402
from signal_lib import (Suite, TestFailure, check, check_eq,  # noqa: E402
                        check_ice_servers, parse_turn_url, rest_password)

S = Suite("test_signal_turn")
CHANNEL = 0x4000


def turn_server():
    return S.server("turn", ["resume-window=2"])


class EchoPeer:
    """A UDP echo socket on 127.0.0.1 in a thread of its own."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.addr = self.sock.getsockname()
        self.count = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            try:
                data, src = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.count += 1
            self.sock.sendto(data, src)

    def stop(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()


def creds_of(joined, transport="udp"):
    """(server address, username, password) from joined.iceServers."""
    ice = joined.get("iceServers")
    check(isinstance(ice, list) and len(ice) == 2, "joined.iceServers %r" % ice)
    turn = ice[1]
    for url in turn.get("urls", []):
        host, port, tr = parse_turn_url(url)
        if tr == transport:
            return (host, port), turn["username"], turn["credential"]
    raise TestFailure("no turn: URL with transport=%s in %r" % (transport, turn.get("urls")))


class Probe:
    """One stunpy allocation relaying to the echo peer over channel
    0x4000. Blocking: call through asyncio.to_thread."""

    def __init__(self, server, username, password, peer, transport="udp"):
        self.peer = peer
        self.c = stunpy.Client(transport, server, timeout=3.0)
        self.c.set_credentials(username, password)
        rsp = self.c.allocate()
        check(stunpy.error_code(rsp) is None, "Allocate with the joined credentials: %r (%s)"
              % (rsp, "; ".join(self.c.log[-2:])))
        self.relayed = stunpy.relayed_address(rsp)
        rsp = self.c.channel_bind(CHANNEL, peer)
        check(stunpy.error_code(rsp) is None, "ChannelBind to the echo peer: %r" % rsp)

    def echo(self, payload, timeout=1.5):
        """True when payload sent on the channel comes back on it."""
        self.c.send_raw(struct.pack("!HH", CHANNEL, len(payload)) + payload +
                        (b"\0" * (-len(payload) % 4) if self.c.transport == "tcp" else b""))
        deadline = time.monotonic() + timeout
        while True:
            try:
                pkt = self.c._recv_one(deadline)
            except (socket.timeout, stunpy.StunError, OSError):
                return False
            if len(pkt) >= 4 and pkt[0] & 0xC0 == 0x40:
                ch, n = struct.unpack("!HH", pkt[:4])
                if ch == CHANNEL and pkt[4:4 + n] == payload:
                    return True

    def refresh(self, lifetime=600):
        """Error code of a Refresh on this allocation, None on success."""
        rsp = self.c.request_auth(stunpy.REFRESH, [stunpy.lifetime(lifetime)])
        ec = stunpy.error_code(rsp)
        return ec[0] if ec else None

    def create_permission(self):
        rsp = self.c.create_permission([self.peer])
        ec = stunpy.error_code(rsp)
        return ec[0] if ec else None

    def close(self):
        try:
            self.c.request_auth(stunpy.REFRESH, [stunpy.lifetime(0)])
        except (OSError, stunpy.StunError):
            pass
        self.c.close()


async def probe(joined, peer, transport="udp"):
    server, user, password = creds_of(joined, transport)
    return await asyncio.to_thread(Probe, server, user, password, peer.addr, transport)


async def assert_gone(p, what):
    """The allocation behind p is deleted: Refresh and CreatePermission get
    437 (RFC 8656 s7.3: no allocation on this 5-tuple) and the relay no
    longer echoes."""
    code = await asyncio.to_thread(p.refresh)
    check_eq(code, 437, "Refresh on the allocation %s" % what)
    code = await asyncio.to_thread(p.create_permission)
    check_eq(code, 437, "CreatePermission on the allocation %s" % what)
    check(not await asyncio.to_thread(p.echo, b"after-" + what.encode()[:20], 1.0),
          "the relay still echoes %s" % what)


async def assert_alive(p, what):
    code = await asyncio.to_thread(p.refresh)
    check(code is None, "Refresh on the allocation %s answered %s" % (what, code))
    check(await asyncio.to_thread(p.echo, b"alive"), "no echo through the relay %s" % what)


class Receiver(asyncio.DatagramProtocol):
    def __init__(self):
        self.queue = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.queue.put_nowait((data, addr))


async def aioice_echo(transport, receiver, peer, payload, timeout=2.0):
    transport.sendto(payload, peer.addr)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            data, addr = await asyncio.wait_for(receiver.queue.get(), left)
        except asyncio.TimeoutError:
            return False
        if data == payload:
            check_eq(tuple(addr), tuple(peer.addr), "aioice: echo source")
            return True


async def aioice_refresh_code(transport):
    inner = transport._TurnTransport__inner_protocol
    req = aiostun.Message(message_method=aiostun.Method.REFRESH,
                          message_class=aiostun.Class.REQUEST)
    req.attributes["LIFETIME"] = 600
    try:
        await asyncio.wait_for(inner.request_with_retry(req), 10)
    except aiostun.TransactionFailed as e:
        return e.response.attributes["ERROR-CODE"][0]
    except (aiostun.TransactionTimeout, asyncio.TimeoutError, ConnectionError):
        return "no answer"
    return None


# ---- tests -----------------------------------------------------------------

@S.test()
async def joined_credentials_allocate_and_leave_deletes():
    srv = turn_server()
    peer = EchoPeer()
    try:
        a = await srv.ws("A")
        j = await a.join("turn-leave")
        check_ice_servers(j.get("iceServers"), "127.0.0.1", srv.turn_port, j["userId"],
                          None, srv.turn_secrets())
        # aioice over UDP and over TCP, with the URLs and credentials as given
        tr = {}
        for kind in ("udp", "tcp"):
            server, user, password = creds_of(j, kind)
            recv = Receiver()
            try:
                t, _ = await asyncio.wait_for(create_turn_endpoint(
                    lambda: recv, server, user, password, transport=kind), 10)
            except Exception as e:
                raise TestFailure("aioice %s allocation with the joined credentials "
                                  "failed: %s: %s" % (kind, type(e).__name__, e))
            relayed = t.get_extra_info("sockname")
            check(relayed is not None and relayed[0] == "127.0.0.1",
                  "aioice %s relayed address %r" % (kind, relayed))
            check(srv.min_port <= relayed[1] <= srv.max_port,
                  "aioice %s relayed port %d outside min-port..max-port"
                  % (kind, relayed[1]))
            check(await aioice_echo(t, recv, peer, b"hello over " + kind.encode()),
                  "aioice %s: no echo through the relay" % kind)
            tr[kind] = (t, recv)
        # and the raw client over UDP
        p = await probe(j, peer)
        check(await asyncio.to_thread(p.echo, b"raw hello"), "stunpy: no echo via the relay")

        await a.send("leave", {"roomId": "turn-leave"})
        await a.recv_event("leaved")
        await asyncio.sleep(0.2)
        await assert_gone(p, "after leave")
        for kind, (t, recv) in tr.items():
            check(not await aioice_echo(t, recv, peer, b"after leave " + kind.encode(), 1.0),
                  "aioice %s: the relay still echoes after leave" % kind)
        code = await aioice_refresh_code(tr["udp"][0])
        check(code == 437, "aioice udp: Refresh after leave answered %r, expected 437" % code)
        code = await aioice_refresh_code(tr["tcp"][0])
        check(code in (437, "no answer"),
              "aioice tcp: Refresh after leave answered %r, expected 437 or a closed "
              "connection" % code)
        await a.close()
        p.c.close()
        for t, _ in tr.values():
            t._TurnTransport__inner_protocol.transport.close()
    finally:
        peer.stop()


@S.test()
async def disconnect_deletes_after_resume_window():
    srv = turn_server()              # resume-window=2
    peer = EchoPeer()
    try:
        a, b = await srv.ws("A"), await srv.ws("B")
        await a.join("turn-drop")
        jb = await b.join("turn-drop")
        p = await probe(jb, peer)
        check(await asyncio.to_thread(p.echo, b"before drop"), "no echo before the drop")
        b.drop()
        await asyncio.sleep(0.5)
        await assert_alive(p, "inside the resume window")
        bye = await a.recv_event("bye", 5.0)
        check_eq(bye.get("userId"), jb["userId"], "bye after the window")
        await asyncio.sleep(0.2)
        await assert_gone(p, "after the resume window closed")
        p.c.close()
        await a.close()
    finally:
        peer.stop()


@S.test()
async def resume_keeps_allocation():
    srv = turn_server()              # resume-window=2
    peer = EchoPeer()
    try:
        a, b = await srv.ws("A"), await srv.ws("B")
        await a.join("turn-resume")
        jb = await b.join("turn-resume")
        p = await probe(jb, peer)
        b.drop()
        await asyncio.sleep(0.5)
        b2 = await srv.ws("B2")
        j = await b2.join("turn-resume", resumeToken=jb["resumeToken"])
        check(j.get("resumed") is True, "resume: joined.resumed %r" % j.get("resumed"))
        await a.expect_no_event(2.5, ["bye"])
        await assert_alive(p, "after a resume and the end of the old window")
        # leaving now deletes it
        await b2.send("leave", {"roomId": "turn-resume"})
        await b2.recv_event("leaved")
        await asyncio.sleep(0.2)
        await assert_gone(p, "after the resumed member left")
        p.c.close()
        await a.close()
        await b2.close()
    finally:
        peer.stop()


@S.test()
async def outside_credentials_keep_coturn_semantics():
    srv = turn_server()
    peer = EchoPeer()
    try:
        a = await srv.ws("A")
        j = await a.join("turn-outside")
        secrets = srv.turn_secrets()
        check(secrets, "no turn_secret row in the store")
        # Credentials minted by "a backend" with the same secret
        user = "%d:backend-user" % (time.time() + 600)
        outside = await asyncio.to_thread(
            Probe, ("127.0.0.1", srv.turn_port), user, rest_password(secrets[0], user),
            peer.addr)
        check(await asyncio.to_thread(outside.echo, b"outside"), "no echo for outside creds")
        member = await probe(j, peer)
        await a.send("leave", {"roomId": "turn-outside"})
        await a.recv_event("leaved")
        await asyncio.sleep(0.2)
        await assert_gone(member, "after leave")
        await assert_alive(outside, "of outside credentials after a member left")
        # Expired outside credentials are refused (401), as coturn does
        old = "%d:backend-user" % (time.time() - 60)
        c = stunpy.Client("udp", ("127.0.0.1", srv.turn_port), timeout=3.0)
        c.set_credentials(old, rest_password(secrets[0], old))
        rsp = await asyncio.to_thread(c.allocate)
        check_eq(stunpy.error_code(rsp) and stunpy.error_code(rsp)[0], 401,
                 "Allocate with expired outside credentials")
        # A wrong password too
        c2 = stunpy.Client("udp", ("127.0.0.1", srv.turn_port), timeout=3.0)
        c2.set_credentials(user, rest_password("not-the-secret", user))
        rsp = await asyncio.to_thread(c2.allocate)
        check_eq(stunpy.error_code(rsp) and stunpy.error_code(rsp)[0], 401,
                 "Allocate with a wrong REST password")
        # Delete the outside allocation: left alive, a later client that
        # the kernel gives the same ephemeral port would meet it (441).
        await asyncio.to_thread(outside.c.request_auth, stunpy.REFRESH,
                                [stunpy.lifetime(0)])
        for x in (c, c2, outside.c, member.c):
            x.close()
        await a.close()
    finally:
        peer.stop()


def allocate_code(server, user, password):
    """Error code of a fresh Allocate with these credentials (None: OK;
    the allocation is then deleted again)."""
    c = stunpy.Client("udp", server, timeout=3.0)
    try:
        c.set_credentials(user, password)
        rsp = c.allocate()
        ec = stunpy.error_code(rsp)
        if ec is None:
            c.request_auth(stunpy.REFRESH, [stunpy.lifetime(0)])
        return ec[0] if ec else None
    finally:
        c.close()


@S.test()
async def departed_member_credentials_refused():
    """Issue 8 item 10, the attack: after leave, the same iceServers
    credential allocated again (and that allocation was never deleted).
    Now a room-minted credential ("EXPIRY:room~userId") is valid only while
    its member is live: after leave, or once the resume window closed, a
    new Allocate gets 401 and requests on the old allocation 437 (deleted
    at departure). Credentials minted outside the room server with the
    same secret, even naming the same user id, keep coturn's semantics."""
    srv = turn_server()              # resume-window=2
    peer = EchoPeer()
    try:
        a, b = await srv.ws("A"), await srv.ws("B")
        ja = await a.join("turn-gone")
        jb = await b.join("turn-gone")
        server, user, password = creds_of(ja)
        check(user.split(":", 1)[1] == "room~" + ja["userId"],
              "iceServers username %r is not EXPIRY:room~userId" % user)
        p = await probe(ja, peer)
        check_eq(await asyncio.to_thread(allocate_code, server, user, password), None,
                 "a second Allocate with a live member's credentials")
        secret = srv.turn_secrets()[0]
        outside = "%d:%s" % (time.time() + 600, ja["userId"])
        await a.send("leave", {"roomId": "turn-gone"})
        await a.recv_event("leaved")
        await asyncio.sleep(0.2)
        check_eq(await asyncio.to_thread(allocate_code, server, user, password), 401,
                 "Allocate with the credentials of a member that left")
        await assert_gone(p, "made before leave")
        rsp = await asyncio.to_thread(p.c.channel_bind, CHANNEL + 1, peer.addr)
        check_eq((stunpy.error_code(rsp) or [None])[0], 437,
                 "ChannelBind on the allocation made before leave")
        check_eq(await asyncio.to_thread(allocate_code, server, outside,
                                         rest_password(secret, outside)), None,
                 "Allocate with outside credentials naming the departed user id")
        # The room~ prefix is the room server's: a forged member id is refused.
        forged = "%d:room~%s" % (time.time() + 600, "0" * 32)
        check_eq(await asyncio.to_thread(allocate_code, server, forged,
                                         rest_password(secret, forged)), 401,
                 "Allocate with a room-minted form naming no member")
        # The resume window closing ends them too.
        server_b, user_b, password_b = creds_of(jb)
        b.drop()
        await asyncio.sleep(0.5)
        check_eq(await asyncio.to_thread(allocate_code, server_b, user_b, password_b), None,
                 "Allocate inside the resume window")
        await asyncio.sleep(2.5)
        check_eq(await asyncio.to_thread(allocate_code, server_b, user_b, password_b), 401,
                 "Allocate after the resume window closed")
        check("the room member is gone" in srv.log_text(), "no log line saying why")
        p.c.close()
        await a.close()
    finally:
        peer.stop()


@S.test()
async def restart_ends_room_credentials():
    """After a restart no member is live: every room-minted credential is
    refused (documented in doc/signaling.md), though the secret is the same."""
    srv = S.fresh_server("restart", ["resume-window=2"])
    a = await srv.ws("A")
    j = await a.join("turn-restart")
    server, user, password = creds_of(j)
    check_eq(await asyncio.to_thread(allocate_code, server, user, password), None,
             "Allocate before the restart")
    await a.close()
    srv.restart()   # in this thread: the server dies with the thread that started it
    check_eq(await asyncio.to_thread(allocate_code, server, user, password), 401,
             "Allocate with room-minted credentials after a restart")


@S.test()
async def turn_servers_pool_in_ice_servers():
    """turn-servers= (parsed once by src/conf): each one, in order, in both
    entries; no port means listening-port; an IPv6 literal in brackets."""
    srv = S.fresh_server("pool", ["turn-servers=turn1.example.org",
                                  "turn-servers=[2001:db8::9]:3479",
                                  "turn-servers=192.0.2.9:80"])
    a = await srv.ws("A")
    ice = (await a.join("turn-pool"))["iceServers"]
    hosts = ["turn1.example.org:%d" % srv.turn_port, "[2001:db8::9]:3479",
             "192.0.2.9:80"]
    check_eq(ice[0]["urls"], ["stun:" + h for h in hosts], "stun urls of the pool")
    check_eq(ice[1]["urls"],
             ["turn:%s?transport=%s" % (h, t) for h in hosts for t in ("udp", "tcp")],
             "turn urls of the pool")
    await a.close()


if __name__ == "__main__":
    sys.exit(S.run())
