/* The longer documentation of options (conf_doc.h): text the man page and
 * the sample config give beyond an option's one-line help. An option not
 * listed here is documented by its help, range and default alone. */
#include "conf/conf_doc.h"

#include <stddef.h>
#include <string.h>

/* clang-format off */
const struct conf_section conf_sections[] = {
	{ "listening-port", "Listeners", NULL, NULL },
	{ "relay-ip", "Relay", NULL, NULL },
	{ "realm", "Authentication", NULL, NULL },
	{ "max-allocate-lifetime", "Lifetimes and quotas", NULL, NULL },
	{ "allowed-peer-ip", "Peers", NULL,
	  "The addresses of this server itself (listening\\-ip, relay\\-ip, both halves\n"
	  "of every external\\-ip, and every interface address when a listening or\n"
	  "relay address is a wildcard) are peers only on the relay port range\n"
	  "(min\\-port\\(enmax\\-port), that is toward other allocations of this server,\n"
	  "and never on a port the server listens on (listening\\-port,\n"
	  "tls\\-listening\\-port, http\\-port, https\\-port), whatever allowed\\-peer\\-ip\n"
	  "says: no TURN\\-in\\-TURN into its own listeners, no path to the host's\n"
	  "other services. The private half of an external\\-ip pair is allowed on the\n"
	  "relay port range even though the default deny list covers it (coturn\n"
	  "allows it on every port). Loopback addresses, when allowed\n"
	  "(allow\\-loopback\\-peers or allowed\\-peer\\-ip), keep every port except the\n"
	  "listening ones, for local testing. A refused peer is answered 403; a Send\n"
	  "indication toward such an address is dropped." },
	{ "fingerprint", "Protocol", NULL, NULL },
	{ "verbose", "Logging and process", NULL, NULL },
	{ "http-port", "Signaling", "Signaling (the room server)", NULL },
	{ "max-connections", "Connection limits and memory", NULL, NULL },
	{ "prometheus", "Metrics", NULL, NULL },
	{ "cert", "TLS and DTLS", NULL, NULL },
	{ "daemon", "Operations", NULL, NULL },
	{ "redis", "Cluster", "cluster: several nodes as one service (doc/cluster.md)",
	  "Several nodes act as one service through one Redis server\n"
	  "(see \\fIdoc/cluster.md\\fR): room membership and capacity are shared\n"
	  "(joined atomically), room events reach members on any node, the members\n"
	  "of a node that dies leave their rooms, and a member's TURN credentials\n"
	  "end on every node when it leaves." },
};

/* Each entry: the option, its man page body (roff), its sample comment,
 * the value its sample line shows. */
