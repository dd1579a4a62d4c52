/* Configuration: one option table drives the turnserver.conf-style file
 * parser, the --long-options, --help and the man page list. The struct is
 * public read-only for the rest of the server; only src/conf writes it. */
#ifndef TR_CONF_H
#define TR_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A repeatable option's values, in the order given. */
struct conf_list {
	char **items;
	size_t n;
};

struct conf {
	/* listeners */
	char *config_file;             /* -c; NULL when none */
	unsigned listening_port;       /* 3478 */
	struct conf_list listening_ips;/* conf_load adds 127.0.0.1 when none */
	bool no_udp, no_tcp;
	/* relay */
	struct conf_list relay_ips;    /* empty = the listening ip */
	struct conf_list external_ips; /* "pub" or "pub/priv" */
	unsigned min_port, max_port;   /* 49152-65535 */
	/* auth */
	char *realm;                   /* "turnroom.local" */
	char *server_name;
	char *userdb;                  /* sqlite path; NULL = none */
	bool lt_cred_mech;
	bool use_auth_secret;
	bool no_auth;
	struct conf_list static_auth_secrets;
	struct conf_list users;        /* "name:password" or "name:0xKEY" */
	unsigned stale_nonce;          /* seconds, 600 */
	char rest_api_separator;       /* ':' */
	/* lifetimes and quotas */
	unsigned max_allocate_lifetime;/* 3600 */
	unsigned max_allocate_timeout; /* 60: TCP clients without allocation */
	unsigned channel_lifetime;     /* 600 */
	unsigned permission_lifetime;  /* 300 */
	unsigned user_quota, total_quota; /* 0 = unlimited */
	/* peers */
	struct conf_list allowed_peer_ips;
	struct conf_list denied_peer_ips;
	bool allow_loopback_peers;
	bool no_multicast_peers;       /* multicast is denied anyway; kept for coturn */
	/* protocol */
	bool fingerprint;
	bool no_software_attribute;
	/* logging and process */
	bool verbose;
	char *log_file;
	bool syslog;
	bool simple_log;
	bool no_stdout_log;
	char *pidfile;
	/* channel numbers up to 0x7FFF (RFC 5766) instead of 0x4FFF */
	bool rfc5766_channel_numbers;
	/* signaling (src/signal) */
	unsigned http_port;            /* 8080; 0 = no room server */
	struct conf_list allowed_origins; /* empty = any Origin */
	unsigned room_capacity;        /* 2 */
	unsigned ws_max_message;       /* bytes, 65536 */
	unsigned ws_rate;              /* messages per second per connection */
	/* Socket.IO endpoint (src/eio, src/signal/signal_sio*.c) */
	bool no_socketio;
	char *socketio_path;           /* "/socket.io/" */
	unsigned socketio_ping_interval, socketio_ping_timeout; /* ms */
	unsigned socketio_max_payload; /* bytes */
	unsigned socketio_connect_timeout; /* ms */
	char *socketio_client_dir;     /* socket.io-client dist/; NULL = not served */
	unsigned socketio_max_sessions, socketio_max_sessions_per_ip; /* 0 = no limit */
	unsigned socketio_max_queued;  /* bytes waiting for a poll, per session */
	unsigned socketio_rate;        /* Engine.IO packets per second per session */
	unsigned resume_window;        /* seconds, 30 */
	unsigned ice_credential_ttl;   /* seconds, 3600 */
	char *signaling_auth;          /* "open", "user" or "token" */
	char *signaling_secret;        /* HS256 key of join tokens */
	/* operations */
	char *control_socket;          /* unix socket for turnroom-admin; NULL = none */
	bool daemon;
	char *proc_user, *proc_group;  /* privileges dropped after binding */
	/* TLS and DTLS (src/front, src/turn) */
	char *cert, *pkey, *cipher_list, *dh_file;
	unsigned tls_listening_port;   /* 5349 */
	unsigned https_port;           /* 8443 */
	bool no_tls, no_dtls, no_tlsv1, no_tlsv1_1;
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
int conf_load(struct conf *c, int argc, char **argv, bool *want_help,
	      bool *want_version, char *err, size_t errlen);

/* Reads one file into c (no validation). For tests and reload. */
int conf_read_file(struct conf *c, const char *path, char *err, size_t errlen);
/* Checks cross-option rules (port range, separators, ...). */
int conf_validate(const struct conf *c, char *err, size_t errlen);

/* --help text from the option table. */
void conf_print_help(FILE *out);

#endif
