/* Configuration: one option table drives the turnserver.conf-style file
 * parser, the --long-options, --help and the man page list. The struct is
 * public read-only for the rest of the server; only src/conf writes it. */
#ifndef TR_CONF_H
#define TR_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/addr.h"
#include "util/peer_range.h"

/* A repeatable option's values, in the order given. */
struct conf_list {
	char **items;
	size_t n;
};

/* Typed values, parsed once at load (src/conf/conf_kinds.c); modules
 * read these, never the option text. Addresses carry port 0. */
struct conf_addrs {
	struct tr_addr *v;
	size_t n;
};

/* external-ip: "pub" (has_priv false: every relay address of its family)
 * or "pub/priv" (the relay address priv only); one family per pair. */
struct conf_external_ip {
	struct tr_addr pub, priv;
	bool has_priv;
};

struct conf_external_ips {
	struct conf_external_ip *v;
	size_t n;
};

/* turn-servers: host names with ports (0 = listening-port). */
struct conf_endpoints {
	struct tr_endpoint *v;
	size_t n;
};

/* node-id: 1-64 of [A-Za-z0-9._-] (it names Redis keys and channels). */
#define CONF_NODE_ID_MAX 64

struct conf_peer_ranges {
	struct peer_range *v;
	size_t n;
};

/* allocation-default-address-family (keep-address-family folds into KEEP). */
enum conf_family { CONF_FAMILY_IPV4, CONF_FAMILY_IPV6, CONF_FAMILY_KEEP };

/* relay-offload: where ChannelData is relayed (src/offload). */
enum conf_relay_offload {
	CONF_OFFLOAD_OFF,
	CONF_OFFLOAD_AUTO,
	CONF_OFFLOAD_XDP,
	CONF_OFFLOAD_TC
};

/* signaling-auth: who may join a room. */
enum conf_signaling_auth {
	CONF_SIGNALING_OPEN,
	CONF_SIGNALING_USER,
	CONF_SIGNALING_TOKEN
};

