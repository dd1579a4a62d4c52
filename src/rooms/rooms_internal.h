/* Private to the room engine (rooms.c, the core, rooms_table.c,
 * the room table, and rooms_remote.c, the entry points of other nodes' members):
 * its data structures and the helpers both files use. Nothing else
 * includes this. */
#ifndef TR_ROOMS_INTERNAL_H
#define TR_ROOMS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "rooms/rooms.h"
#include "util/htable.h"

/* A message addressed to a disconnected member, kept until it resumes. */
struct room_msg {
	struct room_msg *next;
	char from[ROOM_USER_ID_LEN + 1];
	size_t len;
	char payload[]; /* len opaque bytes, not NUL-terminated */
};

struct room_member {
	struct room *room;      /* the room holding this member */
	struct room_peer *peer; /* NULL while disconnected */
	char user_id[ROOM_USER_ID_LEN + 1];
	char token[ROOM_TOKEN_LEN + 1];
	uint64_t disconnected_at_ms;
	uint64_t ghost_until_ms; /* disconnected_at_ms + its room's window */
	struct room_member *ghost_prev, *ghost_next; /* while disconnected */
	struct room_msg *q_head, *q_tail;            /* owned */
	size_t q_len, q_bytes; /* q_bytes: payloads, counted in the engine's */
};

struct room {
	struct htable_node node; /* in the engine's rooms, by id */
	char id[ROOM_ID_MAX + 1];
	unsigned n_members;
	/* The engine's settings when the room was made: a reload changes
	 * them for new rooms only (the slots below are allocated). */
	unsigned capacity;
	uint64_t resume_window_ms;
	struct room_member *members[]; /* capacity slots, in join order; owned */
};

struct room_peer {
	room_deliver_fn deliver;
	void *ctx;
	char user_id[ROOM_USER_ID_LEN + 1]; /* chosen id; "" = a random one */
	struct room_member *member;         /* NULL when not in a room */
	struct room_peer *prev, *next;      /* every live handle, for room_engine_free */
};

struct room_engine {
	struct room_config cfg;
	struct htable rooms; /* of room.node */
	size_t n_members;
	/* Ghosts in order of their window's end, so the head is the next to
	 * expire and a tick costs O(expired), not O(members). Windows differ
	 * only between rooms made before and after a reload changed it. */
	struct room_member *ghost_head, *ghost_tail;
	struct room_peer *peers;
	size_t queued_bytes; /* every member's q_bytes */
};

/* Copies of the ids a round of deliveries needs, taken before any callback
 * runs: a callback may change the room (see the header), so nothing
 * borrowed from it is used across one. */
struct room_snap {
	char room_id[ROOM_ID_MAX + 1];
	char user_id[ROOM_USER_ID_LEN + 1]; /* the subject */
	unsigned capacity;                  /* of the room */
	size_t n;
	char others[ROOM_CAPACITY_MAX][ROOM_USER_ID_LEN + 1];
};

#define ROOM_INITIAL_BUCKETS 64

/* ---- the room table (rooms_table.c) ---- */

/* The room named id, or NULL. */
struct room *room_find(const struct room_engine *e, const char *id);
/* A new, empty room named id (valid: checked by the caller), in the
 * table with the engine's current capacity and resume window. NULL on
 * allocation failure. */
struct room *room_create(struct room_engine *e, const char *id);
/* Takes r out of the table and frees it (its members are gone). */
void room_destroy(struct room_engine *e, struct room *r);

/* ---- the members (rooms.c) ---- */

/* The member of r with user_id, or NULL. */
struct room_member *room_member_find(const struct room *r, const char *user_id);
/* Queues a copy of a message for a disconnected member, within the
 * engine's bounds (oldest dropped first). ROOM_OK or ROOM_E_NOMEM. */
int room_queue_push(struct room_engine *e, struct room_member *m, const char *from,
		    const char *payload, size_t len);
/* Adds p to room_id as a new member (see room_join_as). */
int room_join_fresh(struct room_engine *e, struct room_peer *p, const char *room_id,
		    const struct room_join_opts *o);

#endif
