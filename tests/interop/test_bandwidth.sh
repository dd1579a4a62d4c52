#!/bin/bash
# max-bps, member-max-bps and bps-capacity with coturn's meaning, through
# real allocations relaying to a UDP peer on loopback:
#   a long-term user's allocation (max-bps=40000) offered twice the limit
#     for 3 s in each direction delivers 40000 B/s +-10 % each way;
#   a room member's (REST credentials, member-max-bps=16000): 16000 +-10 %;
#   the drops show in turnroom_bandwidth_dropped_*_total, matching what
#     the peer and the client did not get;
#   bps-capacity=100000: the next allocation reserves 40000 (96000 in
#     all), the one after only the 4000 left, the one after that gets
#     486; a deleted allocation gives its share back;
#   turnutils_uclient through a turnutils_peer echo: a 10 KB/s stream
#     loses nothing, a 200 KB/s one loses most of its packets.
. "$(dirname "$0")/lib.sh"
need curl curl
PORT=$(free_port)
HTTP_PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "user=alice:wonderland"
	echo "static-auth-secret=room-secret"
	echo "allow-loopback-peers"
	echo "max-bps=40000"
	echo "member-max-bps=16000"
	echo "bps-capacity=100000"
	echo "metrics-token=bw-metrics"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"

py - "$PORT" "$HTTP_PORT" <<'PYEOF' || fail "see above"
import re, select, socket, struct, sys, time, urllib.request
import stunpy as S
port, http_port = int(sys.argv[1]), int(sys.argv[2])
srv = ("127.0.0.1", port)
PAYLOAD, PPS, SECONDS = 1000, 80, 3.0   # 80 000 B/s offered, 3 s
TOL = 0.10

def metrics():
    req = urllib.request.Request("http://127.0.0.1:%d/metrics" % http_port,
                                 headers={"Authorization": "Bearer bw-metrics"})
    text = urllib.request.urlopen(req, timeout=5).read().decode()
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(\S+) (\d+)$", text, re.M)}

def allocation(user, pw, local):
    c = S.Client("udp", srv, timeout=3, local=local)
    c.set_credentials(user, pw)
    rsp = c.allocate()
    return c, rsp

def relay(user, pw, local):
    c, rsp = allocation(user, pw, local)
    assert rsp.cls == S.SUCCESS, rsp
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    assert c.channel_bind(0x4000, peer.getsockname()).cls == S.SUCCESS
    return c, peer, S.relayed_address(rsp)

def pump(send, recv_sock, recv_len):
    """Offers PPS datagrams a second for SECONDS (paced by the clock, not
    by sleeps); returns (bytes offered, payload bytes received by the
    other side until 0.3 s after the end)."""
    start = time.monotonic()
    sent = got = 0
    end = start + SECONDS
    while True:
        now = time.monotonic()
        if now < end:
            due = int((now - start) * PPS) + 1
            while sent < due * PAYLOAD:
                send()
                sent += PAYLOAD
        elif now > end + 0.3:
            return sent, got
        r, _, _ = select.select([recv_sock], [], [], 0.002)
        if r:
            got += recv_len(recv_sock.recv(65536))

def rate_ok(what, got, limit):
    rate = got / SECONDS
    print("ok %s: %.0f B/s delivered for a %d B/s limit (%+.1f %%)"
          % (what, rate, limit, 100.0 * (rate - limit) / limit))
    assert abs(rate - limit) <= TOL * limit, "%s: %.0f B/s, limit %d" % (what, rate, limit)

frame = struct.pack("!HH", 0x4000, PAYLOAD) + b"x" * PAYLOAD
before = metrics()

# Long-term user: max-bps both ways.
c, peer, relayed = relay("alice", "wonderland", "127.0.0.2")
offered_out, got_out = pump(lambda: c.send_raw(frame), peer, len)
rate_ok("alice client->peer", got_out, 40000)
offered_in, got_in = pump(lambda: peer.sendto(b"y" * PAYLOAD, relayed), c.sock,
                          lambda d: len(d) - 4 if d[0] & 0xC0 == 0x40 else 0)
