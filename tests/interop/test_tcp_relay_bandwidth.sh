#!/bin/bash
# max-bps on RFC 6062 TCP relays: one Connect/ConnectionBind pair pushes
# 400 KiB each way at once, through a server with max-bps=40000 and
# through one without. Asserts: every byte arrives intact both ways
# (SHA-256, a stream is slowed, never cut); under the limit each
# direction's delivered rate is at most 10 % over 40000 B/s (and not
# below 75 % of it); without the limit the transfer is at least 5 times
# faster. On a server that does not limit TCP relays the first run
# delivers at loopback speed and fails.
. "$(dirname "$0")/lib.sh"
LIMIT=40000

# serve NAME [CONF-LINE]: a TCP-relay-capable server; its port in PORT.
serve() {
	PORT=$(free_port)
	read -r MINP MAXP <<<"$(relay_window)"
	{
		base_conf "$PORT" "$MINP" "$MAXP"
		echo "lt-cred-mech"
		echo "user=alice:wonderland"
		echo "allow-loopback-peers"
		[ -z "${2:-}" ] || echo "$2"
	} >"$TMP/$1.conf"
	start_turnroom "$TMP/$1.conf" "$1"
}

cat >"$TMP/bw.py" <<'EOF2'
import hashlib, os, socket, sys, threading, time
import tcp_relay as t

server = ("127.0.0.1", int(sys.argv[1]))
TOTAL = 400 * 1024
data = {"c2p": os.urandom(TOTAL), "p2c": os.urandom(TOTAL)}

c, client, peer = t.relayed_pair(server)
for so in (client, peer):
    so.settimeout(20)

got = {}

def writer(sock, name):
    sock.sendall(data[name])

def reader(sock, name, start):
    buf = bytearray()
    try:
        while len(buf) < TOTAL:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        pass
    got[name] = (bytes(buf), time.monotonic() - start)

start = time.monotonic()
threads = [threading.Thread(target=writer, args=(client, "c2p")),
           threading.Thread(target=writer, args=(peer, "p2c")),
           threading.Thread(target=reader, args=(peer, "c2p", start)),
           threading.Thread(target=reader, args=(client, "p2c", start))]
for th in threads:
    th.daemon = True
    th.start()
for th in threads:
    th.join(25)
failures = []
for name in ("c2p", "p2c"):
    buf, elapsed = got.get(name, (b"", 0.0))
    if hashlib.sha256(buf).digest() != hashlib.sha256(data[name]).digest():
        failures.append("%s: %d of %d bytes, %s" % (
            name, len(buf), TOTAL, "cut" if len(buf) < TOTAL else "corrupted"))
    print("%s %d %.3f" % (name, len(buf), elapsed))
if failures:
    sys.exit("\n".join(failures))
EOF2

# run NAME: the transfer through the server on PORT; "c2p BYTES SECONDS"
# and "p2c ..." in $TMP/NAME.out.
run() {
	py "$TMP/bw.py" "$PORT" >"$TMP/$1.out" 2>&1 ||
		fail "$1: $(tail -n 3 "$TMP/$1.out" | tr '\n' ' ')"
}

serve limited "max-bps=$LIMIT"
run limited
serve free
run free

# The figures and the verdict.
verdict=$(awk -v limit="$LIMIT" '
	FNR == 1 { file++ }
	{ rate[file, $1] = $2 / ($3 > 0 ? $3 : 0.001) }
	END {
		for (i = 1; i <= 2; i++) for (d = 0; d < 2; d++) {
			dir = d ? "p2c" : "c2p"
			if (i == 1 && rate[1, dir] > 1.10 * limit)
				bad = bad sprintf(" %s %.0f B/s over the limit +10%%;", dir, rate[1, dir])
			if (i == 1 && rate[1, dir] < 0.75 * limit)
				bad = bad sprintf(" %s %.0f B/s, far under the limit;", dir, rate[1, dir])
			if (i == 2 && rate[2, dir] < 5 * rate[1, dir])
				bad = bad sprintf(" %s unlimited only %.1fx faster;", dir, rate[2, dir] / rate[1, dir])
		}
		printf "limited %.0f / %.0f B/s (c2p / p2c), unlimited %.0f / %.0f B/s:%s\n",
			rate[1, "c2p"], rate[1, "p2c"], rate[2, "c2p"], rate[2, "p2c"], bad ? bad : " ok"
	}' "$TMP/limited.out" "$TMP/free.out")
case $verdict in
*": ok") ;;
*) fail "$verdict" ;;
esac
pass "400 KiB each way intact; $verdict"
