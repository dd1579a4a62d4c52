# slow_ws.py PORT OUT HOLD ROOMS MSGS: in each of ROOMS rooms, a WebSocket
# member that never reads (tiny receive buffer) and a peer that sends it
# MSGS messages of 60 KB. Writes the number of messages sent to OUT, then
# holds every connection open for HOLD seconds. Raw sockets: a client
# library would read in the background.
import base64, json, os, socket, struct, sys, time
port, rooms, n_msgs = int(sys.argv[1]), int(sys.argv[4]), int(sys.argv[5])
per_msg = 60000
def frame(text):
    # Client frames are masked (RFC 6455 5.3); a zero key keeps it cheap.
    data = text.encode()
    n = len(data)
    head = bytes([0x81])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + b"\0\0\0\0" + data
def ws(rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return s
def join(s, room):
    s.sendall(frame(json.dumps({"event": "join", "data": {"roomId": room}})))
slow, fast = [], []
for r in range(rooms):
    a = ws(rcvbuf=4096)
    join(a, f"slow-{r}")
    time.sleep(0.005)
    b = ws()
    join(b, f"slow-{r}")
    slow.append(a)
    fast.append(b)
time.sleep(0.5)
payload = json.dumps({"event": "message",
                      "data": {"roomId": "x", "data": "x" * per_msg}})
sent = 0
for i in range(n_msgs):
    for r, b in enumerate(fast):
        if b is None:
            continue
        try:
            b.sendall(frame(payload.replace('"x", "data"', f'"slow-{r}", "data"', 1)))
            sent += 1
        except OSError:
            fast[r] = None
    # Drain what the server sends the senders (joined, errors) meanwhile.
    for b in fast:
        if b is None:
            continue
        b.setblocking(False)
        try:
            while b.recv(65536):
                pass
        except OSError:
            pass
        b.setblocking(True)
open(sys.argv[2], "w").write(f"{sent}\n")
# Hold the connections until the server has read everything.
time.sleep(float(sys.argv[3]))
