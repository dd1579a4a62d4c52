"""A small raw STUN/TURN client for the interop tests (RFC 8489, RFC 8656).

Written for the tests only: it builds and parses messages byte by byte so a
test can send exactly what it means (an expired REST username, a peer the
server must refuse) and read the exact error code back. Standard library
only, so it runs under any python3.

Library use:
    c = Client("udp", ("127.0.0.1", 3478))
    c.set_credentials("alice", "secret")
    rsp = c.request_auth(ALLOCATE, [requested_transport()])
    code = error_code(rsp)          # None on success

Command line (for shell scripts):
    stunpy.py ping HOST PORT [TIMEOUT]   exit 0 when a Binding is answered
"""

import base64
import hashlib
import hmac
import os
import socket
import struct
import sys
import time
import zlib

MAGIC = 0x2112A442
FP_XOR = 0x5354554E

# Methods (RFC 8489 s18.2, RFC 8656 s17)
BINDING = 0x001
ALLOCATE = 0x003
REFRESH = 0x004
SEND = 0x006
DATA = 0x007
CREATE_PERMISSION = 0x008
CHANNEL_BIND = 0x009

# Classes
REQUEST, INDICATION, SUCCESS, ERROR = 0, 1, 2, 3

# Attributes
MAPPED_ADDRESS = 0x0001
USERNAME = 0x0006
MESSAGE_INTEGRITY = 0x0008
ERROR_CODE = 0x0009
UNKNOWN_ATTRIBUTES = 0x000A
CHANNEL_NUMBER = 0x000C
LIFETIME = 0x000D
XOR_PEER_ADDRESS = 0x0012
A_DATA = 0x0013
REALM = 0x0014
NONCE = 0x0015
XOR_RELAYED_ADDRESS = 0x0016
REQUESTED_ADDRESS_FAMILY = 0x0017
REQUESTED_TRANSPORT = 0x0019
XOR_MAPPED_ADDRESS = 0x0020
SOFTWARE = 0x8022
FINGERPRINT = 0x8028


class StunError(Exception):
    pass


def msg_type(method, cls):
    """Interleave method and class bits: M11..M7 C1 M6..M4 C0 M3..M0."""
    return ((method & 0xF80) << 2) | ((method & 0x070) << 1) | (method & 0x00F) \
        | ((cls & 2) << 7) | ((cls & 1) << 4)


def split_type(t):
    method = ((t >> 2) & 0xF80) | ((t >> 1) & 0x070) | (t & 0x00F)
    cls = ((t >> 7) & 2) | ((t >> 4) & 1)
    return method, cls


def _pad(n):
    return (4 - n % 4) % 4


class Message:
    """A STUN message: method, class, transaction id and an ordered list of
    (type, raw value) attributes. raw keeps the bytes it was parsed from."""

    def __init__(self, method, cls, tid=None, attrs=None):
        self.method = method
        self.cls = cls
        self.tid = tid if tid is not None else os.urandom(12)
        self.attrs = list(attrs or [])
        self.raw = b""

    def get(self, atype):
        for t, v in self.attrs:
            if t == atype:
                return v
        return None

    def get_all(self, atype):
        return [v for t, v in self.attrs if t == atype]

    def __repr__(self):
        names = {SUCCESS: "success", ERROR: "error", REQUEST: "request",
                 INDICATION: "indication"}
        s = "<STUN method=0x%03x %s" % (self.method, names[self.cls])
        ec = error_code(self)
        if ec:
            s += " %d %s" % ec
        return s + ">"


def _header(mtype, length, tid):
    return struct.pack("!HHI", mtype, length, MAGIC) + tid


