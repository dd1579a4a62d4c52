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

struct signaling_server;

/* The room server; the front door hands it HTTP connections through
 * signaling_server_adopt. base, conf, auth, store (may be NULL) and turn (may
 * be NULL) are borrowed and outlive the server. NULL on failure with err
 * filled. Caller frees. */
struct signaling_server *signaling_server_new(struct event_base *base,
					      const struct conf *conf, struct auth *auth,
					      struct auth_store *store,
					      struct turn_server *turn, char *err,
					      size_t errlen);
void signaling_server_free(struct signaling_server *s);
struct bufferevent;
struct front_slot;
struct evbuffer;
/* front_adopt_fn for HTTP connections (plain or TLS): takes ownership of
 * bev and slot. */
void signaling_server_adopt(void *ctx, struct bufferevent *bev,
			    const struct tr_addr *client, const struct tr_addr *local,
			    bool tls, struct front_slot *slot);
/* The room server's Prometheus lines: aggregate counts only, unless
 * prometheus-room-labels (then per-room series name room ids). */
void signaling_server_write_metrics(struct signaling_server *s, struct evbuffer *out);
/* What /metrics on http-port (with metrics-token) answers: fn writes the
 * whole body. Without it, the room server's lines only. */
void signaling_server_set_metrics(struct signaling_server *s,
				  void (*fn)(void *ctx, struct evbuffer *out), void *ctx);
/* Whether iceServers should offer turns: URLs (a TLS listener is up). */
void signaling_server_set_tls_turn(struct signaling_server *s, bool on);
/* A reload in two phases: _prepare chooses the TURN secret for a new
 * config, credentials and store (borrowed; it may write a generated secret
 * into that store or auth, never the live ones) and changes nothing live:
 * NULL with err filled on failure. _commit cannot fail: auth modes,
 * limits, origins and the TURN secret change at once; listeners and room
 * capacity at restart. It takes ownership of r. */
struct signaling_reload;
struct signaling_reload *signaling_server_reload_prepare(struct signaling_server *s,
							 const struct conf *conf,
							 struct auth *auth,
							 struct auth_store *store,
							 char *err, size_t errlen);
void signaling_server_reload_commit(struct signaling_server *s,
				    struct signaling_reload *r);
/* A prepared reload not committed. NULL: no-op. */
void signaling_reload_free(struct signaling_reload *r);
struct evbuffer;

/* One line per WebSocket peer (client, room, user) for the control socket. */
void signaling_server_write_sessions(struct signaling_server *s, struct evbuffer *out);
/* Ends user_id's signaling session: leaves its room, closes with 1008. */
size_t signaling_server_disconnect(struct signaling_server *s, const char *user_id);
void signaling_server_status(struct signaling_server *s, struct evbuffer *out);
/* Clustered: asks every other node to disconnect user_id too (its
 * signaling sessions and TURN allocations there). False when not
 * clustered or Redis is unreachable. */
bool signaling_server_disconnect_cluster(struct signaling_server *s, const char *user_id);
/* The room of a member's user id, or NULL (ctx is the signaling_server); the
 * string lives until the room changes. */
const char *signaling_server_room_of(void *ctx, const char *user_id);
/* Draining: new joins are refused ("draining"); members already in a
 * room stay (and may resume). */
void signaling_server_set_draining(struct signaling_server *s, bool on);
/* Members of rooms on this node (not those of other cluster nodes). */
size_t signaling_server_local_members(struct signaling_server *s);
/* auth_presence_fn (ctx is the signaling_server): whether member_id is a
 * live member of a room (joined, or inside its resume window) that was
 * handed TURN credentials. */
bool signaling_server_member_live(void *ctx, const char *member_id);
/* Stops accepting and closes every WebSocket with 1001 (going away). */
void signaling_server_shutdown(struct signaling_server *s);

#endif
