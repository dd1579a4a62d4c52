"""Raw DTLS 1.2 ClientHellos over UDP, for the DTLS flood tests.

Python's ssl module speaks no DTLS, and a flood must not finish its
handshakes, so this builds the first flight byte by byte (RFC 6347 4.1,
4.2.2; RFC 5246 7.4.1.2) and reads what comes back: a HelloVerifyRequest
(RFC 6347 4.2.1) or the server's first flight (ServerHello ...).
Standard library only.

Command line (for shell scripts):
    dtlspy.py probe HOST PORT [SECONDS]
        one cookieless ClientHello from a fresh socket; prints JSON with the
        request size, the bytes answered in SECONDS (3) and what they were
    dtlspy.py cookie HOST PORT [SRC_IP]
        the cookie exchange (from SRC_IP, default 127.0.0.1): a ClientHello, then the same one carrying the
        cookie of the HelloVerifyRequest; exit 0 when a ServerHello follows
    dtlspy.py flood HOST PORT COUNT SECONDS
        COUNT cookieless ClientHellos from 127.0.0.2-127.0.0.254, each from
        a new socket (its own source address and port), spread over
        SECONDS; never reads a reply (a spoofing attacker cannot). Prints
        how many were sent
    dtlspy.py hold HOST PORT SRC_IP N
        N cookie exchanges from N ports of SRC_IP, each left half-done
        (handshakes in progress); prints how many got a ServerHello
"""

import json
import os
import socket
import struct
import sys
import time

CT_HANDSHAKE = 22
HS_CLIENT_HELLO = 1
HS_SERVER_HELLO = 2
HS_HELLO_VERIFY_REQUEST = 3
DTLS1_0 = 0xFEFF
DTLS1_2 = 0xFEFD

# ECDHE-RSA/ECDSA-AES128-GCM-SHA256 and AES128-GCM-SHA256.
CIPHER_SUITES = (0xC02F, 0xC02B, 0x009C)


def _ext(kind, body):
    return struct.pack("!HH", kind, len(body)) + body


def _extensions():
    groups = struct.pack("!H", 4) + struct.pack("!HH", 0x001D, 0x0017)  # x25519, P-256
    sigalgs = struct.pack("!H", 6) + struct.pack("!HHH", 0x0804, 0x0401, 0x0403)
    return (_ext(0x000A, groups) + _ext(0x000B, b"\x01\x00")  # point formats
            + _ext(0x000D, sigalgs) + _ext(0x0017, b"")  # extended master secret
            + _ext(0xFF01, b"\x00"))  # renegotiation_info, empty


def client_hello(cookie=b"", random=None, record_seq=0, message_seq=0):
    """One DTLS 1.2 ClientHello in one record (RFC 6347 4.2.2)."""
    random = random if random is not None else os.urandom(32)
    suites = b"".join(struct.pack("!H", s) for s in CIPHER_SUITES)
    ext = _extensions()
    body = (struct.pack("!H", DTLS1_2) + random
            + b"\x00"  # session_id
            + bytes([len(cookie)]) + cookie
            + struct.pack("!H", len(suites)) + suites
            + b"\x01\x00"  # compression: null
            + struct.pack("!H", len(ext)) + ext)
    n = len(body)
    hs = (bytes([HS_CLIENT_HELLO]) + n.to_bytes(3, "big")
          + struct.pack("!H", message_seq) + (0).to_bytes(3, "big") + n.to_bytes(3, "big")
          + body)
    # The first flight goes out with the DTLS 1.0 record version, as
    # OpenSSL's clients do (RFC 6347 4.1, version negotiation).
    return (struct.pack("!BHH", CT_HANDSHAKE, DTLS1_0, 0) + record_seq.to_bytes(6, "big")
            + struct.pack("!H", len(hs)) + hs)


def records(datagram):
    """[(content_type, fragment)] of one datagram; stops at a short record."""
    out, i = [], 0
    while i + 13 <= len(datagram):
        ctype = datagram[i]
        length = struct.unpack("!H", datagram[i + 11:i + 13])[0]
        frag = datagram[i + 13:i + 13 + length]
        if len(frag) < length:
            break
        out.append((ctype, frag))
        i += 13 + length
    return out


def handshake_types(datagram):
    return [f[0] for t, f in records(datagram) if t == CT_HANDSHAKE and f]


