/* The one option table: every turnserver.conf key and --long-option, with
 * coturn's names, short flags and defaults. The parser and --help follow it,
 * the sample config and the man page's option list are generated from it
 * (conf_print.c, longer texts in conf_doc.c), and its flags say whether
 * SIGHUP applies an option (CONF_F_RELOAD; conf_diff.c keeps the others). */
#include "conf/conf_internal.h"

#include <stdio.h>
#include <string.h>

/* clang-format off */
/* "No particular limit": still keeps seconds * 1000 inside an int64. */
#define UMAX 2147483647u

#define OFF(field) offsetof(struct conf, field)

/* Implemented options. */
#define BOOL_OPT(n, s, field, fl, h) { n, s, CONF_BOOL, OFF(field), NULL, 0, 0, fl, NULL, h, NULL }
#define UINT_OPT(n, s, field, def, lo, hi, fl, mv, h) \
	{ n, s, CONF_UINT, OFF(field), def, lo, hi, fl, mv, h, NULL }
#define STR_OPT(n, s, field, def, fl, mv, h) \
	{ n, s, CONF_STRING, OFF(field), def, 0, 0, fl, mv, h, NULL }
#define LIST_OPT(n, s, field, fl, mv, h) { n, s, CONF_LIST, OFF(field), NULL, 0, 0, fl, mv, h, NULL }
/* Typed kinds, parsed once at load (conf_kinds.c). An ENUM's metavar and
 * "expected one of" message come from its names. */
#define ENUM_OPT(n, s, field, def, names, fl, h) \
	{ n, s, CONF_ENUM, OFF(field), def, 0, 0, fl, NULL, h, names }
#define ADDR_OPT(n, s, field, def, fl, mv, h) \
	{ n, s, CONF_ADDR, OFF(field), def, 0, 0, fl, mv, h, NULL }
#define ADDRS_OPT(n, s, field, fl, mv, h) \
	{ n, s, CONF_ADDR_LIST, OFF(field), NULL, 0, 0, fl, mv, h, NULL }
#define EXTERNAL_OPT(n, s, field, fl, mv, h) \
	{ n, s, CONF_EXTERNAL_IP, OFF(field), NULL, 0, 0, fl, mv, h, NULL }
#define RANGES_OPT(n, s, field, fl, mv, h) \
	{ n, s, CONF_PEER_RANGE, OFF(field), NULL, 0, 0, fl, mv, h, NULL }
#define ADDR_PORTS_OPT(n, s, field, fl, mv, h) \
	{ n, s, CONF_ADDR_PORT_LIST, OFF(field), NULL, 0, 0, fl, mv, h, NULL }
#define ENDPOINT_OPT(n, s, field, fl, mv, h) \
	{ n, s, CONF_ENDPOINT, OFF(field), NULL, 0, 0, fl, mv, h, NULL }
#define ENDPOINTS_OPT(n, s, field, fl, mv, h) \
	{ n, s, CONF_ENDPOINT_LIST, OFF(field), NULL, 0, 0, fl, mv, h, NULL }
/* coturn options we knowingly do not implement (yet): accepted, one
 * warning each. UNIMPL_ARG ones take a value on the command line. */
#define UNIMPL(n, s) { n, s, CONF_UNIMPL, 0, NULL, 0, 0, 0, NULL, NULL, NULL }
#define UNIMPL_ARG(n, s) { n, s, CONF_UNIMPL, 0, NULL, 0, 0, CONF_F_ARG, "VALUE", NULL, NULL }

static const struct conf_enum_name family_names[] = {
	{ "ipv4", CONF_FAMILY_IPV4 }, { "ipv6", CONF_FAMILY_IPV6 },
	{ "keep", CONF_FAMILY_KEEP }, { NULL, 0 },
};
static const struct conf_enum_name relay_offload_names[] = {
	{ "auto", CONF_OFFLOAD_AUTO }, { "xdp", CONF_OFFLOAD_XDP },
	{ "tc", CONF_OFFLOAD_TC },     { "off", CONF_OFFLOAD_OFF },
	{ NULL, 0 },
};
static const struct conf_enum_name signaling_auth_names[] = {
	{ "open", CONF_SIGNALING_OPEN }, { "user", CONF_SIGNALING_USER },
	{ "token", CONF_SIGNALING_TOKEN }, { NULL, 0 },
};

