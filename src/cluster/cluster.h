/* Several turnroom nodes as one service, through Redis: shared room
 * membership (joined atomically by one Lua script), node-to-node delivery
 * of room events over pub/sub, node heartbeats with a TTL so the members
 * of a dead node leave their rooms, and a mirror of every live member for
 * cluster-wide revocation of presence-bound TURN credentials.
 *
 * This module knows nothing of rooms' internals, WebSocket or JSON: it
 * moves opaque frames and keeps membership in Redis; src/signaling decides
 * what they mean. It rides the server's one event loop through hiredis's
 * libevent adapter. */
#ifndef TR_CLUSTER_H
#define TR_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/addr.h"

#define CLUSTER_NODE_ID_MAX 64
#define CLUSTER_ROOM_MAX 64
#define CLUSTER_USER_MAX 64

/* ---- pub/sub frames (cluster_wire.c): pure, fuzzed ---- */

enum cluster_kind {
	CLUSTER_MSG_JOINED = 'J', /* broadcast: user joined room on node */
	CLUSTER_MSG_GONE = 'G',   /* broadcast: user left room (any cause) */
	CLUSTER_MSG_EVENT = 'E',  /* to a node: deliver payload to user `to` */
	CLUSTER_MSG_KICK = 'K',   /* broadcast: the operator disconnects user */
};

/* A decoded frame. Every pointer points into the decoded buffer (borrowed);
 * the ids are NUL-free, the payload may be binary; lengths say where each
 * ends. */
struct cluster_frame {
	enum cluster_kind kind;
	const char *node, *room, *from, *to, *payload;
	size_t node_len, room_len, from_len, to_len, payload_len;
};

/* Frame layout: "TR1" then the kind byte, then five fields (node, room,
 * from, to, payload), each "<decimal length>:<bytes>". Returns the encoded
 * length, or TR_ETRUNC when out is too small. */
ssize_t cluster_frame_encode(const struct cluster_frame *f, uint8_t *out, size_t cap);
/* The size cluster_frame_encode needs for f. */
size_t cluster_frame_size(const struct cluster_frame *f);
/* Returns 0 or TR_EINVAL (bad magic, unknown kind, bad or overlong length,
 * trailing bytes, an id field longer than its maximum). */
int cluster_frame_decode(const uint8_t *p, size_t len, struct cluster_frame *f);

/* A relayed event (a Socket.IO member's custom event) inside an EVENT
 * frame's payload: 'R', then the event name, the arguments (JSON text)
 * and each binary attachment, each "<decimal length>:<bytes>". Pointers
 * borrow the decoded buffer. */
#define CLUSTER_RELAY_MAX_BLOBS 64
#define CLUSTER_RELAY_TAG 'R'
struct cluster_relay {
	const char *event, *args;
	size_t event_len, args_len;
	size_t n_blobs;
	const uint8_t *blob[CLUSTER_RELAY_MAX_BLOBS];
	size_t blob_len[CLUSTER_RELAY_MAX_BLOBS];
};
size_t cluster_relay_size(const struct cluster_relay *r);
/* Returns the length written, or TR_ETRUNC / TR_EINVAL (too many blobs). */
ssize_t cluster_relay_encode(const struct cluster_relay *r, uint8_t *out, size_t cap);
/* 0 or TR_EINVAL (bad tag, lengths, trailing bytes, a NUL in the event
 * name or the arguments, too many blobs). */
int cluster_relay_decode(const uint8_t *p, size_t len, struct cluster_relay *r);

/* ---- the cluster link (cluster.c) ---- */

struct event_base;
struct cluster;

struct cluster_config {
	struct tr_endpoint redis; /* host:port or unix socket (redis=, src/conf); or: */
	const char *user;         /* ACL user; NULL: none */
	const char *password;     /* NULL: no AUTH */
	unsigned db;              /* SELECT db */
	const char *node_id;      /* this node's id, [A-Za-z0-9._-]{1,64} */
	unsigned node_timeout_ms; /* a node silent this long is dead */
	/* cluster-secret: every frame is sealed under keys derived from it
	 * (cluster_seal.c); required. */
	const uint8_t *secret;
	size_t secret_len;
	/* Redis Sentinel instead of redis: "HOST:PORT" each, and the name of
	 * the master they watch. */
	const struct tr_endpoint *sentinels; /* port 0: 26379 */
	size_t n_sentinels;
	const char *master_name;
};

struct cluster_member {
	const char *user, *node; /* borrowed for the callback only */
};

