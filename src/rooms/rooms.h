/* The room engine (src/rooms): members, capacity, resume windows, the
 * members of other nodes and the room table. It knows nothing of WebSocket,
 * Engine.IO or JSON and includes nothing from src/signaling: a peer is a
 * handle with a "deliver event" callback, so every framing (native
 * WebSocket, Socket.IO over WebSocket or long polling) plugs in the same way.
 * Room state lives behind this one interface (in memory now; Redis later).
 * Pure: no I/O; time is passed in; user ids and resume tokens come from
 * OpenSSL's RAND_bytes. */
#ifndef TR_ROOMS_H
#define TR_ROOMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROOM_ID_MAX 64       /* 1-64 of [A-Za-z0-9._-] */
#define ROOM_USER_ID_LEN 32  /* hex of 16 random bytes */
#define ROOM_TOKEN_LEN 64    /* hex of 32 random bytes */
#define ROOM_CAPACITY_MAX 64 /* larger capacities are clamped to this */
#define ROOM_DEFAULT_CAPACITY 2
#define ROOM_DEFAULT_RESUME_WINDOW_MS 30000
#define ROOM_DEFAULT_MAX_QUEUED 32
#define ROOM_DEFAULT_MAX_QUEUED_BYTES (256u * 1024)

enum room_event_kind {
	ROOM_EV_JOINED,       /* to the joiner: room_id, user_id, user_num,
			       * capacity, peers (user ids of the others),
			       * resume_token, resumed */
	ROOM_EV_OTHER_JOINED, /* to the others: room_id, user_id */
	ROOM_EV_MESSAGE,      /* to one or all others: from, payload */
	ROOM_EV_LEAVED,       /* to the leaver: room_id */
	ROOM_EV_BYE,          /* to the others: room_id, user_id */
	ROOM_EV_RELAY,        /* to the others: from, event, payload (the
			       * arguments as a JSON array text, the event name
			       * first), blobs (binary attachments) */
};

/* A binary attachment of a relayed event (borrowed). */
struct room_blob {
	const uint8_t *p;
	size_t len;
};

/* An event handed to a peer's deliver callback. Every pointer is borrowed
 * for the duration of the call only. */
struct room_event {
	enum room_event_kind kind;
	const char *room_id;
	const char *user_id; /* JOINED: the receiver's; others: the subject */
	const char *from;    /* MESSAGE: sender's user id */
	const char *payload; /* MESSAGE: opaque bytes from the sender */
	size_t payload_len;
	unsigned user_num, capacity;
	const char *const *peers; /* JOINED: the other members' user ids */
	size_t n_peers;
	const char *resume_token;      /* JOINED */
	bool resumed;                  /* JOINED: this was a resume */
	const char *event;             /* RELAY: the event name */
	const struct room_blob *blobs; /* RELAY */
	size_t n_blobs;
};

enum room_error {
	ROOM_OK = 0,
	ROOM_E_BAD_ROOM_ID = -1,
	ROOM_E_ALREADY_IN_ROOM = -2,
	ROOM_E_FULL = -3,
	ROOM_E_NOT_IN_ROOM = -4,
	ROOM_E_NO_SUCH_PEER = -5,
	ROOM_E_BAD_RESUME = -6, /* unknown or expired token, or other room */
	ROOM_E_NOMEM = -7,
};

struct room_engine;
struct room_peer;

/* Callbacks (deliver, on_gone) should not call into the engine: the
 * protocol layer defers such work to a safe point. The engine stays
 * memory-safe if they do (targets are collected by user id first and
 * looked up again before each delivery), except that a callback must
 * never call room_engine_free. */
typedef void (*room_deliver_fn)(void *ctx, const struct room_event *ev);
/* Called when a member is really gone (left, or its resume window
 * closed): the server drops its TURN allocations (presence-bound
 * credentials). */
typedef void (*room_gone_fn)(void *ctx, const char *room_id, const char *user_id);

/* A zero capacity, max_queued or max_queued_bytes selects its
 * ROOM_DEFAULT_*; a zero
 * resume_window_ms means no resume (a disconnected member goes at the
 * next tick). */
struct room_config {
	unsigned capacity;         /* default 2 */
	uint64_t resume_window_ms; /* default 30000 */
	size_t max_queued;         /* messages kept for a disconnected member */
	size_t max_queued_bytes;   /* and their payload bytes (oldest dropped) */
	room_gone_fn on_gone;      /* may be NULL */
	/* Capacity is decided outside (a cluster's Redis): rooms take up to
	 * ROOM_CAPACITY_MAX members here; `capacity` is only reported. */
	bool external_capacity;
	void *gone_ctx;
};

/* cfg may be NULL (all defaults); it is copied. NULL on allocation
 * failure. Caller frees. */
struct room_engine *room_engine_new(const struct room_config *cfg);
/* A reload: capacity and resume window (as in room_config) for rooms made
 * from now on; a room keeps those it was made with. */
void room_engine_configure(struct room_engine *e, unsigned capacity,
			   uint64_t resume_window_ms);
/* Frees every room, member and peer handle; delivers nothing. */
void room_engine_free(struct room_engine *e);

/* A handle for one connection. deliver is called for every event to it.
 * NULL on allocation failure. Freed by room_peer_disconnect. */
struct room_peer *room_peer_new(struct room_engine *e, room_deliver_fn deliver,
				void *ctx);
