"""Helpers for the signaling protocol tests (doc/signaling.md).

What is here:
  - Suite: a tiny async test runner. Tests are coroutines; each is bounded
    by a timeout; "ok NAME" / "FAIL NAME: reason" per test on stderr, and
    one verdict line on stdout ("PASS SUITE: ..." or "FAIL SUITE: reason").
  - Server: starts turnroom on a config written into a temp dir, waits for
    GET /healthz, stops it with SIGTERM and checks its log for sanitizer
    reports. The binary is $TURNROOM (default: src/turnroom of this tree).
  - WsClient: an asyncio WebSocket client (python3-websockets 10.4) that
    speaks the {"event", "data"} envelope, keeps a transcript for failure
    messages and a backlog of events that arrived while waiting for others.
  - RawWs: a blocking WebSocket client over a plain socket, for frames a
    well-behaved library will not send (invalid UTF-8, binary frames).
  - http_exchange: one raw HTTP/1.1 request, for status codes and limits.
  - jwt_hs256 / jwt_none: JSON Web Tokens made by hand (RFC 7519, RFC 7515).
  - ICE helpers: check the iceServers shape, read the REST secret from the
    store's turn_secret table, compute the expected credential.

Standard library plus Debian's python3-websockets; run with /usr/bin/python3.
"""

import asyncio
import base64
import ctypes
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import traceback

import websockets

import free_port as _free_port
from sanitizer_scan import SANITIZER_RE, scan as sanitizer_scan  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TURNROOM = os.environ.get("TURNROOM") or os.path.join(ROOT, "src", "turnroom")
REALM = "turnroom.local"
USER_ID_RE = re.compile(r"^[0-9a-fA-F]{32}$")


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def check_eq(actual, expected, what):
    if actual != expected:
        raise TestFailure("%s: expected %s, got %s"
                          % (what, short(expected), short(actual)))


def short(v, limit=300):
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) \
        if _jsonable(v) else repr(v)
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


def _jsonable(v):
    try:
        json.dumps(v)
        return True
    except (TypeError, ValueError):
        return False


# ---- ports and temp dirs ---------------------------------------------------

