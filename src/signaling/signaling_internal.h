/* Private to src/signaling: the room server context and its connections. A
 * connection starts as HTTP (a request head), and either gets one response
 * and closes, or is upgraded to a WebSocket carrying the room protocol. */
#ifndef TR_SIGNAL_INTERNAL_H
#define TR_SIGNAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wslay/wslay.h>

#include "rooms/rooms.h"
#include "signaling/signaling.h"
#include "signaling/signaling_policy.h"
#include "util/addr.h"
#include "util/log.h"
#include "util/ratelimit.h"

struct evconnlistener;
struct bufferevent;
struct event;
struct evbuffer;
struct evbuffer_cb_entry;
struct front_slot;

#define SIG_HEAD_TIMEOUT_MS 10000u
/* A connection flushing its last bytes to a client that does not read. */
#define SIG_CLOSING_TIMEOUT_MS 10000u
#define SIG_PING_IDLE_MS 20000u
#define SIG_DROP_SILENT_MS 60000u
#define SIG_SECRET_MAX 257

enum signaling_conn_state {
	SIG_HTTP_HEAD, /* reading the request head */
	SIG_WEBSOCKET, /* upgraded: room protocol */
	SIG_CLOSING,   /* flushing a last response, then freed */
	SIG_HTTP_BODY, /* Socket.IO: reading a POST body (signaling_sio_http.c) */
	SIG_HTTP_HELD, /* Socket.IO: a long poll waiting for packets */
	SIG_EIO_WS,    /* Socket.IO: a WebSocket of Engine.IO packets */
};

struct signaling_conn {
	struct signaling_server *server;
	struct bufferevent *bev;
	struct tr_addr peer;
	enum signaling_conn_state state;
	uint64_t opened_ms, last_recv_ms, last_ping_ms;
	uint64_t unjoined_since_ms;       /* WebSocket: last time in no room */
	uint64_t closing_ms;              /* SIG_CLOSING since */
	struct front_slot *slot;          /* owned: connection-limit place */
	struct evbuffer_cb_entry *out_cb; /* counts output in out_bytes */
	wslay_event_context_ptr ws;
	struct room_peer *room_peer;     /* while a WebSocket; NULL after */
	char host[256];                  /* Host header without port */
	uint64_t ice_push_ms;            /* next unasked iceServers; 0 none */
	struct sig_rate rate;            /* ws-rate */
	bool dead;                       /* queued for freeing */
	bool tls;                        /* arrived over TLS */
	struct signaling_ticket *ticket; /* a cluster join/checkRoom in flight */
	/* Socket.IO endpoint (signaling_sio_http.c): the Engine.IO session this
	 * connection holds a poll for or carries as a WebSocket. */
	struct eio_session *eio;
	bool eio_close_frame;  /* its WebSocket close frame arrived */
	bool eio_close_sent;   /* our close frame is out */
	bool eio_direct_write; /* frames written at once (plain TCP) */
	uint8_t eio_frag_op;   /* opcode of a fragmented message */
	uint8_t *eio_frag;     /* its bytes so far; owned */
	size_t eio_frag_len;
	bool eio_keep_alive;                 /* the request in hand allows it */
	bool eio_head_only;                  /* a HEAD: the head of the answer only */
	struct signaling_sio_body *eio_body; /* a POST reading its body; owned */
	/* After the last answer, input bytes to drop before the connection
	 * ends (a POST answered before its body was read: RFC 9112 9.6). */
	size_t linger_left;
	/* Input held and not handled yet (a POST body, a partial WebSocket
	 * frame or message), as counted in the budget (signaling_server.c). */
	size_t in_counted;
	struct signaling_conn *prev, *next;
};

struct signaling_counters {
	uint64_t ws_opened, ws_closed, messages_in, messages_out, joins, join_refusals,
		http_requests;
	uint64_t slow_closed;   /* over ws-max-output */
	uint64_t budget_closed; /* shed for signaling-max-queued */
	uint64_t join_timeouts; /* closed for ws-join-timeout */
	uint64_t trims;         /* malloc_trim calls */
};

