#!/bin/bash
# Permissions and channels per allocation are capped (issue 8 item 5).
# The attack: one authenticated client installs permissions for 100k peer
# IPs on one allocation; each of them cost memory and, scanned linearly,
# made every Send indication cost ~150 us of the one loop. Now past
# max-permissions-per-allocation / max-channels-per-allocation the request
# gets 508 and changes nothing (a multi-peer CreatePermission is all or
# nothing), refreshing what exists still works, and the allocation keeps
# relaying. Small caps (5 permissions, 3 channels) keep the test short;
# echo peers listen on 127.0.0.2-127.0.0.9.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "user=alice:wonderland"
	echo "allow-loopback-peers"
	echo "max-permissions-per-allocation=5"
	echo "max-channels-per-allocation=3"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
py - "$PORT" <<'PYEOF' || fail "see above"
import socket, struct, sys, time
import stunpy as S
srv = ("127.0.0.1", int(sys.argv[1]))

peers = {}
for i in range(2, 10):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.%d" % i, 0))
    s.settimeout(0.05)
    peers["127.0.0.%d" % i] = s
addr = {ip: s.getsockname() for ip, s in peers.items()}

def code(rsp):
    ec = S.error_code(rsp)
    return ec[0] if ec else 0

def expect(rsp, want, what):
    assert code(rsp) == want, "%s: expected %d, got %r" % (what, want, rsp)
    print("ok %d %s" % (want, what))

def send_indication(c, peer, data):
    tid = bytes(12)
    msg = S.Message(S.SEND, S.INDICATION, tid=tid,
                    attrs=[(S.XOR_PEER_ADDRESS, S.xor_addr(peer[0], peer[1], tid)),
                           (S.A_DATA, data)])
    c.send_raw(S.build(msg, fingerprint=True))

def received(ip, data, wait=0.5):
    """True when peer ip got data (its sockets drained first)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            got, _ = peers[ip].recvfrom(2048)
        except socket.timeout:
            continue
        if got == data:
            return True
    return False

c = S.Client("udp", srv, timeout=3)
c.set_credentials("alice", "wonderland")
assert c.allocate().cls == S.SUCCESS
five = ["127.0.0.%d" % i for i in range(2, 7)]
expect(c.create_permission([addr[ip] for ip in five]), 0, "five permissions (the cap)")
expect(c.create_permission([addr["127.0.0.2"], addr["127.0.0.7"]]), 508,
       "CreatePermission for one refreshed and one new peer past the cap")
send_indication(c, addr["127.0.0.7"], b"must-not-pass")
assert not received("127.0.0.7", b"must-not-pass"), "refused permission was installed"
print("ok the refused request installed nothing (Send to 127.0.0.7 dropped)")
expect(c.create_permission([addr["127.0.0.3"], addr["127.0.0.2"]]), 0,
       "refreshing permissions at the cap")
send_indication(c, addr["127.0.0.6"], b"via-send")
assert received("127.0.0.6", b"via-send"), "Send indication to a permitted peer lost"
print("ok Send indication still relayed")
# channels: two bound, a new one needing a 6th permission is refused,
# a third one fits, a fourth is over max-channels-per-allocation
expect(c.channel_bind(0x4000, addr["127.0.0.2"]), 0, "channel 0x4000")
expect(c.channel_bind(0x4001, addr["127.0.0.3"]), 0, "channel 0x4001")
expect(c.channel_bind(0x4002, addr["127.0.0.8"]), 508,
       "ChannelBind that needs a permission past the cap")
expect(c.channel_bind(0x4002, addr["127.0.0.4"]), 0, "channel 0x4002 (the cap)")
expect(c.channel_bind(0x4003, addr["127.0.0.5"]), 508, "a fourth channel")
expect(c.channel_bind(0x4000, addr["127.0.0.2"]), 0, "rebinding 0x4000 refreshes it")
c.send_raw(struct.pack("!HH", 0x4003, 4) + b"nope")
assert not received("127.0.0.5", b"nope"), "refused channel 0x4003 relays"
c.send_raw(struct.pack("!HH", 0x4002, 8) + b"channel!")
assert received("127.0.0.4", b"channel!"), "ChannelData on a bound channel lost"
print("ok refused channel relays nothing; bound channels still relay")
expect(c.request_auth(S.REFRESH, [S.lifetime(600)]), 0, "Refresh: the allocation lives")
PYEOF
grep -q "max-permissions-per-allocation reached" "$SERVER_LOG" ||
	fail "no log line for the permission cap"
pass "508 past 5 permissions and 3 channels, all-or-nothing, allocation unaffected"
