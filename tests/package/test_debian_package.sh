#!/bin/bash
# The Debian package (issue 22), end to end from the sources:
#  1. dpkg-buildpackage -us -uc -b in a fresh copy of this checkout (the
#     files git knows of, uncommitted edits included), as from a clone;
#     the version is configure.ac's; "debian/rules clean" then leaves the
#     copy exactly as it was;
#  2. dpkg-deb -c / -I: binaries, man pages, the conffile, the unit; no
#     secret, store or npm bundle shipped; lintian: no error;
#  3. the packaged unit keeps every setting of etc/turnroom.service.in;
#  4. dpkg -i into a throw-away root (an overlay of / in a private mount
#     namespace: the host is never written), which runs the maintainer
#     scripts for real: the system user, /var/lib/turnroom, the REST
#     secret in the store (root and the service user only), the unit not
#     enabled; the installed binary's --version and --print-options;
#  5. the installed server, as the service user on the installed
#     configuration listening on 0.0.0.0, with the socket families the
#     unit allows (both the packaged and make install's unit): no
#     Allocate and no room join without credentials (no open relay), an
#     Allocate with REST credentials from the generated secret,
#     turnroom-admin --status over the control socket;
#  6. reinstall keeps the secret; remove keeps conffile and store; purge
#     removes them and the permission override.
# Needs root (mount and network namespaces, chroot) and what scripts/install-deps
# installs (debhelper, lintian, fakeroot). Run by scripts/test; by hand:
#   tests/package/test_debian_package.sh     (KEEP_TMP=1 keeps the work dir)
set -u

# The overlay lives in a mount namespace of our own, gone when we exit.
if [ -z "${TR_PACKAGE_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || {
		echo "FAIL test_debian_package: needs root (mount namespace, chroot)"
		exit 1
	}
	exec unshare --mount --net --propagation private env TR_PACKAGE_NS=1 "$0" "$@"
fi
# A network namespace of our own too: the server may listen on 0.0.0.0
# as on a VPS, and no port is shared with other tests.
ip link set lo up || { echo "FAIL test_debian_package: ip link set lo up"; exit 1; }

. "$(dirname "$0")/../interop/lib.sh"
PKG_TESTS=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$PKG_TESTS/../.." && pwd)
SRC=$TMP/src
R=$TMP/ov/root
MOUNTS=()

_umount_all() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -l "${MOUNTS[i]}" 2>/dev/null
	done
	MOUNTS=()
}
# Unmount before lib.sh removes $TMP (its status is the test's).
trap '_pkg_rc=$?; _umount_all; (exit $_pkg_rc); _cleanup' EXIT

for t in dpkg-buildpackage dh lintian fakeroot unshare chroot systemd-analyze ip; do
	need "$t" "debhelper, lintian, fakeroot, systemd, iproute2: scripts/install-deps"
done

# ---- 1. build from a fresh copy, then clean -----------------------------

# The files git knows of (tracked, or new and not ignored) as they are in
# the working tree: what a clone holds, plus uncommitted edits.
copy_sources() {
	local f
	mkdir -p "$SRC"
	git -c safe.directory="$ROOT" -C "$ROOT" ls-files -z --cached --others \
		--exclude-standard >"$TMP/files.lst" 2>"$TMP/git.err" ||
		fail "not a git checkout: $(cat "$TMP/git.err")"
	while IFS= read -r -d '' f; do
		[ -e "$ROOT/$f" ] || [ -L "$ROOT/$f" ] && printf '%s\0' "$f"
	done <"$TMP/files.lst" | (cd "$ROOT" && tar --null -T - -cf -) |
		tar -xf - -C "$SRC" || fail "copying the sources failed"
}

