#!/usr/bin/env bash
# The call page in use, default ICE policy (tests/e2e/call_page.mjs says
# what is checked): invite link, mute, camera off, screen share, device
# switch, hang up; screenshots call-desktop.png and call-phone.png in
# $ARTIFACTS. Needs root (ip netns), chromium and playwright-core.
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_start_server
rm -f "$ARTIFACTS/call-desktop.png" "$ARTIFACTS/call-phone.png"
e2e_node call_page.mjs 160 || die "call_page.mjs failed"
kill -0 "$SERVER_PID" 2>/dev/null || die "turnroom exited during the test"
echo "PASS call page: invite, mute, camera, screen share, devices, hang up"