def build(msg, key=None, fingerprint=False):
    """Encodes msg; appends MESSAGE-INTEGRITY when key is given (RFC 8489
    s14.5: HMAC over everything before it, length counting MI) and
    FINGERPRINT when asked (s14.7: CRC-32 xor 0x5354554E, length counting
    it)."""
    body = b""
    for t, v in msg.attrs:
        body += struct.pack("!HH", t, len(v)) + v + b"\0" * _pad(len(v))
    mtype = msg_type(msg.method, msg.cls)
    if key is not None:
        head = _header(mtype, len(body) + 24, msg.tid)
        mac = hmac.new(key, head + body, hashlib.sha1).digest()
        body += struct.pack("!HH", MESSAGE_INTEGRITY, 20) + mac
    if fingerprint:
        head = _header(mtype, len(body) + 8, msg.tid)
        crc = (zlib.crc32(head + body) & 0xFFFFFFFF) ^ FP_XOR
        body += struct.pack("!HHI", FINGERPRINT, 4, crc)
    return _header(mtype, len(body), msg.tid) + body


def parse(data):
    """Decodes one STUN message; raises StunError on any malformation."""
    if len(data) < 20:
        raise StunError("short header (%d bytes)" % len(data))
    mtype, length, magic = struct.unpack("!HHI", data[:8])
    if mtype & 0xC000:
        raise StunError("top bits set: not STUN")
    if magic != MAGIC:
        raise StunError("bad magic cookie 0x%08x" % magic)
    if length % 4 or 20 + length > len(data):
        raise StunError("bad length %d for %d bytes" % (length, len(data)))
    method, cls = split_type(mtype)
    msg = Message(method, cls, data[8:20])
    msg.raw = data[:20 + length]
    off = 20
    while off < 20 + length:
        if off + 4 > 20 + length:
            raise StunError("truncated attribute header at %d" % off)
        t, alen = struct.unpack("!HH", data[off:off + 4])
        if off + 4 + alen > 20 + length:
            raise StunError("attribute 0x%04x overruns message" % t)
        msg.attrs.append((t, data[off + 4:off + 4 + alen]))
        off += 4 + alen + _pad(alen)
    return msg


def _attr_offset(raw, atype):
    off = 20
    while off + 4 <= len(raw):
        t, alen = struct.unpack("!HH", raw[off:off + 4])
        if t == atype:
            return off
        off += 4 + alen + _pad(alen)
    return None


def check_integrity(msg, key):
    """True when msg carries a MESSAGE-INTEGRITY valid under key."""
    raw = msg.raw
    off = _attr_offset(raw, MESSAGE_INTEGRITY)
    if off is None or off + 24 > len(raw):
        return False
    head = raw[:2] + struct.pack("!H", off + 24 - 20) + raw[4:20]
    mac = hmac.new(key, head + raw[20:off], hashlib.sha1).digest()
    return hmac.compare_digest(mac, raw[off + 4:off + 24])


def check_fingerprint(msg):
    """True when msg ends with a valid FINGERPRINT."""
    raw = msg.raw
    off = _attr_offset(raw, FINGERPRINT)
    if off is None or off + 8 != len(raw):
        return False
    crc = (zlib.crc32(raw[:off]) & 0xFFFFFFFF) ^ FP_XOR
    return struct.unpack("!I", raw[off + 4:off + 8])[0] == crc


# ---- attribute values ------------------------------------------------------

def xor_addr(ip, port, tid):
    """XOR-*-ADDRESS value for ip (v4 or v6 text) and port (RFC 8489 s14.2)."""
    xport = port ^ (MAGIC >> 16)
    if ":" in ip:
        raw = socket.inet_pton(socket.AF_INET6, ip)
        mask = struct.pack("!I", MAGIC) + tid
        x = bytes(a ^ b for a, b in zip(raw, mask))
        return struct.pack("!BBH", 0, 2, xport) + x
    raw = socket.inet_pton(socket.AF_INET, ip)
    x = bytes(a ^ b for a, b in zip(raw, struct.pack("!I", MAGIC)))
    return struct.pack("!BBH", 0, 1, xport) + x