struct signaling_server {
	struct event_base *base;  /* borrowed */
	const struct conf *conf;  /* borrowed */
	struct auth *auth;        /* borrowed */
	struct auth_store *store; /* borrowed; may be NULL */
	struct turn_server *turn; /* borrowed; may be NULL */
	bool tls_turn;            /* turns: URLs in iceServers */
	struct room_engine *rooms;
	struct signaling_conn *conns;     /* live */
	struct signaling_conn *graveyard; /* closed; freed by the reaper */
	struct event *cron, *reaper;
	struct ip_limiter *join_failures;
	char ice_secret[SIG_SECRET_MAX];
	struct json_t *live_ids; /* user ids with minted credentials, still members */
	uint64_t now_ms;
	struct signaling_counters counters;
	struct signaling_cluster *cluster; /* NULL: this node alone */
	bool cluster_degraded;             /* redis= but Redis unreachable */
	bool draining;                     /* no new joins; live members stay */
	size_t out_bytes;                  /* output queued on every connection */
	size_t budget_bytes;               /* the rest of signaling-max-queued's */
	struct event *shed;                /* over signaling-max-queued: shed load */
	struct log_limit slow_log;         /* slow consumers, budget, join timeouts */
	size_t trim_peak;                  /* connections at most since the last trim */
	uint64_t trim_ms;
	/* The whole Prometheus body (main adds the relay's and the front
	 * door's); NULL: the room server's lines only. */
	void (*metrics_fn)(void *ctx, struct evbuffer *out);
	void *metrics_ctx;
	struct signaling_sio *sio;             /* the Socket.IO endpoint; NULL when off */
	struct signaling_sio_files *sio_files; /* the client bundle, read on demand */
};

/* ---- connections (signaling_server.c) ---- */

/* Closes now: the connection leaves the room engine (its member keeps the
 * resume window) and is freed at the next safe point, never inside the
 * callback that asked. */
void signaling_conn_close(struct signaling_conn *c);
/* Closes once the output buffer has been written. */
void signaling_conn_close_after_flush(struct signaling_conn *c);
void signaling_touch_clock(struct signaling_server *s);

/* signaling-max-queued, the one byte budget of every queue of the room
 * server: connections' output (counted by the server), resume queues (the
 * room engine), Engine.IO sessions' queues and charges (eio's budget
 * hook), POST bodies in flight, and whatever else holds signaling bytes
 * for a client: add when it grows, sub the same when it is freed. Past
 * the budget the largest consumers are shed at the next safe point (only
 * what a connection or a session holds can be shed: charge a session with
 * eio_session_charge when the bytes are a client's). */
void signaling_budget_add(struct signaling_server *s, size_t n);
void signaling_budget_sub(struct signaling_server *s, size_t n);
/* Every byte counted against the budget (turnroom_signaling_queued_bytes). */
size_t signaling_budget_queued(const struct signaling_server *s);

/* ---- HTTP (signaling_http.c) ---- */

/* Reads the request head once complete, answers or upgrades. */
void signaling_http_on_read(struct signaling_conn *c);
void signaling_http_respond(struct signaling_conn *c, int status,
			    const char *content_type, const void *body, size_t len,
			    bool head_only);

/* The Host header without its port. */
void signaling_host_without_port(const char *host, char *out, size_t outlen);

/* GET /metrics on http-port (signaling_metrics.c): only with metrics-token
 * and the matching bearer token, else 404. */
struct http_request;
void signaling_metrics_respond(struct signaling_conn *c, const struct http_request *req,
			       bool head_only);

/* ---- WebSocket (signaling_ws.c) ---- */

/* Sets up wslay after the 101 response. 0 or TR_ENOMEM. */
int signaling_ws_start(struct signaling_conn *c);
void signaling_ws_on_read(struct signaling_conn *c);
/* Queues a text message and flushes. */
void signaling_ws_send_text(struct signaling_conn *c, const char *text, size_t len);
/* Queues a close frame with code, then closes once flushed. */
void signaling_ws_close(struct signaling_conn *c, uint16_t code, const char *reason);
void signaling_ws_ping(struct signaling_conn *c);
void signaling_ws_free(struct signaling_conn *c);
/* base64(SHA-1(key ‖ RFC 6455 GUID)) into out (29 bytes). */
void signaling_ws_accept_key(const char *key, char out[29]);
bool signaling_utf8_valid(const uint8_t *p, size_t len);