# sha256 of every file in the copy, sorted: the tree "as it was".
tree_sums() {
	(cd "$SRC" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

copy_sources
tree_sums >"$TMP/before.sums"
VERSION=$(sed -n 's/^AC_INIT(\[turnroom\], \[\([^]]*\)\].*/\1/p' "$SRC/configure.ac")
[ -n "$VERSION" ] || fail "no version in configure.ac's AC_INIT"
CHVERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version)
[ "$CHVERSION" = "$VERSION" ] ||
	fail "debian/changelog says $CHVERSION, configure.ac says $VERSION"
ARCH=$(dpkg --print-architecture)
DEB=$TMP/turnroom_${VERSION}_$ARCH.deb

start=$(date +%s)
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
	dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1 ||
	fail "dpkg-buildpackage failed (build.log)"
note "dpkg-buildpackage: $(($(date +%s) - start)) s"
[ -f "$DEB" ] || fail "no $(basename "$DEB") built: $(ls "$TMP")"

(cd "$SRC" && debian/rules clean) >"$TMP/clean.log" 2>&1 || fail "debian/rules clean failed"
tree_sums >"$TMP/after.sums"
diff "$TMP/before.sums" "$TMP/after.sums" >"$TMP/clean-diff.txt" ||
	fail "debian/rules clean left the tree changed: $(grep -c '^[<>]' "$TMP/clean-diff.txt") lines differ, e.g. $(grep -m 3 '^[<>]' "$TMP/clean-diff.txt" | awk '{print $1 $3}' | tr '\n' ' ')"

# ---- 2. contents, control data, lintian ---------------------------------

dpkg-deb -c "$DEB" | awk '{print $6}' >"$TMP/contents.txt" || fail "dpkg-deb -c failed"
for p in ./usr/bin/turnroom ./usr/bin/turnroom-admin \
	./usr/share/man/man8/turnroom.8.gz ./usr/share/man/man8/turnroom-admin.8.gz \
	./usr/share/man/man5/turnroom.conf.5.gz ./etc/turnroom/turnroom.conf \
	./lib/systemd/system/turnroom.service ./usr/share/doc/turnroom/copyright \
	./usr/share/doc/turnroom/README.gz; do
	grep -qxF "$p" "$TMP/contents.txt" || fail "$p is not in the package"
done
# State, secrets and the npm bundle are made on the host, never shipped.
bad=$(grep -E '^\./var/|turndb|secret|socket\.io' "$TMP/contents.txt")
[ -z "$bad" ] || fail "the package ships $(echo "$bad" | tr '\n' ' ')"
[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] || fail "package version is not $VERSION"
dpkg-deb -I "$DEB" >"$TMP/info.txt" || fail "dpkg-deb -I failed"
[ "$(dpkg-deb -I "$DEB" conffiles)" = /etc/turnroom/turnroom.conf ] ||
	fail "conffiles is not /etc/turnroom/turnroom.conf: $(dpkg-deb -I "$DEB" conffiles | tr '\n' ' ')"

mkdir -p "$TMP/control" "$TMP/x"
dpkg-deb -e "$DEB" "$TMP/control" || fail "dpkg-deb -e failed"
for s in preinst postinst prerm postrm; do
	[ -f "$TMP/control/$s" ] || continue
	sh -n "$TMP/control/$s" 2>"$TMP/sh-n.txt" || fail "$s: $(head -n 1 "$TMP/sh-n.txt")"
done
dpkg-deb -x "$DEB" "$TMP/x" || fail "dpkg-deb -x failed"
conf=$TMP/x/etc/turnroom/turnroom.conf
# Safe defaults: authentication on, no shipped secret, joins need a user.
grep -qE '^(no-auth|static-auth-secret|signaling-secret|metrics-token|redis-password)\b' "$conf" &&
	fail "the conffile sets $(grep -m 1 -E '^(no-auth|static-auth-secret|signaling-secret|metrics-token|redis-password)' "$conf" | cut -d= -f1)"
grep -qx 'signaling-auth=user' "$conf" || fail "the conffile does not set signaling-auth=user"

lintian_start=$(date +%s)
lintian "${TMP}/turnroom_${VERSION}_$ARCH.changes" >"$TMP/lintian.txt" 2>&1
lintian_rc=$?
errors=$(grep -c '^E:' "$TMP/lintian.txt")
[ "$errors" -eq 0 ] && [ "$lintian_rc" -eq 0 ] ||
	fail "lintian: $errors errors (exit $lintian_rc): $(grep -m 3 '^E:' "$TMP/lintian.txt" | tr '\n' ' ')"
note "lintian: $(($(date +%s) - lintian_start)) s, $(grep -c '^[WIP]:' "$TMP/lintian.txt") warnings/notes"

# ---- 3. the packaged unit keeps the upstream unit's settings ------------

unit=$TMP/x/lib/systemd/system/turnroom.service
upstream=$SRC/etc/turnroom.service.in
while IFS= read -r line; do
	key=${line%%=*}
	case $key in
	DynamicUser) ;; # the package has its own user instead
	ExecStart | ExecReload)
		want=$(sed -e 's|@bindir@|/usr/bin|g' -e 's|@sysconfdir@|/etc/turnroom|g' <<<"$line")
		grep -qxF "$want" "$unit" || fail "packaged unit lacks '$want'"
		;;
	RestrictAddressFamilies)
		for fam in ${line#*=}; do
			grep -qE "^RestrictAddressFamilies=.*\b$fam\b" "$unit" ||
				fail "packaged unit's RestrictAddressFamilies lacks $fam"
		done
		;;
	*) grep -qxF "$line" "$unit" || fail "packaged unit lacks '$line' of turnroom.service.in" ;;
	esac
