/* Cluster state in Redis, and what a node does with it.
 *
 * Keys (a Redis database per cluster; channels carry the db number, as
 * pub/sub ignores databases):
 *   tr:nodes            set of node ids that registered
 *   tr:node:ID          heartbeat, expires after node-timeout
 *   tr:room:ROOM        hash user id -> node id (the membership)
 *   tr:members          hash user id -> "NODE ROOM" (every live member)
 *   tr:nm:ID            set of user ids whose member lives on node ID
 * Channels: tr:DB:all (JOINED/GONE broadcasts) and tr:DB:node:ID (EVENT
 * frames for members on node ID). A channel per node, not per room: a
 * room has a few members, so a node subscribes once instead of once per
 * room, and a publisher sends one frame per remote member; ordering per
 * sender holds because each node publishes on one connection.
 *
 * Every change of membership is one Lua script, so capacity holds when
 * nodes race, and publishes its broadcast inside that script, so no
 * node sees a member before Redis has it. */
#include "cluster/cluster_internal.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errors.h"
#include "util/log.h"

#define MAX_PENDING 65536 /* frames buffered while the mirror loads */

static const char LUA_JOIN[] =
	"if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then\n"
	"  return {2, redis.call('HLEN', KEYS[1])}\n"
	"end\n"
	"local n = redis.call('HLEN', KEYS[1])\n"
	"if n >= tonumber(ARGV[3]) then return {1, n} end\n"
	"local others = redis.call('HGETALL', KEYS[1])\n"
	"redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
	"redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ' ' .. ARGV[4])\n"
	"redis.call('SADD', KEYS[3], ARGV[1])\n"
	"redis.call('PUBLISH', ARGV[5], ARGV[6])\n"
	"return {0, n + 1, others}\n";

/* After an outage: the member was ours, capacity was checked then. */
static const char LUA_REJOIN[] =
	"if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2] .. ' ' .. ARGV[4]) == 1 then\n"
	"  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
	"  redis.call('SADD', KEYS[3], ARGV[1])\n"
	"  redis.call('PUBLISH', ARGV[5], ARGV[6])\n"
	"  return 1\n"
	"end\n"
	"return 0\n";

/* Only the member's own node removes it (a reaped member stays gone). */
static const char LUA_LEAVE[] =
	"if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end\n"
	"redis.call('HDEL', KEYS[1], ARGV[1])\n"
	"redis.call('HDEL', KEYS[2], ARGV[1])\n"
	"redis.call('SREM', KEYS[3], ARGV[1])\n"
	"redis.call('PUBLISH', ARGV[3], ARGV[4])\n"
	"return 1\n";

/* Removes member u of node id and broadcasts its GONE frame (built here,
 * in cluster_frame_encode's layout). Prepended to the scripts below. */
#define LUA_GONE_FN                                                                      \
	"local function gone(id, u, chan)\n"                                             \
	"  local v = redis.call('HGET', 'tr:members', u)\n"                              \
	"  redis.call('SREM', 'tr:nm:' .. id, u)\n"                                      \
	"  if not v then return 0 end\n"                                                 \
	"  local room = string.sub(v, string.find(v, ' ', 1, true) + 1)\n"               \
	"  redis.call('HDEL', 'tr:room:' .. room, u)\n"                                  \
	"  redis.call('HDEL', 'tr:members', u)\n"                                        \
	"  redis.call('PUBLISH', chan, 'TR1G' .. #id .. ':' .. id .. #room .. ':' ..\n"  \
	"    room .. #u .. ':' .. u .. '0:0:')\n"                                        \
	"  return 1\n"                                                                   \
	"end\n"

/* Nodes whose heartbeat expired: their members leave. One script, so two
 * surviving nodes never reap the same member twice. */
static const char LUA_REAP[] = LUA_GONE_FN
	"local out = 0\n"
	"for _, id in ipairs(redis.call('SMEMBERS', 'tr:nodes')) do\n"
	"  if id ~= ARGV[1] and redis.call('EXISTS', 'tr:node:' .. id) == 0 then\n"
	"    for _, u in ipairs(redis.call('SMEMBERS', 'tr:nm:' .. id)) do\n"
	"      out = out + gone(id, u, ARGV[2])\n"
	"    end\n"
	"    redis.call('DEL', 'tr:nm:' .. id)\n"
	"    redis.call('SREM', 'tr:nodes', id)\n"
	"  end\n"
	"end\n"
	"return {out, redis.call('SCARD', 'tr:nodes')}\n";

