/* The signaling half: HTTP + WebSocket room server on the same event loop
 * as the TURN relay, handing each client TURN credentials when it joins. */
#ifndef TR_SIGNAL_H
#define TR_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/addr.h"

struct event_base;
struct conf;
struct auth;
struct auth_store;
struct turn_server;

struct signal_server;

/* The room server; the front door hands it HTTP connections through
 * signal_server_adopt. base, conf, auth, store (may be NULL) and turn (may
 * be NULL) are borrowed and outlive the server. NULL on failure with err
 * filled. Caller frees. */
struct signal_server *signal_server_new(struct event_base *base, const struct conf *conf,
					struct auth *auth, struct auth_store *store,
					struct turn_server *turn, char *err, size_t errlen);
void signal_server_free(struct signal_server *s);
struct bufferevent;
struct front_slot;
struct evbuffer;
/* front_adopt_fn for HTTP connections (plain or TLS): takes ownership of
 * bev and slot. */
void signal_server_adopt(void *ctx, struct bufferevent *bev, const struct tr_addr *client,
			 const struct tr_addr *local, bool tls, struct front_slot *slot);
/* The room server's Prometheus lines: aggregate counts only, unless
 * prometheus-room-labels (then per-room series name room ids). */
void signal_server_write_metrics(struct signal_server *s, struct evbuffer *out);
/* What /metrics on http-port (with metrics-token) answers: fn writes the
 * whole body. Without it, the room server's lines only. */
void signal_server_set_metrics(struct signal_server *s,
			       void (*fn)(void *ctx, struct evbuffer *out), void *ctx);
/* Whether iceServers should offer turns: URLs (a TLS listener is up). */
void signal_server_set_tls_turn(struct signal_server *s, bool on);
/* Takes a reloaded config, credentials and store (borrowed): auth modes,
 * limits, origins and the TURN secret change at once; listeners and room
 * capacity at restart. On error nothing changes and err says why. */
int signal_server_reconfigure(struct signal_server *s, const struct conf *conf,
			      struct auth *auth, struct auth_store *store, char *err,
			      size_t errlen);
/* One line per WebSocket peer (client, room, user) for the control socket. */
void signal_server_write_sessions(struct signal_server *s, struct evbuffer *out);
/* Ends user_id's signaling session: leaves its room, closes with 1008. */
size_t signal_server_disconnect(struct signal_server *s, const char *user_id);
void signal_server_status(struct signal_server *s, struct evbuffer *out);
/* The room of a member's user id, or NULL (ctx is the signal_server); the
 * string lives until the room changes. */
const char *signal_server_room_of(void *ctx, const char *user_id);
/* Stops accepting and closes every WebSocket with 1001 (going away). */
void signal_server_shutdown(struct signal_server *s);

#endif