const struct conf_option conf_options[] = {
	/* listeners */
	UINT_OPT("listening-port", 'p', listening_port, "3478", 1, 65535, 0, "PORT",
		 "UDP and TCP listener port."),
	ADDRS_OPT("listening-ip", 'L', listening_ips, 0, "IP",
		 "Address to listen on; repeatable. None given: 127.0.0.1."),
	BOOL_OPT("no-udp", 0, no_udp, 0, "Do not listen on UDP."),
	BOOL_OPT("no-tcp", 0, no_tcp, 0, "Do not listen on TCP."),
	/* relay */
	ADDRS_OPT("relay-ip", 'E', relay_ips, CONF_F_RELOAD, "IP",
		 "Local address for relay sockets; repeatable. None given: the listening address."),
	EXTERNAL_OPT("external-ip", 'X', external_ips, CONF_F_RELOAD, "PUBLIC[/PRIVATE]",
		 "Public address behind 1:1 NAT: a bare 'pub' once, or 'pub/priv' pairs (repeatable)."),
	UINT_OPT("min-port", 0, min_port, "49152", 1, 65535, 0, "PORT",
		 "Lowest relay port."),
	UINT_OPT("max-port", 0, max_port, "65535", 1, 65535, 0, "PORT",
		 "Highest relay port."),
	BOOL_OPT("mobility", 0, mobility, CONF_F_RELOAD,
		 "RFC 8016 mobility: MOBILITY-TICKET on Allocate; a Refresh with it "
		 "moves the allocation to a new client address."),
	/* auth */
	STR_OPT("realm", 'r', realm, "turnroom.local", CONF_F_RELOAD, "REALM",
		"Default realm (RFC 8489 section 9.2)."),
	STR_OPT("server-name", 0, server_name, NULL, CONF_F_RELOAD, "NAME",
		"Server name; none given: the realm."),
	STR_OPT("userdb", 'b', userdb, NULL, CONF_F_RELOAD, "PATH",
		"SQLite credential store in coturn's turndb schema; none given: no store."),
	STR_OPT("db", 0, userdb, NULL, CONF_F_ALIAS | CONF_F_RELOAD, "PATH", "Same as userdb."),
	BOOL_OPT("lt-cred-mech", 'a', lt_cred_mech, CONF_F_RELOAD,
		 "Long-term credentials; switched on by any user option."),
	BOOL_OPT("use-auth-secret", 0, use_auth_secret, CONF_F_RELOAD,
		 "TURN REST API credentials from a shared secret; switched on by static-auth-secret."),
	BOOL_OPT("no-auth", 'z', no_auth, CONF_F_RELOAD,
		 "Relay without authentication; conflicts with every auth option."),
	LIST_OPT("static-auth-secret", 0, static_auth_secrets, CONF_F_SECRET | CONF_F_RELOAD, "SECRET",
		 "REST API shared secret; repeatable, every one is tried (rotation)."),
	LIST_OPT("user", 'u', users, CONF_F_CHECK_USER | CONF_F_SECRET | CONF_F_RELOAD, "NAME:PASSWORD",
		 "Long-term user, 'name:password' or 'name:0x' and 32 hex digits of key; repeatable."),
	UINT_OPT("stale-nonce", 0, stale_nonce, "600", 1, UMAX, CONF_F_BARE_DEFAULT | CONF_F_RELOAD, "SECONDS",
		 "Nonce lifetime, then 438 Stale Nonce; a bare stale-nonce means 600."),
	{ "rest-api-separator", 'C', CONF_CHAR, OFF(rest_api_separator), ":", 0, 0, CONF_F_RELOAD, "CHAR",
	  "Separator between EXPIRY and ID in REST usernames.", NULL },
	UINT_OPT("auth-fail-source", 0, auth_fail_source, "20", 0, 1000000, CONF_F_RELOAD, "N",
		 "Failed authentications answered per source (IPv4 address, IPv6 /64): N at once, "
		 "then N per minute; beyond, requests are dropped unanswered. 0: no limit."),
	UINT_OPT("auth-fail-user", 0, auth_fail_user, "10", 0, 1000000, CONF_F_RELOAD, "N",
		 "Failed authentications answered per username: N at once, then N per minute. "
		 "0: no limit."),
	UINT_OPT("auth-fail-global", 0, auth_fail_global, "500", 0, 1000000, CONF_F_RELOAD, "N",
		 "Failed authentications answered in total: N at once, then N per minute. "
		 "0: no limit."),
	/* lifetimes and quotas */
	UINT_OPT("max-allocate-lifetime", 0, max_allocate_lifetime, "3600", 1, UMAX, CONF_F_RELOAD,
		 "SECONDS", "Longest allocation lifetime granted."),
	UINT_OPT("max-allocate-timeout", 0, max_allocate_timeout, "60", 1, UMAX, CONF_F_RELOAD, "SECONDS",
		 "A TCP or TLS client that holds no allocation this long is disconnected."),
	UINT_OPT("channel-lifetime", 0, channel_lifetime, "600", 1, UMAX, CONF_F_RELOAD, "SECONDS",
		 "Channel binding lifetime."),
	UINT_OPT("permission-lifetime", 0, permission_lifetime, "300", 1, UMAX, CONF_F_RELOAD, "SECONDS",
		 "Permission lifetime."),
	UINT_OPT("user-quota", 'q', user_quota, "0", 0, UMAX, CONF_F_RELOAD, "N",
		 "Concurrent allocations and reserved ports per long-term user or REST ID (counted apart); 0 = unlimited."),
	UINT_OPT("total-quota", 'Q', total_quota, "0", 0, UMAX, CONF_F_RELOAD, "N",
		 "Concurrent allocations and reserved ports in total; 0 = the relay port range less 1/10."),
	UINT_OPT("member-quota", 0, member_quota, "10", 0, UMAX, CONF_F_RELOAD, "N",
		 "Concurrent allocations and reserved ports per room member (the room server's credentials); 0 = unlimited."),
	UINT_OPT("max-permissions-per-allocation", 0, max_permissions_per_allocation, "100",
		 1, 65535, CONF_F_RELOAD, "N", "Permissions (peer IPs) one allocation may hold; beyond: 508."),
	UINT_OPT("max-channels-per-allocation", 0, max_channels_per_allocation, "100",
		 1, 16384, CONF_F_RELOAD, "N", "Channel bindings one allocation may hold; beyond: 508."),
	UINT_OPT("fd-reserve", 0, fd_reserve, "0", 0, UMAX, CONF_F_RELOAD, "N",
		 "File descriptors Allocate leaves free for listeners; 0 = max(64, RLIMIT_NOFILE/10)."),
	/* peers */
	RANGES_OPT("allowed-peer-ip", 0, allowed_peer_ips, CONF_F_RELOAD, "RANGE",
		 "Peer range to allow ('ip', 'ip-ip' or 'ip/prefix'); beats denied-peer-ip "
		 "and the built-in deny list; repeatable."),
	RANGES_OPT("denied-peer-ip", 0, denied_peer_ips, CONF_F_RELOAD, "RANGE",
		 "Peer range to refuse ('ip', 'ip-ip' or 'ip/prefix'), on top of the "
		 "built-in deny list; repeatable."),
	BOOL_OPT("allow-loopback-peers", 0, allow_loopback_peers, CONF_F_RELOAD,
		 "Allow peers on 127.0.0.0/8 and ::1 (testing only)."),
	BOOL_OPT("no-loopback-peers", 0, allow_loopback_peers, CONF_F_INVERT | CONF_F_RELOAD,
		 "Old coturn flag: the opposite of allow-loopback-peers."),
	BOOL_OPT("no-multicast-peers", 0, no_multicast_peers, CONF_F_RELOAD | CONF_F_NOOP,
		 "Refuse multicast peers (always refused; kept for coturn configs)."),
	/* protocol */
	BOOL_OPT("fingerprint", 'f', fingerprint, CONF_F_RELOAD,
		 "Add FINGERPRINT to every response."),
	BOOL_OPT("no-software-attribute", 0, no_software_attribute, CONF_F_RELOAD,
		 "coturn's old switch: the opposite of software-attribute."),
	/* issue 13: coturn's STUN modes, relay kinds, families, bandwidth */
	{ "software-attribute", 0, CONF_BOOL, OFF(no_software_attribute), "off", 0, 0,
	  CONF_F_INVERT | CONF_F_RELOAD, NULL, "Send the SOFTWARE attribute in responses (as coturn 4.6 did).", NULL },
	BOOL_OPT("include-reason-string", 0, include_reason_string, CONF_F_RELOAD,
		 "Detailed reason phrases in error responses, not only the standard one."),
	BOOL_OPT("stun-only", 'S', stun_only, CONF_F_RELOAD,
		 "STUN server only: every TURN request is ignored (no answer)."),
	BOOL_OPT("no-stun", 0, no_stun, CONF_F_RELOAD,
		 "TURN server only: every Binding request is ignored (no answer)."),
	BOOL_OPT("secure-stun", 0, secure_stun, CONF_F_RELOAD,
		 "Binding requests need long-term credentials, as TURN requests do."),
	BOOL_OPT("log-binding", 0, log_binding, CONF_F_RELOAD,
		 "Log each Binding request (at most 20 lines a second)."),
	{ "drop-invalid-packets", 0, CONF_BOOL, OFF(drop_invalid_packets), "on", 0, 0, CONF_F_RELOAD, NULL,
	  "Drop malformed STUN requests silently (counted); off: answer them 400.", NULL },
	BOOL_OPT("no-udp-relay", 0, no_udp_relay, CONF_F_RELOAD,
		 "Refuse UDP relays (REQUESTED-TRANSPORT 17): 442."),
	BOOL_OPT("no-tcp-relay", 0, no_tcp_relay, CONF_F_RELOAD,
		 "Refuse TCP relays (RFC 6062, REQUESTED-TRANSPORT 6): 442."),
	ENUM_OPT("allocation-default-address-family", 'A', allocation_default_address_family,
		 "ipv4", family_names, CONF_F_RELOAD,
		 "Relay family when Allocate names none; keep: the client's own family."),
	BOOL_OPT("keep-address-family", 'K', keep_address_family, CONF_F_RELOAD,
		 "coturn's old switch: allocation-default-address-family=keep."),
	UINT_OPT("max-bps", 's', max_bps, "0", 0, UMAX, CONF_F_RELOAD, "BYTES",
		 "Bytes per second per allocation, each direction; excess dropped; 0 = unlimited."),
	UINT_OPT("bps-capacity", 'B', bps_capacity, "0", 0, UMAX, CONF_F_RELOAD, "BYTES",
		 "Bytes per second the allocations' limits may add up to; then 486; 0 = unlimited."),
	UINT_OPT("member-max-bps", 0, member_max_bps, "0", 0, UMAX, CONF_F_RELOAD, "BYTES",
		 "Bytes per second per allocation made with REST credentials (room members); "
		 "0 = max-bps."),
	BOOL_OPT("no-auth-pings", 0, no_auth_pings, CONF_F_RELOAD | CONF_F_NOOP,
		 "Accepted for coturn configs: there is no Redis or SQL auth database to ping."),
	ENUM_OPT("relay-offload", 0, relay_offload, "auto", relay_offload_names, 0,
		 "Relay bound channels in the kernel (eBPF at XDP or TC ingress): auto, xdp, tc "
		 "or off."),
	BOOL_OPT("rfc5766-channel-numbers", 0, rfc5766_channel_numbers, CONF_F_RELOAD,
		 "Accept channel numbers 0x4000-0x7FFF (RFC 5766), not only 0x4000-0x4FFF (RFC 8656)."),
	/* logging and process */
	BOOL_OPT("verbose", 'v', verbose, CONF_F_RELOAD, "Log debug detail."),
	BOOL_OPT("Verbose", 'V', verbose, CONF_F_RELOAD, "Same as verbose."),
	STR_OPT("log-file", 'l', log_file, NULL, CONF_F_RELOAD, "PATH",
		"Append the log to this file; 'stdout' or '-' means standard error (the default)."),
	BOOL_OPT("syslog", 0, syslog, CONF_F_RELOAD, "Also log to syslog."),
	BOOL_OPT("simple-log", 0, simple_log, CONF_F_RELOAD | CONF_F_NOOP,
		 "Use the log-file name as given (turnroom always does; kept for coturn configs)."),
	BOOL_OPT("no-stdout-log", 0, no_stdout_log, CONF_F_RELOAD,
		 "No log lines on standard error when log-file or syslog takes them; "
		 "with neither, ignored (with a warning at start)."),
	STR_OPT("pidfile", 0, pidfile, NULL, 0, "PATH",
		"Write the process id to this file."),
	/* signaling */
	UINT_OPT("http-port", 0, http_port, "8080", 0, 65535, 0, "PORT",
		 "HTTP and WebSocket room server port on every listening-ip; 0 turns it off."),
	LIST_OPT("allowed-origin", 0, allowed_origins, CONF_F_RELOAD, "ORIGIN",
		 "WebSocket Origin allowed to connect, e.g. https://app.example.org; "
		 "repeatable. None given: any."),
	UINT_OPT("room-capacity", 0, room_capacity, "2", 1, 64, CONF_F_RELOAD, "N",
		 "Members per room."),
	UINT_OPT("ws-max-message", 0, ws_max_message, "65536", 256, 16777216, CONF_F_RELOAD, "BYTES",
		 "Largest room event, both protocols (native message; Socket.IO arguments "
		 "plus attachments): refused to its sender."),
	UINT_OPT("ws-rate", 0, ws_rate, "20", 1, 100000, CONF_F_RELOAD, "N",
		 "Signaling messages per second per connection (burst: two seconds' worth)."),
	BOOL_OPT("no-socketio", 0, no_socketio, 0,
		 "Turn the Socket.IO endpoint (socketio-path) off."),
	BOOL_OPT("no-socketio-recovery", 0, no_socketio_recovery, CONF_F_RELOAD,
		 "Socket.IO: no connection state recovery (a lost socket is not held for resume-window)."),
	STR_OPT("socketio-path", 0, socketio_path, "/socket.io/", CONF_F_RELOAD, "PATH",
		"Path of the Socket.IO (Engine.IO v4) endpoint, with its slashes."),
	UINT_OPT("socketio-ping-interval", 0, socketio_ping_interval, "25000", 100, 3600000, CONF_F_RELOAD,
		 "MS", "Socket.IO: the server pings every this many milliseconds."),
	UINT_OPT("socketio-ping-timeout", 0, socketio_ping_timeout, "20000", 100, 3600000, CONF_F_RELOAD,
		 "MS", "Socket.IO: a session whose pong is this late is closed."),
	UINT_OPT("socketio-max-payload", 0, socketio_max_payload, "1000000", 1024, 16777216, CONF_F_RELOAD,
		 "BYTES", "Socket.IO: largest POST body or WebSocket message (HTTP 413 beyond)."),
	UINT_OPT("socketio-connect-timeout", 0, socketio_connect_timeout, "45000", 100,
		 3600000, CONF_F_RELOAD, "MS", "Socket.IO: a session that sends no CONNECT this long is closed."),
	STR_OPT("socketio-client-dir", 0, socketio_client_dir, NULL, CONF_F_RELOAD, "DIR",
		"Directory of socket.io-client's dist/ files served at socketio-path; none: not served."),
	UINT_OPT("socketio-max-sessions", 0, socketio_max_sessions, "20000", 0, UMAX, CONF_F_RELOAD, "N",
		 "Socket.IO sessions in total; 0 = unlimited."),
	UINT_OPT("socketio-max-sessions-per-ip", 0, socketio_max_sessions_per_ip, "256", 0, UMAX,
		 CONF_F_RELOAD, "N",
		 "Socket.IO sessions per source IPv4 address or IPv6 /64; 0 = unlimited."),
	UINT_OPT("socketio-max-queued", 0, socketio_max_queued, "1048576", 4096, UMAX, CONF_F_RELOAD,
		 "BYTES", "Socket.IO: bytes waiting for a client's poll before its session is closed."),
	UINT_OPT("socketio-rate", 0, socketio_rate, "200", 1, 1000000, CONF_F_RELOAD, "N",
		 "Socket.IO: Engine.IO packets per second per session (burst: two seconds' worth)."),
	UINT_OPT("resume-window", 0, resume_window, "30", 0, 3600, CONF_F_RELOAD, "SECONDS",
		 "How long a dropped member keeps its slot for a resume."),
	UINT_OPT("ice-credential-ttl", 0, ice_credential_ttl, "3600", 5, 604800, CONF_F_RELOAD,
		 "SECONDS", "Lifetime of the TURN credentials handed out at join."),
	ENUM_OPT("signaling-auth", 0, signaling_auth, "open", signaling_auth_names, CONF_F_RELOAD,
		 "Who may join a room: anyone, long-term users, or holders of a JWT."),
	STR_OPT("signaling-secret", 0, signaling_secret, NULL, CONF_F_SECRET | CONF_F_RELOAD, "SECRET",
		"HS256 key of the join tokens (signaling-auth=token)."),
	/* connection limits and metrics */
	UINT_OPT("max-connections", 0, max_connections, "0", 0, UMAX, CONF_F_RELOAD, "N",
		 "TCP and TLS connections (TURN, HTTP, WebSocket) in total; 0 = half of "
		 "RLIMIT_NOFILE."),
	UINT_OPT("max-connections-per-source", 0, max_connections_per_source, "0", 0, UMAX, CONF_F_RELOAD,
		 "N", "TCP and TLS connections per source IPv4 address or IPv6 /64; "
		 "0 = max-connections/8 within 16..1024."),
	UINT_OPT("ws-join-timeout", 0, ws_join_timeout, "15", 1, 3600, CONF_F_RELOAD, "SECONDS",
		 "A WebSocket or Socket.IO session not in a room this long is closed."),
	UINT_OPT("ws-max-output", 0, ws_max_output, "262144", 4096, 16777216, CONF_F_RELOAD, "BYTES",
		 "Output queued for one WebSocket beyond one legal event (a slow reader is "
		 "disconnected) and "
		 "messages kept for one member in its resume window (oldest dropped)."),
	UINT_OPT("signaling-max-queued", 0, signaling_max_queued, "67108864", 65536, UMAX, CONF_F_RELOAD,
		 "BYTES", "Queued signaling bytes of every queue together, whatever the "
		 "transport; past it the largest consumers are disconnected."),
	BOOL_OPT("prometheus", 0, prometheus, 0,
		 "Serve /metrics on prometheus-address:prometheus-port."),
	UINT_OPT("prometheus-port", 0, prometheus_port, "9641", 1, 65535, 0, "PORT",
		 "Port of the metrics listener."),
	ADDR_OPT("prometheus-address", 0, prometheus_address, "127.0.0.1", 0, "IP",
		 "Address of the metrics listener."),
	BOOL_OPT("prometheus-room-labels", 0, prometheus_room_labels, CONF_F_RELOAD,
		 "Per-room series labelled with room ids (anyone who reads them can join)."),
	BOOL_OPT("web-admin", 0, web_admin, 0,
		 "Serve the operator console on web-admin-ip:web-admin-port (admin users "
		 "from turnroom-admin -A / turnadmin -A)."),
	ADDR_OPT("web-admin-ip", 0, web_admin_ip, "127.0.0.1", 0, "IP",
		 "Address of the console listener."),
	UINT_OPT("web-admin-port", 0, web_admin_port, "9642", 1, 65535, 0, "PORT",
		 "Port of the console listener (coturn's 8080 is turnroom's http-port)."),
	STR_OPT("metrics-token", 0, metrics_token, NULL, CONF_F_SECRET | CONF_F_RELOAD, "TOKEN",
		"Also serve /metrics on http-port to 'Authorization: Bearer TOKEN'; "
		"none given: 404 there."),
	/* TLS and DTLS */
	STR_OPT("cert", 0, cert, NULL, CONF_F_RELOAD, "PATH",
		"PEM certificate chain; with pkey it turns on TURN over TLS and DTLS, and HTTPS."),
	STR_OPT("pkey", 0, pkey, NULL, CONF_F_RELOAD, "PATH", "PEM private key of cert."),
	STR_OPT("cipher-list", 0, cipher_list, NULL, CONF_F_RELOAD, "LIST",
		"OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's defaults)."),
	STR_OPT("dh-file", 0, dh_file, NULL, CONF_F_RELOAD, "PATH",
		"PEM DH parameters for DHE suites; none given: OpenSSL's built-in ones."),
	UINT_OPT("tls-listening-port", 0, tls_listening_port, "5349", 1, 65535, 0, "PORT",
		 "TURN over TLS (TCP) and DTLS (UDP) port, when cert is set."),
	UINT_OPT("https-port", 0, https_port, "8443", 0, 65535, 0, "PORT",
		 "HTTPS and WSS port of the room server when cert is set; 0 turns it off. "
		 "May equal tls-listening-port (one port, e.g. 443, for everything)."),
	BOOL_OPT("no-tls", 0, no_tls, 0, "No TURN over TLS listener."),
	BOOL_OPT("no-dtls", 0, no_dtls, 0, "No TURN over DTLS listener."),
	BOOL_OPT("no-tlsv1", 0, no_tlsv1, CONF_F_RELOAD | CONF_F_NOOP,
		 "Accepted for coturn configs: TLS 1.0 is never offered."),
	BOOL_OPT("no-tlsv1_1", 0, no_tlsv1_1, CONF_F_RELOAD | CONF_F_NOOP,
		 "Accepted for coturn configs: TLS 1.1 is never offered."),
	UINT_OPT("dtls-max-sessions", 0, dtls_max_sessions, "2048", 1, 1000000, CONF_F_RELOAD, "N",
		 "DTLS sessions at once, established or in handshake; beyond it new "
		 "ClientHellos are dropped (and counted)."),
	UINT_OPT("dtls-max-handshakes", 0, dtls_max_handshakes, "512", 1, 1000000, CONF_F_RELOAD, "N",
		 "DTLS handshakes in progress at once (each started by a ClientHello "
		 "with a valid cookie); beyond it new ClientHellos are dropped."),
	UINT_OPT("dtls-max-sessions-per-ip", 0, dtls_max_sessions_per_ip, "64", 1, 1000000, CONF_F_RELOAD,
		 "N", "DTLS sessions, established or in handshake, per client IPv4 "
		 "address or IPv6 /64."),
	UINT_OPT("dtls-max-handshakes-per-ip", 0, dtls_max_handshakes_per_ip, "8", 1, 1000000,
		 CONF_F_RELOAD, "N", "DTLS handshakes in progress per client IPv4 address or IPv6 /64."),
	/* operations */
	BOOL_OPT("daemon", 'o', daemon, 0,
		 "Run in the background (not under systemd, which wants the foreground)."),
	STR_OPT("proc-user", 0, proc_user, NULL, 0, "USER",
		"Drop privileges to this user once the ports are bound."),
	STR_OPT("proc-group", 0, proc_group, NULL, 0, "GROUP",
		"Drop privileges to this group once the ports are bound."),
	STR_OPT("control-socket", 0, control_socket, NULL, 0, "PATH",
		"Unix socket (mode 0600) for turnroom-admin --sessions, --disconnect, "
		"--reload, --status; none given: no socket."),
	/* cluster */
	ENDPOINT_OPT("redis", 0, redis, 0, "HOST:PORT|unix:PATH",
		"Redis server that makes several nodes one service (rooms, presence, "
		"revocation); none given: this node alone."),
	STR_OPT("redis-user", 0, redis_user, NULL, 0, "NAME", "Redis ACL user (Redis 6+)."),
	STR_OPT("redis-password", 0, redis_password, NULL, CONF_F_SECRET, "PASSWORD",
		"Redis password (AUTH)."),
	UINT_OPT("redis-db", 0, redis_db, "0", 0, 100000, 0, "N",
		 "Redis database of this cluster; clusters sharing a Redis use different ones."),
	STR_OPT("node-id", 0, node_id, NULL, CONF_F_CHECK_ID, "ID",
		"This node's name in the cluster, 1-64 of [A-Za-z0-9._-]; none given: "
		"generated at start."),
	UINT_OPT("drain-timeout", 0, drain_timeout, "0", 0, 86400, CONF_F_RELOAD, "SECONDS",
		 "SIGTERM drains (no new joins or allocations) for at most this long "
		 "before exiting; 0: exit at once."),
	ADDR_PORTS_OPT("alternate-server", 0, alternate_servers, CONF_F_RELOAD, "IP[:PORT]",
		 "While draining, Allocate gets 300 Try Alternate toward these, round "
		 "robin per family; repeatable. None: 508."),
	ENDPOINTS_OPT("turn-servers", 0, turn_servers, CONF_F_RELOAD, "HOST[:PORT]",
		 "TURN servers named in iceServers instead of this node; repeatable "
		 "(a pool: each joiner gets all of them)."),
	UINT_OPT("node-timeout", 0, node_timeout, "6", 1, 3600, 0, "SECONDS",
		 "A node silent this long is dead: its members leave their rooms and "
		 "their TURN credentials end."),
	STR_OPT("cluster-secret", 0, cluster_secret, NULL, CONF_F_SECRET, "SECRET",
		"Shared by every node, at least 16 characters (openssl rand -hex 32): "
		"seals every frame between nodes; required with redis."),
	STR_OPT("cluster-secret-file", 0, cluster_secret_file, NULL, 0, "PATH",
		"File holding cluster-secret (its first line), instead of the option."),
	ENDPOINTS_OPT("redis-sentinel", 0, redis_sentinels, 0, "HOST[:PORT]",
		      "A Redis Sentinel to find the master through, instead of redis "
		      "(port 26379 when left out); repeatable."),
	STR_OPT("redis-master-name", 0, redis_master_name, NULL, 0, "NAME",
		"The master's name at the sentinels (redis-sentinel)."),

	/* coturn options accepted with one warning each, in coturn's groups */
	UNIMPL("cli", 0), UNIMPL("no-cli", 0), UNIMPL_ARG("cli-ip", 0),
	UNIMPL_ARG("cli-port", 0), UNIMPL_ARG("cli-password", 0),
	UNIMPL_ARG("cli-max-output-sessions", 0),
	UNIMPL("dtls", 0),
	UNIMPL_ARG("alt-listening-port", 0),
	UNIMPL_ARG("alt-tls-listening-port", 0),
	UNIMPL_ARG("pkey-pwd", 0),
	UNIMPL_ARG("CA-file", 0), 
	UNIMPL("dh566", 0), UNIMPL("dh1066", 0), UNIMPL("dh2066", 0),
	UNIMPL_ARG("ec-curve-name", 0),
	UNIMPL("no-tlsv1_2", 0),
	UNIMPL("tlsv1", 0), UNIMPL("tlsv1_1", 0), UNIMPL("no-sslv2", 0), UNIMPL("no-sslv3", 0),
	UNIMPL("rfc5780", 0), UNIMPL("no-rfc5780", 0),
	UNIMPL("response-origin-only-with-rfc5780", 0),
	UNIMPL("stun-backward-compatibility", 0), UNIMPL("no-stun-backward-compatibility", 0),
	UNIMPL("rfc3489-compatibility", 0),
	UNIMPL_ARG("relay-threads", 'm'), UNIMPL_ARG("cpus", 0), UNIMPL_ARG("ne", 0),
	UNIMPL_ARG("listening-device", 'd'), UNIMPL_ARG("relay-device", 'i'),
	UNIMPL_ARG("aux-server", 0),
	UNIMPL_ARG("tls-alternate-server", 0), UNIMPL("udp-self-balance", 0),
	UNIMPL_ARG("sock-buf-size", 0), UNIMPL_ARG("tcp-proxy-port", 0),
	UNIMPL("server-relay", 0),
	UNIMPL("multiplex-peer", 0),
	UNIMPL_ARG("drain-min-allocations", 0),
	UNIMPL_ARG("prometheus-path", 0),
	UNIMPL("prometheus-username-labels", 0), UNIMPL("prometheus-tls", 0),
	UNIMPL("web-admin-listen-on-workers", 0),
	UNIMPL_ARG("acme-redirect", 0),
	UNIMPL("oauth", 0), UNIMPL("check-origin-consistency", 0),
	UNIMPL("no-dynamic-ip-list", 0), UNIMPL("no-dynamic-realms", 0),
	UNIMPL("stateless-nonce", 0), UNIMPL_ARG("stateless-nonce-secret", 0),
	UNIMPL("unauthorized-ratelimit", 0), UNIMPL_ARG("unauthorized-ratelimit-rps", 0),
	UNIMPL("secret-ts-exp-time", 0),
	UNIMPL("new-log-timestamp", 0), UNIMPL_ARG("new-log-timestamp-format", 0),
	UNIMPL_ARG("log-min-level", 0), UNIMPL_ARG("syslog-facility", 0),
	UNIMPL_ARG("redis-userdb", 'N'), UNIMPL_ARG("redis-statsdb", 'O'),
	UNIMPL_ARG("psql-userdb", 'e'), UNIMPL_ARG("sql-userdb", 0),
	UNIMPL_ARG("mysql-userdb", 'M'), UNIMPL_ARG("mongo-userdb", 'J'),
	UNIMPL_ARG("secret-key-file", 0),
};

