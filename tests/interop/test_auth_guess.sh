#!/bin/bash
# Password guessing from many addresses (issue 8 item 12). The attack: 50
# source addresses (127.0.0.1 .. 127.0.0.50) each send 21 Allocates with
# wrong passwords for one user; before the fix every source had its own
# budget and 1,050 guesses were answered. Now the username has a budget
# (auth-fail-user, default 10 at once, then 10 per minute) across sources:
# the 401 answers to guesses are bounded by it, the rest are dropped
# unanswered, and the server says so once (rate-limited) in its log.
# Another user from a fresh address is still answered.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "user=alice:the-real-password"
	echo "user=bob:bobs-password"
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
out=$(py - "$PORT" <<'PYEOF'
import os, select, socket, sys, time
import stunpy
port = int(sys.argv[1])
t0 = time.monotonic()
socks = {}
for x in range(1, 51):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.%d" % x, 0))
    s.connect(("127.0.0.1", port))
    socks[x] = s

def collect(want, secs):
    """Answers by transaction id until every one in want came or secs passed."""
    got, end = {}, time.monotonic() + secs
    while len(got) < len(want) and time.monotonic() < end:
        r, _, _ = select.select(list(socks.values()), [], [], 0.05)
        for s in r:
            m = stunpy.parse(s.recv(2048))
            if m.tid in want:
                got[m.tid] = m
    return got

# The credential-less challenge: a nonce and the realm for each source.
chal = {}
for x, s in socks.items():
    tid = os.urandom(12)
    chal[tid] = x
    s.send(stunpy.build(stunpy.Message(stunpy.ALLOCATE, stunpy.REQUEST, tid,
                                       [stunpy.requested_transport()])))
nonce = {}
for tid, m in collect(chal, 3).items():
    nonce[chal[tid]] = (m.get(stunpy.NONCE), m.get(stunpy.REALM))
assert len(nonce) == 50, "only %d of 50 sources got a challenge" % len(nonce)
# 21 guesses from each source.
guesses = {}
for i in range(21):
    for x, s in socks.items():
        n, realm = nonce[x]
        key = stunpy.long_term_key("alice", realm.decode(), "guess-%d-%d" % (x, i))
        tid = os.urandom(12)
        guesses[tid] = x
        s.send(stunpy.build(stunpy.Message(stunpy.ALLOCATE, stunpy.REQUEST, tid, [
            stunpy.requested_transport(), (stunpy.USERNAME, b"alice"),
            (stunpy.REALM, realm), (stunpy.NONCE, n)]), key))
    time.sleep(0.01)
got = collect(guesses, 2)
codes = [stunpy.error_code(m) for m in got.values()]
n401 = sum(1 for c in codes if c and c[0] == 401)
print(len(guesses), n401, len(got), "%.1f" % (time.monotonic() - t0))
PYEOF
) || fail "guessing client: $out"
read -r sent n401 answered secs <<<"$out"
note "guesses sent $sent, answered $answered, of them 401: $n401, in ${secs}s"
# The username's budget: 10 at once, then 10 per minute (+1 for rounding).
bound=$(awk -v s="$secs" 'BEGIN { printf "%d", 10 + s * 10 / 60 + 1 }')
[ "$n401" -ge 10 ] || fail "only $n401 guesses answered: the budget of 10 was not given"
[ "$n401" -le "$bound" ] || fail "$n401 of $sent guesses answered 401 (bound $bound)"
[ "$answered" = "$n401" ] || fail "$answered answers, only $n401 of them 401"
grep -q 'failed-authentication per-username budget spent' "$SERVER_LOG" ||
	fail "no log line about the spent per-username budget"
[ "$(grep -c 'per-username budget spent' "$SERVER_LOG")" -le 2 ] ||
	fail "the per-username refusal is logged per packet"
# Another user from a fresh address: answered and allocated.
py - "$PORT" <<'PYEOF' || fail "bob from 127.0.0.77 was not served"
import sys, stunpy
c = stunpy.Client("udp", ("127.0.0.1", int(sys.argv[1])), timeout=3, local="127.0.0.77")
c.set_credentials("bob", "bobs-password")
rsp = c.allocate()
assert stunpy.error_code(rsp) is None, stunpy.error_code(rsp)
PYEOF
pass "$sent guesses from 50 addresses: $n401 answered 401 (bound $bound), the rest dropped"
