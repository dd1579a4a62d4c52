/* Private to src/cluster. */
#ifndef TR_CLUSTER_INTERNAL_H
#define TR_CLUSTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/cluster.h"
#include "util/log.h"

struct redisAsyncContext;
struct redisCallbackList;
struct redisReader;
struct redisReply;
struct event;

/* ---- Redis replies (cluster_reply.c): every reply is decoded here ---- */

/* What a reply answers; each kind has one decoder. */
enum cluster_reply_kind {
	CLUSTER_REPLY_OK,      /* AUTH, SELECT: +OK */
	CLUSTER_REPLY_JOIN,    /* the join script */
	CLUSTER_REPLY_MEMBERS, /* HGETALL tr:members */
	CLUSTER_REPLY_REAP,    /* the reap script */
	CLUSTER_REPLY_SYNC,    /* the re-registration script (as REAP's) */
	CLUSTER_REPLY_COUNT,   /* HLEN tr:room:R (checkRoom) */
	CLUSTER_REPLY_PUBSUB,  /* a push on the subscribed connection */
	CLUSTER_REPLY_MASTER,  /* SENTINEL get-master-addr-by-name: host, port */
	CLUSTER_REPLY_ROLE,    /* ROLE: its first element */
	CLUSTER_REPLY_STRAY,   /* what the guard refused on the command connection */
};

#define CLUSTER_JOIN_OTHERS_MAX ((size_t)64) /* room-capacity's maximum */
/* An array longer than this is refused while it is parsed: hiredis would
 * allocate its element table from the count alone. 2^21 elements is
 * HGETALL tr:members of a million members. */
#define CLUSTER_REPLY_MAX_ELEMENTS 2097152

/* A reply that decoded. Pointers borrow the reply: valid during the
 * callback it is handed to. */
struct cluster_reply {
	enum cluster_reply_kind kind;
	enum cluster_status status; /* JOIN */
	unsigned count; /* JOIN, COUNT: members; REAP: nodes; PUBSUB: subscriptions */
	bool message;   /* PUBSUB: a message (str, len), else a subscription */
	bool error;     /* decoding failed on an error reply (not malformed) */
	/* a PUBSUB message's data (binary); MASTER's host; ROLE's role */
	const char *str;
	size_t len;
	const char *chan; /* a PUBSUB message's channel (binary) */
	size_t chan_len;
	/* JOIN's other members, MEMBERS' entries, the members REAP and SYNC
	 * removed (whose GONE frames the node publishes) */
	size_t n_pairs;
	const struct redisReply *pairs; /* read through cluster_reply_pair_at */
	char why[96];                   /* what was wrong, when decoding failed */
};

/* One member of a decoded JOIN (user, node), MEMBERS, REAP or SYNC
 * (user, node, room): ids of 1 to their maximum of [A-Za-z0-9._-], not NUL-terminated. */
struct cluster_reply_pair {
	const char *user, *node, *room;
	size_t user_len, node_len, room_len;
};

/* The one way to read a reply: 0 and d filled, or TR_EINVAL with d->why
 * saying what was wrong (d->error when r is an error reply). r may be
 * NULL (the connection went first). */
int cluster_reply_decode(enum cluster_reply_kind kind, const struct redisReply *r,
			 struct cluster_reply *d);
/* i < d->n_pairs of a decoded JOIN, MEMBERS, REAP or SYNC reply. */
void cluster_reply_pair_at(const struct cluster_reply *d, size_t i,
			   struct cluster_reply_pair *p);
/* For log lines: "the join script", ... */
const char *cluster_reply_kind_name(enum cluster_reply_kind kind);

/* Guards a connection's reader against replies hiredis's async layer
 * would assert on (or read past): on the subscribed connection (sub) a
 * push must be {"message"|"subscribe", string, any}; on the command one,
 * a reply must answer a command (replies: the context's callback list);
 * no array may have more than CLUSTER_REPLY_MAX_ELEMENTS. A refused reply
 * makes hiredis drop the connection; refused says why. */
struct cluster_guard {
	bool sub;
	bool push; /* parsing a push (private) */
	const struct redisCallbackList *replies;
	const char *refused;
};
void cluster_reply_guard(struct redisReader *r, struct cluster_guard *g);

/* ---- sealed frames (cluster_seal.c) ---- */

/* Why a frame from Redis was dropped (turnroom_cluster_frames_rejected_total). */
enum cluster_reject {
	CLUSTER_REJECT_NONE,
	CLUSTER_REJECT_MALFORMED, /* not a sealed frame, or on a channel not ours */
	CLUSTER_REJECT_AUTH,      /* the tag does not verify: no secret, or modified */
	CLUSTER_REJECT_REPLAY,    /* genuine, but not newer than the last seen */
	CLUSTER_REJECT_STALE,     /* genuine, sent too far from our clock */
	CLUSTER_REJECT_COUNT,
};
const char *cluster_reject_name(enum cluster_reject r);

