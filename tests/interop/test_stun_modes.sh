#!/bin/bash
# coturn's STUN modes and relay kinds, one server each:
#   stun-only: Binding answered (turnutils_stunclient too), Allocate and
#     Refresh get no answer at all; the defaults: no SOFTWARE, standard
#     reason phrases, malformed STUN dropped, Bindings not logged.
#   no-stun: Allocate works, Binding gets no answer, also on the 5-tuple
#     that holds the allocation (turnutils_stunclient gets nothing).
#   secure-stun + log-binding + no-tcp-relay + include-reason-string:
#     Binding 401 with REALM/NONCE, then success signed with the key;
#     Binding logged; TCP relay 442 with coturn's detailed phrase.
#   software-attribute + no-udp-relay + drop-invalid-packets=off: SOFTWARE
#     sent, UDP Allocate 442 with the standard phrase, malformed request 400.
#   no-udp-relay with no-tcp-relay, stun-only with no-stun: refused.
. "$(dirname "$0")/lib.sh"
need turnutils_stunclient
read -r MINP MAXP <<<"$(relay_window)"
P1=$(free_port) P2=$(free_port) P3=$(free_port) P4=$(free_port)
conf() { # conf PORT EXTRA-LINES...
	local port=$1
	shift
	base_conf "$port" "$MINP" "$MAXP"
	echo "user=alice:wonderland"
	printf '%s\n' "$@"
}
# start_quiet CONF NAME PORT: like start_turnroom for a server that does
# not answer anonymous Bindings (no-stun, secure-stun): waits for an
# answer to an Allocate instead.
start_quiet() {
	"$TURNROOM" -c "$1" >"$TMP/$2.log" 2>&1 &
	STARTED_PIDS+=("$!")
	SERVER_PIDS+=("$!:$TMP/$2.log")
	py - "$3" <<'EOF' || fail "$2 did not answer an Allocate within 10 s"
import sys, time
import stunpy as S
for _ in range(50):
    try:
        c = S.Client("udp", ("127.0.0.1", int(sys.argv[1])), timeout=0.2)
        c.transact(S.Message(S.ALLOCATE, S.REQUEST, attrs=[S.requested_transport()]))
        sys.exit(0)
    except (OSError, S.StunError):
        time.sleep(0.1)
sys.exit(1)
EOF
}

conf "$P1" stun-only >"$TMP/only.conf"
conf "$P2" no-stun >"$TMP/nostun.conf"
conf "$P3" secure-stun log-binding no-tcp-relay include-reason-string >"$TMP/secure.conf"
conf "$P4" software-attribute no-udp-relay drop-invalid-packets=off >"$TMP/soft.conf"
start_turnroom "$TMP/only.conf" only
start_quiet "$TMP/nostun.conf" nostun "$P2"
start_quiet "$TMP/secure.conf" secure "$P3"
start_turnroom "$TMP/soft.conf" soft

timeout 20 turnutils_stunclient -p "$P1" 127.0.0.1 >"$TMP/stunclient1.out" 2>&1 ||
	fail "turnutils_stunclient against stun-only exited $?"
grep -q 'reflexive addr: 127.0.0.1' "$TMP/stunclient1.out" || fail "stun-only: no mapped address"
timeout 5 turnutils_stunclient -p "$P2" 127.0.0.1 >"$TMP/stunclient2.out" 2>&1
grep -q 'reflexive addr' "$TMP/stunclient2.out" && fail "no-stun: stunclient got a mapped address"

py - "$P1" "$P2" "$P3" "$P4" <<'PYEOF' || fail "see above"
import socket, struct, sys, os
import stunpy as S
p1, p2, p3, p4 = (int(a) for a in sys.argv[1:])

def client(port, user="alice", pw="wonderland", timeout=2):
    c = S.Client("udp", ("127.0.0.1", port), timeout=timeout)
    c.set_credentials(user, pw)
    return c

def silent(c, msg, what):
    try:
        rsp = c.transact(msg)
    except S.StunError:
        print("ok no answer:", what)
        return
    raise AssertionError("%s: answered %r" % (what, rsp))

def code(rsp):
    ec = S.error_code(rsp)
    return ec if ec else (0, "")

# Header of a Binding request whose one attribute overruns the body.
MALFORMED = struct.pack("!HHI", 0x0001, 8, S.MAGIC) + os.urandom(12) + \
    struct.pack("!HH", 0x8022, 100) + b"abcd"

