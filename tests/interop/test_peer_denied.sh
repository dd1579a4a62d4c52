#!/bin/bash
# The peer filter under defaults: a raw client allocates (full 401 dance)
# then asks CreatePermission / ChannelBind for peers the hardened deny list
# refuses; each must get 403. A second server with allow-loopback-peers and
# allowed-peer-ip=10.0.0.1 shows the same requests succeed once allowed, so
# the 403s come from the filter and not from a broken request.
. "$(dirname "$0")/lib.sh"

conf() {   # conf FILE PORT EXTRA-LINES...
	local file=$1 port=$2 minp maxp
	shift 2
	read -r minp maxp <<<"$(relay_window)"
	{
		base_conf "$port" "$minp" "$maxp"
		echo "lt-cred-mech"
		echo "user=alice:wonderland"
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$file"
}
COTURN_LINES=()
if [ "$SERVER" = coturn ]; then
	# coturn 4.6.1 relays to RFC 1918 and link-local by default; deny them
	# explicitly so the validation run exercises the same script logic.
	COTURN_LINES=("denied-peer-ip=10.0.0.0-10.255.255.255"
		"denied-peer-ip=169.254.0.0-169.254.255.255")
fi
DEF_PORT=$(free_port)
conf "$TMP/default.conf" "$DEF_PORT" "${COTURN_LINES[@]}"
start_turnroom "$TMP/default.conf" server-default
OPEN_PORT=$(free_port)
conf "$TMP/open.conf" "$OPEN_PORT" "${COTURN_LINES[@]}" \
	"allow-loopback-peers" "allowed-peer-ip=10.0.0.1"
start_turnroom "$TMP/open.conf" server-open

cat >"$TMP/peers.py" <<'EOF'
import sys
import stunpy as s

def_port, open_port, server = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
failures = []

def client(port, transport="udp"):
    c = s.Client(transport, ("127.0.0.1", port))
    c.set_credentials("alice", "wonderland")
    rsp = c.allocate()
    if s.error_code(rsp):
        sys.exit("Allocate on port %d failed: %d %s" % ((port,) + s.error_code(rsp)))
    if c.key is None:
        sys.exit("Allocate succeeded without the 401 challenge")
    return c

def expect(c, what, rsp, want):
    got = s.error_code(rsp)
    code = got[0] if got else 200
    line = "%s -> %s" % (what, "%d %s" % got if got else "success")
    print(("ok " if code == want else "BAD ") + line + " (want %d)" % want)
    if code != want:
        failures.append(line + ", expected %d" % want)
    if code == 200 and not s.check_integrity(rsp, c.key):
        failures.append(what + ": success without valid MESSAGE-INTEGRITY")

for transport in ("udp", "tcp"):
    c = client(def_port, transport)
    t = transport.upper() + " defaults: "
    for ip in ("10.0.0.1", "127.0.0.1", "169.254.169.254"):
        expect(c, t + "CreatePermission " + ip,
               c.create_permission([(ip, 0)]), 403)
    if server == "coturn":
        print("skip ::ffff:127.0.0.1 (coturn answers 443 family mismatch)")
    else:
        expect(c, t + "CreatePermission ::ffff:127.0.0.1",
               c.create_permission([("::ffff:127.0.0.1", 0)]), 403)
    expect(c, t + "ChannelBind 0x4000 10.0.0.1:5000",
           c.channel_bind(0x4000, ("10.0.0.1", 5000)), 403)
    c.close()

c2 = client(open_port)
t = "allow-loopback-peers + allowed-peer-ip=10.0.0.1: "
expect(c2, t + "CreatePermission 127.0.0.1",
       c2.create_permission([("127.0.0.1", 0)]), 200)
expect(c2, t + "CreatePermission 10.0.0.1",
       c2.create_permission([("10.0.0.1", 0)]), 200)
expect(c2, t + "ChannelBind 0x4001 10.0.0.1:5000",
       c2.channel_bind(0x4001, ("10.0.0.1", 5000)), 200)
expect(c2, t + "CreatePermission 10.0.0.2",
       c2.create_permission([("10.0.0.2", 0)]), 403)
for line in c2.log:
    print("  " + line)
if failures:
    sys.exit("; ".join(failures))
EOF
py "$TMP/peers.py" "$DEF_PORT" "$OPEN_PORT" "$SERVER" >"$TMP/peers.log" 2>&1 || {
	grep -E '^(ok|BAD|skip)' "$TMP/peers.log" >&2
	fail "$(tail -n 1 "$TMP/peers.log")"
}
grep -E '^(ok|skip)' "$TMP/peers.log" | sed "s/^/  $TEST_NAME: /" >&2
pass "refused peers get 403, allowed ones succeed"