def parse_xor_addr(value, tid):
    if value is None or len(value) < 8:
        raise StunError("short address attribute")
    fam, xport = struct.unpack("!xBH", value[:4])
    port = xport ^ (MAGIC >> 16)
    if fam == 1:
        raw = bytes(a ^ b for a, b in zip(value[4:8], struct.pack("!I", MAGIC)))
        return socket.inet_ntop(socket.AF_INET, raw), port
    if fam == 2 and len(value) >= 20:
        mask = struct.pack("!I", MAGIC) + tid
        raw = bytes(a ^ b for a, b in zip(value[4:20], mask))
        return socket.inet_ntop(socket.AF_INET6, raw), port
    raise StunError("bad address family %d" % fam)


def parse_plain_addr(value):
    fam, port = struct.unpack("!xBH", value[:4])
    if fam == 1:
        return socket.inet_ntop(socket.AF_INET, value[4:8]), port
    return socket.inet_ntop(socket.AF_INET6, value[4:20]), port


def requested_transport(proto=17):
    return (REQUESTED_TRANSPORT, bytes([proto, 0, 0, 0]))


def lifetime(seconds):
    return (LIFETIME, struct.pack("!I", seconds))


def channel_number(n):
    return (CHANNEL_NUMBER, struct.pack("!HH", n, 0))


def error_code(msg):
    """(code, reason) of an error response, None otherwise."""
    if msg.cls != ERROR:
        return None
    v = msg.get(ERROR_CODE)
    if v is None or len(v) < 4:
        return (0, "error response without ERROR-CODE")
    return ((v[2] & 7) * 100 + v[3], v[4:].decode("utf-8", "replace"))


def long_term_key(username, realm, password):
    return hashlib.md5(("%s:%s:%s" % (username, realm, password))
                       .encode()).digest()


def rest_credentials(secret, user_id, expiry, sep=":"):
    """coturn REST API credentials: username EXPIRY:ID, password
    base64(HMAC-SHA1(secret, username))."""
    username = "%d%s%s" % (expiry, sep, user_id) if user_id else str(expiry)
    mac = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(mac).decode()


# ---- transports ------------------------------------------------------------