done < <(grep -E '^[A-Za-z]+=' "$upstream")
for want in User=turnroom Group=turnroom StateDirectory=turnroom; do
	grep -qx "$want" "$unit" || fail "packaged unit lacks $want"
done

# ---- 4. install into a throw-away root ----------------------------------

mkdir -p "$TMP/ov"
mount -t tmpfs tmpfs "$TMP/ov" && MOUNTS+=("$TMP/ov") || fail "mount tmpfs failed"
mkdir -p "$TMP/ov/upper" "$TMP/ov/work" "$R"
mount -t overlay overlay -o "lowerdir=/,upperdir=$TMP/ov/upper,workdir=$TMP/ov/work" "$R" &&
	MOUNTS+=("$R") || fail "mount overlay of / failed (overlayfs)"
mount --bind /dev "$R/dev" && MOUNTS+=("$R/dev") || fail "bind /dev failed"
mount -t proc proc "$R/proc" && MOUNTS+=("$R/proc") || fail "mount proc failed"
# An empty /run: no systemd seen running (no unit started), our control socket.
for d in run tmp; do
	mount -t tmpfs tmpfs "$R/$d" && MOUNTS+=("$R/$d") || fail "mount tmpfs on /$d failed"
done
in_root() { chroot "$R" "$@"; }
# dpkg runs inside the root: the statoverride names the group postinst
# made there, which dpkg --root would look up on the host.
cp "$DEB" "$R/tmp/" || fail "copying the package into the root failed"
RDEB=/tmp/$(basename "$DEB")
# A host that has the package or its user: start the root without them.
if in_root dpkg-query -W turnroom >/dev/null 2>&1; then
	in_root dpkg --purge turnroom >"$TMP/dpkg-prepurge.log" 2>&1 ||
		fail "purging the host's turnroom in the throw-away root failed"
fi
in_root getent passwd turnroom >/dev/null && { in_root userdel turnroom ||
	fail "userdel turnroom in the throw-away root failed"; }
rm -rf "$R/var/lib/turnroom" "$R/etc/turnroom"

inst_start=$(date +%s)
in_root dpkg -i "$RDEB" >"$TMP/dpkg-install.log" 2>&1 || fail "dpkg -i failed (dpkg-install.log)"
note "dpkg -i into the throw-away root: $(($(date +%s) - inst_start)) s"
[ "$(in_root dpkg-query -W -f='${Status}' turnroom)" = "install ok installed" ] ||
	fail "turnroom is not 'install ok installed' after dpkg -i"

IFS=: read -r _ _ uid gid _ home shell <<<"$(in_root getent passwd turnroom)"
[ -n "${uid:-}" ] || fail "postinst made no turnroom user"
[ "$uid" -lt 1000 ] || fail "turnroom is not a system user (uid $uid)"
[ "$home" = /var/lib/turnroom ] || fail "turnroom's home is $home"
case $shell in */nologin | /bin/false) ;; *) fail "turnroom's shell is $shell" ;; esac
in_root getent group turnroom >/dev/null || fail "postinst made no turnroom group"

