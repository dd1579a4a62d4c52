/* Private to src/cluster. */
#ifndef TR_CLUSTER_INTERNAL_H
#define TR_CLUSTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/cluster.h"

struct redisAsyncContext;
struct redisReply;
struct event;

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
};

/* Starts both connections now (or schedules the next attempt). */
void cluster_redis_connect(struct cluster *c);
/* Tears both down (no callbacks to the user) and schedules a reconnect
 * when reconnect is true. */
void cluster_redis_drop(struct cluster *c, bool reconnect);
/* A command on the command connection; fn gets (c, reply-or-NULL, arg).
 * Returns 0, or TR_EIO when not ready (fn is then not called). */
typedef void (*cluster_reply_fn)(struct cluster *c, struct redisReply *r, void *arg);
int cluster_redis_cmd(struct cluster *c, cluster_reply_fn fn, void *arg, int argc,
		      const char **argv, const size_t *lens);

/* ---- logic (cluster.c), called by cluster_redis.c ---- */

/* The command connection is ready (authenticated, db selected). */
void cluster_on_cmd_ready(struct cluster *c);
/* The subscription is active. */
void cluster_on_subscribed(struct cluster *c);
/* One pub/sub message. */
void cluster_on_message(struct cluster *c, const uint8_t *p, size_t len);
/* Either connection was lost. */
void cluster_on_down(struct cluster *c);

#endif
