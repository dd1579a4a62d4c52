#!/bin/bash
# DTLS floods (issue 8 item 4). The attacks, driven with raw ClientHellos
# built by dtlspy.py:
# (a) Amplification: one ClientHello with a spoofed source made the server
#     send its whole first flight (ServerHello, Certificate, ...) to the
#     victim and retransmit it: 5,024 bytes in 10 s for a 110-byte hello
#     (x46), and a handshake held for 10 s. Now the answer is a
#     HelloVerifyRequest no larger than the request, and nothing is created
#     until a ClientHello echoes the cookie (RFC 6347 4.2.1).
# (b) Lock-out: 1,030 spoofed ClientHellos filled every handshake slot and
#     kept real DTLS clients out for 10 s. Now 2,000 spoofed hellos from
#     127.0.0.2-254, each from its own port (spoofing is impossible on loopback without raw
#     sockets; many source addresses stand in for it) plus a host that
#     does finish cookie exchanges from 20 ports (held to
#     dtls-max-handshakes-per-ip=4) do not stop turnutils_uclient -S from
#     completing its handshakes and relaying without loss.
# (c) The caps: dtls-max-sessions, dtls-max-handshakes and (after a
#     reload) dtls-max-sessions-per-ip hold, and a session that ends frees
#     its place.
. "$(dirname "$0")/lib.sh"
need openssl
need curl curl
PORT=$(free_port)
TLS=$(free_port)
HTTP=$(free_port)
PEER_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
self_signed_cert "$TMP/key.pem" "$TMP/cert.pem" "dtls.test"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP"
	echo "tls-listening-port=$TLS"
	echo "https-port=0"
	echo "cert=$TMP/cert.pem"
	echo "pkey=$TMP/key.pem"
	echo "user=alice:wonderland"
	echo "userdb=$TMP/turndb"
	echo "allow-loopback-peers"
	echo "metrics-token=dtls-metrics"
	echo "dtls-max-handshakes-per-ip=4"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
start_peer "$PEER_PORT"

