# shellcheck shell=bash
# Helpers sourced by every tests/interop/test_*.sh script.
#
# A test sources this file, writes a config into $TMP, calls start_turnroom,
# drives a real third-party client and ends with `pass`. Everything started
# through these helpers is killed on exit, and the temp dir is removed
# (see KEEP_TMP). Each test prints one line, "PASS name: ..." or
# "FAIL name: reason", on stdout; details and log tails go to stderr.
#
# Environment:
#   TURNROOM   server binary (default: src/turnroom of this tree); the
#              sanitizer run points it at the ASan/UBSan build.
#   SERVER     "turnroom" (default) or "coturn": runs Debian's turnserver on
#              the same config instead, to validate the test logic itself.
#   KEEP_TMP   1 keeps the temp dir; "fail" keeps it when the test fails.

set -u

INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TURNROOM=${TURNROOM:-$INTEROP_DIR/../../src/turnroom}
SERVER=${SERVER:-turnroom}
PY=/usr/bin/python3
TEST_NAME=$(basename "$0" .sh)
UCLIENT_TIMEOUT=${UCLIENT_TIMEOUT:-60}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/turnroom-$TEST_NAME.XXXXXX")
STARTED_PIDS=()      # everything we started, killed on exit
SERVER_PIDS=()       # "pid:logfile" of each server, checked by pass()
SERVER_PID=
SERVER_LOG=
UCLIENT_LOG=
UCLIENT_RC=0
_UCLIENT_N=0
_FINISHED=0

