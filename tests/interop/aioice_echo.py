#!/usr/bin/python3
"""Echo datagrams through a TURN relay with aioice's TURN client.

aioice (Debian python3-aioice) is an independent TURN client: it allocates
with long-term credentials, binds a channel per peer and sends ChannelData.
For each transport asked, this allocates, sends datagrams of a few sizes
(odd ones check ChannelData padding over TCP) to a local UDP echo socket,
and checks that each comes back unchanged, that the echo socket saw them
from the relayed address, and that the relayed address is 127.0.0.1 with a
port inside min-port..max-port.

Exit 0 on success; otherwise one line saying what went wrong.
"""

import argparse
import asyncio
import os
import sys

from aioice import turn

SIZES = (1, 3, 100, 1001)
TIMEOUT = 5.0


class Echo(asyncio.DatagramProtocol):
    """UDP peer: sends every datagram back and remembers who sent it."""

    def __init__(self):
        self.sources = []
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.sources.append(addr)
        self.transport.sendto(data, addr)


class Receiver(asyncio.DatagramProtocol):
    """What the TURN endpoint delivers: (data, peer address) pairs."""

    def __init__(self):
        self.queue = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.queue.put_nowait((data, addr))


class Failure(Exception):
    pass


async def echo_over(args, transport_name):
    loop = asyncio.get_running_loop()
    echo_transport, echo = await loop.create_datagram_endpoint(
        Echo, local_addr=("127.0.0.1", 0))
    echo_addr = echo_transport.get_extra_info("sockname")[:2]
    try:
        try:
            relay, receiver = await asyncio.wait_for(turn.create_turn_endpoint(
                Receiver, server_addr=(args.host, args.port),
                username=args.user, password=args.password,
                transport=transport_name), TIMEOUT * 2)
        except Exception as e:
            raise Failure("%s: allocation failed: %s: %s"
                          % (transport_name, type(e).__name__, e))
        try:
            relayed = relay.get_extra_info("sockname")
            if relayed[0] != "127.0.0.1" or \
                    not args.min_port <= relayed[1] <= args.max_port:
                raise Failure("%s: relayed address %s:%d is not 127.0.0.1:%d-%d"
                              % (transport_name, relayed[0], relayed[1],
                                 args.min_port, args.max_port))
            for size in SIZES:
                payload = os.urandom(size)
                relay.sendto(payload, echo_addr)
                try:
                    data, addr = await asyncio.wait_for(receiver.queue.get(),
                                                        TIMEOUT)
                except asyncio.TimeoutError:
                    raise Failure("%s: no echo of a %d-byte datagram within %.0f s"
                                  % (transport_name, size, TIMEOUT))
                if data != payload:
                    raise Failure("%s: %d-byte datagram came back as %d bytes %s"
                                  % (transport_name, size, len(data),
                                     "(different)" if len(data) == size else ""))
                if tuple(addr[:2]) != tuple(echo_addr):
                    raise Failure("%s: echo delivered as from %s, expected %s"
                                  % (transport_name, addr, echo_addr))
            wrong = [s for s in echo.sources if tuple(s[:2]) != tuple(relayed)]
            if wrong:
                raise Failure("%s: the peer saw datagrams from %s, not the relay %s"
                              % (transport_name, wrong[0], relayed))
            return relayed
        finally:
            relay.close()
            await asyncio.sleep(0.2)   # let the Refresh(lifetime 0) go out
    finally:
        echo_transport.close()


async def main(args):
    results = []
    for transport_name in args.transports.split(","):
        relayed = await echo_over(args, transport_name)
        results.append("%s relay %s:%d" % (transport_name, relayed[0], relayed[1]))
    print("echoed %d datagrams (%s bytes) over %s"
          % (len(SIZES), "/".join(map(str, SIZES)), ", ".join(results)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--min-port", type=int, default=1)
    p.add_argument("--max-port", type=int, default=65535)
    p.add_argument("--transports", default="udp,tcp")
    return p.parse_args()


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_args()))
    except Failure as e:
        print("FAIL %s" % e)
        sys.exit(1)
