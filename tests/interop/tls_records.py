"""TURN over TLS, read one TLS record at a time (for test_tls_records.sh).

The raw TCP stream is cut into TLS records by their 5-byte headers (RFC 8446
s5.1) before anything is decrypted, and each record alone is fed to an
ssl.SSLObject through a MemoryBIO: what it yields is exactly that record's
plaintext. The server must put one TURN message (with its padding) in each
record, as record-oriented clients such as coturn's turnutils_uclient need.

Usage: tls_records.py TLS_PORT
A UDP peer bursts datagrams to the relay (ChannelData toward the client
through a bound channel, Data indications from a second peer without one)
while the client does not read, so the server queues many messages in one
loop iteration. Prints "records=N messages=M multi=K sizes_ok" and exits 1
when a record holds anything but exactly one message.
"""

import socket
import ssl
import struct
import sys
import time

import stunpy

BURSTS = 20
PER_BURST = 100


class TlsRecords:
    """Socket-like: recv() returns the plaintext of the next TLS record that
    carries application data; every such record is kept in .records."""

    def __init__(self, raw):
        self.raw = raw
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["stun.turn"])
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out)
        self.pending = b""
        self.records = []
        self.timeout = 5.0
        self._handshake()

    def _flush(self):
        data = self.out.read()
        if data:
            self.raw.sendall(data)

    def _handshake(self):
        deadline = time.monotonic() + 10
        while True:
            try:
                self.tls.do_handshake()
                self._flush()
                return
            except ssl.SSLWantReadError:
                self._flush()
                self.raw.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = self.raw.recv(65536)
                if not chunk:
                    raise stunpy.StunError("server closed during handshake")
                self.inc.write(chunk)

    def settimeout(self, t):
        self.timeout = t

    def send(self, data):
        self.tls.write(data)
        self._flush()
        return len(data)

    def _next_record(self):
        while True:
            if len(self.pending) >= 5:
                length = struct.unpack("!H", self.pending[3:5])[0]
                if len(self.pending) >= 5 + length:
                    rec = self.pending[:5 + length]
                    self.pending = self.pending[5 + length:]
                    return rec
            self.raw.settimeout(self.timeout)
            chunk = self.raw.recv(65536)
            if not chunk:
                return None
            self.pending += chunk

    def recv(self, _n):
        while True:
            rec = self._next_record()
            if rec is None:
                return b""
            self.inc.write(rec)
            plain = b""
            while True:
                try:
                    got = self.tls.read(1 << 17)
                except ssl.SSLWantReadError:
                    break
                if not got:
                    break
                plain += got
            self._flush()
            if plain:
                self.records.append(plain)
                return plain


def messages_in(record):
    """How many whole TURN messages record holds, and whether it ends on a
    message boundary."""
    n, off = 0, 0
    while len(record) - off >= 4:
        first, length = struct.unpack("!HH", record[off:off + 4])
        if first & 0xC000 == 0x4000:
            total = 4 + length + (4 - length % 4) % 4
        else:
            total = 20 + length
        off += total
        n += 1
    return n, off == len(record)


def main():
    port = int(sys.argv[1])
    c = stunpy.Client("tcp", ("127.0.0.1", port), timeout=5)
    c.sock = TlsRecords(c.sock)
    c.set_credentials("alice", "wonderland")
    rsp = c.allocate()
    assert stunpy.error_code(rsp) is None, rsp
    relay = stunpy.relayed_address(rsp)
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.1", 0))
    assert stunpy.error_code(c.create_permission([peer.getsockname()])) is None
    assert stunpy.error_code(c.channel_bind(0x4000, peer.getsockname())) is None
    before = len(c.sock.records)

    # The client reads nothing while the peers burst: the server queues.
    sent = 0
    for b in range(BURSTS):
        for i in range(PER_BURST):
            size = 1 + (b * PER_BURST + i) % 301   # odd sizes: padding
            src = other if i % 10 == 0 else peer
            src.sendto(bytes([i & 0xFF]) * size, relay)
            sent += 1
        time.sleep(0.005)

    c.sock.settimeout(1.5)
    while True:
        try:
            if not c.sock.recv(65536):
                break
        except socket.timeout:
            break
    records = c.sock.records[before:]
    multi = 0
    total = 0
    for rec in records:
        n, exact = messages_in(rec)
        total += n
        if n != 1 or not exact:
            multi += 1
    print("sent=%d records=%d messages=%d multi=%d"
          % (sent, len(records), total, multi))
    if multi:
        sys.exit(1)
    if total < sent // 2:
        print("too few messages arrived to judge")
        sys.exit(2)

    # Gone with messages still queued: the server frees the connection
    # while its output chains are alive (the ASan run checks the frees).
    for i in range(PER_BURST * 5):
        peer.sendto(b"x" * 1000, relay)
    c.sock.raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          struct.pack("ii", 1, 0))
    c.sock.raw.close()


if __name__ == "__main__":
    main()