/* At (re-)registration: members Redis holds for this node that it does
 * not have (it restarted under the same node-id, or left them while Redis
 * was away) leave. ARGV[3...] are the members it has. */
static const char LUA_SYNC[] =
	LUA_GONE_FN "local keep = {}\n"
		    "for i = 3, #ARGV do keep[ARGV[i]] = true end\n"
		    "local out = 0\n"
		    "for _, u in ipairs(redis.call('SMEMBERS', 'tr:nm:' .. ARGV[1])) do\n"
		    "  if not keep[u] then out = out + gone(ARGV[1], u, ARGV[2]) end\n"
		    "end\n"
		    "return out\n";

/* The REST secret of a cluster whose nodes were given none: the first
 * node's, kept in Redis. */
static const char LUA_SECRET[] = "redis.call('SET', KEYS[1], ARGV[1], 'NX')\n"
				 "return redis.call('GET', KEYS[1])\n";

static bool id_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/* ---- frames ---- */

static char *frame_new(const struct cluster_frame *f, size_t *len)
{
	size_t n = cluster_frame_size(f);
	char *buf = malloc(n);

	if (!buf)
		return NULL;
	*len = (size_t)cluster_frame_encode(f, (uint8_t *)buf, n);
	return buf;
}

static struct cluster_frame membership_frame(const struct cluster *c, enum cluster_kind k,
					     const char *room, const char *user)
{
	struct cluster_frame f = {
		.kind = k, .node = c->node_id, .room = room, .from = user
	};

	f.node_len = strlen(c->node_id);
	f.room_len = strlen(room);
	f.from_len = strlen(user);
	return f;
}

static void handle_frame(struct cluster *c, const uint8_t *p, size_t len)
{
	struct cluster_frame f;

	if (cluster_frame_decode(p, len, &f)) {
		c->stats.frames_bad++;
		return;
	}
	c->stats.frames_in++;
	if (f.kind == CLUSTER_MSG_JOINED)
		cluster_mirror_put(c->mirror, f.from, f.from_len, f.node, f.node_len,
				   f.room, f.room_len);
	else if (f.kind == CLUSTER_MSG_GONE)
		cluster_mirror_del(c->mirror, f.from, f.from_len);
	/* Our own broadcasts come back too: their effect was local already. */
	if (f.kind != CLUSTER_MSG_EVENT && f.node_len == strlen(c->node_id) &&
	    !memcmp(f.node, c->node_id, f.node_len))
		return;
	if (c->h.on_frame)
		c->h.on_frame(c->h.ctx, &f);
}

static void pending_clear(struct cluster *c)
{
	for (struct cluster_pending *p = c->pend_head, *next; p; p = next) {
		next = p->next;
		free(p);
	}
	c->pend_head = c->pend_tail = NULL;
	c->n_pending = 0;
}

void cluster_on_message(struct cluster *c, const uint8_t *p, size_t len)
{
	struct cluster_pending *q;

	if (!c->loading) {
		handle_frame(c, p, len);
		return;
	}
	/* The mirror's snapshot is in flight: keep the order, replay after. */
	if (c->n_pending >= MAX_PENDING || !(q = malloc(sizeof(*q) + len))) {
		c->stats.frames_bad++;
		return;
	}
	q->next = NULL;
	q->len = len;
	memcpy(q->data, p, len);
	if (c->pend_tail)
		c->pend_tail->next = q;
	else
		c->pend_head = q;
	c->pend_tail = q;
	c->n_pending++;
}

/* ---- registration ---- */