# stun-only: Binding yes (without SOFTWARE: the default), TURN no.
c = client(p1)
rsp = c.transact(S.Message(S.BINDING, S.REQUEST))
assert rsp.cls == S.SUCCESS and rsp.get(S.XOR_MAPPED_ADDRESS), rsp
assert rsp.get(S.SOFTWARE) is None, "SOFTWARE sent by default"
silent(c, S.Message(S.ALLOCATE, S.REQUEST, attrs=[S.requested_transport()]), "stun-only Allocate")
silent(c, S.Message(S.REFRESH, S.REQUEST, attrs=[S.lifetime(600)]), "stun-only Refresh")
silent(c, S.Message(S.ALLOCATE, S.REQUEST, attrs=[S.requested_transport(), (0x7777, b"abcd")]),
       "stun-only Allocate with an unknown attribute (no 420 either)")
c.send_raw(MALFORMED)
try:
    c.sock.settimeout(1.0)
    data = c.sock.recv(2048)
    raise AssertionError("malformed request answered by default: %r" % S.parse(data))
except socket.timeout:
    print("ok malformed request dropped (drop-invalid-packets default)")

# no-stun: TURN yes, Binding no, also on the allocation's own 5-tuple.
c = client(p2)
rsp = c.allocate()
assert rsp.cls == S.SUCCESS, rsp
silent(c, S.Message(S.BINDING, S.REQUEST), "no-stun Binding on an allocation's 5-tuple")
silent(client(p2), S.Message(S.BINDING, S.REQUEST), "no-stun Binding")
assert c.request_auth(S.REFRESH, [S.lifetime(0)]).cls == S.SUCCESS

# secure-stun: 401 + REALM + NONCE, then a signed success; wrong password 401.
c = client(p3)
rsp = c.transact(S.Message(S.BINDING, S.REQUEST))
assert code(rsp)[0] == 401 and rsp.get(S.REALM) and rsp.get(S.NONCE), rsp
rsp = c.request_auth(S.BINDING, [])
assert rsp.cls == S.SUCCESS, rsp
assert S.parse_xor_addr(rsp.get(S.XOR_MAPPED_ADDRESS), rsp.tid)[0] == "127.0.0.1", rsp
assert S.check_integrity(rsp, c.key), "Binding success not signed with the user's key"
bad = client(p3, pw="nope")
assert code(bad.request_auth(S.BINDING, []))[0] == 401, "wrong password got a Binding"
print("ok secure-stun: 401, then signed success; wrong password 401")
# no-tcp-relay with include-reason-string: coturn's detailed phrase.
t = S.Client("tcp", ("127.0.0.1", p3), timeout=3)
t.set_credentials("alice", "wonderland")
ec = code(t.request_auth(S.ALLOCATE, [S.requested_transport(6)]))
assert ec == (442, "TCP Transport is not allowed by the TURN Server configuration"), ec
print("ok no-tcp-relay: 442 %r" % ec[1])

# software-attribute, no-udp-relay (standard phrase), drop-invalid-packets=off.
c = client(p4)
rsp = c.transact(S.Message(S.BINDING, S.REQUEST))
assert (rsp.get(S.SOFTWARE) or b"").startswith(b"turnroom"), rsp
ec = code(c.allocate())
assert ec == (442, "Unsupported Transport Protocol"), ec
print("ok no-udp-relay: 442 %r (no detail without include-reason-string)" % ec[1])
c.send_raw(MALFORMED)
c.sock.settimeout(2.0)
rsp = S.parse(c.sock.recv(2048))
assert code(rsp)[0] == 400, rsp
print("ok drop-invalid-packets=off: malformed request answered 400")
PYEOF

grep -q 'Binding request from 127.0.0.1' "$TMP/secure.log" || fail "log-binding logged no Binding"
grep -q 'Binding request from' "$TMP/only.log" && fail "Binding logged without log-binding"

# Combinations coturn refuses too.
for pair in "no-udp-relay no-tcp-relay" "stun-only no-stun"; do
	# shellcheck disable=SC2086
	conf "$(free_port)" $pair >"$TMP/bad.conf"
	timeout 5 "$TURNROOM" -c "$TMP/bad.conf" >"$TMP/bad.out" 2>&1 && fail "$pair: server started"
	grep -q "together" "$TMP/bad.out" || fail "$pair: no reason given: $(head -c 200 "$TMP/bad.out")"
done
pass "stun-only, no-stun, secure-stun, log-binding, no-udp/tcp-relay 442, software-attribute, include-reason-string, drop-invalid-packets"
