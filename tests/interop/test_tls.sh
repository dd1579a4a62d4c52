#!/bin/bash
# TLS everywhere, with a test certificate: TURN over TLS and DTLS
# (turnutils_uclient -S), TLS 1.2+ only and the configured ciphers
# (openssl s_client), one port serving the page, WSS and TURN, iceServers
# with turns:, certificate reload on SIGHUP (a bad one keeps the old), and
# a missing certificate at start-up named in the error.
. "$(dirname "$0")/lib.sh"
need openssl
PORT=$(free_port)
TLS=$(free_port)
HTTP=$(free_port)
PEER_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
mkcert() { # mkcert CN PREFIX
	self_signed_cert "$TMP/$2-key.pem" "$TMP/$2-cert.pem" "$1"
}
mkcert first.test a
cp "$TMP/a-cert.pem" "$TMP/cert.pem"
cp "$TMP/a-key.pem" "$TMP/key.pem"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP"
	echo "tls-listening-port=$TLS"
	echo "https-port=$TLS"
	echo "cert=$TMP/cert.pem"
	echo "pkey=$TMP/key.pem"
	echo "cipher-list=ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305"
	echo "user=alice:wonderland"
	echo "userdb=$TMP/turndb"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
start_peer "$PEER_PORT"

# TURN over TLS and over DTLS, channels, no loss.
run_uclient "${UCLIENT_LOAD[@]}" -t -S -u alice -w wonderland -e 127.0.0.1 -r "$PEER_PORT" \
	-p "$TLS" 127.0.0.1
uclient_assert_no_loss
tls_summary=$UCLIENT_SUMMARY
run_uclient "${UCLIENT_LOAD[@]}" -S -u alice -w wonderland -e 127.0.0.1 -r "$PEER_PORT" \
	-p "$TLS" 127.0.0.1
uclient_assert_no_loss
dtls_summary=$UCLIENT_SUMMARY

# TLS 1.2+ only; the configured TLS 1.2 ciphers and no others.
sclient() { echo | timeout 10 openssl s_client -connect "127.0.0.1:$TLS" "$@" 2>&1; }
sclient -tls1 | grep -q 'Cipher is (NONE)\|alert protocol version\|no protocols available' ||
	fail "TLS 1.0 was accepted"
sclient -tls1_1 | grep -q 'Cipher is (NONE)\|alert protocol version\|no protocols available' ||
	fail "TLS 1.1 was accepted"
sclient -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 | grep -q 'Cipher is ECDHE-RSA-AES128-GCM-SHA256' ||
	fail "the configured cipher was refused"
sclient -tls1_2 -cipher AES256-SHA | grep -q 'Cipher is (NONE)\|handshake failure' ||
	fail "a cipher outside cipher-list was accepted"
sclient -tls1_3 | grep -q 'Protocol  *: TLSv1.3\|TLSv1.3' || fail "TLS 1.3 refused"
sclient -alpn stun.turn | grep -q 'ALPN protocol: stun.turn' || fail "ALPN stun.turn not selected"

# One port: the page, the WebSocket (WSS) with turns: in iceServers.
curl -sk "https://127.0.0.1:$TLS/" | grep -qi '<html' || fail "no page over HTTPS on the TURN port"
"$PY" - "$TLS" <<'PYEOF' || fail "WSS join on the TURN port failed"
import asyncio, json, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ws = await websockets.connect(f"wss://127.0.0.1:{sys.argv[1]}/ws", ssl=ctx)
    await ws.send(json.dumps({"event": "join", "data": {"roomId": "tls"}}))
    m = json.loads(await ws.recv())
    assert m["event"] == "joined", m
    urls = m["data"]["iceServers"][1]["urls"]
    assert f"turns:127.0.0.1:{sys.argv[1]}?transport=tcp" in urls, urls
    await ws.close()
asyncio.run(main())
PYEOF

subject() { sclient -tls1_2 | sed -n 's/^subject=.*CN *= *\([^,]*\).*/\1/p' | head -n 1; }
[ "$(subject)" = first.test ] || fail "unexpected certificate subject '$(subject)'"
# A broken certificate on reload: the old one stays, and TLS keeps working.
echo "not a certificate" >"$TMP/cert.pem"
kill -HUP "$SERVER_PID"
sleep 0.5
grep -q 'reload failed.*cert' "$SERVER_LOG" || fail "no reload failure naming the certificate"
[ "$(subject)" = first.test ] || fail "TLS broken after a bad reload"
# A new certificate: new connections get it, without a restart.
mkcert second.test b
cp "$TMP/b-cert.pem" "$TMP/cert.pem"
cp "$TMP/b-key.pem" "$TMP/key.pem"
kill -HUP "$SERVER_PID"
sleep 0.5
[ "$(subject)" = second.test ] || fail "certificate not reloaded: '$(subject)'"
run_uclient -m 1 -n 10 -l 100 -z 5 -c -t -S -u alice -w wonderland -e 127.0.0.1 \
	-r "$PEER_PORT" -p "$TLS" 127.0.0.1
uclient_assert_no_loss

# A missing certificate at start-up: a clear error naming the file.
sed "s|^cert=.*|cert=$TMP/missing.pem|; s|^listening-port=.*|listening-port=$(free_port)|; s|^http-port=.*|http-port=0|" \
	"$TMP/turn.conf" >"$TMP/bad.conf"
timeout 10 "$TURNROOM" -c "$TMP/bad.conf" >"$TMP/bad.log" 2>&1 && fail "started without its certificate"
grep -q "missing.pem" "$TMP/bad.log" || fail "the error does not name the certificate: $(tail -n 1 "$TMP/bad.log")"
pass "TLS: $tls_summary; DTLS: $dtls_summary; TLS 1.2+ and cipher-list enforced; one port for page, WSS and TURN; cert reload"
