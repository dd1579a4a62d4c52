#!/bin/bash
# Failed TLS handshakes are logged with OpenSSL's reason, and a flood of
# them is not a log flood: a TLS 1.1 client (openssl s_client), garbage,
# an HTTP request and a hello with no shared cipher on the TLS port each
# give one line naming the peer and the reason, and a DTLS 1.0 client on
# the DTLS port too; the client's SNI name is escaped in the line; 1,000
# failures give at most LOG_LIMIT_PER_SEC (5) lines a second plus one
# "suppressed" line a second, all 1,000 counted, and the port still
# completes a good handshake after.
. "$(dirname "$0")/lib.sh"
need openssl
PORT=$(free_port)
TLS=$(free_port)
METRICS=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
self_signed_cert "$TMP/key.pem" "$TMP/cert.pem" "hs.test"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "tls-listening-port=$TLS"
	echo "https-port=0"
	echo "cert=$TMP/cert.pem"
	echo "pkey=$TMP/key.pem"
	echo "no-auth"
	echo "prometheus"
	echo "prometheus-port=$METRICS"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

failures() { grep -c ': TLS handshake with 127\.0\.0\.1:[0-9]* failed: ' "$SERVER_LOG"; }
wait_lines() { # wait_lines N: until the log holds N failure lines (3 s)
	local i
	for ((i = 0; i < 30; i++)); do
		[ "$(failures)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# A client that offers TLS 1.1 only (its own security level lowered so
# that it sends the hello at all): refused for the protocol version.
echo | timeout 10 openssl s_client -connect "127.0.0.1:$TLS" -tls1_1 \
	-cipher 'DEFAULT@SECLEVEL=0' >"$TMP/s_client.log" 2>&1
grep -q 'alert protocol version\|no protocols available' "$TMP/s_client.log" ||
	fail "TLS 1.1 was not refused: $(tail -n 3 "$TMP/s_client.log")"
wait_lines 1 || fail "no log line for the refused TLS 1.1 handshake"
grep -q 'TLS handshake with 127\.0\.0\.1:[0-9]* failed: unsupported protocol' "$SERVER_LOG" ||
	fail "the TLS 1.1 line does not say 'unsupported protocol': $(grep -m 1 'TLS handshake' "$SERVER_LOG")"

# Garbage where a ClientHello should be, then an HTTP request on the TLS
# port; a hello whose SNI name holds an escape sequence.
py - "$TLS" <<'PYEOF' || fail "could not send garbage to the TLS port"
import socket, struct, sys
port = int(sys.argv[1])
def send(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    try:
        s.recv(4096)
    except OSError:
        pass
    s.close()
send(bytes(range(7, 80)))
send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
# A TLS 1.2 ClientHello offering only NULL-MD5 (never enabled: no shared
# cipher, decided after the extensions are read) with a server_name
# carrying ESC and a newline.
name = b"evil\x1b[31m\nname.test"
sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
ext = struct.pack("!HH", 0, len(sni)) + sni
body = (b"\x03\x03" + bytes(32) + b"\x00" + struct.pack("!H", 2) + b"\x00\x01" +
        b"\x01\x00" + struct.pack("!H", len(ext)) + ext)
hello = b"\x01" + struct.pack("!I", len(body))[1:] + body
send(b"\x16\x03\x01" + struct.pack("!H", len(hello)) + hello)
PYEOF
wait_lines 4 || fail "garbage gave $(($(failures) - 1)) log lines, expected 3"
grep 'TLS handshake with' "$SERVER_LOG" | sed -n '2,3p' | grep -qv 'failed: [a-z]' &&
	fail "a garbage line names no reason: $(grep 'TLS handshake with' "$SERVER_LOG" | sed -n 2,3p)"
grep -qF "(SNI 'evil\\x1b[31m\\x0aname.test')" "$SERVER_LOG" ||
	fail "the SNI name is not escaped in the log: $(grep 'SNI' "$SERVER_LOG" | head -n 1 | od -c | head -n 3)"
grep -q $'\x1b' "$SERVER_LOG" && fail "a raw ESC byte reached the log"
note "reasons: $(grep -o 'failed: [^(]*' "$SERVER_LOG" | sort -u | tr '\n' ';')"

# 1,000 failures as fast as one client makes them: bounded lines.
before=$(failures)
[ "$before" -le 4 ] || fail "$before lines before the flood, expected 4"
start=$(date +%s.%N)
py - "$TLS" <<'PYEOF' || fail "the flood client failed"
import socket, sys, time
port, done, deadline = int(sys.argv[1]), 0, time.monotonic() + 40
while done < 1000 and time.monotonic() < deadline:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"\x16\x03\x01\x00\x04junk" + b"x" * 16)
        s.recv(4096)
        s.close()
        done += 1
    except OSError:
        time.sleep(0.01)
print(done)
sys.exit(0 if done == 1000 else 1)
PYEOF
# The line saying how many went unlogged comes with the next line after
# its second: one more failure, a second later, brings it.
sleep 1.1
echo | timeout 10 openssl s_client -connect "127.0.0.1:$TLS" -tls1_1 \
	-cipher 'DEFAULT@SECLEVEL=0' >/dev/null 2>&1
wait_lines $((before + 2)) || true
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
secs=$(printf '%.0f' "$elapsed")
lines=$(($(failures) - before - 1))
suppressed=$(grep -c 'similar message(s) suppressed' "$SERVER_LOG")
unlogged=$(grep -o '[0-9]* similar message(s) suppressed' "$SERVER_LOG" |
	awk '{ n += $1 } END { print n + 0 }')
budget=$(((secs + 1) * 5))
note "1000 failures, ${secs} s: $lines lines, $suppressed 'suppressed' lines counting $unlogged (budget $budget lines)"
[ "$lines" -ge 1 ] || fail "the flood logged nothing"
[ "$lines" -le "$budget" ] || fail "1000 failures gave $lines lines in $secs s (budget $budget)"
[ "$suppressed" -ge 1 ] && [ "$suppressed" -le $((secs + 1)) ] ||
	fail "$suppressed 'suppressed' lines in $secs s"
# Every failure was seen: logged or counted as left out.
[ $((lines + unlogged)) -eq 1000 ] ||
	fail "$lines logged + $unlogged left out != 1000 failures"
# ... and counted in /metrics, with the failures of the cases above.
counted=$(curl -s "http://127.0.0.1:$METRICS/metrics" |
	awk '$1 == "turnroom_tls_handshakes_failed_total" { print $2 }')
[ "${counted:-0}" -ge 1000 ] ||
	fail "turnroom_tls_handshakes_failed_total is '${counted:-absent}' after 1000 failures"

# DTLS on the same port number: a DTLS 1.0 client is logged the same way.
echo | timeout 10 openssl s_client -dtls1 -connect "127.0.0.1:$TLS" \
	-cipher 'DEFAULT@SECLEVEL=0' >/dev/null 2>&1
for ((i = 0; i < 30; i++)); do
	grep -q ': DTLS handshake with 127\.0\.0\.1:[0-9]* failed: unsupported protocol' \
		"$SERVER_LOG" && break
	sleep 0.1
done
((i < 30)) || fail "no DTLS line for a DTLS 1.0 client: $(grep -m 1 DTLS "$SERVER_LOG")"

# The listener is fine: a TLS 1.2 handshake completes.
echo | timeout 10 openssl s_client -connect "127.0.0.1:$TLS" -tls1_2 2>&1 |
	grep -q 'Cipher is ECDHE\|Cipher is TLS\|Protocol  *: TLSv1.2' ||
	fail "no TLS 1.2 handshake after the flood"
pass "TLS 1.1, garbage, HTTP, an escaped SNI and DTLS 1.0 each logged with a reason; 1000 failures: $lines lines + $suppressed saying $unlogged left out, in $secs s"
