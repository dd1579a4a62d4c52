#!/usr/bin/env bash
# The browser call again, offered only turns: (TURN over TLS, as from a
# network that lets nothing but TLS out), with a test certificate.
TURNS_ONLY=1 exec "$(dirname "$0")/test_browser_call.sh"