metric() { # metric NAME-WITH-LABELS [HTTP-PORT]
	curl -s -H "Authorization: Bearer dtls-metrics" "http://127.0.0.1:${2:-$HTTP}/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

# (a) One cookieless ClientHello: a HelloVerifyRequest no larger than it,
# nothing else within 3 s (no flight, no retransmission), no session.
probe=$(py "$INTEROP_DIR/dtlspy.py" probe 127.0.0.1 "$TLS" 3) || fail "probe failed"
note "probe: $probe"
read -r req rep hvr sh <<<"$("$PY" -c 'import json,sys; p=json.loads(sys.argv[1]);
print(p["request"], p["reply"], p["hello_verify"], p["server_hello"])' "$probe")"
[ "$hvr" = True ] || fail "no HelloVerifyRequest for a cookieless ClientHello: $probe"
[ "$sh" = False ] || fail "a cookieless ClientHello got a ServerHello: $probe"
[ "$rep" -le "$req" ] || fail "reply of $rep bytes to a $req-byte ClientHello (amplification)"
[ "$(metric turnroom_dtls_handshakes_started_total)" = 0 ] ||
	fail "a cookieless ClientHello started a handshake"
[ "$(metric turnroom_dtls_handshakes)" = 0 ] || fail "a handshake is in progress after the probe"
[ "$(metric turnroom_dtls_hello_verify_total)" = 1 ] || fail "HelloVerifyRequest not counted"
# The cookie is honoured: echoed, it starts the handshake (a ServerHello).
py "$INTEROP_DIR/dtlspy.py" cookie 127.0.0.1 "$TLS" >/dev/null ||
	fail "a ClientHello carrying the cookie got no ServerHello"
[ "$(metric turnroom_dtls_handshakes_started_total)" = 1 ] ||
	fail "the cookie exchange did not start exactly one handshake"

# (b) The spoofed flood: 2,000 hellos over 6 s, each from its own address
# and port, never read (before: the server was deaf to new clients for 10 s
# after it). Then, within those 10 s: a fresh client is answered at once, a
# host that completes cookie exchanges from 20 ports gets 4 going, and
# turnutils_uclient -S connects and relays.
sent=$(py "$INTEROP_DIR/dtlspy.py" flood 127.0.0.1 "$TLS" 2000 6) || fail "flood failed"
[ "$sent" = 2000 ] || fail "the flood sent $sent ClientHellos, not 2000"
py "$INTEROP_DIR/dtlspy.py" cookie 127.0.0.1 "$TLS" 127.0.0.3 >/dev/null ||
	fail "a real client's ClientHello is not answered after the flood (locked out)"
held=$(py "$INTEROP_DIR/dtlspy.py" hold 127.0.0.1 "$TLS" 127.0.0.2 20) || fail "hold failed"
[ "$held" = 4 ] || fail "127.0.0.2 got $held handshakes going, dtls-max-handshakes-per-ip is 4"
run_uclient -m 1 -n 50 -l 100 -z 5 -S -u alice -w wonderland -e 127.0.0.1 \
	-r "$PEER_PORT" -p "$TLS" 127.0.0.1
uclient_assert_no_loss
hvr=$(metric turnroom_dtls_hello_verify_total)
started=$(metric turnroom_dtls_handshakes_started_total)
per_ip=$(metric 'turnroom_dtls_refused_total{cap="handshakes_per_ip"}')
completed=$(metric turnroom_dtls_handshakes_completed_total)
note "flood: $sent spoofed hellos; $hvr HelloVerifyRequests, $started handshakes started," \
	"$completed completed, $per_ip refused per IP"
# Spoofed hellos start nothing: the handshakes are 2 (cookie checks), 4
# (127.0.0.2) and uclient's (it tries DTLS 1.0 first, then 1.2, for each
# of its two allocations); the 2,000 spoofed hellos got only HVRs.
[ "$started" -le 20 ] || fail "$started handshakes started during a spoofed flood"
[ "$hvr" -ge 1500 ] || fail "only $hvr HelloVerifyRequests for 2,000 spoofed hellos"
[ "${per_ip:-0}" -ge 16 ] || fail "refusals per IP not counted ($per_ip)"
[ "$completed" -ge 1 ] || fail "no DTLS handshake completed"
grep -q 'DTLS: ClientHello from 127.0.0.2:[0-9]* dropped: dtls-max-handshakes-per-ip' \
	"$SERVER_LOG" || fail "refusal not logged"
[ "$(grep -c 'DTLS: ClientHello from' "$SERVER_LOG")" -le 2 ] ||
	fail "refusals logged per packet, not rate-limited"
summary_b="uclient -S after the flood: $UCLIENT_SUMMARY"

# (c) A second server with small caps: 2 sessions, 1 handshake at once.
PORT2=$(free_port)
TLS2=$(free_port)
HTTP2=$(free_port)
sed -e "s/^listening-port=.*/listening-port=$PORT2/" -e "s/^http-port=.*/http-port=$HTTP2/" \
	-e "s/^tls-listening-port=.*/tls-listening-port=$TLS2/" \
	-e "s/^dtls-max-handshakes-per-ip=.*/dtls-max-sessions=2\ndtls-max-handshakes=1/" \
	"$TMP/turn.conf" >"$TMP/caps.conf"
start_turnroom "$TMP/caps.conf" caps
# Each s_client stays connected while its stdin (a fifo we hold) is open;
# the second must not inherit the first one's writer.
sclient_hold() { # sclient_hold N
	mkfifo "$TMP/in$1"
	(
		[ -z "${FD1:-}" ] || exec {FD1}>&-
		[ -z "${FD2:-}" ] || exec {FD2}>&-
		exec openssl s_client -dtls1_2 -connect "127.0.0.1:$TLS2" <"$TMP/in$1" \
			>"$TMP/sclient$1.log" 2>&1
	) &
	STARTED_PIDS+=("$!")
	eval "exec {FD$1}>\"$TMP/in$1\""
}
wait_metric() { # wait_metric NAME VALUE PORT: up to 5 s
	for _ in $(seq 1 50); do
		[ "$(metric "$1" "$3")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
sclient_hold 1
wait_metric turnroom_dtls_sessions 1 "$HTTP2" || fail "first s_client did not connect"
sclient_hold 2
wait_metric turnroom_dtls_sessions 2 "$HTTP2" || fail "second s_client did not connect"
# The third finds the cap: its hellos get no answer at all.
probe=$(py "$INTEROP_DIR/dtlspy.py" probe 127.0.0.1 "$TLS2" 1)
[ "$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["reply"])' "$probe")" = 0 ] ||
	fail "a ClientHello beyond dtls-max-sessions was answered: $probe"
echo | timeout 3 openssl s_client -dtls1_2 -connect "127.0.0.1:$TLS2" >"$TMP/sclient3.log" 2>&1
grep -q 'Cipher is ECDHE' "$TMP/sclient3.log" && fail "a third session got past dtls-max-sessions=2"
refused=$(metric 'turnroom_dtls_refused_total{cap="sessions"}' "$HTTP2")
[ "${refused:-0}" -ge 2 ] || fail "refusals by dtls-max-sessions not counted ($refused)"
[ "$(metric turnroom_dtls_sessions "$HTTP2")" = 2 ] || fail "sessions changed while refused"
# One ends (close_notify): its place is free again.
exec {FD1}>&-
wait_metric turnroom_dtls_sessions 1 "$HTTP2" || fail "a closed session was not freed"
echo | timeout 5 openssl s_client -dtls1_2 -connect "127.0.0.1:$TLS2" >"$TMP/sclient4.log" 2>&1
grep -q 'Cipher is ECDHE' "$TMP/sclient4.log" || fail "no session after one was freed"
exec {FD2}>&-
wait_metric turnroom_dtls_sessions 0 "$HTTP2" || fail "sessions not freed"
# dtls-max-handshakes=1: of 3 cookie exchanges (distinct addresses), one
# starts; the others are dropped and counted.
held=$(py "$INTEROP_DIR/dtlspy.py" hold 127.0.0.1 "$TLS2" 127.0.0.3 1)
held=$((held + $(py "$INTEROP_DIR/dtlspy.py" hold 127.0.0.1 "$TLS2" 127.0.0.4 1)))
held=$((held + $(py "$INTEROP_DIR/dtlspy.py" hold 127.0.0.1 "$TLS2" 127.0.0.5 1)))
[ "$held" = 1 ] || fail "$held handshakes in progress with dtls-max-handshakes=1"
[ "$(metric 'turnroom_dtls_refused_total{cap="handshakes"}' "$HTTP2")" -ge 2 ] ||
	fail "refusals by dtls-max-handshakes not counted"
# Caps follow a reload: room for many, but one session per address.
sed -i -e 's/^dtls-max-sessions=.*/dtls-max-sessions=100/' \
	-e 's/^dtls-max-handshakes=.*/dtls-max-handshakes=100\ndtls-max-sessions-per-ip=1/' \
	"$TMP/caps.conf"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do
	grep -q 'configuration reloaded' "$SERVER_LOG" && break
	sleep 0.1
done
grep -q 'configuration reloaded' "$SERVER_LOG" || fail "the caps server did not reload"
sclient_hold 3
wait_metric turnroom_dtls_sessions 1 "$HTTP2" || fail "no session after the reload"
echo | timeout 3 openssl s_client -dtls1_2 -connect "127.0.0.1:$TLS2" >"$TMP/sclient5.log" 2>&1
grep -q 'Cipher is ECDHE' "$TMP/sclient5.log" &&
	fail "a second session from 127.0.0.1 got past dtls-max-sessions-per-ip=1"
[ "$(metric 'turnroom_dtls_refused_total{cap="sessions_per_ip"}' "$HTTP2")" -ge 1 ] ||
	fail "refusals by dtls-max-sessions-per-ip not counted"
exec {FD3}>&-
pass "(a) HelloVerifyRequest $rep bytes for a $req-byte ClientHello, no session;\
 (b) $summary_b, $hvr HelloVerifyRequests, $started handshakes;\
 (c) dtls-max-sessions=2, dtls-max-handshakes=1 and, after a reload,\
 dtls-max-sessions-per-ip=1 held"
