#!/bin/bash
# RFC 6062 data path under load, with backpressure: 32 MiB each way
# through one Connect/ConnectionBind pair at once, while both receivers
# first stall for 3 s and then read slowly. Asserts: every byte arrives
# intact (SHA-256 both ways); during the stall the senders are held back
# (they cannot push their whole stream into the server); and the server's
# RSS never grows more than 8 MiB over its level before the transfer (the
# server buffers at most ~320 KiB per direction; without backpressure it
# would hold the stalled stream, tens of MiB).
. "$(dirname "$0")/lib.sh"
# Under ASan, freed chunks wait in a 256 MiB quarantine and show as RSS;
# a small one keeps the figure about live memory.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "lt-cred-mech"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

cat >"$TMP/bp.py" <<'EOF2'
import hashlib, os, socket, sys, threading, time
import stunpy as s
import tcp_relay as t

server = ("127.0.0.1", int(sys.argv[1]))
pid = int(sys.argv[2])
TOTAL_MB, STALL_S, RSS_LIMIT_KB = 32, 3.0, 8 * 1024
block = os.urandom(1 << 20)
want = hashlib.sha256(block * TOTAL_MB).hexdigest()

def rss_kb():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

c, client, peer = t.relayed_pair(server, rcvbuf=65536)
client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
peer.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
for so in (client, peer):
    so.settimeout(60)

sent = {"c2p": 0, "p2c": 0}
got = {}

def writer(sock, name):
    for _ in range(TOTAL_MB):
        sock.sendall(block)
        sent[name] += len(block)

def reader(sock, name):
    h, n = hashlib.sha256(), 0
    time.sleep(STALL_S)
    while n < TOTAL_MB << 20:
        chunk = sock.recv(65536)
        if not chunk:
            break
        h.update(chunk)
        n += len(chunk)
        time.sleep(0.0005)      # a slow reader
    got[name] = (n, h.hexdigest())

base = rss_kb()
threads = [threading.Thread(target=writer, args=(client, "c2p")),
           threading.Thread(target=writer, args=(peer, "p2c")),
           threading.Thread(target=reader, args=(peer, "c2p")),
           threading.Thread(target=reader, args=(client, "p2c"))]
start = time.monotonic()
for th in threads:
    th.daemon = True
    th.start()
peak, during_stall = base, None
while any(th.is_alive() for th in threads) and time.monotonic() - start < 50:
    peak = max(peak, rss_kb())
    if during_stall is None and time.monotonic() - start >= STALL_S - 0.3:
        during_stall = dict(sent)
    time.sleep(0.05)
elapsed = time.monotonic() - start
print("server RSS: %d KiB before, peak %d KiB (+%d KiB); sent during the "
      "stall: %.1f / %.1f MiB; %.1f s"
      % (base, peak, peak - base, during_stall["c2p"] / 2**20,
         during_stall["p2c"] / 2**20, elapsed))
failures = []
for name in ("c2p", "p2c"):
    n, digest = got.get(name, (0, None))
    if n != TOTAL_MB << 20 or digest != want:
        failures.append("%s: %d of %d bytes, digest %s" % (name, n, TOTAL_MB << 20,
                                                         "ok" if digest == want else "wrong"))
    if during_stall[name] >= (TOTAL_MB - 8) << 20:
        failures.append("%s: %d MiB pushed while the reader stalled: no backpressure"
                        % (name, during_stall[name] >> 20))
if peak - base > RSS_LIMIT_KB:
    failures.append("server RSS grew by %d KiB (limit %d)" % (peak - base, RSS_LIMIT_KB))
if failures:
    sys.exit("\n".join(failures))
EOF2
py "$TMP/bp.py" "$PORT" "$SERVER_PID" >"$TMP/bp.log" 2>&1 || fail "$(tail -n 3 "$TMP/bp.log" | tr '\n' ' ')"
note "$(cat "$TMP/bp.log")"
pass "$(head -n 1 "$TMP/bp.log")"