/* Senders a receiver remembers (the least recently heard is forgotten). */
#define CLUSTER_SEAL_SENDERS_MAX 256
/* A frame of a sender process not heard from yet must be this recent. */
#define CLUSTER_SEAL_WINDOW_MS ((uint64_t)60000)

struct cluster_seal;
/* Keys of node_id's process (a fresh random epoch). NULL on failure. */
struct cluster_seal *cluster_seal_new(const uint8_t *secret, size_t secret_len,
				      const char *node_id);
void cluster_seal_free(struct cluster_seal *s);
/* Tests: this process as another start of the same node. */
void cluster_seal_set_epoch(struct cluster_seal *s, uint64_t epoch);
/* The sealed size of a frame of plain_len bytes. */
size_t cluster_seal_size(const struct cluster_seal *s, size_t plain_len);
/* Seals in (the inner frame) for channel chan, sent at now_ms (wall clock).
 * Returns the length written, TR_ETRUNC or TR_EIO. */
ssize_t cluster_seal_frame(struct cluster_seal *s, const char *chan, const uint8_t *in,
			   size_t n, uint64_t now_ms, uint8_t *out, size_t cap);
/* Opens a frame received on chan into out (cap bytes: at least n). NONE
 * and *out_len set, or why it was refused (nothing of it is to be used). */
enum cluster_reject cluster_open_frame(struct cluster_seal *s, const char *chan,
				       const uint8_t *in, size_t n, uint64_t now_ms,
				       uint8_t *out, size_t cap, size_t *out_len);
/* A key for another purpose, HKDF of the same secret under its own label
 * (labels are distinct from "frame key..."): 0 or TR_EIO. */
int cluster_seal_key(const struct cluster_seal *s, const void *label, size_t label_len,
		     uint8_t *out, size_t out_len);
/* HKDF-SHA256 (RFC 5869) of secret under label: 0 or TR_EIO. */
int cluster_seal_derive(const uint8_t *secret, size_t secret_len, const void *label,
			size_t label_len, uint8_t *out, size_t out_len);

/* ---- the mirror of live members (cluster_mirror.c) ---- */

struct cluster_mirror;
struct cluster_mirror *cluster_mirror_new(void);
void cluster_mirror_free(struct cluster_mirror *m);
/* Inserts or updates user (ids are at most CLUSTER_*_MAX bytes). 0 or
 * TR_ENOMEM. */
int cluster_mirror_put(struct cluster_mirror *m, const char *user, size_t ulen,
		       const char *node, size_t nlen, const char *room, size_t rlen);
void cluster_mirror_each(const struct cluster_mirror *m,
			 void (*fn)(const char *user, const char *node, const char *room,
				    void *arg),
			 void *arg);
void cluster_mirror_del(struct cluster_mirror *m, const char *user, size_t ulen);
bool cluster_mirror_has(const struct cluster_mirror *m, const char *user, size_t ulen);
size_t cluster_mirror_count(const struct cluster_mirror *m);
void cluster_mirror_clear(struct cluster_mirror *m);

/* ---- Redis connections (cluster_redis.c) ---- */

enum cluster_link_state {
	LINK_DOWN,       /* waiting for the reconnect timer */
	LINK_CONNECTING, /* TCP/unix connect and AUTH/SELECT in flight */
	LINK_READY,
};

/* A frame received while the mirror is being loaded, replayed after. */
struct cluster_pending {
	struct cluster_pending *next;
	bool to_all; /* received on the broadcast channel, else the node's */
	size_t len;
	uint8_t data[];
};