enum cluster_status {
	CLUSTER_OK = 0,
	CLUSTER_FULL = 1,
	CLUSTER_ALREADY = 2,      /* the user id is already a member */
	CLUSTER_UNAVAILABLE = -1, /* Redis unreachable or failed */
};

/* Callbacks run on the loop; none may free the cluster. */
struct cluster_handlers {
	void *ctx;
	/* A frame for this node: JOINED/GONE/DRAIN broadcasts from other
	 * nodes (and GONE for reaped members of a dead node, from whichever
	 * node reaped them), EVENT frames addressed to this node. */
	void (*on_frame)(void *ctx, const struct cluster_frame *f);
	/* Redis went away (up=false) or came back and this node is
	 * registered again (up=true). */
	void (*on_state)(void *ctx, bool up);
};

/* Connects in the background (reconnecting with backoff). base, cfg's
 * strings and h are copied or borrowed as said: strings are copied. NULL
 * with err filled on a bad configuration. Caller frees. */
struct cluster *cluster_new(struct event_base *base, const struct cluster_config *cfg,
			    const struct cluster_handlers *h, char *err, size_t errlen);
/* Removes this node's heartbeat (members stay until reaped or left) and
 * disconnects. NULL is a no-op. */
void cluster_free(struct cluster *c);
bool cluster_up(const struct cluster *c);
const char *cluster_node_id(const struct cluster *c);

typedef void (*cluster_join_cb)(void *arg, enum cluster_status st, unsigned user_num,
				const struct cluster_member *others, size_t n_others);
/* Adds user to room on this node unless the room holds `capacity`
 * members, atomically across the cluster. cb runs exactly once (with
 * UNAVAILABLE when Redis is down, possibly before this returns). */
void cluster_join(struct cluster *c, const char *room, const char *user,
		  unsigned capacity, cluster_join_cb cb, void *arg);
/* Removes user from room and broadcasts GONE (every node ends its TURN
 * access and shows bye). Best effort while Redis is down: replayed by
 * the re-registration when it comes back. */
void cluster_leave(struct cluster *c, const char *room, const char *user);

typedef void (*cluster_check_cb)(void *arg, enum cluster_status st, unsigned user_num);
void cluster_check(struct cluster *c, const char *room, cluster_check_cb cb, void *arg);

/* Sends f (kind EVENT, `to` set) to node. Returns 0 or TR_EIO when down. */
int cluster_send(struct cluster *c, const char *node, const struct cluster_frame *f);

/* The local members to register again after Redis comes back: the
 * cluster calls each() for them on reconnect. */
typedef void (*cluster_member_fn)(void *arg, const char *room, const char *user);
void cluster_set_local_members(struct cluster *c,
			       void (*each)(void *ctx, cluster_member_fn fn, void *arg),
			       void *ctx);

/* The cluster's REST secret for nodes given no static-auth-secret:
 * derived from cluster-secret (HKDF, its own label), so every node has
 * it without Redis holding it. 64 hex digits and a NUL into out (at
 * least 65 bytes): 0 or TR_EIO. */
int cluster_rest_secret(const struct cluster *c, char *out, size_t len);

/* Whether user is a live member anywhere in the cluster (mirror kept from
 * broadcasts; loaded from Redis at connect). */
bool cluster_member_live(const struct cluster *c, const char *user);
size_t cluster_member_count(const struct cluster *c);
size_t cluster_node_count(const struct cluster *c);

/* Every live member of the cluster: fn(user, node, room, arg). */
void cluster_each_member(const struct cluster *c,
			 void (*fn)(const char *user, const char *node, const char *room,
				    void *arg),
			 void *arg);
/* Sends f to every node (this one too; frames of this node's own are
 * not handed back to on_frame). 0 or TR_EIO when down. */
int cluster_broadcast(struct cluster *c, const struct cluster_frame *f);

/* Counters for /metrics. replies_bad: Redis replies of the wrong type or
 * shape, each handled as an outage (the link dropped and reconnected). */
struct cluster_stats {
	uint64_t frames_in, frames_out, frames_bad, reconnects, reaped, replies_bad;
	/* frames dropped before they were opened, by reason (index: malformed,
	 * auth, replay, stale; see cluster_rejected_reason) */
	uint64_t rejected[4];
};
/* "malformed", "auth", "replay", "stale" for i < 4. */
const char *cluster_rejected_reason(size_t i);
void cluster_get_stats(const struct cluster *c, struct cluster_stats *out);

#endif
