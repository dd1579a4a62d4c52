#!/usr/bin/env bash
# Browser end to end across a cluster: two turnroom nodes sharing one Redis
# (started here, in the test's network namespace); page A on node 1, page
# B opens A's invite link on node 2: they meet in one room and place a
# relay-only call, each through its own node's relay (call.mjs with
# BASE_URL_B says what is checked). Exit 0 on pass.
. "$(dirname "$0")/lib.sh"
REDIS_PORT=6379
e2e_setup
command -v redis-server >/dev/null || die "no redis-server (scripts/install-deps)"
in_ns redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$E2E_TMP" >"$E2E_TMP/redis.log" 2>&1 &
for _ in $(seq 50); do
	in_ns redis-cli -p "$REDIS_PORT" PING 2>/dev/null | grep -q PONG && break
	sleep 0.1
done
in_ns redis-cli -p "$REDIS_PORT" PING | grep -q PONG || die "redis-server did not start"
printf 'redis=127.0.0.1:%s\ncluster-secret=e2e-cluster-secret-0123456789\nnode-timeout=3\n' \
	"$REDIS_PORT" >>"$E2E_CONF"
# Node 2: the same configuration on other ports and its own relay range.
sed -e "s/^listening-port=.*/listening-port=3479/" -e "s/^http-port=.*/http-port=8081/" \
	-e "s/^min-port=.*/min-port=49300/" -e "s/^max-port=.*/max-port=49400/" \
	-e "s#^userdb=.*#userdb=$E2E_TMP/node2.db#" "$E2E_CONF" >"$E2E_TMP/node2.conf"
echo "node-id=node2" >>"$E2E_TMP/node2.conf"
echo "node-id=node1" >>"$E2E_CONF"
in_ns "$TURNROOM" -c "$E2E_TMP/node2.conf" >"$E2E_TMP/node2.log" 2>&1 &
NODE2_PID=$!
e2e_start_server
for _ in $(seq 50); do
	in_ns curl -sf -o /dev/null "http://127.0.0.1:8081/healthz" && break
	sleep 0.2
done
in_ns curl -sf -o /dev/null "http://127.0.0.1:8081/healthz" || {
	tail -n 30 "$E2E_TMP/node2.log"
	die "node 2 not ready"
}
SHOT=e2e-call-cluster.png
rm -f "$ARTIFACTS/$SHOT"
BASE_URL_B="http://127.0.0.1:8081" SHOT=$SHOT e2e_node call.mjs 110 || {
	echo "--- node 2 log (last 30 lines)"
	tail -n 30 "$E2E_TMP/node2.log"
	die "call.mjs across nodes failed"
}
kill -0 "$SERVER_PID" 2>/dev/null || die "node 1 exited during the test"
kill -0 "$NODE2_PID" 2>/dev/null || die "node 2 exited during the test"
e2e_no_sanitizer_report "$E2E_TMP/node2.log" >/dev/null ||
	die "sanitizer report in node 2's log"
grep -q "cluster: node node2 registered" "$E2E_TMP/node2.log" || die "node 2 never registered"
# Each page relayed through its own node: both logged an allocation.
grep -q "allocation created.*relay 127.0.0.1:493" "$E2E_TMP/node2.log" ||
	die "no allocation on node 2 (B did not relay through its node)"
grep -q "allocation created.*relay 127.0.0.1:491\|allocation created.*relay 127.0.0.1:492" \
	"$E2E_TMP/server.log" || die "no allocation on node 1"
echo "PASS browser call across two cluster nodes through their relays (screenshot $ARTIFACTS/$SHOT)"