/* ---- room protocol (signaling_proto.c) ---- */

/* One text message from a WebSocket peer. */
void signaling_proto_on_text(struct signaling_conn *c, const uint8_t *p, size_t len);
/* room_deliver_fn: ctx is the signaling_conn. */
void signaling_proto_deliver(void *ctx, const struct room_event *ev);
/* Sends {"event":"error","data":{code,message}}. */
void signaling_proto_error(struct signaling_conn *c, const char *code,
			   const char *message);
/* Sends {"event": event, "data": data}; takes the reference to data. */
struct json_t;
void signaling_proto_send(struct signaling_conn *c, const char *event,
			  struct json_t *data);
/* Pushes fresh iceServers to connections whose time has come. */
void signaling_proto_push_ice(struct signaling_conn *c);

/* ---- TURN credentials (signaling_ice.c) ---- */

/* Presence of members whose TURN credentials were minted (signaling_ice.c):
 * gone is called when the member really leaves (on_gone); free at exit. */
void signaling_presence_gone(struct signaling_server *s, const char *user_id);
void signaling_presence_free(struct signaling_server *s);
/* Picks or creates the secret the room server mints with into out
 * (SIG_SECRET_MAX): see signaling_ice.c. conf, store (may be NULL) and auth
 * are borrowed; keep is the secret in use ("" at start). 0 or error. */
int signaling_ice_secret_choose(const struct conf *c, struct auth_store *store,
				struct auth *auth, const char *keep, char *out, char *err,
				size_t errlen);
/* The iceServers array for user_id as seen through host; NULL on
 * allocation failure. Caller owns the reference (json_t *). */
struct json_t;
struct json_t *signaling_ice_servers(struct signaling_server *s, const char *host,
				     const char *user_id);

/* ---- several nodes through Redis (signaling_cluster.c) ---- */

/* Starts clustering when conf->redis is set (else does nothing). */
int signaling_cluster_start(struct signaling_server *s, char *err, size_t errlen);
void signaling_cluster_free(struct signaling_server *s);
/* A join (no resume) or checkRoom answered from Redis: asynchronous; the
 * answer goes to c unless it closed meanwhile. */
void signaling_cluster_join(struct signaling_conn *c, const char *room_id);
void signaling_cluster_check(struct signaling_conn *c, const char *room_id);
/* From the engine's on_gone: a local member is really gone. */
void signaling_cluster_member_gone(struct signaling_server *s, const char *room,
				   const char *user);
void signaling_cluster_conn_closed(struct signaling_conn *c);
/* The same for any framing: peer joins room_id through Redis; done gets
 * ROOM_OK (JOINED was delivered to peer), ROOM_E_FULL (with the count),
 * SIG_E_UNAVAILABLE or another room error, unless the owner cancelled
 * (signaling_cluster_cancel on *slot, before it frees peer). False when a join
 * or check is already pending in *slot. */
#define SIG_E_UNAVAILABLE (-100)
struct signaling_ticket;
typedef void (*signaling_join_done_fn)(void *ctx, int rc, const char *room_id,
				       unsigned user_num);
typedef void (*signaling_check_done_fn)(void *ctx, bool ok, const char *room_id,
					unsigned user_num);
bool signaling_cluster_join_peer(struct signaling_server *s, struct room_peer *p,
				 const char *room_id, struct signaling_ticket **slot,
				 signaling_join_done_fn done, void *ctx);
bool signaling_cluster_check_peer(struct signaling_server *s, const char *room_id,
				  struct signaling_ticket **slot,
				  signaling_check_done_fn done, void *ctx);