perms() { in_root stat -c '%U:%G %a' "$1"; }
[ "$(perms /var/lib/turnroom)" = "turnroom:turnroom 750" ] ||
	fail "/var/lib/turnroom is $(perms /var/lib/turnroom)"
DB=/var/lib/turnroom/turndb
[ "$(perms $DB)" = "turnroom:turnroom 600" ] || fail "$DB is $(perms $DB)"
[ "$(perms /etc/turnroom/turnroom.conf)" = "root:turnroom 640" ] ||
	fail "/etc/turnroom/turnroom.conf is $(perms /etc/turnroom/turnroom.conf)"
for f in "$R$DB"-wal "$R$DB"-shm; do
	[ ! -e "$f" ] || [ "$(stat -c %u "$f")" = "$uid" ] || fail "$f is not the service user's"
done
secrets=$(in_root turnroom-admin -b $DB -S) || fail "turnroom-admin -S failed"
grep -qxE '[0-9a-f]{64}\[turnroom\.local\]' <<<"$secrets" && [ "$(wc -l <<<"$secrets")" -eq 1 ] ||
	fail "the store does not hold one generated REST secret: '$secrets'"
SECRET=${secrets%%\[*}
# Disabled until the operator enables it (and nothing was started).
[ -e "$R/lib/systemd/system/turnroom.service" ] || fail "the unit is not installed"
[ ! -e "$R/etc/systemd/system/multi-user.target.wants/turnroom.service" ] ||
	fail "installing enabled the unit"

[ "$(in_root turnroom --version)" = "turnroom $VERSION" ] ||
	fail "turnroom --version says '$(in_root turnroom --version 2>&1)'"
in_root turnroom --print-options=sample >"$TMP/sample.txt" 2>&1 &&
	grep -q '^#listening-port=3478$' "$TMP/sample.txt" ||
	fail "turnroom --print-options=sample: $(head -n 1 "$TMP/sample.txt")"
in_root turnroom --print-options=man >"$TMP/man.txt" 2>&1 && grep -qF 'listening\-port' "$TMP/man.txt" ||
	fail "turnroom --print-options=man: $(head -n 1 "$TMP/man.txt")"
in_root turnroom-admin --help >/dev/null 2>&1 || fail "turnroom-admin --help failed"
# The unit as systemd reads it: unknown keys or values are only warnings
# (exit 0), so any output fails; it also checks ExecStart and the man
# pages of Documentation=.
in_root systemd-analyze verify /lib/systemd/system/turnroom.service \
	>"$TMP/unit-verify.txt" 2>&1 && [ ! -s "$TMP/unit-verify.txt" ] ||
	fail "systemd-analyze verify: $(head -n 2 "$TMP/unit-verify.txt" | tr '\n' ' ')"

# ---- 5. the installed server on the installed configuration ------------

PORT=$(free_port)
HTTP=$(free_port)
read -r MINP MAXP <<<"$(relay_window)"
# What systemd's RuntimeDirectory= does before ExecStart.
install -d -m 0750 -o "$uid" -g "$gid" "$R/run/turnroom"

# start_installed UNIT NAME: the installed turnroom as the service user on
# the installed configuration, with the socket families UNIT allows
# (restrict_families.py), listening on 0.0.0.0 as the README's VPS set-up
# says; only the ports move. Sets SERVER_PID; log in $TMP/NAME.log.
start_installed() {
	"$PY" "$PKG_TESTS/restrict_families.py" "$1" \
		chroot --userspec="$uid:$gid" --groups="$gid" "$R" /usr/bin/turnroom \
		-c /etc/turnroom/turnroom.conf --listening-ip=0.0.0.0 \
		--listening-port="$PORT" --http-port="$HTTP" \
		--min-port="$MINP" --max-port="$MAXP" >"$TMP/$2.log" 2>&1 &
	SERVER_PID=$!
	STARTED_PIDS+=("$SERVER_PID")
	wait_stun "$PORT" 10 || fail "the installed turnroom under $(basename "$1") did not answer STUN on $PORT ($2.log: $(tail -n 1 "$TMP/$2.log"))"
	grep -q "ready (realm turnroom.local)" "$TMP/$2.log" || fail "no 'ready' line in $2.log"
}
stop_installed() {
	kill -TERM "$SERVER_PID"
	for ((i = 0; i < 50; i++)); do _alive "$SERVER_PID" || break; sleep 0.1; done
	_alive "$SERVER_PID" && fail "the installed turnroom did not stop within 5 s of SIGTERM"
	wait "$SERVER_PID" 2>/dev/null
	no_sanitizer_report "$TMP/$1.log"
}

# make install's unit allows what the server needs as well.
start_installed "$SRC/etc/turnroom.service.in" server-upstream-unit
stop_installed server-upstream-unit
start_installed "$R/lib/systemd/system/turnroom.service" server
py - "$PORT" "$HTTP" "$SECRET" >"$TMP/probe.log" 2>&1 <<'EOF' || fail "probe: $(tail -n 1 "$TMP/probe.log")"
import asyncio, json, sys, time
import stunpy, websockets

port, http, secret = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
# No credentials: 401 (RFC 8656 s7.2; no open relay).
c = stunpy.Client("udp", ("127.0.0.1", port))
ec = stunpy.error_code(c.allocate())
assert ec and ec[0] == 401, "Allocate without credentials: %r" % (ec,)
# REST credentials from the secret postinst generated: an allocation.
c = stunpy.Client("udp", ("127.0.0.1", port))
c.set_credentials(*stunpy.rest_credentials(secret, "pkg", int(time.time()) + 600))
rsp = c.allocate()
assert stunpy.error_code(rsp) is None, "REST Allocate: %r" % (stunpy.error_code(rsp),)
print("relayed", stunpy.relayed_address(rsp))

# signaling-auth=user: a join without a name and password is refused.
async def join():
    async with websockets.connect("ws://127.0.0.1:%d/ws" % http) as ws:
        await ws.send(json.dumps({"event": "join", "data": {"roomId": "pkg"}}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert m.get("event") == "error" and m["data"].get("code") == "unauthorized", m
        print("join refused:", m["data"]["code"])
asyncio.run(join())
EOF
in_root turnroom-admin -c /etc/turnroom/turnroom.conf --status >"$TMP/status.txt" 2>&1 ||
	fail "turnroom-admin --status over the control socket: $(head -n 1 "$TMP/status.txt")"
stop_installed server

# ---- 6. reinstall, remove, purge ----------------------------------------

in_root dpkg -i "$RDEB" >"$TMP/dpkg-reinstall.log" 2>&1 || fail "reinstall failed"
[ "$(in_root turnroom-admin -b $DB -S)" = "$secrets" ] || fail "reinstalling changed the secrets"
in_root dpkg -r turnroom >"$TMP/dpkg-remove.log" 2>&1 || fail "dpkg -r failed"
[ ! -e "$R/usr/bin/turnroom" ] || fail "dpkg -r left /usr/bin/turnroom"
[ -f "$R/etc/turnroom/turnroom.conf" ] && [ -f "$R$DB" ] || fail "dpkg -r removed the conffile or the store"
in_root dpkg -P turnroom >"$TMP/dpkg-purge.log" 2>&1 || fail "dpkg -P failed"
[ ! -e "$R/etc/turnroom" ] && [ ! -e "$R/var/lib/turnroom" ] ||
	fail "purge left $(ls -d "$R/etc/turnroom" "$R/var/lib/turnroom" 2>/dev/null | tr '\n' ' ')"
in_root dpkg-statoverride --list | grep -q turnroom && fail "purge left the statoverride"

_FINISHED=1
echo "PASS $TEST_NAME: turnroom_${VERSION}_$ARCH.deb built, clean, lintian without errors, installed, served (REST secret from postinst), purged"
exit 0
