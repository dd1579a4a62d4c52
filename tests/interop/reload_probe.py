"""Is the server still serving? One TURN Allocate over UDP with REST
credentials of SECRET (must succeed, then is deleted again) and one
WebSocket join (must be answered "joined"). For the reload tests.

Run: reload_probe.py TURN_PORT HTTP_PORT SECRET [ROOM]
Exit 0 when both work; otherwise 1 with the reason on stdout.
"""

import asyncio
import json
import sys
import time

import websockets

import stunpy


def allocate(port, secret):
    c = stunpy.Client("udp", ("127.0.0.1", port), timeout=3.0)
    try:
        user, password = stunpy.rest_credentials(secret, "probe", int(time.time()) + 600)
        c.set_credentials(user, password)
        rsp = c.allocate()
        ec = stunpy.error_code(rsp)
        if ec is not None:
            return "Allocate with the REST secret %r answered %d %s" % (secret, ec[0], ec[1])
        c.request_auth(stunpy.REFRESH, [stunpy.lifetime(0)])
        return None
    finally:
        c.close()


async def join(http, room):
    async with websockets.connect("ws://127.0.0.1:%d/ws" % http, open_timeout=3) as ws:
        await ws.send(json.dumps({"event": "join", "data": {"roomId": room}}))
        msg = json.loads(await asyncio.wait_for(ws.recv(), 3))
        if msg.get("event") != "joined":
            return "WebSocket join answered %r" % msg
    return None


def main():
    port, http, secret = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    room = sys.argv[4] if len(sys.argv) > 4 else "probe-room"
    try:
        why = allocate(port, secret) or asyncio.run(join(http, room))
    except Exception as e:  # noqa: BLE001 - any failure is the verdict
        why = "%s: %s" % (type(e).__name__, e)
    if why:
        print(why)
        sys.exit(1)


main()