def hvr_cookie(datagram):
    """The cookie of a HelloVerifyRequest (RFC 6347 4.2.1), else None."""
    for ctype, frag in records(datagram):
        if ctype == CT_HANDSHAKE and len(frag) >= 15 and frag[0] == HS_HELLO_VERIFY_REQUEST:
            n = frag[14]
            return frag[15:15 + n]
    return None


def _recv_all(sock, seconds):
    """Every datagram that arrives within seconds."""
    got, end = [], time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return got
        sock.settimeout(left)
        try:
            got.append(sock.recv(65536))
        except socket.timeout:
            return got


def _sock(src_ip="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src_ip, 0))
    return s


def probe(host, port, seconds=3.0):
    s = _sock()
    hello = client_hello()
    s.sendto(hello, (host, port))
    got = _recv_all(s, seconds)
    types = [t for d in got for t in handshake_types(d)]
    return {"request": len(hello), "reply": sum(len(d) for d in got),
            "datagrams": len(got), "handshake_types": types,
            "hello_verify": HS_HELLO_VERIFY_REQUEST in types,
            "server_hello": HS_SERVER_HELLO in types}


def cookie_exchange(s, addr, wait=2.0):
    """Sends a ClientHello, then again with the cookie; True on a ServerHello."""
    random = os.urandom(32)
    s.sendto(client_hello(random=random), addr)
    s.settimeout(wait)
    try:
        cookie = hvr_cookie(s.recv(65536))
    except socket.timeout:
        return False
    if cookie is None:
        return False
    s.sendto(client_hello(cookie, random, record_seq=1, message_seq=1), addr)
    try:
        return HS_SERVER_HELLO in handshake_types(s.recv(65536))
    except socket.timeout:
        return False


def flood(host, port, count, seconds):
    """Each hello from its own address and port, as spoofed ones come."""
    start, sent = time.monotonic(), 0
    for i in range(count):
        s = _sock("127.0.0.%d" % (2 + i % 253))
        try:
            s.sendto(client_hello(), (host, port))
            sent += 1
        except OSError:
            pass
        s.close()
        # Paced so the whole flood spans `seconds`.
        ahead = start + seconds * (i + 1) / count - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    return sent


def _first_reply(socks, seconds):
    """{socket: first datagram} of those that got one within seconds."""
    got, end = {}, time.monotonic() + seconds
    while len(got) < len(socks) and time.monotonic() < end:
        for s in socks:
            if s in got:
                continue
            s.settimeout(0.01)
            try:
                got[s] = s.recv(65536)
            except socket.timeout:
                pass
    return got


def hold(host, port, src_ip, n, wait=1.0):
    """N cookie exchanges at once, left half-done: each ClientHello first,
    then each echo of its cookie; returns (ServerHellos, sockets)."""
    addr, socks = (host, port), [_sock(src_ip) for _ in range(n)]
    randoms = {s: os.urandom(32) for s in socks}
    for s in socks:
        s.sendto(client_hello(random=randoms[s]), addr)
    cookies = {s: hvr_cookie(d) for s, d in _first_reply(socks, wait).items()}
    cookies = {s: c for s, c in cookies.items() if c is not None}
    for s, c in cookies.items():
        s.sendto(client_hello(c, randoms[s], record_seq=1, message_seq=1), addr)
    got = _first_reply(list(cookies), wait)
    return sum(1 for d in got.values() if HS_SERVER_HELLO in handshake_types(d)), socks


def _main(argv):
    if len(argv) in (3, 4) and argv[0] == "probe":
        print(json.dumps(probe(argv[1], int(argv[2]), *map(float, argv[3:]))))
        return 0
    if len(argv) in (3, 4) and argv[0] == "cookie":
        ok = cookie_exchange(_sock(*argv[3:]), (argv[1], int(argv[2])))
        print("server_hello" if ok else "no server_hello")
        return 0 if ok else 1
    if len(argv) == 5 and argv[0] == "flood":
        print(flood(argv[1], int(argv[2]), int(argv[3]), float(argv[4])))
        return 0
    if len(argv) == 5 and argv[0] == "hold":
        ok, _socks = hold(argv[1], int(argv[2]), argv[3], int(argv[4]))
        print(ok)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
