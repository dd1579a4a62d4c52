"""Raw-STUN helpers for dual-stack allocations (RFC 8656 7.2) and TURN
mobility (RFC 8016), on top of stunpy. Standard library only."""

import os
import socket
import struct
import threading

import stunpy as S

ADDITIONAL_ADDRESS_FAMILY = 0x8000
ADDRESS_ERROR_CODE = 0x8001
EVEN_PORT = 0x0018
RESERVATION_TOKEN = 0x0022
MOBILITY_TICKET = 0x8030
CHANNEL_DATA_MIN = 0x4000


def family_value(fam):
    """REQUESTED-/ADDITIONAL-ADDRESS-FAMILY value: 1 IPv4, 2 IPv6."""
    return bytes([fam, 0, 0, 0])


def raf(fam):
    return (S.REQUESTED_ADDRESS_FAMILY, family_value(fam))


def aaf(fam=2):
    return (ADDITIONAL_ADDRESS_FAMILY, family_value(fam))


def address_error(rsp):
    """(family, code) of an ADDRESS-ERROR-CODE, None when absent."""
    v = rsp.get(ADDRESS_ERROR_CODE)
    if v is None:
        return None
    assert len(v) >= 4, "short ADDRESS-ERROR-CODE"
    return v[0], (v[2] & 7) * 100 + v[3]


def relayed_addresses(rsp):
    return [S.parse_xor_addr(v, rsp.tid) for v in rsp.get_all(S.XOR_RELAYED_ADDRESS)]


def code(rsp):
    ec = S.error_code(rsp)
    return ec[0] if ec else 0


def channel_data(number, payload):
    return struct.pack("!HH", number, len(payload)) + payload


def send_indication(c, peer, payload):
    tid = os.urandom(12)
    c.send_raw(S.build(S.Message(S.SEND, S.INDICATION, tid, [
        (S.XOR_PEER_ADDRESS, S.xor_addr(peer[0], peer[1], tid)),
        (S.A_DATA, payload)]), fingerprint=True))


def recv_from_server(c, timeout=2.0):
    """Next datagram on c's socket: ('chan', number, payload) or
    ('data', (ip, port), payload) for a Data indication; None on timeout."""
    c.sock.settimeout(timeout)
    try:
        while True:
            pkt = c.sock.recv(65536)
            if pkt[0] & 0xC0 == 0x40:
                number, length = struct.unpack("!HH", pkt[:4])
                return ("chan", number, pkt[4:4 + length])
            msg = S.parse(pkt)
            if msg.method == S.DATA and msg.cls == S.INDICATION:
                return ("data", S.parse_xor_addr(msg.get(S.XOR_PEER_ADDRESS), msg.tid),
                        msg.get(S.A_DATA))
    except socket.timeout:
        return None


def new_source_port(c):
    """Moves client c to a fresh UDP socket (a new source port: a new
    5-tuple), keeping its credentials and nonce; returns the old socket."""
    old = c.sock
    fam = socket.AF_INET6 if ":" in c.server[0] else socket.AF_INET
    c.sock = socket.socket(fam, socket.SOCK_DGRAM)
    c.sock.connect(c.server)
    return old


class EchoPeer:
    """A UDP peer that echoes every datagram and remembers who sent what."""

    def __init__(self, ip):
        fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.sock.settimeout(0.2)
        self.addr = self.sock.getsockname()[:2]
        self.seen = []          # (source (ip, port), payload)
        self.lock = threading.Lock()
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                data, src = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.seen.append((src[:2], data))
            self.sock.sendto(data, src)

    def sources_of(self, payload):
        with self.lock:
            return [src for src, data in self.seen if data == payload]

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()