/* clang-format on */

const size_t conf_option_count = sizeof(conf_options) / sizeof(conf_options[0]);

const struct conf_option *conf_option_find(const char *name)
{
	for (size_t i = 0; i < conf_option_count; i++)
		if (!strcmp(conf_options[i].name, name))
			return &conf_options[i];
	return NULL;
}

const struct conf_option *conf_option_find_short(char ch)
{
	if (!ch)
		return NULL;
	for (size_t i = 0; i < conf_option_count; i++)
		if (conf_options[i].short_opt == ch)
			return &conf_options[i];
	return NULL;
}

bool conf_option_needs_value(const struct conf_option *o)
{
	switch (o->type) {
	case CONF_BOOL:
		return false;
	case CONF_UINT:
		return !(o->flags & CONF_F_BARE_DEFAULT);
	case CONF_UNIMPL:
		return (o->flags & CONF_F_ARG) != 0;
	default:
		return true;
	}
}

const char *conf_option_when(const struct conf_option *o)
{
	if (o->type == CONF_UNIMPL || (o->flags & CONF_F_NOOP))
		return "[accepted,\x1f"
		       "no\x1f"
		       "effect]";
	return (o->flags & CONF_F_RELOAD) ? "[reload]" : "[restart]";
}

/* Prints text from column col, wrapped at 79 columns with a hanging
 * indent of HELP_COL. HELP_NBSP is a space that does not break. */