const struct conf_doc conf_docs[] = {
	{ "listening-ip", NULL, NULL, "127.0.0.1" },
	{ "relay-ip", NULL, NULL, "10.0.0.5" },
	{ "external-ip", NULL, NULL, "203.0.113.5/10.0.0.5" },
	{ "max-port",
	  "Highest relay port. Range 1\\(en65535. Default: 65535.\n"
	  ".IP\n"
	  "With relay addresses of both families (e.g. \\fBrelay\\-ip\\fR=127.0.0.1 and\n"
	  "\\fBrelay\\-ip\\fR=::1), an Allocate carrying ADDITIONAL\\-ADDRESS\\-FAMILY\n"
	  "(IPv6) gets one allocation with two relayed addresses, IPv4 and IPv6\n"
	  "(RFC 8656 section 7.2); each peer is reached from the relayed address of\n"
	  "its family. With relays of one family only, the allocation is made with\n"
	  "that family and the response carries ADDRESS\\-ERROR\\-CODE 440 for the\n"
	  "other. A Refresh with REQUESTED\\-ADDRESS\\-FAMILY and LIFETIME 0 releases\n"
	  "that family's relayed address only.",
	  NULL,
	  NULL },
	{ "mobility",
	  "RFC 8016 mobility: an Allocate with an empty MOBILITY\\-TICKET gets a\n"
	  "ticket; a Refresh carrying the latest ticket, signed with the\n"
	  "allocation's credentials, from another client address moves the\n"
	  "allocation there (same relayed address, permissions and channels; the old\n"
	  "address no longer reaches it). Each Refresh with a ticket gets a new one.\n"
	  "Without this option a MOBILITY\\-TICKET is answered 405 (Mobility\n"
	  "Forbidden). An allocation with a ticket outlives its TCP, TLS or DTLS\n"
	  "connection (what peers send meanwhile is dropped) until a Refresh with\n"
	  "the ticket moves it or its lifetime ends. Default: off.",
	  "RFC 8016 mobility: MOBILITY-TICKET on Allocate; a Refresh with the latest "
	  "ticket from a new client address moves the allocation there (same relayed "
	  "address, permissions and channels). Off: a ticket gets 405.",
	  NULL },
	{ "server-name", NULL, NULL, "turn.example.org" },
	{ "userdb",
	  "SQLite credential store in coturn's turndb schema; none given: no store.\n"
	  "A store turnroom or turnroom\\-admin creates, and its \\-wal and \\-shm files,\n"
	  "are mode 0600 (it holds hmackeys and REST secrets); at start a store that\n"
	  "group or others may read is warned about.",
	  NULL,
	  "/var/lib/turnroom/turndb" },
	{ "db", NULL, NULL, "/var/lib/turnroom/turndb" },
	{ "static-auth-secret", NULL, NULL, "CHANGE-ME-to-a-long-random-string" },
	{ "user", NULL, NULL, "alice:CHANGE-ME" },
	{ "rest-api-separator",
	  "Separator between EXPIRY and ID in REST usernames. Default: \\fB:\\fR.",
	  NULL,
	  NULL },
	{ "auth-fail-source",
	  "Failed authentications answered per source (an IPv4 address, or an IPv6 /64,\n"
	  "which one host usually owns whole): N at once, then N per minute. Beyond, the\n"
	  "source's authenticated requests are dropped unanswered, counted in\n"
	  "turnroom_auth_rate_limited_total and logged at most once every 10 seconds.\n"
	  "0: no limit. Default: 20.",
	  "Failed authentications answered per source (an IPv4 address, or an IPv6 /64): N "
	  "at once, then N per minute; beyond, the source's authenticated requests are "
	  "dropped unanswered (counted in turnroom_auth_rate_limited_total, logged at most "
	  "every 10 s). 0: no limit.",
	  NULL },
	{ "auth-fail-user",
	  "Failed authentications answered per username, from any number of sources:\n"
	  "N at once, then N per minute; beyond, new sessions of that username are\n"
	  "dropped unanswered (which also keeps its owner out while a guesser keeps\n"
	  "trying: the price of bounding the guesses). Requests on existing allocations\n"
	  "are not affected. 0: no limit. Default: 10.",
	  "Failed authentications answered per username, whatever the source: N at once, "
	  "then N per minute; beyond, new sessions of that username are dropped unanswered "
	  "(an attacker can lock a known username out this long). 0: no limit.",
	  NULL },
	{ "auth-fail-global",
	  "Failed authentications answered in total: N at once, then N per minute;\n"
	  "beyond, new sessions of every user are dropped unanswered. 0: no limit.\n"
	  "Default: 500.",
	  "Failed authentications answered in total: N at once, then N per minute; beyond, "
	  "new sessions of every user are dropped unanswered. 0: no limit.",
	  NULL },
	{ "max-allocate-timeout",
	  NULL,
	  "A TCP or TLS client that holds no allocation this long, in seconds, is disconnected.",
	  NULL },
	{ "user-quota",
	  "Concurrent allocations per user, each port held by an EVEN\\-PORT\n"
	  "reservation counted as one; beyond: 486. For REST credentials the user is\n"
	  "the ID part of the username (as in coturn), so fresh credentials of one ID\n"
	  "share the count. A long\\-term user and a REST ID of the same name are\n"
	  "counted apart. 0 = unlimited. Default: 0.",
	  "Concurrent allocations (and reserved ports) per user; for REST credentials the "
	  "user is the ID part of the username, as in coturn, and a long-term user and a "
	  "REST ID of one name count apart. 0 = unlimited. Command line: -q or --user-quota.",
	  NULL },
	{ "total-quota",
	  "Concurrent allocations in total, each port held by an EVEN\\-PORT\n"
	  "reservation counted as one until it expires or is taken; beyond: 486.\n"
	  "Default: 0, which means the size of the relay port range\n"
	  "(max\\-port \\- min\\-port + 1) less a tenth (14746 for the default range):\n"
	  "the relay can then never hand out its last ports, so other relays of the\n"
	  "host and a reservation's port pair keep room. Unlike coturn, 0 is not\n"
	  "unlimited; the port range bounds allocations anyway.",
	  "Concurrent allocations and EVEN-PORT reserved ports in total; beyond: 486. 0 = "
	  "the relay port range less a tenth (14746 for 49152-65535); unlike coturn, 0 is "
	  "not unlimited. Command line: -Q or --total-quota.",
	  NULL },
	{ "member-quota",
	  "Concurrent allocations (and reserved ports) per room member: the\n"
	  "credentials the room server hands out at join, whose usernames are\n"
	  ".I EXPIRY:room~ID\n"
	  "with ID the member's user id, so every credential a member is given\n"
	  "(refreshIce included) shares one count; beyond: 486. REST credentials a\n"
	  "site's backend mints with the same secret (any other ID) are not affected:\n"
	  "they keep coturn's user\\-quota, so a coturn deployment with\n"
	  "use\\-auth\\-secret moves over unchanged. user\\-quota, when set and lower,\n"
	  "applies to members as well. Default: 10, so one open join cannot take the\n"
	  "relay's ports: a browser peer connection gathers at most one allocation per\n"
	  "TURN URL handed out (udp, tcp, tls), so 10 covers three peer connections of\n"
	  "one member plus a spare. 0 = unlimited.",
	  "Concurrent allocations and reserved ports per room member (the room server's "
	  "credentials, EXPIRY:room~ID), so one open join cannot take every relay port: "
	  "three TURN URLs for each of three peer connections plus a spare. Other REST "
	  "credentials keep coturn's user-quota. 0 = unlimited.",
	  NULL },
	{ "max-permissions-per-allocation",
	  "Permissions (distinct peer IP addresses) one allocation may hold. A\n"
	  "CreatePermission or ChannelBind that would install more is answered 508\n"
	  "(Insufficient Capacity) and changes nothing (a CreatePermission with\n"
	  "several peers is all or nothing). 1\\-65535; default: 100. A WebRTC agent\n"
	  "asks for one permission per remote candidate address (a handful); coturn\n"
	  "hard\\-codes 1024 with no option. Each permission costs about 140 bytes\n"
	  "plus its index slot, so the default bounds an allocation to ~16 KB of\n"
	  "permissions; lookups on the packet path are hashed either way.",
	  "Permissions (peer IPs) one allocation may hold; CreatePermission or ChannelBind "
	  "beyond it gets 508 and changes nothing. Range 1-65535.",
	  NULL },
	{ "max-channels-per-allocation",
	  "Channel bindings one allocation may hold; a ChannelBind for a new channel\n"
	  "beyond it is answered 508 and changes nothing. 1\\-16384; default: 100\n"
	  "(a WebRTC agent binds one channel per remote candidate it uses). coturn\n"
	  "bounds channels only by the channel number range (4096).",
	  NULL,
	  NULL },
	{ "fd-reserve",
	  "File descriptors an Allocate never takes: when the relay socket (two for\n"
	  "an EVEN\\-PORT reservation) would leave fewer than N descriptors free under\n"
	  "RLIMIT_NOFILE, the Allocate is answered 508, so the listeners, the room\n"
	  "server and the control socket keep working when allocations pile up.\n"
	  "Open descriptors are counted from /proc/self/fd at most once a second.\n"
	  "Default: 0, which means max(64, RLIMIT_NOFILE / 10).",
	  "File descriptors Allocate leaves free for listeners, the room server and the "
	  "control socket; beyond: 508. 0 = max(64, RLIMIT_NOFILE / 10).",
	  NULL },
	{ "allowed-peer-ip", NULL, NULL, "10.0.0.7" },
	{ "denied-peer-ip", NULL, NULL, "198.51.100.0-198.51.100.255" },
	{ "allow-loopback-peers",
	  "Allow peers on 127.0.0.0/8 and ::1 (testing only). The server's own\n"
	  "listening ports stay refused.",
	  NULL,
	  NULL },
	{ "no-software-attribute",
	  "coturn's old switch, the opposite of software\\-attribute (the last one\n"
	  "given wins).",
	  "coturn's old switch, the opposite of software-attribute.",
	  NULL },
	{ "software-attribute",
	  "Send the SOFTWARE attribute (turnroom and its version) in responses.\n"
	  "Default: off, as in coturn 4.7 and later (4.6 sent it): the version is\n"
	  "not told to anyone who asks.",
	  "Send the SOFTWARE attribute (default off, as coturn 4.7+).",
	  NULL },
	{ "include-reason-string",
	  "Error responses carry a detailed reason phrase where the server has one\n"
	  "(e.g. 442 \"UDP Transport is not allowed by the TURN Server\n"
	  "configuration\", 486 \"Allocation Bandwidth Quota Reached\"), not only the\n"
	  "standard phrase of the code. Default: off, as in coturn 4.10 and later;\n"
	  "the detail can tell an attacker about the configuration.",
	  "Detailed reason phrases in error responses (default: the standard one).",
	  NULL },
	{ "stun-only",
	  "A STUN server only: every request but Binding (Allocate, Refresh,\n"
	  "CreatePermission, ChannelBind) is ignored, with no answer, as coturn does;\n"
	  "counted in turnroom_stun_mode_ignored_total.",
	  "STUN only: TURN requests get no answer. Command line: -S.",
	  NULL },
	{ "no-stun",
	  "A TURN server only: every Binding request is ignored, with no answer,\n"
	  "whether or not its 5\\-tuple holds an allocation (coturn ignores them all\n"
	  "too; ICE checks between peers travel inside the relay and are not\n"
	  "Bindings to the server). Counted in turnroom_stun_mode_ignored_total.\n"
	  "Together with stun\\-only it is refused.",
	  "TURN only: Binding requests get no answer.",
	  NULL },
	{ "secure-stun",
	  "Binding requests need long\\-term credentials like the TURN methods: a\n"
	  "Binding without MESSAGE\\-INTEGRITY gets 401 with REALM and NONCE, and\n"
	  "one signed with a user's (or a REST credential's) key gets its\n"
	  "XOR\\-MAPPED\\-ADDRESS. No effect with no\\-auth. Default: anonymous Binding.",
	  "Binding requests need credentials (401, then MESSAGE-INTEGRITY).",
	  NULL },
	{ "log-binding",
	  "Log each Binding request at info level (client address), at most 20\n"
	  "lines a second with a count of those not logged. Default: off (coturn:\n"
	  "off too, \"to avoid DoS attacks\"); coturn also needs verbose, turnroom\n"
	  "does not.",
	  NULL,
	  NULL },
	{ "drop-invalid-packets",
	  "A client packet that is neither a well\\-formed STUN message nor\n"
	  "ChannelData is dropped without an answer and counted in\n"
	  "turnroom_malformed_dropped_total. Default: on (as in coturn). With\n"
	  ".B drop\\-invalid\\-packets=off\n"
	  "a request whose header looks like STUN but whose body does not parse is\n"
	  "answered 400 Bad Request.",
	  "Malformed STUN is dropped silently (default on); off answers it 400.",
	  NULL },
	{ "no-udp-relay",
	  "Refuse UDP relays: an Allocate with REQUESTED\\-TRANSPORT UDP (17) gets\n"
	  "442 Unsupported Transport Protocol.",
	  "Refuse UDP or TCP (RFC 6062) relays with 442.",
	  NULL },
	{ "no-tcp-relay",
	  "Refuse TCP relays (RFC 6062): an Allocate with REQUESTED\\-TRANSPORT TCP\n"
	  "(6) gets 442. Together with no\\-udp\\-relay it is refused.",
	  NULL,
	  NULL },
	{ "allocation-default-address-family",
	  "The relay address family of an Allocate without REQUESTED\\-ADDRESS\\-FAMILY:\n"
	  "ipv4 (RFC 8656 and RFC 6156 4.2; on a server without an IPv4 relay,\n"
	  "IPv6), ipv6, or keep: the family of the client's own address, so a\n"
	  "client that reaches the server over IPv6 gets an IPv6 relay. A family\n"
	  "the server has no relay for gets 440. Default: ipv4.",
	  "Relay family when Allocate names none: ipv4, ipv6 or keep (the client's).",
	  NULL },
	{ "keep-address-family",
	  "coturn's deprecated switch: the same as\n"
	  ".BR allocation\\-default\\-address\\-family=keep .",
	  "coturn's deprecated switch for allocation-default-address-family=keep.",
	  NULL },
	{ "max-bps",
	  "Payload bytes per second one allocation may relay, in each direction on\n"
	  "its own (client to peer, peer to client), as coturn's max\\-bps. A token\n"
	  "bucket holding a tenth of a second's worth: what exceeds the rate is\n"
	  "dropped and counted in turnroom_bandwidth_dropped_packets_total and\n"
	  "turnroom_bandwidth_dropped_bytes_total (label direction). An RFC 6062\n"
	  "TCP allocation shares the same bucket among its connection pairs but\n"
	  "loses no byte: a direction that has spent it stops being read until it\n"
	  "refills, so the sender is slowed by TCP flow control. The limit an\n"
	  "allocation gets is fixed when it is made. Default: 0 (unlimited).",
	  "Payload bytes per second per allocation, each direction; excess dropped "
	  "(TCP relays: reading paused instead). "
	  "Command line: -s. 0 = unlimited.",
	  NULL },
	{ "bps-capacity",
	  "The total the allocations' limits may add up to: each allocation\n"
	  "reserves its max\\-bps (or member\\-max\\-bps) for its life, the last one\n"
	  "admitted gets what is left when that is less, and once it is all\n"
	  "reserved an Allocate gets 486 Allocation Quota Reached (counted in\n"
	  "turnroom_bps_capacity_refused_total; turnroom_bps_granted shows the\n"
	  "reserved total). Needs max\\-bps, as in coturn. Default: 0 (no total).",
	  "Total of the allocations' max-bps; beyond it Allocate gets 486. Needs max-bps. "
	  "Command line: -B. 0 = no total.",
	  NULL },
	{ "relay-offload",
	  "Relay ChannelData in the kernel: an eBPF program at XDP or TC ingress of\n"
	  "the Ethernet interfaces that carry a listening\\-ip or relay\\-ip address\n"
	  "(every one when an address is a wildcard) rewrites a client's ChannelData\n"
	  "for a bound channel into the datagram from the relayed address to the\n"
	  "peer, and a permitted peer's datagram into ChannelData to the client, IPv4\n"
	  "and IPv6, checksums and TTL/hop limit (one less) included, and sends it\n"
	  "out without the socket path. It relays only what this server put in its\n"
	  "maps: a plain UDP allocation's channel whose permission is live, until the\n"
	  "earliest of the channel's, the permission's and the allocation's expiry;\n"
	  "the entries go at once on delete, \\-\\-disconnect, reload and when a room\n"
	  "member leaves. Everything else (STUN, indications, TCP, TLS, DTLS, RFC\n"
	  "6062, fragments, a client and a peer of different families, allocations\n"
	  "with max\\-bps, datagrams a ChannelData header would push past the MTU,\n"
	  "a next hop not yet in the neighbour table) is relayed in userspace as\n"
	  "before. The next hop comes from the kernel's route and neighbour tables\n"
	  "(IP forwarding stays off). Counters (\\-\\-sessions, the allocation\\-deleted\n"
	  "line, /metrics) include the kernel's packets; turnroom_offload_* split\n"
	  "them out. auto: XDP, and TC ingress next to it for what XDP cannot redirect (a veth\n"
	  "output interface); without privilege (CAP_BPF, CAP_NET_ADMIN), kernel\n"
	  "support or such an interface, one log line and userspace relaying. xdp or\n"
	  "tc: only that attach point, and the server refuses to start without it\n"
	  "(xdp on a veth needs XDP or GRO on the other end). off: userspace only.\n"
	  "Attachments are links held by the process: a restart, even after SIGKILL,\n"
	  "finds nothing stale. With proc\\-user the fast path is off (its maps need\n"
	  "CAP_BPF). Needs Linux 6.6 for TC (tcx). Default: auto.",
	  "Relay bound channels in the kernel (eBPF, XDP or TC ingress): auto, xdp, tc or off.",
	  NULL },
	{ "member-max-bps",
	  "max\\-bps for allocations made with REST credentials (use\\-auth\\-secret),\n"
	  "which is what the room server hands its members: applies when set and\n"
	  "lower than max\\-bps, or when max\\-bps is 0. Long\\-term users are not\n"
	  "affected. Default: 0 (max\\-bps applies).",
	  "max-bps for REST credentials (room members); 0 = max-bps applies.",
	  NULL },
	{ "no-auth-pings",
	  "Accepted for coturn configs, without a warning: coturn's switch stops\n"
	  "its periodic health checks of a Redis or SQL authentication database;\n"
	  "turnroom's store is a local sqlite file, which is never pinged.",
	  "Accepted for coturn configs: no Redis/SQL auth database to ping.",
	  NULL },
	{ "log-file", NULL, NULL, "/var/log/turnroom/turnroom.log" },
	{ "pidfile", NULL, NULL, "/run/turnroom.pid" },
	{ "allowed-origin",
	  "WebSocket Origin allowed to connect, e.g. https://app.example.org; repeatable.\n"
	  "None given: any. Others get HTTP 403.",
	  "WebSocket Origin allowed to connect; repeatable. None given: any.",
	  "https://app.example.org" },
	{ "ws-max-message",
	  NULL,
	  "Largest room event in bytes, the one maximum of both protocols: a native "
	  "message (a larger one closes the connection with 1009; a message whose data "
	  "grows past it when relayed gets the error too-large), a Socket.IO event's "
	  "arguments plus its binary attachments (refused too-large to its sender). "
	  "Every receiver's output cap has room for one such event. Range 256-16777216.",
	  NULL },
	{ "ws-rate",
	  "Signaling messages per second per connection (burst: two seconds' worth);\n"
	  "beyond it the error rate\\-limited. Socket.IO room events count the same\n"
	  "way. Default 20.",
	  "Signaling messages per second per connection (burst: two seconds' worth).",
	  NULL },
	{ "no-socketio",
	  "Turn the Socket.IO endpoint off (requests under socketio\\-path then get 404).",
	  "Socket.IO endpoint (Engine.IO v4, Socket.IO v5: the socket.io-client of classic "
	  "room pages, unmodified) at socketio-path on http-port and https-port. "
	  "no-socketio turns it off.",
	  NULL },
	{ "no-socketio-recovery",
	  "Turn Socket.IO connection state recovery off. By default a socket lost\n"
	  "without a goodbye (a connection dropped, a ping timeout, a long poll whose\n"
	  "connection closed) is held for resume\\-window: its member keeps its slot (the\n"
	  "others see no bye), the events sent to it are kept, and a socket.io\\-client\n"
	  "4.6+ that reconnects within the window with the private id (pid) of its\n"
	  "CONNECT reply gets its socket id back, recovered, and every event it missed,\n"
	  "in order. resume\\-window=0 turns it off too. See doc/signaling.md.",
	  "Turn Socket.IO connection state recovery off (it is on while resume-window is "
	  "not 0): a socket lost without a goodbye is then not held for its client.",
	  NULL },
	{ "socketio-path",
	  "Path of the Socket.IO endpoint (Engine.IO v4 and Socket.IO v5, long\\-polling\n"
	  "and WebSocket, on http\\-port and https\\-port). Default /socket.io/.",
	  NULL,
	  NULL },
	{ "socketio-ping-interval",
	  NULL,
	  "Server ping interval and pong timeout, in milliseconds.",
	  NULL },
	{ "socketio-ping-timeout",
	  "A session whose pong does not come this long after a ping is closed (its\n"
	  "member keeps the room slot for resume\\-window). Default 20000.",
	  NULL,
	  NULL },
	{ "socketio-max-payload",
	  "Largest POST body (answered 413, the session closed) or WebSocket message\n"
	  "(closed with 1009), and the sum of a packet's binary attachments.\n"
	  "Default 1000000.",
	  "Largest POST body or WebSocket message in bytes (413 beyond).",
	  NULL },
	{ "socketio-connect-timeout",
	  "A session that sends no Socket.IO CONNECT this long is closed. Default 45000.",
	  "A session that sends no CONNECT this long (ms) is closed.",
	  NULL },
	{ "socketio-client-dir",
	  "Directory holding the dist/ files of the npm socket.io\\-client 4.8.x\n"
	  "(socket.io.js, socket.io.min.js, socket.io.esm.min.js and their .map);\n"
	  "served at socketio\\-path (/socket.io/socket.io.js, ...) with an ETag and\n"
	  "gzip. None given: not served (404).",
	  "Where the npm socket.io-client 4.8.x dist/ files are, to serve "
	  "/socket.io/socket.io.js (.min.js, .esm.min.js, .map); none: not served.",
	  "/usr/local/share/turnroom/socket.io-client/dist" },
	{ "socketio-max-sessions",
	  "Socket.IO sessions in total; a handshake beyond gets 403\n"
	  "{\"code\":4,\"message\":\"Forbidden\"}. 0 = unlimited. Default 20000.",
	  "Sessions in total and per source IPv4 address or IPv6 /64 (0 = unlimited).",
	  NULL },
	{ "socketio-max-sessions-per-ip",
	  "Socket.IO sessions per source, answered the same way: an IPv4 address, or an\n"
	  "IPv6 /64 (one host usually holds a whole /64: all its addresses count\n"
	  "together, as for max\\-connections\\-per\\-source). 0 = unlimited. Default 256.",
	  NULL,
	  NULL },
	{ "socketio-max-queued",
	  "Bytes waiting for a polling client's next GET; a session beyond is closed.\n"
	  "Default 1048576.",
	  "Bytes waiting for a polling client's GET before its session is closed.",
	  NULL },
	{ "socketio-rate",
	  "Engine.IO packets per second per session (burst: two seconds' worth); a\n"
	  "session beyond is closed. Default 200.",
	  "Engine.IO packets per second per session (burst: two seconds' worth).",
	  NULL },
	{ "resume-window",
	  NULL,
	  "How long a dropped member keeps its slot for a resume, in seconds.",
	  NULL },
	{ "ice-credential-ttl",
	  "Lifetime of the TURN credentials handed out at join; fresh ones are pushed\n"
	  "before they expire. Default 3600.",
	  "Lifetime of the TURN credentials handed out at join, in seconds; fresh ones are "
	  "pushed before they expire. Range 5-604800.",
	  NULL },
	{ "signaling-auth",
	  "Who may join a room: anyone (the demo default), long\\-term users, or holders\n"
	  "of a JWT signed HS256 with signaling\\-secret (claims room, sub, exp, and\n"
	  "optionally nbf: a token is refused before nbf, with 30 seconds of leeway for\n"
	  "clock skew, and when nbf is not an integer).",
	  "Who may join a room: open (anyone; the demo default), user (long-term users of "
	  "user= lines and the store), token (a JWT signed HS256 with signaling-secret, "
	  "claims room, sub, exp).",
	  NULL },
	{ "signaling-secret", NULL, NULL, "change-me" },
	{ "max-connections",
	  "TCP and TLS connections in total, whatever they carry (TURN, HTTP,\n"
	  "WebSocket). Default 0: half of RLIMIT_NOFILE, whose soft limit turnroom\n"
	  "raises to the hard limit at start (logged). A connection over the limit is\n"
	  "closed at once, counted (turnroom_tcp_refused_total) and logged at most a\n"
	  "few times a second. When accept() fails for want of descriptors the\n"
	  "listeners pause for 100 ms to 1 s instead of spinning.",
	  "TCP and TLS connections in total (TURN, HTTP, WebSocket); 0 = half of "
	  "RLIMIT_NOFILE, which is raised to its hard limit at start. Over a limit a new "
	  "connection is closed at once (counted, logged a few times a second).",
	  NULL },
	{ "max-connections-per-source",
	  "The same per source: an IPv4 address, or an IPv6 /64. Default 0:\n"
	  "max\\-connections/8, but at least 16 and at most 1024.",
	  "The same per source IPv4 address or IPv6 /64; 0 = max-connections/8, but at "
	  "least 16 and at most 1024.",
	  NULL },
	{ "ws-join-timeout",
	  "A WebSocket that is in no room this long (after it opened or left) is\n"
	  "closed with 1008 \"join timeout\", whatever signaling\\-auth says; a\n"
	  "Socket.IO session too, connected or not. Default 15.",
	  "A WebSocket or Socket.IO session in no room this long is closed.",
	  NULL },
	{ "ws-max-output",
	  "Output queued for one WebSocket (either protocol), beyond one legal room\n"
	  "event (2 x ws\\-max\\-message + 1 KiB): a client that does not read past it is\n"
	  "disconnected with a logged reason. Also the payload bytes kept for one\n"
	  "member during its resume window: past it the oldest messages are dropped.\n"
	  "Default 262144 (256 KiB).",
	  "Output queued for one WebSocket before a client that does not read is "
	  "disconnected; also the bytes kept for one member in its resume window (oldest "
	  "dropped past it).",
	  NULL },
	{ "signaling-max-queued",
	  "Queued signaling bytes of every queue together, whatever the transport:\n"
	  "connections' output, resume queues, Socket.IO polling queues and pending\n"
	  "attachments, input held (POST bodies, WebSocket messages arriving). Past it\n"
	  "the largest consumers are disconnected (a Socket.IO session closed, a\n"
	  "departed member ended) until the total is back under seven eighths of it.\n"
	  "Default 67108864 (64 MiB).",
	  "Queued signaling bytes of every queue together (connections, resume queues, "
	  "Socket.IO polling queues, POST bodies); past it the largest consumers are "
	  "disconnected.",
	  NULL },
	{ "web-admin",
	  "Serve the operator console (live overview, sessions, users, configuration)\n"
	  "on web\\-admin\\-ip:web\\-admin\\-port. Off by default. Logins are coturn's\n"
	  "admin users (the admin_user table: turnroom\\-admin \\-A or coturn's\n"
	  "turnadmin \\-A \\-u NAME \\-p PASS [\\-r REALM]); an admin with a realm sees and\n"
	  "changes only that realm. Sessions are random HttpOnly, SameSite=Strict\n"
	  "cookies; every change needs the session's CSRF token and a same-origin\n"
	  "request; five wrong passwords from one address or for one name brake\n"
	  "further tries (see SECURITY.md). HTTPS with cert and pkey when they are\n"
	  "set (the session cookie is then Secure); plain HTTP otherwise: keep it on\n"
	  "loopback and reach it through an SSH tunnel.",
	  "The operator console (coturn's option names); admin users from turnadmin -A.",
	  NULL },
	{ "web-admin-port",
	  "Port of the console. Default 9642, not coturn's 8080: that is turnroom's\n"
	  "http\\-port (the room server), and 9642 sits next to the metrics listener's\n"
	  "9641, both operator listeners on loopback.",
	  NULL,
	  NULL },
	{ "prometheus",
	  "Serve GET /metrics (Prometheus text format) on a listener of its own,\n"
	  "prometheus\\-address:prometheus\\-port. Off by default. Metrics never carry\n"
	  "room ids or user names unless prometheus\\-room\\-labels is set.",
	  "GET /metrics on a listener of its own (coturn's option names). Metrics carry no "
	  "room ids unless prometheus-room-labels is set.",
	  NULL },
	{ "prometheus-port",
	  "Port of the metrics listener. Default 9641 (coturn's).",
	  NULL,
	  NULL },
	{ "prometheus-address",
	  "Address of the metrics listener. Default 127.0.0.1; a non\\-loopback one is\n"
	  "warned about.",
	  NULL,
	  NULL },
	{ "prometheus-room-labels",
	  "Add turnroom_room_relayed_bytes{room=\"...\"} per live room. Off by default:\n"
	  "under signaling\\-auth=open a room id is all a stranger needs to join.",
	  NULL,
	  NULL },
	{ "metrics-token",
	  "Also serve /metrics on http\\-port (and https\\-port) to requests with\n"
	  "\"Authorization: Bearer TOKEN\" (others get 401). None given (the default):\n"
	  "/metrics on those ports is 404.",
	  "Also serve /metrics on http-port to \"Authorization: Bearer TOKEN\"; none "
	  "given: 404 there.",
	  "change-me" },
	{ "cert",
	  "PEM certificate chain and private key. With both, turnroom serves TURN over\n"
	  "TLS and DTLS on tls\\-listening\\-port and HTTPS/WSS on https\\-port, and\n"
	  "iceServers include a turns: URL. Reloaded on SIGHUP; a bad one keeps the old\n"
	  "in force. A missing or unreadable file at start\\-up is an error naming it.",
	  "PEM certificate chain and private key. With both, turnroom serves TURN over TLS "
	  "and DTLS on tls-listening-port and HTTPS/WSS on https-port, and iceServers "
	  "include a turns: URL. Reloaded on SIGHUP (a bad one keeps the old in force).",
	  "/etc/letsencrypt/live/turn.example.org/fullchain.pem" },
	{ "pkey", NULL, NULL, "/etc/letsencrypt/live/turn.example.org/privkey.pem" },
	{ "cipher-list",
	  "OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's defaults). A\n"
	  "list matching nothing is warned about and OpenSSL's defaults are used.",
	  "OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's defaults). A list "
	  "that matches nothing is warned about and OpenSSL's defaults used.",
	  "ECDHE+AESGCM:ECDHE+CHACHA20" },
	{ "dh-file", NULL, NULL, "/etc/turnroom/dhparam.pem" },
	{ "tls-listening-port",
	  NULL,
	  "TURN over TLS (TCP) and DTLS (UDP) port, when cert is set.",
	  NULL },
	{ "https-port",
	  "HTTPS and WSS port of the room server when cert is set; 0 turns it off.\n"
	  "Default 8443. May equal tls\\-listening\\-port: one port (e.g. 443) for the\n"
	  "page, the WebSocket and TURN, told apart by their first bytes and ALPN.",
	  "HTTPS and WSS port of the room server when cert is set; 0 turns it off. May "
	  "equal tls-listening-port: one port (e.g. 443) for the page, the WebSocket and "
	  "TURN, told apart by their first bytes and ALPN.",
	  NULL },
	{ "no-tls",
	  NULL,
	  "No TURN over TLS listener; no DTLS listener.",
	  NULL },
	{ "no-tlsv1",
	  "Accepted for coturn configs: TLS 1.0 and 1.1 are never offered.\n"
	  ".PP\n"
	  "DTLS under flood. A ClientHello without a valid cookie is answered with a\n"
	  "HelloVerifyRequest (RFC 6347 4.2.1) of 44 bytes, always smaller than the\n"
	  "request, and creates no state: the cookie is an HMAC of the client's address\n"
	  "and port and a 30\\-second time slot under a random key made at start, good\n"
	  "for 30 to 60 s. Only a ClientHello that echoes it starts a handshake. The\n"
	  "caps below are checked before that; a ClientHello over one is dropped without\n"
	  "an answer, counted in the metric turnroom_dtls_refused_total{cap=...}, and\n"
	  "logged at most once per 10 s. A handshake not done within 10 s is dropped; a\n"
	  "session with no allocation, after 120 s of silence. All take effect on\n"
	  "reload.",
	  "Accepted for coturn configs: TLS 1.0 and 1.1 are never offered.",
	  NULL },
	{ "dtls-max-sessions",
	  "DTLS sessions at once, established or in handshake. Default 2048 (about\n"
	  "55 KB each).",
	  "DTLS under flood: a ClientHello without a valid cookie gets a 44-byte "
	  "HelloVerifyRequest (RFC 6347 4.2.1) and creates no state. Caps on what a "
	  "ClientHello with a cookie may start; over one it is dropped, counted in "
	  "turnroom_dtls_refused_total{cap=...} and logged at most every 10 s. Sessions at "
	  "once, established or in handshake (about 55 KB each).",
	  NULL },
	{ "dtls-max-handshakes",
	  NULL,
	  "Handshakes in progress at once.",
	  NULL },
	{ "dtls-max-sessions-per-ip",
	  NULL,
	  "Sessions per client IPv4 address or IPv6 /64.",
	  NULL },
	{ "dtls-max-handshakes-per-ip",
	  NULL,
	  "Handshakes in progress per client IPv4 address or IPv6 /64.",
	  NULL },
	{ "proc-user",
	  NULL,
	  "Drop privileges to this user and group once the ports are bound.",
	  "turnroom" },
	{ "proc-group", NULL, NULL, "turnroom" },
	{ "control-socket",
	  "Unix socket (mode 0600) on which\n"
	  ".BR turnroom\\-admin (8)\n"
	  "asks the running server for \\-\\-sessions, \\-\\-disconnect, \\-\\-reload and\n"
	  "\\-\\-status. None given: no socket.",
	  "Unix socket (mode 0600) for turnroom-admin --sessions, --disconnect, --reload "
	  "and --status; none given: no socket.",
	  "/run/turnroom/turnroom.ctl" },
	{ "redis",
	  "Turns clustering on. \\fIHOST\\fR is a DNS name or an IP address, IPv6 as\n"
	  "[\\fIIP\\fR]:\\fIPORT\\fR; the port is required. Checked when the\n"
	  "configuration is read: a bad value stops start\\-up (or a reload) with\n"
	  "the file and line. Debian's hiredis 0.14 has no TLS: reach Redis over\n"
	  "loopback, a unix socket or a private network. None given: this node\n"
	  "alone, nothing changes.",
	  "A Redis server shared by the nodes: HOST:PORT, [IPv6]:PORT or unix:PATH. "
	  "Debian's hiredis has no TLS: keep Redis on a private network.",
	  "10.0.0.5:6379" },
	{ "redis-user", NULL, NULL, "turnroom" },
	{ "redis-password", NULL, NULL, "change-me" },
	{ "redis-db",
	  "The Redis database of this cluster (default 0); pub/sub channels carry\n"
	  "it too, so clusters sharing one Redis stay apart.",
	  "The Redis database of this cluster (channels carry it too).",
	  NULL },
	{ "node-id",
	  "This node's name, 1\\-64 of [A\\-Za\\-z0\\-9._\\-] (checked when the\n"
	  "configuration is read). None given: a random one,\n"
	  "generated once and kept in the\n"
	  ".B userdb\n"
	  "(table turnroom_node), so it survives restarts; without a userdb, a new\n"
	  "one at each start. A node that restarts under the same id removes the\n"
	  "members it had before at once; under a new id they leave when the old\n"
	  "id's heartbeat expires.",
	  "This node's name (default: random, generated once and kept in the userdb; "
	  "without a userdb, new at each start).",
	  "vps-1" },
	{ "drain-timeout",
	  "SIGTERM drains first: no new joins or allocations, live calls go on, and\n"
	  "the server exits when none is left or after this long (a second SIGTERM\n"
	  "exits at once). 0 (the default): SIGTERM exits at once.\n"
	  ".B turnroom\\-admin \\-\\-drain\n"
	  "drains the same way (no deadline when this is 0).",
	  "SIGTERM drains first (no new joins or allocations; live calls go on) for at "
	  "most this many seconds; 0: exit at once. turnroom-admin --drain drains the same way.",
	  NULL },
	{ "alternate-server",
	  "As coturn: while draining, an Allocate is answered 300 Try Alternate with\n"
	  "an ALTERNATE\\-SERVER of the client's address family, round robin over\n"
	  "these (IP addresses, not names: IPv6 as [\\fIIP\\fR]:\\fIPORT\\fR; the port\n"
	  "defaults to \\fBlistening\\-port\\fR); repeatable. None given: 508 while\n"
	  "draining.",
	  "While draining, Allocate gets 300 Try Alternate toward these (coturn's option; "
	  "IP, IPv4:PORT or [IPv6]:PORT; repeatable). None: 508.",
	  "203.0.113.11:3478" },
	{ "turn-servers",
	  "The TURN servers named in iceServers instead of this node (a pool;\n"
	  "repeatable): a DNS name or an IP address, IPv6 in brackets when a port\n"
	  "follows; the port defaults to \\fBlistening\\-port\\fR. A bad value stops\n"
	  "start\\-up (or a reload) with the file and line. Every node of\n"
	  "a cluster checks the credentials of every other: nodes given no\n"
	  "\\fBstatic\\-auth\\-secret\\fR share the first node's secret through Redis.",
	  "TURN servers named in iceServers instead of this node; repeatable.",
	  "turn1.example.org" },
	{ "node-timeout",
	  "A node that has not renewed its heartbeat for this long (default 6) is\n"
	  "dead: the other nodes remove its members, whose peers see bye, and end\n"
	  "their TURN allocations. Heartbeats go every third of it.",
	  "A node silent this long is dead: its members leave their rooms.",
	  NULL },
	{ "cluster-secret",
	  "Required with\n"
	  ".B redis\n"
	  "and\n"
	  ".BR redis-sentinel ,\n"
	  "the same on every node, at least 16 characters (\\fBopenssl rand -hex 32\\fR).\n"
	  "Every frame between nodes is encrypted and authenticated (AES\\-256\\-GCM)\n"
	  "under keys derived from it: a reader of Redis sees no SDP, a writer of\n"
	  "Redis cannot forge, modify or replay a frame. Nodes given no\n"
	  ".B static-auth-secret\n"
	  "mint TURN credentials with a secret derived from it; Redis holds none.\n"
	  "Prefer\n"
	  ".BR cluster-secret-file .",
	  "Shared by every node (openssl rand -hex 32); every frame between nodes is "
	  "sealed with it. Required with redis.",
	  "0123456789abcdef0123456789abcdef" },
	{ "cluster-secret-file",
	  "A file (mode 0600) whose first line is the cluster secret, read at start.",
	  "A file whose first line is cluster-secret.", "/etc/turnroom/cluster-secret" },
	{ "redis-sentinel",
	  "A Redis Sentinel, HOST:PORT; repeat for each. Instead of\n"
	  ".BR redis :\n"
	  "the nodes ask the sentinels where the master\n"
	  ".B redis-master-name\n"
	  "is, check it with ROLE, and follow +switch-master to the new master\n"
	  "after a fail-over (registering again, their members too). Keep\n"
	  ".B node-timeout\n"
	  "above the fail-over time, or nodes reap each other's members.",
	  "A Redis Sentinel (repeatable), instead of redis: the nodes follow its "
	  "fail-overs.",
	  "10.0.0.5:26379" },
	{ "redis-master-name",
	  "The name the sentinels monitor the master under (sentinel monitor NAME ...).",
	  "The master's name at the sentinels.", "mymaster" },
};
/* clang-format on */

const size_t conf_section_count = sizeof(conf_sections) / sizeof(conf_sections[0]);
const size_t conf_doc_count = sizeof(conf_docs) / sizeof(conf_docs[0]);

const struct conf_doc *conf_doc_find(const char *name)
{
	for (size_t i = 0; i < conf_doc_count; i++)
		if (!strcmp(conf_docs[i].name, name))
			return &conf_docs[i];
	return NULL;
}

const struct conf_section *conf_section_at(const char *name)
{
	for (size_t i = 0; i < conf_section_count; i++)
		if (!strcmp(conf_sections[i].first, name))
			return &conf_sections[i];
	return NULL;
}