void signaling_cluster_cancel(struct signaling_ticket **slot);
/* After a reload chose the minting secret again: the cluster's stays. */
void signaling_cluster_reconfigured(struct signaling_server *s);
bool signaling_cluster_member_live(const struct signaling_server *s, const char *user);
const char *signaling_cluster_node_id(const struct signaling_server *s);
/* Members of other nodes held as peers here. */
size_t signaling_cluster_proxy_count(const struct signaling_server *s);
/* --sessions lines for the members of other nodes; /metrics gauges. */
struct evbuffer;
void signaling_cluster_write_sessions(struct signaling_server *s, struct evbuffer *out);
void signaling_cluster_write_metrics(struct signaling_server *s, struct evbuffer *out);

/* ---- Socket.IO endpoint (signaling_sio.c, signaling_sio_http.c) ---- */

struct http_request;
struct eio_session;
/* The endpoint over s (NULL when no-socketio). 0 or TR_ENOMEM. */
int signaling_sio_new(struct signaling_server *s);
void signaling_sio_free(struct signaling_server *s);
void signaling_sio_reconfigure(struct signaling_server *s);
/* The turnroom_engineio_* and turnroom_socketio_* series. */
void signaling_sio_write_metrics(struct signaling_server *s, struct evbuffer *out);
/* Routes requests under socketio-path: true when it answered or took
 * the connection. */
bool signaling_sio_route(struct signaling_conn *c, const struct http_request *req);
/* Input on a connection reading a POST body or holding a poll. */
void signaling_sio_on_body(struct signaling_conn *c);
/* The decoded bytes a POST body in flight on c holds (0 when none); frees
 * it (at close, and at the server's end). */
size_t signaling_sio_body_bytes(const struct signaling_conn *c);
void signaling_sio_body_free(struct signaling_conn *c);
/* Input on an Engine.IO WebSocket (signaling_sio_ws.c). */
void signaling_sio_ws_on_read(struct signaling_conn *c);
/* One message out on it (text or binary). */
void signaling_sio_ws_send(struct signaling_conn *c, bool binary, const void *p,
			   size_t len);
/* From now on frames are written to the socket at once (plain TCP). */
void signaling_sio_ws_start_direct(struct signaling_conn *c);
/* A close frame with code, then the connection ends once flushed. */
void signaling_sio_ws_close(struct signaling_conn *c, uint16_t code);
/* The connection closes: its session hears of it. */
void signaling_sio_conn_closed(struct signaling_conn *c);
/* Connection state recovery (signaling_sio_recover.c): its logs and held
 * sockets are in signaling-max-queued (signaling_budget_add). Shedding:
 * the logs of connected sockets go first (they only insure against a
 * loss: nothing is closed), then the held socket with the largest log of
 * at least min_bytes, which leaves its room (bytes freed, 0 when none). */
void signaling_sio_trim_logs(struct signaling_server *s);
size_t signaling_sio_shed_recovery(struct signaling_server *s, size_t min_bytes);
/* Once a second (the server's cron): ws-join-timeout for Socket.IO sockets. */
void signaling_sio_cron(struct signaling_server *s);
/* The client library files of socketio-client-dir: true when answered. */
bool signaling_sio_client_file(struct signaling_conn *c, const struct http_request *req);
void signaling_sio_files_free(struct signaling_server *s);
/* Admin listings and actions on Socket.IO members (control socket). */
struct evbuffer;
void signaling_sio_write_sessions(struct signaling_server *s, struct evbuffer *out);
size_t signaling_sio_disconnect(struct signaling_server *s, const char *user_id);
size_t signaling_sio_session_count(const struct signaling_server *s);
/* How the endpoint answers on a connection (signaling_sio_http.c). */
extern const struct eio_conn_ops signaling_sio_conn_ops;
/* The Engine.IO server of the endpoint (signaling_sio.c owns it). */
struct eio_server *signaling_sio_eio(struct signaling_server *s);

/* ---- embedded web client (signaling_web.c) ---- */

/* The file served at path, or NULL. */
const uint8_t *signaling_web_file(const char *path, size_t *len,
				  const char **content_type);

#endif