/* The user id this peer joins rooms with, instead of a random one (the
 * Socket.IO id of a socket.io member): 1-32 characters, set before a
 * join. TR-style 0, or ROOM_E_BAD_ROOM_ID for a bad id. */
int room_peer_set_user_id(struct room_peer *p, const char *user_id);
/* The id set by room_peer_set_user_id, or NULL. */
const char *room_peer_chosen_id(const struct room_peer *p);
/* The connection is gone: when in a room, its member stays for the resume
 * window (others see no bye yet; messages to it are queued) and the
 * handle is freed now. Never delivers to this peer again. */
void room_peer_disconnect(struct room_engine *e, struct room_peer *p, uint64_t now_ms);

bool room_id_valid(const char *room_id);
/* Lower-case hex of n_bytes (at most 32) from the CSPRNG into out
 * (2 * n_bytes + 1): the user ids and tokens of the engine. False when
 * the CSPRNG fails. */
bool room_random_hex(char *out, size_t n_bytes);

/* Joins room_id (creating it). With resume_token: takes back the slot of
 * a disconnected member of that room (same user id, no "full" because of
 * its own ghost, others see nothing), then delivers the queued messages.
 * Delivers JOINED to p and OTHER_JOINED to the others (not on resume).
 * Errors: BAD_ROOM_ID, ALREADY_IN_ROOM (one room per connection), FULL,
 * BAD_RESUME. */
int room_join(struct room_engine *e, struct room_peer *p, const char *room_id,
	      const char *resume_token, uint64_t now_ms);
/* A join whose member id the caller decided (a cluster node registers
 * the id in Redis first, and adds the members of other nodes as peers
 * whose deliver forwards to their node). silent: no OTHER_JOINED (the
 * member was there before this node knew). Errors as room_join, and
 * ALREADY_IN_ROOM when user_id is a member of the room. */
struct room_join_opts {
	const char *user_id; /* NULL: random */
	bool silent;
};
int room_join_as(struct room_engine *e, struct room_peer *p, const char *room_id,
		 const struct room_join_opts *o);
/* Delivers a MESSAGE from `from` (a member on another node) to member
 * `to` of room_id, queued when `to` is disconnected. Errors: NO_SUCH_PEER,
 * NOMEM. */
int room_deliver_message(struct room_engine *e, const char *room_id, const char *to,
			 const char *from, const char *payload, size_t len);
/* Delivers RELAY from `from` (a member on another node) to the connected
 * member `to` of room_id. Errors: NO_SUCH_PEER. */
int room_deliver_relay(struct room_engine *e, const char *room_id, const char *to,
		       const char *from, const char *event, const char *payload,
		       size_t len, const struct room_blob *blobs, size_t n_blobs);
bool room_has_member(const struct room_engine *e, const char *room_id,
		     const char *user_id);
/* The ctx of the connected peer holding member user_id of room_id when
 * that peer delivers through `deliver` (how a cluster node tells its
 * proxies of other nodes' members apart), else NULL. A hash lookup and a
 * scan of one room's members. */
void *room_member_ctx(const struct room_engine *e, const char *room_id,
		      const char *user_id, room_deliver_fn deliver);
/* Delivers LEAVED to p and BYE to the others; calls on_gone. */
int room_leave(struct room_engine *e, struct room_peer *p);
/* Delivers MESSAGE to `to` (a user id) or, when NULL, to every other
 * member. The payload is copied when it has to be queued. Errors:
 * NOT_IN_ROOM, NO_SUCH_PEER. */
int room_send(struct room_engine *e, struct room_peer *p, const char *to,
	      const char *payload, size_t len);
/* Delivers RELAY (event name, arguments as JSON text, attachments) to
 * every other connected member; members waiting for a resume miss it.
 * Errors: NOT_IN_ROOM. */
int room_relay(struct room_engine *e, struct room_peer *p, const char *event,
	       const char *payload, size_t len, const struct room_blob *blobs,
	       size_t n_blobs);
/* Members and capacity of a room (0 members when it does not exist).
 * Either out pointer may be NULL. Errors: BAD_ROOM_ID. */
int room_check(const struct room_engine *e, const char *room_id, unsigned *user_num,
	       unsigned *capacity);
/* Closes resume windows that ended: BYE to the others, on_gone. */
void room_engine_tick(struct room_engine *e, uint64_t now_ms);

/* Payload bytes queued for every disconnected member together. */
size_t room_engine_queued_bytes(const struct room_engine *e);
/* Memory pressure: ends (BYE, on_gone) the disconnected member with the
 * largest queue, if that queue holds at least min_bytes (and any). Returns
 * the bytes freed, 0 when no member qualified. */
size_t room_engine_end_largest_ghost(struct room_engine *e, size_t min_bytes);

/* The peer's state, for the protocol layer and admin listings. */
const char *room_peer_room(const struct room_peer *p);    /* NULL if none */
const char *room_peer_user_id(const struct room_peer *p); /* NULL if none */
size_t room_engine_room_count(const struct room_engine *e);
/* Calls fn for every member of every room (metrics, admin listings); fn
 * must not call the engine. */
void room_engine_each_member(const struct room_engine *e,
			     void (*fn)(const char *room_id, const char *user_id,
					bool connected, void *arg),
			     void *arg);
size_t room_engine_member_count(const struct room_engine *e);

#endif