#define HELP_COL 38
#define HELP_NBSP '\x1f'
static void help_wrap(FILE *out, const char *text, size_t col)
{
	while (*text) {
		size_t word = strcspn(text, " ");

		if (col > HELP_COL && col + 1 + word > 79) {
			fprintf(out, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		} else if (col > HELP_COL) {
			fputc(' ', out);
			col++;
		}
		for (size_t i = 0; i < word; i++)
			fputc(text[i] == HELP_NBSP ? ' ' : text[i], out);
		col += word;
		text += word;
		text += strspn(text, " ");
	}
}

/* One implemented option: "  -p, --listening-port=PORT   help (default: 3478)". */
static void help_option(FILE *out, const struct conf_option *o)
{
	char left[64], text[256], names[64];
	bool arg = conf_option_needs_value(o);
	const char *mv = o->type == CONF_ENUM ? conf_enum_text(o, names, sizeof(names))
					      : o->metavar;
	int n;

	n = snprintf(left, sizeof(left), "--%s%s%s%s", o->name,
		     mv ? (arg ? "=" : "[=") : "", mv ? mv : "", mv && !arg ? "]" : "");
	if (o->short_opt)
		fprintf(out, "  -%c, ", o->short_opt);
	else
		fputs("      ", out);
	if (n > HELP_COL - 8)
		fprintf(out, "%s\n%*s", left, HELP_COL, "");
	else
		fprintf(out, "%-*s", HELP_COL - 6, left);
	snprintf(text, sizeof(text), "%s%s%s%s %s", o->help,
		 o->default_text ? " (default:\x1f" : "",
		 o->default_text ? o->default_text : "", o->default_text ? ")" : "",
		 conf_option_when(o));
	help_wrap(out, text, HELP_COL);
	fputc('\n', out);
}

/* The unimplemented names, wrapped at 78 columns. */
static void help_unimplemented(FILE *out)
{
	size_t col = 0;

	fputs("\ncoturn options accepted with a warning and ignored:\n", out);
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];
		size_t len;

		if (o->type != CONF_UNIMPL)
			continue;
		len = strlen(o->name) + 1;
		if (col && col + len > 76) {
			fputc('\n', out);
			col = 0;
		}
		fprintf(out, "%s%s", col ? " " : "  ", o->name);
		col += len + (col ? 0 : 1);
	}
	fputc('\n', out);
}

void conf_print_help(FILE *out)
{
	fputs("Usage: turnroom [-c FILE] [--option[=value] ...]\n"
	      "\n"
	      "Every option is also a turnserver.conf line 'name=value', 'name value'\n"
	      "or a bare 'name' for flags; the command line overrides the file.\n"
	      "\n"
	      "  -c, --config=FILE                   Read this config file.\n"
	      "  -n                                  No config file (the default).\n"
	      "  -h, --help                          Print this help and exit.\n"
	      "      --version                       Print the version and exit.\n"
	      "\n"
	      "[reload]: SIGHUP applies a change; [restart]: a change needs a restart\n"
	      "(SIGHUP logs it and keeps the running value).\n"
	      "\n",
	      out);
	for (size_t i = 0; i < conf_option_count; i++)
		if (conf_options[i].type != CONF_UNIMPL)
			help_option(out, &conf_options[i]);
	help_unimplemented(out);
}
