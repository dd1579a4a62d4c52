#!/bin/bash
# Attack (issue 8, item 8): WebSocket members that join and never read
# while their room peer sends to them. Before: each could pin 4 MiB of
# output (and a departed one 64 queued messages of 64 KiB); 100 of them
# pinned hundreds of MB. Now: ws-max-output (256 KiB) disconnects a slow
# reader with a logged reason, and signaling-max-queued bounds the total.
. "$(dirname "$0")/lib.sh"
HTTP_PORT=$(free_port)
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "ws-rate=100000"
	echo "max-connections-per-source=1000"
	echo "metrics-token=t0ken-slow"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status"; }
rss0=$(rss_kb)

metric() {
	curl -s -H 'Authorization: Bearer t0ken-slow' "http://127.0.0.1:$HTTP_PORT/metrics" |
		awk -v n="$1" '$1 == n { print $2 }'
}

# 100 rooms: a member that never reads (tiny receive buffer) and a peer
# that sends it 720 KB in 60 KB messages: more than ws-max-output plus the
# kernel's socket buffers.
cat >"$TMP/load.py" <<'PYEOF'
import base64, json, os, socket, struct, sys, time
port, rooms, per_msg, n_msgs = int(sys.argv[1]), 100, 60000, 12
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
PYEOF
"$PY" "$TMP/load.py" "$HTTP_PORT" "$TMP/slow.out" 40 &
LOAD_PID=$!
STARTED_PIDS+=("$LOAD_PID")
# Until every message sent has been read by the server (at most 40 s).
for _ in $(seq 1 200); do
	sleep 0.2
	[ -s "$TMP/slow.out" ] || continue
	[ "$(metric 'turnroom_signaling_messages_total{direction="in"}')" -ge \
		$(($(cat "$TMP/slow.out") + 200)) ] && break
done
sent=$(cat "$TMP/slow.out")
rss1=$(rss_kb)
hwm=$(hwm_kb)
logged=$(grep -c 'does not read: .* over ws-max-output; disconnected' "$SERVER_LOG")
closed=$(metric 'turnroom_websocket_closed_total{reason="slow_consumer"}')
kill "$LOAD_PID" 2>/dev/null
echo "slow consumers: $sent messages sent; RSS ${rss0} kB -> ${rss1} kB (peak ${hwm} kB); $closed disconnected ($logged lines logged)" >&2
[ "$sent" -ge 1000 ] || fail "only $sent messages sent"
[ $((hwm - rss0)) -lt 81920 ] || fail "RSS grew by $(((hwm - rss0) / 1024)) MB (peak ${hwm} kB)"
[ "$logged" -ge 1 ] || fail "no slow consumer disconnected with a logged reason"
[ "${closed:-0}" -ge 90 ] || fail "only ${closed:-0} of 100 slow consumers disconnected"
pass "100 members that never read: RSS peak +$(((hwm - rss0) / 1024)) MB, $closed disconnected for ws-max-output ($logged log lines)"
