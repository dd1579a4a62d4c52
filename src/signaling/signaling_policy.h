/* Private to src/signaling: the one signaling policy both room protocols
 * (native /ws in signaling_proto.c, Socket.IO in signaling_sio*.c) call, so
 * that every limit and check is written once (issue 17): who may join
 * (signaling-auth, the per-address brake on refused joins, draining), the
 * limits (one maximum per room event, ws-rate, ws-join-timeout, output
 * caps per receiver) and the routing of message and custom events into the
 * room engine. The protocol files only translate frames: a refusal comes
 * back as a struct sig_refusal they put into their own error shape. */
#ifndef TR_SIGNAL_POLICY_H
#define TR_SIGNAL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rooms/rooms.h"
#include "util/addr.h"

struct signaling_server;
struct conf;

/* ---- members ----
 * One member connection, whatever carries it (native WebSocket, Engine.IO
 * over WebSocket or long polling: signaling_member.c), so that the policy
 * and the budget see members through one interface, not per transport. */
struct sig_member_ops {
	/* Queues one already-framed room event (text) for the member; 0, or
	 * TR_E* when refused (closing, or over its output cap: then closed). */
	int (*send_text)(void *conn, const char *text, size_t len);
	/* Closes it; reason is for the log and the metrics (and the native
	 * close frame). */
	void (*close)(void *conn, const char *reason);
	/* Bytes waiting for this member. */
	size_t (*queued)(const void *conn);
	const struct tr_addr *(*peer)(const void *conn);
};
struct sig_member {
	const struct sig_member_ops *ops;
	void *conn;
};

static inline int sig_member_send_text(const struct sig_member *m, const char *text,
				       size_t len)
{
	return m->ops->send_text(m->conn, text, len);
}
static inline void sig_member_close(const struct sig_member *m, const char *reason)
{
	m->ops->close(m->conn, reason);
}
static inline size_t sig_member_queued(const struct sig_member *m)
{
	return m->ops->queued(m->conn);
}
static inline const struct tr_addr *sig_member_peer(const struct sig_member *m)
{
	return m->ops->peer(m->conn);
}
/* The member's source (its address, or its /64): addr_source_key. */
void signaling_member_source(const struct sig_member *m,
			     uint8_t key[ADDR_SOURCE_KEY_LEN]);

/* A native WebSocket (struct signaling_conn in SIG_WEBSOCKET). */
struct signaling_conn;
struct sig_member signaling_conn_member(struct signaling_conn *c);
/* An Engine.IO session, over WebSocket or polling alike (eio hides which). */
struct eio_session;
struct sig_member signaling_eio_member(struct eio_session *s);

/* A refusal: code NULL means accepted. code is the stable error code both
 * framings send (doc/signaling.md "Errors"), message a human sentence;
 * both static or owned by the caller's arguments. */
struct sig_refusal {
	const char *code;
	const char *message;
};

/* ---- admission ---- */

/* signaling-auth: whether credentials (a JSON object: username and
 * password, or token) may join room_id (NULL: any room, for a Socket.IO
 * CONNECT). No brake, no counting: see signaling_admit. */
bool signaling_join_allowed(struct signaling_server *s, json_t *creds,
			    const char *room_id);
/* Credentials presented by member m (a join, or a Socket.IO CONNECT with a
 * NULL room_id): the per-address brake first (refused: "rate-limited"),
 * then signaling-auth ("unauthorized", which feeds the brake, counts in
 * join_refusals and is logged). */
struct sig_refusal signaling_admit(struct signaling_server *s, const struct sig_member *m,
				   json_t *creds, const char *room_id);
/* A join: draining refuses all but a resume ("draining"), then
 * signaling_admit. Room capacity is the engine's (or the cluster's). */
struct sig_refusal signaling_admit_join(struct signaling_server *s,
					const struct sig_member *m, json_t *creds,
					const char *room_id, bool resume);

/* ---- limits ---- */

/* ws-rate: a token bucket of two seconds' worth of room events. */
struct sig_rate {
	uint32_t tokens_milli;
	uint64_t last_ms;
};
void signaling_rate_init(struct signaling_server *s, struct sig_rate *r);
/* Takes one event from the bucket; false: over ws-rate ("rate-limited"). */
bool signaling_rate_take(struct signaling_server *s, struct sig_rate *r);
/* Gives back the event taken (a path that hands it on to another). */
void signaling_rate_give_back(struct sig_rate *r);

/* ws-max-message: the one maximum of a room event, whatever the protocol
 * of its sender: its JSON text as carried (a native message; a Socket.IO
 * EVENT's arguments) plus its binary attachments. */
size_t signaling_event_max(const struct conf *c);
/* "too-large" when len bytes of an event exceed it; else accepted. */
struct sig_refusal signaling_event_size(const struct conf *c, size_t len);
/* The most one legal event becomes on any receiver's wire: relayed to a
 * native member, a Socket.IO event carries its arguments twice ("data" and
 * "args") and its attachments in base64 (4/3), in an envelope. */
size_t signaling_event_out_max(const struct conf *c);
/* The output cap of one receiver: its backlog option (ws-max-output,
 * socketio-max-queued) plus one legal event, so that a receiver that reads
 * promptly is never cut for what another member may legally send. */
size_t signaling_output_cap(const struct conf *c, size_t backlog);

/* ws-join-timeout, for every member connection: true when it has been in
 * no room for that long (*since: the last time it was in one, or opened);
 * counted in join_timeouts. in_room resets *since. */
bool signaling_join_timeout_due(struct signaling_server *s, uint64_t *since,
				bool in_room);
/* The same for member m, which is logged (what: "WebSocket", "Socket.IO
 * session") and closed with "join timeout" when due: true then. */
bool signaling_member_join_timeout(struct signaling_server *s, const struct sig_member *m,
				   const char *what, uint64_t *since, bool in_room);

/* ---- routing ---- */

/* The error code a client is told for a ROOM_E_* result (both framings). */
const char *signaling_room_error_code(int rc);
/* The roomId of an event's data, or NULL with the refusal to send:
 * "bad-request" or "bad-room-id". */
const char *signaling_room_id_of(json_t *data, struct sig_refusal *why);
/* Names only the server sends (joined, bye, ...): never relayed, so no
 * member can forge them to the others. */
bool signaling_event_reserved(const char *event);
/* message {roomId?, to?, data}: the others of the room (or the member to)
 * get exactly data. */
struct sig_refusal signaling_route_message(struct signaling_server *s,
					   struct room_peer *p, json_t *data);
/* The same with data already JSON text (the Socket.IO hot path). */
struct sig_refusal signaling_route_message_text(struct signaling_server *s,
						struct room_peer *p, const char *to,
						const char *data, size_t len);
/* Any other event: its arguments as JSON text ([name, ...]) and its
 * attachments go to the others of the room as they came. */
struct sig_refusal signaling_route_relay(struct signaling_server *s, struct room_peer *p,
					 const char *name, const char *text, size_t len,
					 const struct room_blob *blobs, size_t n_blobs);

#endif
