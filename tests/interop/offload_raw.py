#!/usr/bin/python3
"""Raw endpoints for the relay-offload stop tests (test_offload_stop.sh).

peer IP PORT SECONDS
    Receives datagrams for SECONDS; prints "n=N first=T last=T" (monotonic
    clock, shared by every namespace of one kernel; 0 when none).
client SERVER_IP PORT PEER_IP PEER_PORT SECONDS [delete-at-S]
    Allocates (alice), binds channel 0x4000 to the peer, prints
    "bound=T", then sends a 100-byte ChannelData every 5 ms for SECONDS
    whatever happens (a raw client that keeps sending). With delete-at-S:
    a Refresh with LIFETIME 0 after S seconds, printing "deleted=T" once
    it is answered.
"""
import socket
import struct
import sys
import time

import stunpy


def peer(ip, port, seconds):
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((ip, port))
    end = time.monotonic() + seconds
    n, first, last = 0, 0.0, 0.0
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            s.recv(2048)
        except socket.timeout:
            break
        last = time.monotonic()
        first = first or last
        n += 1
    print("n=%d first=%.3f last=%.3f" % (n, first, last), flush=True)


def client(server, port, peer_ip, peer_port, seconds, delete_at):
    c = stunpy.Client("udp", (server, port))
    c.set_credentials("alice", "wonderland")
    rsp = c.allocate()
    if stunpy.error_code(rsp):
        sys.exit("Allocate: %r" % (stunpy.error_code(rsp),))
    rsp = c.channel_bind(0x4000, (peer_ip, peer_port))
    if stunpy.error_code(rsp):
        sys.exit("ChannelBind: %r" % (stunpy.error_code(rsp),))
    print("bound=%.3f" % time.monotonic(), flush=True)
    frame = struct.pack("!HH", 0x4000, 100) + b"x" * 100
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        if delete_at is not None and time.monotonic() - start >= delete_at:
            delete_at = None
            rsp = c.request_auth(stunpy.REFRESH, [stunpy.lifetime(0)])
            if stunpy.error_code(rsp):
                sys.exit("Refresh 0: %r" % (stunpy.error_code(rsp),))
            print("deleted=%.3f" % time.monotonic(), flush=True)
        c.send_raw(frame)
        time.sleep(0.005)


def main(argv):
    if argv[:1] == ["peer"]:
        peer(argv[1], int(argv[2]), float(argv[3]))
    elif argv[:1] == ["client"]:
        client(argv[1], int(argv[2]), argv[3], int(argv[4]), float(argv[5]),
               float(argv[6]) if len(argv) > 6 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
