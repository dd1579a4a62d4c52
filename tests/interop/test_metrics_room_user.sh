#!/bin/bash
# Per-room relayed bytes (prometheus-room-labels) count only the room's own
# members' allocations, made with the REST credentials the room server
# minted ("EXPIRY:room~ID"). The defect this guards against: the metrics'
# copy of the username split had no REST-kind check, so a long-term user
# who named itself "1:room~ID" after a member's id had its traffic counted
# in that member's room. A positive control: the member's own credentials
# from iceServers do count.
. "$(dirname "$0")/lib.sh"
ADMIN=${TURNROOM_ADMIN:-$(dirname "$TURNROOM")/turnroom-admin}
[ -x "$ADMIN" ] || fail "admin binary $ADMIN not built"
need turnutils_uclient
HTTP_PORT=$(free_port)
METRICS_PORT=$(free_port)
PORT=$(free_port)
PEER_PORT=$(free_port)
ROOM=bytes-room-41c9
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP" | grep -v '^http-port'
	echo "http-port=$HTTP_PORT"
	echo "prometheus"
	echo "prometheus-port=$METRICS_PORT"
	echo "prometheus-room-labels"
	echo "userdb=$TMP/turndb"
	echo "allow-loopback-peers"
	uclient_conf_lines
} >"$TMP/turn.conf"
start_turnroom "$TMP/turn.conf"
start_peer "$PEER_PORT"

# A member that stays in the room (until member.done, 30 s at most); its
# id and TURN credentials to a file.
py - "$HTTP_PORT" "$ROOM" "$TMP/member" <<'PYEOF' &
import asyncio, json, os, sys, websockets
async def main():
    ws = await websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/ws")
    await ws.send(json.dumps({"event": "join", "data": {"roomId": sys.argv[2]}}))
    j = json.loads(await ws.recv())
    turn = [s for s in j["data"]["iceServers"] if "username" in s][0]
    with open(sys.argv[3] + ".tmp", "w") as f:
        f.write("%s\n%s\n%s\n" % (j["data"]["userId"], turn["username"], turn["credential"]))
    os.rename(sys.argv[3] + ".tmp", sys.argv[3])
    for _ in range(300):
        if os.path.exists(sys.argv[3] + ".done"):
            break
        await asyncio.sleep(0.1)
asyncio.run(main())
PYEOF
STARTED_PIDS+=("$!")
for _ in $(seq 1 50); do
	[ -s "$TMP/member" ] && break
	sleep 0.1
done
[ -s "$TMP/member" ] || fail "the member did not join"
{ read -r MEMBER; read -r REST_USER; read -r REST_PASS; } <"$TMP/member"
IMPOSTOR="1:room~$MEMBER"
"$ADMIN" -a -b "$TMP/turndb" -u "$IMPOSTOR" -r interop.test -p impostor-pw \
	2>"$TMP/admin.log" || fail "turnroom-admin -a: $(cat "$TMP/admin.log")"

value() { # value NAME-WITH-LABELS
	curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
ROOM_BYTES="turnroom_room_relayed_bytes{room=\"$ROOM\"}"

# relay USER PASS: a session of 300 x 100 bytes every 10 ms in the
# background; prints the largest room byte count seen while it relayed.
relay() {
	local max=0 b total pid
	turnutils_uclient -m 1 -n 300 -l 100 -z 10 -c -u "$1" -w "$2" -e 127.0.0.1 \
		-r "$PEER_PORT" -p "$PORT" 127.0.0.1 >>"$TMP/uclient.log" 2>&1 &
	pid=$!
	STARTED_PIDS+=("$pid")
	for _ in $(seq 1 60); do
		sleep 0.2
		b=$(value "$ROOM_BYTES")
		[ "${b:-0}" -gt "$max" ] && max=$b
		kill -0 "$pid" 2>/dev/null || break
	done
	wait "$pid" 2>/dev/null
	echo "$max"
}

before=$(value 'turnroom_relayed_bytes_total{direction="to_peer"}')
impostor_max=$(relay "$IMPOSTOR" impostor-pw)
after=$(value 'turnroom_relayed_bytes_total{direction="to_peer"}')
[ "${after:-0}" -gt "${before:-0}" ] || fail "the long-term user '$IMPOSTOR' relayed nothing"
[ "$impostor_max" = 0 ] ||
	fail "long-term user '$IMPOSTOR' counted in room $ROOM: $impostor_max bytes"
member_max=$(relay "$REST_USER" "$REST_PASS")
[ "$member_max" -gt 0 ] || fail "the member's own allocation not counted in its room"
touch "$TMP/member.done"
pass "a long-term user named '1:room~ID' relayed $((after - before)) bytes, 0 counted in the room; the member's own allocation counted ($member_max)"