rate_ok("alice peer->client", got_in, 40000)

# Room member (REST credentials): member-max-bps.
user, pw = S.rest_credentials("room-secret", "member-7", int(time.time()) + 600)
m, mpeer, _ = relay(user, pw, "127.0.0.3")
offered_m, got_m = pump(lambda: m.send_raw(frame), mpeer, len)
rate_ok("member client->peer", got_m, 16000)

after = metrics()
lbl = 'turnroom_bandwidth_dropped_bytes_total{direction="%s"}'
dropped_out = after[lbl % "to_peer"] - before[lbl % "to_peer"]
dropped_in = after[lbl % "from_peer"] - before[lbl % "from_peer"]
want_out = offered_out - got_out + offered_m - got_m
want_in = offered_in - got_in
print("ok dropped bytes: to_peer %d (peers missed %d), from_peer %d (client missed %d)"
      % (dropped_out, want_out, dropped_in, want_in))
assert dropped_out > 0 and dropped_in > 0
assert abs(dropped_out - want_out) <= 0.02 * want_out, (dropped_out, want_out)
assert abs(dropped_in - want_in) <= 0.02 * want_in, (dropped_in, want_in)

# bps-capacity=100000: alice 40000 + member 16000 reserved.
assert after["turnroom_bps_granted"] == 56000, after["turnroom_bps_granted"]
a3, rsp = allocation("alice", "wonderland", "127.0.0.4")
assert rsp.cls == S.SUCCESS, rsp
a4, rsp = allocation("alice", "wonderland", "127.0.0.5")
assert rsp.cls == S.SUCCESS, rsp
assert metrics()["turnroom_bps_granted"] == 100000, "the last one gets what is left (4000)"
a5, rsp = allocation("alice", "wonderland", "127.0.0.6")
assert S.error_code(rsp) and S.error_code(rsp)[0] == 486, rsp
assert metrics()["turnroom_bps_capacity_refused_total"] == 1
print("ok bps-capacity: 40000 + 16000 + 40000 + 4000 granted, then 486")
assert a3.request_auth(S.REFRESH, [S.lifetime(0)]).cls == S.SUCCESS
assert metrics()["turnroom_bps_granted"] == 60000
a6, rsp = allocation("alice", "wonderland", "127.0.0.7")
assert rsp.cls == S.SUCCESS, rsp
print("ok a deleted allocation gives its 40000 back")
for x in (c, m, a4, a6):
    assert x.request_auth(S.REFRESH, [S.lifetime(0)]).cls == S.SUCCESS
assert metrics()["turnroom_bps_granted"] == 0
PYEOF
# coturn's own client: below the limit nothing is lost, above it most is.
PEER_PORT=$(free_port)
start_peer "$PEER_PORT"
run_uclient -m 1 -n 50 -l 200 -z 20 -c -u alice -w wonderland -e 127.0.0.1 \
	-r "$PEER_PORT" -p "$PORT" 127.0.0.1
uclient_assert_no_loss
run_uclient -m 1 -n 300 -l 1000 -z 5 -c -u alice -w wonderland -e 127.0.0.1 \
	-r "$PEER_PORT" -p "$PORT" 127.0.0.1
read -r sent recv _ <<<"$(uclient_figures)"
note "uclient at 200 KB/s: sent=$sent received=$recv"
[ "$sent" != none ] && [ "$sent" -ge 300 ] || fail "uclient at 200 KB/s sent $sent"
[ "$recv" -lt $((sent / 2)) ] || fail "uclient at 200 KB/s: $recv of $sent echoed past max-bps=40000"
pass "max-bps and member-max-bps delivered within 10 % both ways, drops counted, bps-capacity 486"