struct conf {
	/* listeners */
	char *config_file;               /* -c; NULL when none */
	unsigned listening_port;         /* 3478 */
	struct conf_addrs listening_ips; /* conf_load adds 127.0.0.1 when none */
	bool no_udp, no_tcp;
	/* relay */
	struct conf_addrs relay_ips; /* empty = the listening ip */
	struct conf_external_ips external_ips;
	unsigned min_port, max_port; /* 49152-65535 */
	bool mobility;               /* RFC 8016 MOBILITY-TICKET */
	/* auth */
	char *realm; /* "turnroom.local" */
	char *server_name;
	char *userdb; /* sqlite path; NULL = none */
	bool lt_cred_mech;
	bool use_auth_secret;
	bool no_auth;
	struct conf_list static_auth_secrets;
	struct conf_list users;    /* "name:password" or "name:0xKEY" */
	unsigned stale_nonce;      /* seconds, 600 */
	char rest_api_separator;   /* ':' */
	unsigned auth_fail_source; /* 20: failures per IPv4 address / IPv6 /64 */
	unsigned auth_fail_user;   /* 10: failures per username */
	unsigned auth_fail_global; /* 500: failures in total */
	/* lifetimes and quotas */
	unsigned max_allocate_lifetime;   /* 3600 */
	unsigned max_allocate_timeout;    /* 60: TCP clients without allocation */
	unsigned channel_lifetime;        /* 600 */
	unsigned permission_lifetime;     /* 300 */
	unsigned user_quota, total_quota; /* user: 0 = unlimited; total: 0 = derived */
	unsigned member_quota;            /* per REST credential ID, 10; 0 = unlimited */
	unsigned max_permissions_per_allocation; /* 100 */
	unsigned max_channels_per_allocation;    /* 100 */
	unsigned fd_reserve;                     /* 0 = max(64, RLIMIT_NOFILE / 10) */
	/* peers */
	struct conf_peer_ranges allowed_peer_ips;
	struct conf_peer_ranges denied_peer_ips;
	bool allow_loopback_peers;
	bool no_multicast_peers; /* multicast is denied anyway; kept for coturn */
	/* protocol */
	bool fingerprint;
	bool no_software_attribute;
	/* issue 13, coturn's STUN modes and bandwidth (turn_stun_modes.c,
	 * turn_bandwidth.c) */
	bool stun_only, no_stun;         /* requests of the other kind ignored */
	bool secure_stun;                /* Binding authenticated like TURN */
	bool log_binding;                /* one log line per Binding (rate-limited) */
	bool include_reason_string;      /* detailed reason phrases in errors */
	bool drop_invalid_packets;       /* true: malformed STUN dropped, not 400 */
	bool no_udp_relay, no_tcp_relay; /* 442 for that REQUESTED-TRANSPORT */
	enum conf_family allocation_default_address_family; /* ipv4 */
	bool keep_address_family; /* coturn's old -K: conf folds it into =keep */
	unsigned max_bps;         /* bytes/s per allocation, each way; 0 = none */
	unsigned bps_capacity;    /* bytes/s of max-bps granted in total; 0 = none */
	unsigned member_max_bps;  /* REST credentials (room members); 0 = none */
	bool no_auth_pings;       /* no networked auth DB to ping: no effect */
	enum conf_relay_offload relay_offload; /* auto: eBPF fast path when possible */
	/* logging and process */
	bool verbose;
	char *log_file;
	bool syslog;
	bool simple_log;
	bool no_stdout_log;
	char *pidfile;
	/* channel numbers up to 0x7FFF (RFC 5766) instead of 0x4FFF */
	bool rfc5766_channel_numbers;
	/* signaling (src/signaling) */
	unsigned http_port;               /* 8080; 0 = no room server */
	struct conf_list allowed_origins; /* empty = any Origin */
	unsigned room_capacity;           /* 2 */
	unsigned ws_max_message;          /* bytes, 65536 */
	unsigned ws_rate;                 /* messages per second per connection */
	/* Socket.IO endpoint (src/eio, src/signaling/signaling_sio*.c) */
	bool no_socketio;
	bool no_socketio_recovery; /* Socket.IO connection state recovery off */
	char *socketio_path;       /* "/socket.io/" */
	unsigned socketio_ping_interval, socketio_ping_timeout; /* ms */
	unsigned socketio_max_payload;                          /* bytes */
	unsigned socketio_connect_timeout;                      /* ms */
	char *socketio_client_dir; /* socket.io-client dist/; NULL = not served */
	unsigned socketio_max_sessions, socketio_max_sessions_per_ip; /* 0 = no limit */
	unsigned socketio_max_queued; /* bytes waiting for a poll, per session */
	unsigned socketio_rate;       /* Engine.IO packets per second per session */
	unsigned resume_window;       /* seconds, 30 */
	unsigned ice_credential_ttl;  /* seconds, 3600 */
	enum conf_signaling_auth signaling_auth; /* open */
	char *signaling_secret;                  /* HS256 key of join tokens */
	/* connection limits and metrics (src/front, src/signaling) */
	unsigned max_connections; /* TCP/TLS in total; 0 = from RLIMIT_NOFILE */
	unsigned max_connections_per_source; /* per IPv4 / IPv6 /64; 0 = derived */
	unsigned ws_join_timeout;            /* seconds, 15: WebSocket not in a room */
	unsigned ws_max_output;        /* bytes, 262144: per connection / resume queue */
	unsigned signaling_max_queued; /* bytes, 64 MiB: all connections together */
	bool prometheus;               /* metrics listener on */
	unsigned prometheus_port;      /* 9641 */
	struct tr_addr prometheus_address; /* 127.0.0.1, port 0 */
	bool prometheus_room_labels;       /* per-room series (they name room ids) */
	char *metrics_token;               /* bearer token for /metrics on http-port */
	bool web_admin;                    /* the console listener (src/console) */
	struct tr_addr web_admin_ip;       /* 127.0.0.1, port 0 */
	unsigned web_admin_port;           /* 9642 */
	/* operations */
	char *control_socket; /* unix socket for turnroom-admin; NULL = none */
	bool daemon;
	char *proc_user, *proc_group; /* privileges dropped after binding */
	/* cluster (src/cluster, src/signaling/signaling_cluster.c) */
	struct tr_endpoint redis; /* HOST:PORT or unix:PATH; host "" = one node */
	char *redis_user, *redis_password;
	unsigned redis_db;      /* 0 */
	char *node_id;          /* CONF_NODE_ID_MAX of [A-Za-z0-9._-]; NULL = generated */
	unsigned node_timeout;  /* seconds, 6: a silent node is dead */
	unsigned drain_timeout; /* seconds; 0: SIGTERM exits at once */
	/* 300 Try Alternate while draining; port 0 = listening-port */
	struct conf_addrs alternate_servers;
	/* handed out in iceServers instead of this node; port 0 = listening-port */
	struct conf_endpoints turn_servers;
	/* cluster: sealed frames and Redis Sentinel (src/cluster) */
	char *cluster_secret;      /* frames' keys; or cluster_secret_file */
	char *cluster_secret_file; /* read at start */
	/* Sentinel instead of redis; port 0 = 26379 */
	struct conf_endpoints redis_sentinels;
	char *redis_master_name; /* the master the sentinels watch */
	/* TLS and DTLS (src/front, src/turn) */
	char *cert, *pkey, *cipher_list, *dh_file;
	unsigned tls_listening_port; /* 5349 */
	unsigned https_port;         /* 8443 */
	bool no_tls, no_dtls, no_tlsv1, no_tlsv1_1;
	/* DTLS flood limits (src/turn/turn_dtls.c) */
	unsigned dtls_max_sessions;   /* established or in handshake, 2048 */
	unsigned dtls_max_handshakes; /* in progress, 512 */
	/* per IPv4 address or IPv6 /64: */
	unsigned dtls_max_sessions_per_ip;   /* 64 */
	unsigned dtls_max_handshakes_per_ip; /* 8 */
};