static void rejoin_one(void *arg, const char *room, const char *user)
{
	struct cluster *c = arg;
	struct cluster_frame f = membership_frame(c, CLUSTER_MSG_JOINED, room, user);
	char key_room[CLUSTER_ROOM_MAX + 16], key_nm[CLUSTER_NODE_ID_MAX + 16];
	size_t flen;
	char *frame = frame_new(&f, &flen);
	/* ARGV as LUA_JOIN's; the capacity (ARGV[3]) is not checked again. */
	const char *argv[12] = { "EVAL", LUA_REJOIN, "3", key_room, "tr:members", key_nm,
				 user,   c->node_id, "0", room,     c->chan_all,  frame };
	size_t lens[12];

	if (!frame)
		return;
	snprintf(key_room, sizeof(key_room), "tr:room:%s", room);
	snprintf(key_nm, sizeof(key_nm), "tr:nm:%s", c->node_id);
	for (int i = 0; i < 11; i++)
		lens[i] = strlen(argv[i]);
	lens[11] = flen;
	cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 12, argv, lens);
	cluster_mirror_put(c->mirror, user, strlen(user), c->node_id, strlen(c->node_id),
			   room, strlen(room));
	free(frame);
}

struct user_list {
	const char **argv;
	size_t *lens;
	size_t n, cap;
};

static void collect_user(void *arg, const char *room, const char *user)
{
	struct user_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		const char **a = realloc(l->argv, cap * sizeof(*a));
		size_t *n;

		if (!a)
			return;
		l->argv = a;
		n = realloc(l->lens, cap * sizeof(*n));
		if (!n)
			return;
		l->lens = n;
		l->cap = cap;
	}
	l->argv[l->n] = user; /* borrowed: the engine outlives this call */
	l->lens[l->n++] = strlen(user);
}

/* Members Redis has for this node but the node has not leave; then the
 * node's members are registered again (both are no-ops on a first start
 * with a fresh node id). */
static void sync_local(struct cluster *c)
{
	struct user_list l = { 0 };
	const char *head[5] = { "EVAL", LUA_SYNC, "0", c->node_id, c->chan_all };

	for (int i = 0; i < 5; i++)
		collect_user(&l, NULL, head[i]);
	if (c->each_local)
		c->each_local(c->each_ctx, collect_user, &l);
	if (l.n >= 5 && l.n < (size_t)INT32_MAX)
		cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, (int)l.n, l.argv,
				  l.lens);
	free(l.argv);
	free(l.lens);
	if (c->each_local)
		c->each_local(c->each_ctx, rejoin_one, c);
}

static void on_members(struct cluster *c, const struct cluster_reply *d, void *arg)
{
	struct cluster_reply_pair m;

	if (!d) {
		pending_clear(c);
		c->loading = false;
		/* The link is going down (registration starts over when it is
		 * back) or Redis refused: try again at the next beat. */
		return;
	}
	cluster_mirror_clear(c->mirror);
	for (size_t i = 0; i < d->n_pairs; i++) {
		cluster_reply_pair_at(d, i, &m);
		cluster_mirror_put(c->mirror, m.user, m.user_len, m.node, m.node_len,
				   m.room, m.room_len);
	}
	c->loading = false;
	while (c->pend_head) {
		struct cluster_pending *p = c->pend_head;

		c->pend_head = p->next;
		handle_frame(c, p->data, p->len);
		free(p);
	}
	c->pend_tail = NULL;
	c->n_pending = 0;
	sync_local(c);
	c->registered = true;
	c->backoff_ms = 0;
	log_info("cluster: node %s registered (%zu members in the cluster)", c->node_id,
		 cluster_mirror_count(c->mirror));
	if (c->h.on_state)
		c->h.on_state(c->h.ctx, true);
}

static void heartbeat(struct cluster *c);

static void try_register(struct cluster *c)
{
	const char *hgetall[2] = { "HGETALL", "tr:members" };

	if (c->cmd_state != LINK_READY || c->sub_state != LINK_READY || c->registered ||
	    c->loading)
		return;
	heartbeat(c);
	c->loading = true;
	if (cluster_redis_cmd(c, CLUSTER_REPLY_MEMBERS, on_members, NULL, 2, hgetall,
			      NULL))
		c->loading = false;
}

void cluster_on_cmd_ready(struct cluster *c)
{
	try_register(c);
}

void cluster_on_subscribed(struct cluster *c)
{
	c->subscribed = true;
	try_register(c);
}

void cluster_on_down(struct cluster *c)
{
	pending_clear(c);
	log_warn("cluster: redis unreachable; serving the members this node has, "
		 "refusing new joins until it is back");
	if (c->h.on_state)
		c->h.on_state(c->h.ctx, false);
}

/* ---- heartbeat and reaping ---- */