def free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (free_port.py)."""
    try:
        return _free_port.free_port()
    except OSError as e:
        raise TestFailure(str(e))


def relay_window():
    """(min, max): the relay window of the test's slot (free_port.py), 500
    ports below the ephemeral range (32768-60999 here: a load client's
    sockets would otherwise take the relay's ports); without a slot, a
    random one of the same windows."""
    slot = _free_port.test_slot()
    if slot is None:
        slot = random.randrange(_free_port.SLOTS)
    return _free_port.relay_window(slot)


def make_tmpdir(name):
    return tempfile.mkdtemp(prefix="turnroom-%s." % name,
                            dir=os.environ.get("TMPDIR", "/tmp"))


# ---- the server ------------------------------------------------------------

def _die_with_parent():
    """Runs in the child before exec: SIGKILL when the test process dies,
    so a test killed by `timeout` leaves no server behind."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except OSError:
        pass


class Server:
    """One turnroom process. conf: extra config lines (strings). The base
    config binds 127.0.0.1 only, with a TURN port, an HTTP port, a relay
    window below the ephemeral range and a sqlite store in tmpdir."""

    def __init__(self, name, tmpdir, conf=(), userdb=None):
        self.name = name
        self.tmpdir = tmpdir
        self.turn_port = free_port()
        self.http_port = free_port()
        self.min_port, self.max_port = relay_window()
        self.userdb = userdb or os.path.join(tmpdir, "%s.db" % name)
        self.extra = list(conf)
        self.conf_path = os.path.join(tmpdir, "%s.conf" % name)
        self.log_path = os.path.join(tmpdir, "%s.log" % name)
        self.proc = None
        self.starts = 0
        self.problems = []      # exits and sanitizer reports, for the suite

    def conf_text(self):
        lines = [
            "# written by %s" % os.path.basename(sys.argv[0]),
            "listening-ip=127.0.0.1",
            "listening-port=%d" % self.turn_port,
            "http-port=%d" % self.http_port,
            "min-port=%d" % self.min_port,
            "max-port=%d" % self.max_port,
            "realm=%s" % REALM,
            "userdb=%s" % self.userdb,
            "allow-loopback-peers",
            "rfc5766-channel-numbers",
        ] + self.extra
        return "\n".join(lines) + "\n"

    def start(self, timeout=20.0):
        check(os.access(TURNROOM, os.X_OK), "server binary %s not built" % TURNROOM)
        with open(self.conf_path, "w") as f:
            f.write(self.conf_text())
        self.starts += 1
        log = open(self.log_path, "a")
        log.write("==== start %d: %s -c %s\n" % (self.starts, TURNROOM, self.conf_path))
        log.flush()
        self.proc = subprocess.Popen([TURNROOM, "-c", self.conf_path],
                                     stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
        log.close()
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                rc, self.proc = self.proc.returncode, None
                self.check_log()
                raise TestFailure("server %s exited with status %d at start: %s"
                                  % (self.name, rc, self.log_excerpt(5)))
            try:
                rsp = http_exchange(self.http_port,
                                    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    b"Connection: close\r\n\r\n", timeout=1.0)
                if rsp.status == 200:
                    return self
                last = "GET /healthz answered %d" % rsp.status
            except (OSError, TestFailure) as e:
                last = str(e)
            time.sleep(0.1)
        self.kill()
        raise TestFailure("server %s: /healthz not ready on port %d within %.0f s (%s): %s"
                          % (self.name, self.http_port, timeout, last,
                             self.log_excerpt(5)))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM; it must exit 0 within timeout. Records problems (an
        earlier exit, a hang, a non-zero status, sanitizer reports)."""
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            self.problems.append("server %s exited during the test with status %d"
                                 % (self.name, self.proc.returncode))
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
                if self.proc.returncode != 0:
                    self.problems.append("server %s exited with status %d after SIGTERM"
                                         % (self.name, self.proc.returncode))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.problems.append("server %s did not exit within %.0f s of SIGTERM"
                                     % (self.name, timeout))
        self.proc = None
        self.check_log()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_excerpt(self, n):
        lines = [l for l in self.log_text().splitlines() if l.strip()]
        return " | ".join(lines[-n:]) if lines else "(empty log)"

    def check_log(self):
        report = sanitizer_scan(self.log_path)
        if report:
            msg = "sanitizer report in %s log: %s" % (self.name, report[0].strip())
            if msg not in self.problems:
                self.problems.append(msg)

    # conveniences
    async def ws(self, name="c", **kw):
        return await WsClient.connect(self.http_port, name=name, **kw)

    def turn_secrets(self, realm=REALM):
        return turn_secrets(self.userdb, realm)


def run_turnadmin(args):
    """coturn's turnadmin ARGS; returns its output. It writes a log file
    /var/log/turn_PID_*.log (or /var/tmp) of its own: removed here."""
    exe = shutil.which("turnadmin")
    check(exe is not None, "turnadmin not installed (Debian package coturn)")
    p = subprocess.Popen([exe] + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    out, _ = p.communicate(timeout=30)
    for d in ("/var/log", "/var/tmp"):
        try:
            for f in os.listdir(d):
                if f.startswith("turn_%d_" % p.pid) and f.endswith(".log"):
                    os.unlink(os.path.join(d, f))
        except OSError:
            pass
    text = out.decode(errors="replace")
    check(p.returncode == 0, "turnadmin %s failed (%d): %s"
          % (" ".join(args), p.returncode, text.strip()[-300:]))
    return text


# ---- raw HTTP --------------------------------------------------------------

class HttpResponse:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name, default=""):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        return "<HTTP %d %s, %d body bytes>" % (self.status, self.reason, len(self.body))


def parse_head(head):
    """(status, reason, {lower-name: value}) of a response head."""
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)$", lines[0])
    if not m:
        raise TestFailure("not an HTTP status line: %r" % lines[0][:100])
    headers = {}
    for l in lines[1:]:
        if not l:
            continue
        if ":" not in l:
            raise TestFailure("malformed response header line %r" % l[:100])
        k, v = l.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), m.group(2), headers


def _recv_head(sock, deadline, buf=b""):
    while b"\r\n\r\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TestFailure("no complete response head within the timeout "
                              "(got %r)" % buf[:200])
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            raise TestFailure("connection closed before a complete response head "
                              "(got %r)" % buf[:200])
        buf += chunk
    i = buf.index(b"\r\n\r\n") + 4
    return buf[:i], buf[i:]


def http_exchange(port, request, timeout=5.0, head_only=False):
    """Sends request (bytes, a whole HTTP/1.1 request) to 127.0.0.1:port
    and returns the HttpResponse. The body is read by Content-Length, or
    to EOF when there is none; head_only skips it (HEAD)."""
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        head, rest = _recv_head(s, deadline)
        status, reason, headers = parse_head(head)
        body = rest
        if head_only:
            return HttpResponse(status, reason, headers, b"")
        if "content-length" in headers:
            n = int(headers["content-length"])
            while len(body) < n:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = s.recv(65536)
                if not chunk:
                    break
                body += chunk
            body = body[:n]
        else:
            while True:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                body += chunk
        return HttpResponse(status, reason, headers, body)


def http_get(port, path, method="GET", extra=b"", body=b""):
    req = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
           % (method, path, port)).encode() + extra
    if body or method in ("POST", "PUT"):
        req += b"Content-Length: %d\r\n" % len(body)
    return http_exchange(port, req + b"\r\n" + body, head_only=(method == "HEAD"))


# ---- WebSocket client (websockets 10.4) ------------------------------------

class WsClient:
    """One signaling connection. Events that arrive while waiting for
    another one are kept in order in a backlog; error events are also
    collected in .errors."""

    def __init__(self, ws, name):
        self.ws = ws
        self.name = name
        self.backlog = []       # [(event, data, whole message)]
        self.errors = []        # data of every error event seen
        self.transcript = []    # "> ..." / "< ..." lines

    @classmethod
    async def connect(cls, port, name="c", origin=None, host=None, path="/ws",
                      timeout=5.0):
        """host: the Host header (with its port) when not 127.0.0.1:port;
        the TCP connection always goes to 127.0.0.1:port."""
        uri = "ws://%s%s" % (host or "127.0.0.1:%d" % port, path)
        ws = await websockets.connect(uri, host="127.0.0.1", port=port,
                                      origin=origin, open_timeout=timeout,
                                      ping_interval=None, max_size=2 ** 22,
                                      close_timeout=2)
        return cls(ws, name)

    def _log(self, line):
        self.transcript.append(line)
        del self.transcript[:-12]

    def context(self):
        return "; %s transcript: %s" % (
            self.name, " | ".join(short(l, 240) for l in self.transcript[-6:])
            or "(nothing)")

    def fail(self, msg):
        raise TestFailure("%s: %s%s" % (self.name, msg, self.context()))

    async def send_text(self, text):
        self._log("> " + text)
        try:
            await self.ws.send(text)
        except websockets.ConnectionClosed as e:
            self.fail("send failed, connection closed (code %s %r)"
                      % (e.code, e.reason))

    async def send(self, event, data):
        await self.send_text(json.dumps({"event": event, "data": data},
                                        ensure_ascii=False))

    async def _recv_one(self, timeout):
        """(event, data, whole message) of the next message, or None on
        timeout."""
        try:
            text = await asyncio.wait_for(self.ws.recv(), timeout)
        except asyncio.TimeoutError:
            return None
        except websockets.ConnectionClosed as e:
            self.fail("connection closed by the server (code %s %r)"
                      % (e.code, e.reason))
        if isinstance(text, bytes):
            self._log("< (binary %d bytes)" % len(text))
            self.fail("server sent a binary frame")
        self._log("< " + text)
        try:
            msg = json.loads(text)
        except ValueError:
            self.fail("server sent a text frame that is not JSON")
        if not isinstance(msg, dict) or not isinstance(msg.get("event"), str) \
                or "data" not in msg:
            self.fail("server sent something other than {event: string, data: ...}")
        if msg["event"] != "message" and not isinstance(msg["data"], dict):
            self.fail("server sent a %s whose data is not an object" % msg["event"])
        if msg["event"] == "error":
            self.errors.append(msg["data"])
        return msg["event"], msg["data"], msg

    async def recv_event(self, name, timeout=3.0, fail_on_error=True,
                         envelope=False):
        """Data of the next `name` event (backlog first); the whole
        {"event", "data", ...} object when envelope is true. Other events
        go to the backlog; an error event fails at once unless name is
        "error" or fail_on_error is False."""
        for i, (ev, data, msg) in enumerate(self.backlog):
            if ev == name:
                del self.backlog[i]
                return msg if envelope else data
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            got = await self._recv_one(left) if left > 0 else None
            if got is None:
                self.fail("no %r event within %.1f s (backlog: %s)"
                          % (name, timeout, short([g[0] for g in self.backlog])))
            ev, data, msg = got
            if ev == name:
                return msg if envelope else data
            if ev == "error" and fail_on_error:
                self.fail("error %s while waiting for %r" % (short(data), name))
            self.backlog.append(got)

    async def expect_error(self, code, timeout=3.0):
        data = await self.recv_event("error", timeout)
        if data.get("code") != code:
            self.fail("expected error code %r, got %s" % (code, short(data)))
        if not isinstance(data.get("message"), str):
            self.fail("error %r has no string message: %s" % (code, short(data)))
        return data

    async def expect_no_event(self, timeout, names=None):
        """Fails if an event (one of names, when given) is in the backlog
        or arrives within timeout; others are kept in the backlog."""
        for ev, data, _ in self.backlog:
            if names is None or ev in names:
                self.fail("unexpected %r event %s" % (ev, short(data)))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            got = await self._recv_one(left)
            if got is None:
                return
            if names is None or got[0] in names:
                self.fail("unexpected %r event %s" % (got[0], short(got[1])))
            self.backlog.append(got)

    async def drain(self, quiet=0.3, limit=10.0):
        """Reads until the connection is quiet for `quiet` seconds; returns
        the (event, data, message) read (and clears the backlog into
        them)."""
        got = self.backlog
        self.backlog = []
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            m = await self._recv_one(quiet)
            if m is None:
                return got
            got.append(m)
        self.fail("connection not quiet after %.0f s of draining" % limit)

    async def wait_closed(self, timeout=5.0):
        """(code, reason) of the server's close; fails if it stays open.
        Any events before the close are kept in the backlog."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail("connection still open after %.1f s" % timeout)
            try:
                text = await asyncio.wait_for(self.ws.recv(), left)
                self._log("< " + (text if isinstance(text, str) else "(binary)"))
            except asyncio.TimeoutError:
                continue
            except websockets.ConnectionClosed:
                return self.ws.close_code, self.ws.close_reason

    async def alive(self, what="after the error"):
        """The connection still serves requests: checkRoom is answered."""
        try:
            await self.send("checkRoom", {"roomId": "liveness-probe"})
            data = await self.recv_event("checkRoomSuccess", 3.0, fail_on_error=False)
        except TestFailure as e:
            raise TestFailure("connection not usable %s: %s" % (what, e))
        check_eq(data.get("roomId"), "liveness-probe", "checkRoomSuccess.roomId")

    async def join(self, room, **extra):
        """Sends join and returns the joined data."""
        data = dict(extra)
        data["roomId"] = room
        await self.send("join", data)
        return await self.recv_event("joined")

    def drop(self):
        """Abrupt disconnect: the TCP connection goes away without a
        WebSocket close."""
        self._log("(dropped)")
        self.ws.transport.abort()

    async def close(self):
        try:
            await asyncio.wait_for(self.ws.close(), 3)
        except (asyncio.TimeoutError, OSError, websockets.WebSocketException):
            self.ws.transport.abort()


# ---- raw WebSocket client (blocking) ---------------------------------------

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class RawWs:
    """A WebSocket client that writes frames by hand (RFC 6455 s5): the
    upgrade handshake with Sec-WebSocket-Accept checked, client frames
    masked, server frames parsed. Blocking; call through asyncio.to_thread
    from async tests."""

    def __init__(self, port, origin=None, timeout=5.0, path="/ws"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        key = base64.b64encode(os.urandom(16))
        req = (b"GET " + path.encode() + b" HTTP/1.1\r\n"
               b"Host: 127.0.0.1:%d\r\n" % port +
               b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: " + key + b"\r\n"
               b"Sec-WebSocket-Version: 13\r\n")
        if origin:
            req += b"Origin: " + origin.encode() + b"\r\n"
        self.sock.sendall(req + b"\r\n")
        head, self.buf = _recv_head(self.sock, time.monotonic() + timeout)
        self.status, _, self.headers = parse_head(head)
        if self.status != 101:
            return
        want = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
        got = self.headers.get("sec-websocket-accept")
        if got != want:
            raise TestFailure("raw handshake: Sec-WebSocket-Accept %r, expected %r"
                              % (got, want))

    def close(self):
        self.sock.close()

    def send_frame(self, opcode, payload, fin=True):
        b0 = (0x80 if fin else 0) | opcode
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", b0, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, 0x80 | 127, n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + masked)

    def _need(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError()
            self.buf += chunk

    def recv_frame(self, timeout=None):
        """(fin, opcode, payload) of the next server frame. Raises
        socket.timeout, or EOFError when the server closed the TCP
        connection."""
        deadline = time.monotonic() + (timeout or self.timeout)
        self._need(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        if b1 & 0x80:
            raise TestFailure("server frame is masked (RFC 6455 s5.1 forbids it)")
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._need(4, deadline)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10, deadline)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(off + n, deadline)
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_text(self, timeout=None):
        """Payload of the next text frame (skipping pings)."""
        while True:
            fin, op, payload = self.recv_frame(timeout)
            if op == OP_TEXT:
                return payload.decode()
            if op == OP_CLOSE:
                raise TestFailure("server closed (%s) while a text frame was expected"
                                  % (close_payload(payload),))

    def recv_close(self, timeout=None):
        """(code, reason) of the server's close frame, skipping other
        frames; None when the TCP connection ends without one."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                fin, op, payload = self.recv_frame(max(0.01, deadline - time.monotonic()))
            except EOFError:
                return None
            except socket.timeout:
                raise TestFailure("no close frame within %.1f s" % (timeout or self.timeout))
            if op == OP_CLOSE:
                return close_payload(payload)


def close_payload(payload):
    if len(payload) < 2:
        return (None, "")
    return struct.unpack("!H", payload[:2])[0], payload[2:].decode(errors="replace")


# ---- JWT (RFC 7519) by hand ------------------------------------------------

def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _jwt_input(header, claims):
    return (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
            b64url(json.dumps(claims, separators=(",", ":")).encode()))


def jwt_hs256(secret, claims, header=None):
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = _jwt_input(header, claims)
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def jwt_none(claims):
    """An unsecured JWT (RFC 7519 s6): alg none, empty signature."""
    return _jwt_input({"alg": "none", "typ": "JWT"}, claims) + "."


# ---- ICE servers and REST credentials --------------------------------------

def turn_secrets(db, realm=REALM):
    """The turn_secret values of realm in the sqlite store."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    try:
        rows = con.execute("SELECT value FROM turn_secret WHERE realm = ?",
                           (realm,)).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def rest_password(secret, username):
    return base64.b64encode(hmac.new(secret.encode(), username.encode(),
                                     hashlib.sha1).digest()).decode()


def check_ice_servers(ice, host, port, user_id=None, ttl=None, secrets=None,
                      now=None, what="iceServers"):
    """Checks ice against doc/signaling.md:
        [{"urls": ["stun:HOST:PORT"]},
         {"urls": ["turn:HOST:PORT?transport=udp", "turn:HOST:PORT?transport=tcp"],
          "username": "EXPIRY:room~userId", "credential": base64(HMAC-SHA1(secret, username))}]
    (room~ marks the credential as room-minted: valid while the member is live)
    Returns (username, credential, expiry, secret-that-matched-or-None)."""
    check(isinstance(ice, list), "%s is not a list: %s" % (what, short(ice)))
    check(len(ice) == 2, "%s: expected 2 entries (stun, turn), got %d: %s"
          % (what, len(ice), short(ice)))
    stun, turn = ice
    check(isinstance(stun, dict) and isinstance(turn, dict),
          "%s entries are not objects: %s" % (what, short(ice)))
    hp = "%s:%d" % (host, port)
    check_eq(stun, {"urls": ["stun:" + hp]}, what + "[0]")
    check_eq(turn.get("urls"), ["turn:%s?transport=udp" % hp,
                                "turn:%s?transport=tcp" % hp], what + "[1].urls")
    check_eq(sorted(turn.keys()), ["credential", "urls", "username"], what + "[1] keys")
    username, credential = turn["username"], turn["credential"]
    check(isinstance(username, str) and isinstance(credential, str),
          "%s[1] username/credential not strings: %s" % (what, short(turn)))
    m = re.match(r"^(\d+):room~(.+)$", username)
    check(m is not None, "%s username %r is not EXPIRY:room~userId" % (what, username))
    expiry = int(m.group(1))
    if user_id is not None:
        check_eq(m.group(2), user_id, what + " username's userId")
    if ttl is not None:
        now = now if now is not None else time.time()
        check(abs(expiry - (now + ttl)) <= 5,
              "%s username expiry %d is not now+ttl (%d+%d=%d)"
              % (what, expiry, now, ttl, now + ttl))
    matched = None
    if secrets is not None:
        for s in secrets:
            if hmac.compare_digest(rest_password(s, username), credential):
                matched = s
        check(matched is not None,
              "%s credential %r is not base64(HMAC-SHA1(secret, %r)) for any of "
              "the %d turn_secret rows" % (what, credential, username, len(secrets)))
    return username, credential, expiry, matched


def parse_turn_url(url):
    """turn:HOST:PORT?transport=udp -> (host, port, transport)."""
    m = re.match(r"^turns?:([^:?]+):(\d+)(?:\?transport=(\w+))?$", url)
    check(m is not None, "cannot parse TURN URL %r" % url)
    return m.group(1), int(m.group(2)), m.group(3) or "udp"


# ---- the runner ------------------------------------------------------------

class Suite:
    """Collects async tests, runs them (background ones concurrently with
    the rest), stops every server it started, checks their logs, and
    prints the verdict."""

    def __init__(self, name):
        self.name = name
        self.tests = []
        self.servers = []
        self.tmpdir = make_tmpdir(name)
        self.results = []       # (test name, None or reason)
        self._named = {}

    def test(self, timeout=60.0, background=False):
        def deco(fn):
            self.tests.append((fn.__name__, fn, timeout, background))
            return fn
        return deco

    def server(self, name, conf=(), userdb=None, start=True):
        """A server named name, started once and reused by later tests
        asking for the same name."""
        if name in self._named:
            srv = self._named[name]
            check(srv.alive(), "server %s is not running: %s"
                  % (name, srv.log_excerpt(3)))
            return srv
        srv = Server(name, self.tmpdir, conf, userdb)
        self.servers.append(srv)
        self._named[name] = srv
        if start:
            srv.start()
        return srv

    def fresh_server(self, name, conf=(), userdb=None):
        """A server of its own (name made unique)."""
        n = sum(1 for s in self.servers if s.name.startswith(name))
        srv = Server("%s%d" % (name, n + 1), self.tmpdir, conf, userdb)
        self.servers.append(srv)
        return srv.start()

    async def _run_one(self, name, fn, timeout):
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(fn(), timeout)
            reason = None
        except asyncio.TimeoutError:
            reason = "timed out after %.0f s" % timeout
        except TestFailure as e:
            reason = str(e)
        except Exception as e:     # a bug in the test or an unexpected close
            reason = "%s: %s (%s)" % (type(e).__name__, e,
                                      traceback.format_exc().strip().splitlines()[-3].strip())
        self.results.append((name, reason))
        took = time.monotonic() - t0
        if reason is None:
            print("ok %s (%.1f s)" % (name, took), file=sys.stderr, flush=True)
        else:
            print("FAIL %s: %s" % (name, reason), file=sys.stderr, flush=True)

    async def _main(self, only):
        bg = []
        for name, fn, timeout, background in self.tests:
            if only and name not in only:
                continue
            if background:
                bg.append(asyncio.ensure_future(self._run_one(name, fn, timeout)))
        for name, fn, timeout, background in self.tests:
            if only and name not in only:
                continue
            if not background:
                await self._run_one(name, fn, timeout)
        if bg:
            await asyncio.gather(*bg)

    def run(self):
        """Runs every test (or those named on the command line); returns
        the exit status."""
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
        only = set(sys.argv[1:])
        try:
            asyncio.run(self._main(only))
        finally:
            problems = []
            for srv in self.servers:
                try:
                    srv.stop()
                except Exception as e:     # keep stopping the others
                    srv.kill()
                    srv.problems.append("stopping %s: %s" % (srv.name, e))
                problems += srv.problems
        failed = [(n, r) for n, r in self.results if r is not None]
        for p in problems:
            print("FAIL server: %s" % p, file=sys.stderr)
        if failed or problems:
            for srv in self.servers:
                print("---- last lines of %s.log" % srv.name, file=sys.stderr)
                for l in srv.log_text().splitlines()[-20:]:
                    print("  " + l, file=sys.stderr)
            print("  (logs kept in %s)" % self.tmpdir, file=sys.stderr)
            first = failed[0] if failed else ("server", problems[0])
            more = len(failed) + len(problems) - 1
            print("FAIL %s: %s: %s%s" % (self.name, first[0], short(first[1], 400),
                                         " (+%d more failures)" % more if more else ""))
            return 1
        if os.environ.get("KEEP_TMP") == "1":
            print("  (kept %s)" % self.tmpdir, file=sys.stderr)
        else:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        print("PASS %s: %d tests" % (self.name, len(self.results)))
        return 0