class Client:
    """One client 5-tuple to a STUN/TURN server, over UDP or TCP."""

    def __init__(self, transport, server, timeout=5.0, fingerprint=True,
                 local=None):
        """local: source IP to bind (another 127.0.0.x keeps a test clear
        of a per-source-IP limit earlier checks may have used up)."""
        self.transport = transport
        self.server = server
        self.timeout = timeout
        self.fingerprint = fingerprint
        fam = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        if transport == "udp":
            self.sock = socket.socket(fam, socket.SOCK_DGRAM)
            if local:
                self.sock.bind((local, 0))
            self.sock.connect(server)
        elif transport == "tcp":
            self.sock = socket.create_connection(
                server, timeout=timeout,
                source_address=(local, 0) if local else None)
        else:
            raise ValueError("transport must be udp or tcp")
        self.buf = b""
        self.username = self.password = self.realm = self.nonce = None
        self.key = None
        self.log = []       # text lines describing every exchange

    def close(self):
        self.sock.close()

    def local_address(self):
        return self.sock.getsockname()[:2]

    def set_credentials(self, username, password):
        self.username, self.password = username, password

    def _recv_one(self, deadline):
        """Next whole message (STUN or ChannelData) from the server."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            self.sock.settimeout(left)
            if self.transport == "udp":
                return self.sock.recv(65536)
            frame = self._tcp_frame()
            if frame is not None:
                return frame
            chunk = self.sock.recv(65536)
            if not chunk:
                raise StunError("server closed the TCP connection")
            self.buf += chunk

    def _tcp_frame(self):
        if len(self.buf) < 4:
            return None
        first, length = struct.unpack("!HH", self.buf[:4])
        if first & 0xC000 == 0x4000:
            # ChannelData over TCP is padded to 4 (RFC 8656 s12.5)
            total = 4 + length + _pad(length)
        else:
            total = 20 + length
        if len(self.buf) < total:
            return None
        frame, self.buf = self.buf[:total], self.buf[total:]
        return frame

    def send_raw(self, data):
        self.sock.send(data)

    def transact(self, msg, key=None):
        """Sends a request and returns the matching response Message.
        UDP retransmits (RFC 8489 s6.2.1, RTO 500 ms doubling)."""
        data = build(msg, key, self.fingerprint)
        deadline = time.monotonic() + self.timeout
        rto = 0.5
        self.sock.send(data)
        next_tx = time.monotonic() + rto
        while True:
            wait_until = min(deadline, next_tx) \
                if self.transport == "udp" else deadline
            try:
                pkt = self._recv_one(wait_until)
            except socket.timeout:
                if time.monotonic() >= deadline:
                    raise StunError("no response to %r within %.1f s"
                                    % (msg, self.timeout))
                self.sock.send(data)
                rto *= 2
                next_tx = time.monotonic() + rto
                continue
            if len(pkt) < 20 or pkt[0] & 0xC0:
                continue            # ChannelData or junk: not our answer
            rsp = parse(pkt)
            if rsp.tid != msg.tid:
                continue
            self.log.append("%r -> %r" % (msg, rsp))
            return rsp

    def _auth_attrs(self):
        return [(USERNAME, self.username.encode()),
                (REALM, self.realm.encode()),
                (NONCE, self.nonce)]

    def request_auth(self, method, attrs):
        """Sends a request with long-term credentials, doing the 401 dance
        (RFC 8489 s9.2) and one 438 stale-nonce retry. attrs is a list, or
        a function of the transaction id returning one (XOR-PEER-ADDRESS
        of an IPv6 peer depends on it). Returns the final response; check
        error_code() on it."""
        for _ in range(3):
            tid = os.urandom(12)
            body = attrs(tid) if callable(attrs) else list(attrs)
            if self.key is not None:
                body += self._auth_attrs()
            rsp = self.transact(Message(method, REQUEST, tid, body), self.key)
            ec = error_code(rsp)
            retry = ec is not None and rsp.get(NONCE) is not None and (
                (ec[0] == 401 and self.key is None) or ec[0] == 438)
            if not retry or self.username is None:
                return rsp
            self.nonce = rsp.get(NONCE)
            if rsp.get(REALM) is not None:
                self.realm = rsp.get(REALM).decode()
            self.key = long_term_key(self.username, self.realm, self.password)
        return rsp

    def allocate(self, lifetime_s=None):
        attrs = [requested_transport()]
        if lifetime_s is not None:
            attrs.append(lifetime(lifetime_s))
        return self.request_auth(ALLOCATE, attrs)

    def create_permission(self, peers):
        """peers: list of (ip, port); several per request are allowed."""
        return self.request_auth(CREATE_PERMISSION, lambda tid: [
            (XOR_PEER_ADDRESS, xor_addr(ip, port, tid)) for ip, port in peers])

    def channel_bind(self, number, peer):
        return self.request_auth(CHANNEL_BIND, lambda tid: [
            channel_number(number),
            (XOR_PEER_ADDRESS, xor_addr(peer[0], peer[1], tid))])

    def binding(self):
        rsp = self.transact(Message(BINDING, REQUEST))
        if rsp.cls != SUCCESS:
            raise StunError("Binding answered %r" % rsp)
        v = rsp.get(XOR_MAPPED_ADDRESS)
        if v is not None:
            return parse_xor_addr(v, rsp.tid)
        v = rsp.get(MAPPED_ADDRESS)
        if v is None:
            raise StunError("Binding success without a mapped address")
        return parse_plain_addr(v)


def relayed_address(rsp):
    return parse_xor_addr(rsp.get(XOR_RELAYED_ADDRESS), rsp.tid)


def _main(argv):
    if len(argv) >= 3 and argv[0] == "ping":
        timeout = float(argv[3]) if len(argv) > 3 else 1.0
        try:
            c = Client("udp", (argv[1], int(argv[2])), timeout=timeout)
            addr = c.binding()
        except (OSError, StunError) as e:
            print("no answer: %s" % e)
            return 1
        print("mapped %s:%d" % addr)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