static void on_reap(struct cluster *c, const struct cluster_reply *d, void *arg)
{
	if (!d)
		return;
	if (d->reaped > 0) {
		c->stats.reaped += d->reaped;
		log_info("cluster: removed %u members of dead nodes", d->reaped);
	}
	c->n_nodes = d->count;
}

static void heartbeat(struct cluster *c)
{
	char key[CLUSTER_NODE_ID_MAX + 16], px[24];
	const char *set[6] = { "SET", key, "1", "PX", px, NULL };
	const char *sadd[3] = { "SADD", "tr:nodes", c->node_id };
	const char *reap[6] = { "EVAL", LUA_REAP, "0", c->node_id, c->chan_all, NULL };

	snprintf(key, sizeof(key), "tr:node:%s", c->node_id);
	snprintf(px, sizeof(px), "%u", c->timeout_ms);
	cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 5, set, NULL);
	cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 3, sadd, NULL);
	cluster_redis_cmd(c, CLUSTER_REPLY_REAP, on_reap, NULL, 5, reap, NULL);
}

static void beat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *c = arg;

	/* Not registered yet with both links up: Redis refused the members'
	 * snapshot; ask again (try_register beats too). */
	if (c->cmd_state == LINK_READY && !c->registered)
		try_register(c);
	else if (c->cmd_state == LINK_READY)
		heartbeat(c);
}

static void reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	cluster_redis_connect(arg);
}

/* ---- life cycle ---- */

static int copy_opt(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : TR_ENOMEM;
}

struct cluster *cluster_new(struct event_base *base, const struct cluster_config *cfg,
			    const struct cluster_handlers *h, char *err, size_t errlen)
{
	struct cluster *c = calloc(1, sizeof(*c));
	struct timeval beat;

	if (!c)
		goto nomem;
	c->base = base;
	c->h = *h;
	c->db = cfg->db;
	c->timeout_ms = cfg->node_timeout_ms < 300 ? 300 : cfg->node_timeout_ms;
	c->ep = cfg->redis;
	if (!c->ep.host[0] || (!c->ep.is_unix && !c->ep.port)) {
		snprintf(err, errlen, "redis: no host:port or unix:PATH");
		goto fail;
	}
	if (!id_ok(cfg->node_id, CLUSTER_NODE_ID_MAX)) {
		snprintf(err, errlen, "node-id: 1-64 of [A-Za-z0-9._-]");
		goto fail;
	}
	strcpy(c->node_id, cfg->node_id);
	snprintf(c->chan_all, sizeof(c->chan_all), "tr:%u:all", c->db);
	snprintf(c->chan_node, sizeof(c->chan_node), "tr:%u:node:%s", c->db, c->node_id);
	if (copy_opt(&c->user, cfg->user) || copy_opt(&c->password, cfg->password) ||
	    !(c->mirror = cluster_mirror_new()) ||
	    !(c->reconnect = evtimer_new(base, reconnect_cb, c)) ||
	    !(c->beat = event_new(base, -1, EV_PERSIST, beat_cb, c)))
		goto nomem;
	/* Three beats per timeout: one lost beat does not kill a node. */
	beat.tv_sec = c->timeout_ms / 3 / 1000;
	beat.tv_usec = (c->timeout_ms / 3 % 1000) * 1000;
	event_add(c->beat, &beat);
	cluster_redis_connect(c);
	return c;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	cluster_free(c);
	return NULL;
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	c->h.on_state = NULL;
	c->registered = false; /* a shutdown, not an outage: nothing to say */
	cluster_redis_drop(c, false);
	if (c->reconnect)
		event_free(c->reconnect);
	if (c->beat)
		event_free(c->beat);
	pending_clear(c);
	cluster_mirror_free(c->mirror);
	free(c->user);
	free(c->password);
	free(c);
}

bool cluster_up(const struct cluster *c)
{
	return c->registered;
}

const char *cluster_node_id(const struct cluster *c)
{
	return c->node_id;
}

void cluster_set_local_members(struct cluster *c,
			       void (*each)(void *ctx, cluster_member_fn fn, void *arg),
			       void *ctx)
{
	c->each_local = each;
	c->each_ctx = ctx;
}

bool cluster_member_live(const struct cluster *c, const char *user)
{
	return cluster_mirror_has(c->mirror, user, strlen(user));
}

size_t cluster_member_count(const struct cluster *c)
{
	return cluster_mirror_count(c->mirror);
}

