#!/bin/bash
# Memory comes back (issue 8): 2,000 WebSockets open (joined in pairs, one
# message each way), then all close. Before: RSS stayed at its peak (glibc
# keeps freed memory for reuse). Now: the room server's cron calls
# malloc_trim once connections and members have halved, and RSS falls well
# below it (members leave after a 1 s resume window here).
. "$(dirname "$0")/lib.sh"
HTTP_PORT=$(free_port)
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "max-connections-per-source=5000"
	echo "ws-rate=1000"
	echo "resume-window=1"
	echo "metrics-token=trim-t0ken"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status"; }
rss0=$(rss_kb)

"$PY" - "$HTTP_PORT" "$TMP/peak" "$SERVER_PID" <<'PYEOF' || fail "load client failed"
import base64, json, os, resource, socket, struct, sys, time
port, n = int(sys.argv[1]), 2000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
def frame(text):
    data = text.encode()
    head = bytes([0x81])
    if len(data) < 126:
        head += bytes([0x80 | len(data)])
    else:
        head += bytes([0x80 | 126]) + struct.pack("!H", len(data))
    return head + b"\0\0\0\0" + data
def ws():
    s = socket.socket()
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
socks = []
for i in range(n):
    s = ws()
    s.sendall(frame(json.dumps({"event": "join", "data": {"roomId": f"r{i // 2}"}})))
    socks.append(s)
for i, s in enumerate(socks):
    s.sendall(frame(json.dumps({"event": "message",
                                "data": {"roomId": f"r{i // 2}", "data": "m" * 8000}})))
time.sleep(1.5)
rss = [l for l in open(f"/proc/{sys.argv[3]}/status") if l.startswith("VmRSS")][0].split()[1]
open(sys.argv[2], "w").write(rss + "\n")
for s in socks:
    s.close()
PYEOF
peak=$(cat "$TMP/peak")
# The cron runs every second; the closes, the end of the 1 s resume window
# and the trims (at most every 2 s) take a few. Wait for most of the
# memory, assert a clear share.
after=$peak
for _ in $(seq 1 40); do
	sleep 0.25
	after=$(rss_kb)
	[ $((after * 100)) -lt $((peak * 40)) ] && break
done
trims=$(curl -s -H 'Authorization: Bearer trim-t0ken' "http://127.0.0.1:$HTTP_PORT/metrics" |
	awk '$1 == "turnroom_memory_trims_total" { print $2 }')
echo "RSS: ${rss0} kB at start, ${peak} kB with 2000 WebSockets, ${after} kB after they closed; ${trims:-0} trims" >&2
[ $((peak - rss0)) -gt 10240 ] || fail "2000 WebSockets took only $((peak - rss0)) kB: nothing to give back"
[ "${trims:-0}" -ge 1 ] || fail "memory never given back (turnroom_memory_trims_total ${trims:-none})"
# The sanitizer build's allocator keeps freed memory in quarantine whatever
# malloc_trim does: there the trim counter above is the verdict.
if ! grep -q __asan_init "$TURNROOM"; then
	[ $((after * 100)) -lt $((peak * 60)) ] ||
		fail "RSS after closing is ${after} kB, not under 60 % of the ${peak} kB peak"
fi
pass "RSS ${rss0} kB -> ${peak} kB with 2000 WebSockets -> ${after} kB after they closed"