struct cluster {
	struct event_base *base;
	struct tr_endpoint ep;
	char node_id[CLUSTER_NODE_ID_MAX + 1];
	char *user, *password;
	unsigned db, timeout_ms;
	struct cluster_handlers h;
	/* Two connections: a subscribed one can run no other command. */
	struct redisAsyncContext *cmd, *sub;
	struct cluster_guard cmd_guard, sub_guard;
	struct log_limit bad_log;    /* malformed replies and Redis errors */
	struct log_limit reject_log; /* frames refused by cluster_open_frame */
	struct cluster_seal *seal;
	enum cluster_link_state cmd_state, sub_state;
	bool subscribed, registered, loading;
	unsigned backoff_ms;
	struct event *reconnect, *beat;
	char chan_all[96], chan_node[128];
	struct cluster_mirror *mirror;
	struct cluster_pending *pend_head, *pend_tail;
	size_t n_pending;
	size_t n_nodes;
	void (*each_local)(void *ctx, cluster_member_fn fn, void *arg);
	void *each_ctx;
	struct cluster_stats stats;
	/* Sentinel (cluster_sentinel.c); n_sentinels 0 with redis= */
	struct tr_endpoint *sentinels;
	size_t n_sentinels, next_sentinel, tried;
	char *master_name;
	bool master_known; /* ep is what a sentinel (or +switch-master) named */
	struct redisAsyncContext *query; /* a discovery in flight */
	struct cluster_guard query_guard;
	struct redisAsyncContext **watch; /* +switch-master, one per sentinel */
	struct cluster_guard *watch_guard;
	struct event *watch_timer;
	uint64_t down_since_ms; /* monotonic: when the link was lost, 0 if up */
};

/* Starts both connections now (or schedules the next attempt); with
 * sentinels, asks them for the master first unless it is known. */
void cluster_redis_connect(struct cluster *c);
/* Both connections to c->ep, now. */
void cluster_redis_open(struct cluster *c);
/* The next attempt after the backoff. */
void cluster_redis_schedule(struct cluster *c);
/* Tears both down (no callbacks to the user) and schedules a reconnect
 * when reconnect is true. */
void cluster_redis_drop(struct cluster *c, bool reconnect);
/* A command on the command connection; fn gets (c, reply-or-NULL, arg).
 * Returns 0, or TR_EIO when not ready (fn is then not called). */
/* A command on the command connection: its reply is decoded as `kind`,
 * then fn gets (c, decoded, arg), or (c, NULL, arg) when the connection
 * went away, Redis answered an error, or the reply was malformed (then
 * the link is dropped first, as in an outage). Returns 0, or TR_EIO when
 * not ready (fn is then not called). fn NULL: nothing reads the reply. */
typedef void (*cluster_reply_fn)(struct cluster *c, const struct cluster_reply *d,
				 void *arg);
int cluster_redis_cmd(struct cluster *c, enum cluster_reply_kind kind,
		      cluster_reply_fn fn, void *arg, int argc, const char **argv,
		      const size_t *lens);
/* A reply that did not decode: counted, logged (rate-limited), and the
 * link dropped as in an outage. */
void cluster_reply_malformed(struct cluster *c, enum cluster_reply_kind kind,
			     const char *why);

/* ---- Redis Sentinel (cluster_sentinel.c) ---- */

/* From cfg: 0, or TR_EINVAL / TR_ENOMEM with err filled. */
int cluster_sentinel_init(struct cluster *c, const struct cluster_config *cfg, char *err,
			  size_t errlen);
void cluster_sentinel_free(struct cluster *c);
/* Subscribes to +switch-master on every sentinel (and again, every
 * second, where a subscription was lost). 0 or TR_ENOMEM. */
int cluster_sentinel_start(struct cluster *c);
/* Asks the sentinels, one after the other, where the master is; then
 * cluster_redis_open, or the backoff when none knows. */
void cluster_sentinel_discover(struct cluster *c);
/* ROLE on the command connection: the link goes down unless the server
 * says master (a sentinel's answer may be stale). */
void cluster_sentinel_verify(struct cluster *c);

/* ---- logic (cluster.c), called by cluster_redis.c ---- */

/* The command connection is ready (authenticated, db selected). */
void cluster_on_cmd_ready(struct cluster *c);
/* The subscription is active. */
void cluster_on_subscribed(struct cluster *c);
/* One pub/sub message on channel chan. */
void cluster_on_message(struct cluster *c, const char *chan, size_t chan_len,
			const uint8_t *p, size_t len);
/* Either connection was lost. */
void cluster_on_down(struct cluster *c);

/* ---- frames (cluster_frames.c) ---- */

/* f encoded and sealed for channel chan: an owned buffer (*len bytes),
 * NULL when out of memory. */
char *cluster_frame_new(struct cluster *c, const char *chan,
			const struct cluster_frame *f, size_t *len);
/* A message of our channels, opened and acted on (or dropped, counted). */
void cluster_handle_frame(struct cluster *c, bool to_all, const uint8_t *p, size_t len);
/* Forgets the frames kept while the mirror loads. */
void cluster_pending_clear(struct cluster *c);
/* PUBLISH of f on chan (registered or not); 0 when Redis took it. */
int cluster_publish(struct cluster *c, const char *chan, const struct cluster_frame *f);
/* The GONE frames of the members a reap or re-registration removed. */
void cluster_publish_removed(struct cluster *c, const struct cluster_reply *d);

#endif