size_t cluster_node_count(const struct cluster *c)
{
	return c->n_nodes;
}

void cluster_get_stats(const struct cluster *c, struct cluster_stats *out)
{
	*out = c->stats;
}

/* ---- membership and delivery ---- */

struct join_call {
	cluster_join_cb cb;
	void *arg;
	char user[CLUSTER_USER_MAX + 1];
	char room[CLUSTER_ROOM_MAX + 1];
};

/* The ids of the other members, NUL-terminated for the callback. */
struct join_others {
	struct cluster_member m[CLUSTER_JOIN_OTHERS_MAX];
	char user[CLUSTER_JOIN_OTHERS_MAX][CLUSTER_USER_MAX + 1];
	char node[CLUSTER_JOIN_OTHERS_MAX][CLUSTER_NODE_ID_MAX + 1];
};

static void on_join(struct cluster *c, const struct cluster_reply *d, void *arg)
{
	struct join_call *j = arg;
	struct join_others o;
	struct cluster_reply_pair p;

	if (!d) {
		j->cb(j->arg, CLUSTER_UNAVAILABLE, 0, NULL, 0);
		free(j);
		return;
	}
	/* The decoder checked every id (CLUSTER_JOIN_OTHERS_MAX pairs at
	 * most, each of its maximum length). */
	for (size_t i = 0; i < d->n_pairs; i++) {
		cluster_reply_pair_at(d, i, &p);
		memcpy(o.user[i], p.user, p.user_len);
		o.user[i][p.user_len] = '\0';
		memcpy(o.node[i], p.node, p.node_len);
		o.node[i][p.node_len] = '\0';
		o.m[i].user = o.user[i];
		o.m[i].node = o.node[i];
	}
	if (d->status == CLUSTER_OK)
		cluster_mirror_put(c->mirror, j->user, strlen(j->user), c->node_id,
				   strlen(c->node_id), j->room, strlen(j->room));
	j->cb(j->arg, d->status, d->count, o.m, d->n_pairs);
	free(j);
}

void cluster_join(struct cluster *c, const char *room, const char *user,
		  unsigned capacity, cluster_join_cb cb, void *arg)
{
	struct cluster_frame f = membership_frame(c, CLUSTER_MSG_JOINED, room, user);
	char key_room[CLUSTER_ROOM_MAX + 16], key_nm[CLUSTER_NODE_ID_MAX + 16], cap[16];
	struct join_call *j = NULL;
	size_t flen = 0, lens[12];
	char *frame = NULL;
	const char *argv[12] = { "EVAL", LUA_JOIN,   "3", key_room, "tr:members", key_nm,
				 user,   c->node_id, cap, room,     c->chan_all,  NULL };

	if (!c->registered || strlen(room) > CLUSTER_ROOM_MAX ||
	    strlen(user) > CLUSTER_USER_MAX || !(j = calloc(1, sizeof(*j))) ||
	    !(frame = frame_new(&f, &flen)))
		goto unavailable;
	j->cb = cb;
	j->arg = arg;
	strcpy(j->user, user);
	strcpy(j->room, room);
	snprintf(key_room, sizeof(key_room), "tr:room:%s", room);
	snprintf(key_nm, sizeof(key_nm), "tr:nm:%s", c->node_id);
	snprintf(cap, sizeof(cap), "%u", capacity);
	argv[11] = frame;
	for (int i = 0; i < 11; i++)
		lens[i] = strlen(argv[i]);
	lens[11] = flen;
	if (cluster_redis_cmd(c, CLUSTER_REPLY_JOIN, on_join, j, 12, argv, lens))
		goto unavailable;
	c->stats.frames_out++;
	free(frame);
	return;
unavailable:
	free(frame);
	free(j);
	cb(arg, CLUSTER_UNAVAILABLE, 0, NULL, 0);
}

