#!/bin/bash
# daemon, pidfile and proc-user/proc-group: the command returns once the
# server is in the background, the pidfile names it, it answers STUN, it
# runs as the unprivileged user after binding, and SIGTERM stops it.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || fail "needs root to drop privileges"
PORT=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
{
	base_conf "$PORT" "$MINP" "$MAXP"
	echo "user=alice:wonderland"
	echo "daemon"
	echo "pidfile=$TMP/turnroom.pid"
	echo "log-file=$TMP/daemon.log"
	echo "proc-user=nobody"
	echo "proc-group=nogroup"
} >"$TMP/turn.conf"
timeout 10 "$TURNROOM" -c "$TMP/turn.conf" >"$TMP/foreground.log" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "turnroom -c ... daemon exited $rc: $(tail -n 2 "$TMP/foreground.log")"
for _ in $(seq 1 50); do
	[ -s "$TMP/turnroom.pid" ] && break
	sleep 0.1
done
pid=$(cat "$TMP/turnroom.pid" 2>/dev/null)
[ -n "$pid" ] && _alive "$pid" || fail "no live process in the pidfile"
STARTED_PIDS+=("$pid")
wait_stun "$PORT" 10 || fail "the daemon does not answer STUN"
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
gid=$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")
[ "$uid" = "$(id -u nobody)" ] || fail "running as uid $uid, not nobody"
[ "$gid" = "$(getent group nogroup | cut -d: -f3)" ] || fail "running as gid $gid, not nogroup"
[ "$(awk '{print $7}' "/proc/$pid/stat")" = 0 ] || fail "still has a controlling terminal"
kill -TERM "$pid"
for _ in $(seq 1 40); do
	_alive "$pid" || break
	sleep 0.05
done
_alive "$pid" && fail "still running 2 s after SIGTERM"
grep -q 'stopped' "$TMP/daemon.log" || fail "no clean stop in the log"
no_sanitizer_report "$TMP/daemon.log"
pass "daemon detached, pidfile $pid, ran as nobody:nogroup, stopped on SIGTERM"