/* Where a config error points: "FILE:LINE: message" or, for the command
 * line, "--option: message". */
#define CONF_ERR_MAX 512

/* Defaults for every option. NULL on allocation failure. Caller frees. */
struct conf *conf_new(void);
void conf_free(struct conf *c);

/* Applies argv: finds -c FILE, reads it, then the command-line options on
 * top (they override the file). Validates the whole result.
 * Returns 0, or TR_EINVAL with err filled. Warnings for coturn options we
 * knowingly do not implement are logged once each. Sets *want_help /
 * *want_version when asked and returns 0 without validating. */
int conf_load(struct conf *c, int argc, char **argv, bool *want_help, bool *want_version,
	      char *err, size_t errlen);

/* Reads one file into c (no validation). For tests and reload. */
int conf_read_file(struct conf *c, const char *path, char *err, size_t errlen);
/* Checks cross-option rules (port range, separators, ...). */
int conf_validate(const struct conf *c, char *err, size_t errlen);

/* A reload: for every option that needs a restart (see --help) whose value
 * differs between the running config and next, logs one warning "reload:
 * NAME changed; needs a restart (keeping OLD)" (never a secret's value)
 * and copies the running value into next, so next holds what stays in
 * force. Returns how many options were kept, or TR_ENOMEM. */
int conf_keep_restart_only(const struct conf *running, struct conf *next);

/* --help text from the option table. */
void conf_print_help(FILE *out);
/* The effective value of each implemented option of c (an alias once), in
 * --help order: fn(ctx, name, value, reload) with value as a config line
 * would hold it ("" when unset) and "(set, not shown)" for a secret that is
 * set (CONF_F_SECRET: never shown); reload: SIGHUP applies it. For the
 * console's configuration page. */
typedef void (*conf_show_fn)(void *ctx, const char *name, const char *value, bool reload);
void conf_show_all(const struct conf *c, conf_show_fn fn, void *ctx);

/* --print-options=WHAT, from the option table: "man" (the option list of
 * turnroom.conf(5), roff), "man-unimplemented" (its section of coturn
 * options accepted with a warning) or "sample" (the body of
 * etc/turnroom.conf). 0, or TR_EINVAL for another WHAT. */
int conf_print_options(FILE *out, const char *what);

#endif