void cluster_leave(struct cluster *c, const char *room, const char *user)
{
	struct cluster_frame f = membership_frame(c, CLUSTER_MSG_GONE, room, user);
	char key_room[CLUSTER_ROOM_MAX + 16], key_nm[CLUSTER_NODE_ID_MAX + 16];
	size_t flen = 0, lens[10];
	char *frame;
	const char *argv[10] = { "EVAL", LUA_LEAVE, "3",        key_room,    "tr:members",
				 key_nm, user,      c->node_id, c->chan_all, NULL };

	cluster_mirror_del(c->mirror, user, strlen(user));
	if (strlen(room) > CLUSTER_ROOM_MAX || !(frame = frame_new(&f, &flen)))
		return;
	snprintf(key_room, sizeof(key_room), "tr:room:%s", room);
	snprintf(key_nm, sizeof(key_nm), "tr:nm:%s", c->node_id);
	argv[9] = frame;
	for (int i = 0; i < 9; i++)
		lens[i] = strlen(argv[i]);
	lens[9] = flen;
	/* While Redis is down this is lost; the member is not re-registered
	 * when the link comes back (it is no longer local), and a member
	 * left in Redis by a crash is reaped with its node. */
	if (!cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 10, argv, lens))
		c->stats.frames_out++;
	free(frame);
}

struct check_call {
	cluster_check_cb cb;
	void *arg;
};

static void on_check(struct cluster *c, const struct cluster_reply *d, void *arg)
{
	struct check_call *k = arg;

	if (d)
		k->cb(k->arg, CLUSTER_OK, d->count);
	else
		k->cb(k->arg, CLUSTER_UNAVAILABLE, 0);
	free(k);
}

void cluster_check(struct cluster *c, const char *room, cluster_check_cb cb, void *arg)
{
	char key_room[CLUSTER_ROOM_MAX + 16];
	const char *argv[2] = { "HLEN", key_room };
	struct check_call *k = NULL;

	if (!c->registered || strlen(room) > CLUSTER_ROOM_MAX ||
	    !(k = malloc(sizeof(*k))))
		goto unavailable;
	k->cb = cb;
	k->arg = arg;
	snprintf(key_room, sizeof(key_room), "tr:room:%s", room);
	if (!cluster_redis_cmd(c, CLUSTER_REPLY_COUNT, on_check, k, 2, argv, NULL))
		return;
unavailable:
	free(k);
	cb(arg, CLUSTER_UNAVAILABLE, 0);
}

/* PUBLISH of one frame on chan, counted when Redis took it. */
static int publish(struct cluster *c, const char *chan, const struct cluster_frame *f)
{
	const char *argv[3] = { "PUBLISH", chan, NULL };
	size_t lens[3], flen;
	char *frame;
	int rc;

	if (!c->registered)
		return TR_EIO;
	frame = frame_new(f, &flen);
	if (!frame)
		return TR_ENOMEM;
	argv[2] = frame;
	lens[0] = 7;
	lens[1] = strlen(chan);
	lens[2] = flen;
	rc = cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 3, argv, lens);
	if (!rc)
		c->stats.frames_out++;
	free(frame);
	return rc;
}

int cluster_send(struct cluster *c, const char *node, const struct cluster_frame *f)
{
	char chan[CLUSTER_NODE_ID_MAX + 32];

	snprintf(chan, sizeof(chan), "tr:%u:node:%s", c->db, node);
	return publish(c, chan, f);
}

struct secret_call {
	cluster_secret_cb cb;
	void *arg;
};

static void on_secret(struct cluster *c, const struct cluster_reply *d, void *arg)
{
	struct secret_call *k = arg;

	/* The decoder checked: no NUL inside, so str is the whole secret
	 * (hiredis ends every string with a NUL). */
	k->cb(k->arg, d ? d->str : NULL);
	free(k);
}

void cluster_shared_secret(struct cluster *c, const char *proposed, cluster_secret_cb cb,
			   void *arg)
{
	const char *argv[5] = { "EVAL", LUA_SECRET, "1", "tr:secret", proposed };
	struct secret_call *k = malloc(sizeof(*k));

	if (!k) {
		cb(arg, NULL);
		return;
	}
	k->cb = cb;
	k->arg = arg;
	if (cluster_redis_cmd(c, CLUSTER_REPLY_SECRET, on_secret, k, 5, argv, NULL)) {
		free(k);
		cb(arg, NULL);
	}
}

void cluster_each_member(const struct cluster *c,
			 void (*fn)(const char *user, const char *node, const char *room,
				    void *arg),
			 void *arg)
{
	cluster_mirror_each(c->mirror, fn, arg);
}

int cluster_broadcast(struct cluster *c, const struct cluster_frame *f)
{
	return publish(c, c->chan_all, f);
}
