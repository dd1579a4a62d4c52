"""RFC 6062 (TCP relay) helpers on top of stunpy: TCP Allocate, Connect,
ConnectionBind on a data connection, ConnectionAttempt indications."""
import socket
import struct
import sys
import time

import stunpy as s

CONNECT = 0x00A
CONNECTION_BIND = 0x00B
CONNECTION_ATTEMPT = 0x00C
CONNECTION_ID = 0x002A
TCP = 6


def control(server, user="alice", password="wonderland", transport="tcp"):
    c = s.Client(transport, server)
    c.set_credentials(user, password)
    return c


def allocate_tcp(c):
    return c.request_auth(s.ALLOCATE, [s.requested_transport(TCP)])


def connect(c, peer):
    return c.request_auth(CONNECT, lambda tid: [
        (s.XOR_PEER_ADDRESS, s.xor_addr(peer[0], peer[1], tid))])


def connection_id(msg):
    v = msg.get(CONNECTION_ID)
    return struct.unpack("!I", v)[0] if v is not None and len(v) == 4 else None


def connection_bind(server, cid, user="alice", password="wonderland", ctrl=None):
    """A new data connection and its ConnectionBind response. On success
    the client's socket (d.sock, with d.buf already read) is raw data.
    With ctrl (the control connection), the first request already carries
    its realm, nonce and key, as turnutils_uclient does (coturn resets a
    data connection whose ConnectionBind has no credentials)."""
    d = s.Client("tcp", server)
    d.set_credentials(user, password)
    if ctrl is not None:
        d.realm, d.nonce, d.key = ctrl.realm, ctrl.nonce, ctrl.key
    return d, d.request_auth(CONNECTION_BIND,
                             [(CONNECTION_ID, struct.pack("!I", cid))])


def wait_indication(c, method, timeout=5.0):
    """The next indication of method on control connection c, or None."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pkt = c._recv_one(deadline)
        except socket.timeout:
            return None
        if len(pkt) >= 20 and not pkt[0] & 0xC0:
            msg = s.parse(pkt)
            if msg.cls == s.INDICATION and msg.method == method:
                return msg


def code_of(rsp):
    ec = s.error_code(rsp)
    return ec[0] if ec else 200


def relayed_pair(server, rcvbuf=None):
    """A TCP allocation of alice on server with one peer connection made by
    Connect and bound to a data connection: (control, client data socket,
    peer socket). rcvbuf, when given, is the peer side's SO_RCVBUF. Exits
    the test with a message on any failure."""
    c = control(server)
    if code_of(allocate_tcp(c)) != 200:
        sys.exit("TCP Allocate failed")
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    c.create_permission([("127.0.0.1", 0)])
    rsp = connect(c, ls.getsockname())
    if code_of(rsp) != 200:
        sys.exit("Connect failed: %r" % rsp)
    ls.settimeout(5)
    peer, _ = ls.accept()
    ls.close()
    d, rsp = connection_bind(server, connection_id(rsp), ctrl=c)
    if code_of(rsp) != 200 or d.buf:
        sys.exit("ConnectionBind failed: %r" % rsp)
    return c, d.sock, peer


def listener(ip="127.0.0.1"):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind((ip, 0))
    ls.listen(8)
    return ls


def closed_port(ip="127.0.0.1"):
    """A port nothing listens on (bound, then closed)."""
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind((ip, 0))
    port = t.getsockname()[1]
    t.close()
    return port