_cleanup() {
	local rc=$? pid
	for pid in "${STARTED_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${STARTED_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if [ "${KEEP_TMP:-0}" = 1 ] ||
		{ [ "${KEEP_TMP:-0}" = fail ] && [ "$rc" -ne 0 ]; }; then
		echo "$TEST_NAME: kept $TMP" >&2
	elif [ "$rc" -ne 0 ] && [ "$_FINISHED" = 0 ]; then
		echo "$TEST_NAME: exited with status $rc before pass/fail" >&2
		rm -rf "$TMP"
	else
		rm -rf "$TMP"
	fi
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# fail MSG: one-line reason, the end of the logs on stderr, exit 1.
fail() {
	_FINISHED=1
	echo "FAIL $TEST_NAME: $*"
	local f
	for f in "$TMP"/*.log; do
		[ -s "$f" ] || continue
		echo "---- last lines of $(basename "$f")" >&2
		tail -n 15 "$f" >&2
	done
	exit 1
}

# note MSG: a line of detail on stderr (the one-line verdict stays on stdout).
note() {
	echo "  $TEST_NAME: $*" >&2
}

need() {
	command -v "$1" >/dev/null 2>&1 || fail "$1 not installed (Debian package ${2:-coturn})"
}

# free_port: a port free for both UDP and TCP on 127.0.0.1, from this
# test's block (free_port.py; the Python tests use the same file).
free_port() {
	"$PY" "$INTEROP_DIR/free_port.py"
}

# The test's slot (free_port.py says why): one of 24 lock files, held
# with flock by this shell until the test exits; its number and the
# counter of the block's ports go to the test's processes through the
# environment. A script this one runs keeps its parent's slot.
_take_test_slot() {
	local dir=/tmp/turnroom-test-slots first=$((RANDOM % 24)) i n
	[ -d "$dir" ] || { mkdir -p "$dir" && chmod 1777 "$dir"; } 2>/dev/null
	for ((i = 0; i < 24; i++)); do
		n=$(((first + i) % 24))
		{ exec {_SLOT_FD}>>"$dir/slot-$n"; } 2>/dev/null || continue
		if flock -n "$_SLOT_FD"; then
			export TURNROOM_TEST_SLOT=$n
			export TURNROOM_PORT_COUNTER=$TMP/.free-port-next
			return 0
		fi
		exec {_SLOT_FD}>&-
	done
	return 1 # every slot taken: ports and relay windows as before the slots
}
[ -n "${TURNROOM_TEST_SLOT:-}" ] || _take_test_slot

# sanitizer_report LOG: prints "LOG: first report line" and succeeds when
# LOG holds an ASan, UBSan or LSan report (the scan the Python tests use:
# sanitizer_scan.py). A quick look first, as a Python start costs a third
# of a second and test_admin checks some seventy logs: every line
# SANITIZER_RE matches holds one of these words.
sanitizer_report() {
	grep -qaE 'runtime error|Sanitizer' "$1" 2>/dev/null || return 1
	! "$PY" "$INTEROP_DIR/sanitizer_scan.py" "$1"
}

# no_sanitizer_report LOG...: fails the test if any LOG holds a report.
no_sanitizer_report() {
	local log report
	for log in "$@"; do
		report=$(sanitizer_report "$log") &&
			fail "sanitizer report in $(basename "$log"): ${report#"$log": }"
	done
}

# relay_window: "MIN MAX", the 500 relay ports of the test's slot (see
# free_port.py), below the ephemeral range so client sockets never take
# relay ports, and no other test's either: a small pool (test_error_codes
# runs out of its six ports on purpose) runs out only by this test's own
# allocations. Without a slot, a random one of the same windows.
relay_window() {
	local slot=${TURNROOM_TEST_SLOT:-$((RANDOM % 24))}
	echo "$((20000 + slot * 500)) $((20000 + slot * 500 + 499))"
}

# _coturn_conf IN OUT NAME: IN plus what coturn 4.6.1 needs on a test box
# (else it opens /var/lib/turn/turndb): its own sqlite db, no CLI (else allow-loopback-peers is
# refused), no TLS/DTLS, logs on stdout, a pidfile in the temp dir.
_coturn_conf() {
	cp "$1" "$2"
	grep -q '^userdb' "$1" || echo "userdb=$TMP/$3-coturn.db" >>"$2"
	cat >>"$2" <<EOF
no-cli
no-tls
no-dtls
log-file=stdout
simple-log
pidfile=$TMP/$3.pid
EOF
}

# _alive PID: running (a zombie counts as gone).
_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_stun PORT [SECONDS]: until a Binding on 127.0.0.1:PORT is answered.
wait_stun() {
	local port=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 5; i++)); do
		"$PY" "$INTEROP_DIR/stunpy.py" ping 127.0.0.1 "$port" 0.2 \
			>/dev/null 2>&1 && return 0
		[ -n "$SERVER_PID" ] && ! _alive "$SERVER_PID" && return 1
	done
	return 1
}

# start_turnroom CONF [NAME]: starts the server on CONF with its output in
# $TMP/NAME.log (NAME defaults to "server"); waits for STUN on the conf's
# listening-port, at most 10 s. Sets SERVER_PID, SERVER_LOG.
start_turnroom() {
	local conf=$1 name=${2:-server} port
	port=$(sed -n 's/^[[:space:]]*listening-port[[:space:]=]*\([0-9]*\).*/\1/p' "$conf" | tail -n 1)
	[ -n "$port" ] || fail "start_turnroom: $conf has no listening-port"
	SERVER_LOG=$TMP/$name.log
	if [ "$SERVER" = coturn ]; then
		need turnserver
		_coturn_conf "$conf" "$TMP/$name-coturn.conf" "$name"
		turnserver -c "$TMP/$name-coturn.conf" >"$SERVER_LOG" 2>&1 &
	else
		[ -x "$TURNROOM" ] || fail "server binary $TURNROOM not built"
		"$TURNROOM" -c "$conf" >"$SERVER_LOG" 2>&1 &
	fi
	SERVER_PID=$!
	STARTED_PIDS+=("$SERVER_PID")
	SERVER_PIDS+=("$SERVER_PID:$SERVER_LOG")
	wait_stun "$port" 10 ||
		fail "$SERVER ($name) did not answer STUN on 127.0.0.1:$port within 10 s"
}

# start_peer PORT: turnutils_peer UDP echo on 127.0.0.1:PORT.
start_peer() {
	need turnutils_peer
	turnutils_peer -L 127.0.0.1 -p "$1" >"$TMP/peer-$1.log" 2>&1 &
	STARTED_PIDS+=("$!")
	sleep 0.3
	_alive "$!" || fail "turnutils_peer on port $1 did not start"
}

# run_uclient ARGS...: turnutils_uclient bounded by timeout; output in
# $UCLIENT_LOG, exit status in UCLIENT_RC. Never pass -G: it sends CreatePermission and ChannelBind for random
# public addresses, and tests stay on loopback.
run_uclient() {
	need turnutils_uclient
	local a
	for a in "$@"; do
		[ "$a" = -G ] && fail "run_uclient: -G is forbidden (random public peers)"
	done
	_UCLIENT_N=$((_UCLIENT_N + 1))
	UCLIENT_LOG=$TMP/uclient-$_UCLIENT_N.log
	echo "turnutils_uclient $*" >"$UCLIENT_LOG"
	UCLIENT_RC=0
	timeout "$UCLIENT_TIMEOUT" turnutils_uclient "$@" >>"$UCLIENT_LOG" 2>&1 ||
		UCLIENT_RC=$?
	[ "$UCLIENT_RC" = 124 ] && fail "turnutils_uclient timed out after ${UCLIENT_TIMEOUT}s: $*"
	return 0
}

# uclient_figures [LOG]: "SENT RECV LOST" from uclient's closing lines
# (uclient exits 0 even at 100 % loss, so these are the verdict).
uclient_figures() {
	local log=${1:-$UCLIENT_LOG} line sent recv lost
	line=$(grep -E 'tot_send_msgs=[0-9]+, tot_recv_msgs=[0-9]+$' "$log" | tail -n 1)
	sent=$(sed -n 's/.*tot_send_msgs=\([0-9]*\).*/\1/p' <<<"$line")
	recv=$(sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' <<<"$line")
	lost=$(grep -E 'Total lost packets [0-9]+' "$log" | tail -n 1 |
		sed 's/.*Total lost packets \([0-9]*\).*/\1/')
	echo "${sent:-none} ${recv:-none} ${lost:-none}"
}

# _dead_servers: " (server NAME not running: LAST LOG LINE)" for each
# server that is gone, so a loss caused by a dead server says so.
_dead_servers() {
	local entry pid log
	for entry in "${SERVER_PIDS[@]}"; do
		pid=${entry%%:*}
		log=${entry#*:}
		_alive "$pid" ||
			printf ' (%s not running: %s)' "$(basename "$log" .log)" "$(tail -n 1 "$log")"
	done
}

# uclient_assert_no_loss [LOG]: sent > 0, received == sent, lost == 0.
uclient_assert_no_loss() {
	local log=${1:-$UCLIENT_LOG} sent recv lost
	read -r sent recv lost <<<"$(uclient_figures "$log")"
	note "uclient: sent=$sent received=$recv lost=$lost (exit $UCLIENT_RC)"
	if [ "$sent" = none ] || [ "$recv" = none ] || [ "$lost" = none ]; then
		local why
		why=$(grep -m 1 -E 'ERROR|error' "$log" || true)
		fail "uclient printed no totals (exit $UCLIENT_RC)${why:+: $why}$(_dead_servers)"
	fi
	[ "$sent" -gt 0 ] || fail "uclient sent nothing (exit $UCLIENT_RC): $(grep -m 1 ERROR "$log")$(_dead_servers)"
	[ "$recv" = "$sent" ] || fail "uclient received $recv of $sent messages$(_dead_servers)"
	[ "$lost" = 0 ] || fail "uclient lost $lost packets$(_dead_servers)"
	UCLIENT_SUMMARY="sent=$sent received=$recv lost=0"
}

# py SCRIPT-ARGS...: python3 with stunpy importable.
py() {
	PYTHONPATH="$INTEROP_DIR${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$@"
}

# _check_server_logs: stop each server with SIGTERM (it must exit within
# 5 s) and fail on any sanitizer report in its log.
_check_server_logs() {
	local entry pid log i
	for entry in "${SERVER_PIDS[@]}"; do
		pid=${entry%%:*}
		log=${entry#*:}
		if _alive "$pid"; then
			kill -TERM "$pid"
			for ((i = 0; i < 50; i++)); do
				_alive "$pid" || break
				sleep 0.1
			done
			_alive "$pid" && fail "$SERVER did not exit within 5 s of SIGTERM"
			wait "$pid" 2>/dev/null
		else
			fail "$SERVER exited during the test (log $(basename "$log"))"
		fi
		no_sanitizer_report "$log"
	done
}

# pass [DETAIL]: checks the server logs, prints the verdict, exits 0.
pass() {
	_check_server_logs
	_FINISHED=1
	echo "PASS $TEST_NAME${1:+: $1}"
	exit 0
}

# self_signed_cert KEY CERT CN: a throw-away RSA key and certificate for a
# TLS or DTLS listener (valid two days).
self_signed_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1" -out "$2" -days 2 \
		-subj "/CN=$3" >/dev/null 2>&1 || fail "openssl req failed for $3"
}

# base_conf PORT MINPORT MAXPORT: common lines of every test config.
base_conf() {
	cat <<EOF
# written by $TEST_NAME
listening-ip=127.0.0.1
listening-port=$1
min-port=$2
max-port=$3
realm=interop.test
fingerprint
EOF
	# turnroom's room server would take port 8080 in every test, and 8443
	# in every test that sets cert=: both off (a test that wants them
	# names its own port after this, and the last value wins).
	[ "$SERVER" = coturn ] || printf 'http-port=0\nhttps-port=0\n'
}

# uclient_conf_lines: config lines a server needs before turnutils_uclient
# relays through it. uclient picks random channel numbers in 0x4000-0x7FFF
# (RFC 5766's range, which coturn accepts); turnroom keeps RFC 8656's
# 0x4000-0x4FFF unless told otherwise, and answers 400 to the rest.
uclient_conf_lines() {
	[ "$SERVER" = coturn ] || echo "rfc5766-channel-numbers"
}

# setup_lt_relay [EXTRA-CONF-LINES]: a server with long-term user
# alice:wonderland that may relay to loopback, and a turnutils_peer echo.
# Sets PORT, PEER_PORT, MINP, MAXP.
setup_lt_relay() {
	PORT=$(free_port)
	PEER_PORT=$(free_port)
	read -r MINP MAXP <<<"$(relay_window)"
	{
		base_conf "$PORT" "$MINP" "$MAXP"
		echo "lt-cred-mech"
		echo "user=alice:wonderland"
		echo "allow-loopback-peers"
		uclient_conf_lines
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$TMP/turn.conf"
	start_turnroom "$TMP/turn.conf"
	start_peer "$PEER_PORT"
}

# Small load used by the relay tests: 4 sessions x 50 messages of 100 bytes
# every 5 ms (uclient adds an RTCP companion allocation per session).
UCLIENT_LOAD=(-m 4 -n 50 -l 100 -z 5)

# run_turnadmin ARGS...: coturn's turnadmin (output in $TMP/turnadmin.log).
# It always opens /var/log/turn_PID_DATE.log; that file of ours is removed.
run_turnadmin() {
	need turnadmin
	local pid rc=0
	turnadmin "$@" >>"$TMP/turnadmin.log" 2>&1 &
	pid=$!
	wait "$pid" || rc=$?
	rm -f /var/log/turn_"${pid}"_*.log /var/tmp/turn_"${pid}"_*.log
	return "$rc"
}
