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
 * node sees a member before Redis has it. Every frame is sealed by the
 * node that sends it (cluster_seal.c): a script publishes the sealed
 * frame it is handed, and the scripts that remove members of a dead node
 * return them, for the node that ran the script to publish their GONE
 * frames (Redis holds no key to seal them with). */
#include "cluster/cluster_internal.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/errors.h"
#include "util/hex.h"
#include "util/log.h"

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

/* Removes member u of node id and lists it in out as node, room, user
 * (the node that runs the script publishes its GONE frame). Prepended to
 * the scripts below. */
#define LUA_GONE_FN                                                                      \
	"local function gone(id, u, out)\n"                                              \
	"  local v = redis.call('HGET', 'tr:members', u)\n"                              \
	"  redis.call('SREM', 'tr:nm:' .. id, u)\n"                                      \
	"  if not v then return end\n"                                                   \
	"  local room = string.sub(v, string.find(v, ' ', 1, true) + 1)\n"               \
	"  redis.call('HDEL', 'tr:room:' .. room, u)\n"                                  \
	"  redis.call('HDEL', 'tr:members', u)\n"                                        \
	"  out[#out + 1] = id\n"                                                         \
	"  out[#out + 1] = room\n"                                                       \
	"  out[#out + 1] = u\n"                                                          \
	"end\n"

/* Nodes whose heartbeat expired: their members leave. One script, so two
 * surviving nodes never reap the same member twice. */
static const char LUA_REAP[] = LUA_GONE_FN
	"local out = {}\n"
	"for _, id in ipairs(redis.call('SMEMBERS', 'tr:nodes')) do\n"
	"  if id ~= ARGV[1] and redis.call('EXISTS', 'tr:node:' .. id) == 0 then\n"
	"    for _, u in ipairs(redis.call('SMEMBERS', 'tr:nm:' .. id)) do\n"
	"      gone(id, u, out)\n"
	"    end\n"
	"    redis.call('DEL', 'tr:nm:' .. id)\n"
	"    redis.call('SREM', 'tr:nodes', id)\n"
	"  end\n"
	"end\n"
	"return {redis.call('SCARD', 'tr:nodes'), out}\n";

/* At (re-)registration: members Redis holds for this node that it does
 * not have (it restarted under the same node-id, or left them while Redis
 * was away) leave. ARGV[2...] are the members it has. */
static const char LUA_SYNC[] =
	LUA_GONE_FN "local keep = {}\n"
		    "for i = 2, #ARGV do keep[ARGV[i]] = true end\n"
		    "local out = {}\n"
		    "for _, u in ipairs(redis.call('SMEMBERS', 'tr:nm:' .. ARGV[1])) do\n"
		    "  if not keep[u] then gone(ARGV[1], u, out) end\n"
		    "end\n"
		    "return {0, out}\n";

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

/* ---- registration ---- */

static void rejoin_one(void *arg, const char *room, const char *user)
{
	struct cluster *c = arg;
	struct cluster_frame f = membership_frame(c, CLUSTER_MSG_JOINED, room, user);
	char key_room[CLUSTER_ROOM_MAX + 16], key_nm[CLUSTER_NODE_ID_MAX + 16];
	size_t flen;
	char *frame = cluster_frame_new(c, c->chan_all, &f, &flen);
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
static void on_removed(struct cluster *c, const struct cluster_reply *d, void *arg);

static void sync_local(struct cluster *c)
{
	struct user_list l = { 0 };
	const char *head[4] = { "EVAL", LUA_SYNC, "0", c->node_id };
	const char *del[2] = { "DEL", "tr:secret" };

	for (int i = 0; i < 4; i++)
		collect_user(&l, NULL, head[i]);
	if (c->each_local)
		c->each_local(c->each_ctx, collect_user, &l);
	if (l.n >= 4 && l.n < (size_t)INT32_MAX)
		cluster_redis_cmd(c, CLUSTER_REPLY_SYNC, on_removed, NULL, (int)l.n,
				  l.argv, l.lens);
	/* The REST secret earlier versions kept here in plain text: it is
	 * derived from cluster-secret now, and a reader of Redis must not
	 * find one that still works. */
	cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 2, del, NULL);
	free(l.argv);
	free(l.lens);
	if (c->each_local)
		c->each_local(c->each_ctx, rejoin_one, c);
}

static void on_members(struct cluster *c, const struct cluster_reply *d, void *arg)
{
	struct cluster_reply_pair m;

	if (!d) {
		cluster_pending_clear(c);
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
		cluster_handle_frame(c, p->to_all, p->data, p->len);
		free(p);
	}
	c->pend_tail = NULL;
	c->n_pending = 0;
	sync_local(c);
	c->registered = true;
	c->backoff_ms = 0;
	if (c->down_since_ms)
		log_info(
			"cluster: node %s registered again at %s:%u after %llu ms without "
			"redis (%zu members in the cluster)",
			c->node_id, c->ep.host, c->ep.port,
			(unsigned long long)(clock_mono_ms() - c->down_since_ms),
			cluster_mirror_count(c->mirror));
	else
		log_info("cluster: node %s registered (%zu members in the cluster)",
			 c->node_id, cluster_mirror_count(c->mirror));
	c->down_since_ms = 0;
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
	cluster_pending_clear(c);
	log_warn("cluster: redis unreachable; serving the members this node has, "
		 "refusing new joins until it is back");
	if (c->h.on_state)
		c->h.on_state(c->h.ctx, false);
}

/* ---- heartbeat and reaping ---- */

/* The re-registration script's reply. */
static void on_removed(struct cluster *c, const struct cluster_reply *d, void *arg)
{
	if (d)
		cluster_publish_removed(c, d);
}

static void on_reap(struct cluster *c, const struct cluster_reply *d, void *arg)
{
	if (!d)
		return;
	if (d->n_pairs > 0) {
		c->stats.reaped += d->n_pairs;
		log_info("cluster: removed %zu members of dead nodes", d->n_pairs);
		cluster_publish_removed(c, d);
	}
	c->n_nodes = d->count;
}

static void heartbeat(struct cluster *c)
{
	char key[CLUSTER_NODE_ID_MAX + 16], px[24];
	const char *set[6] = { "SET", key, "1", "PX", px, NULL };
	const char *sadd[3] = { "SADD", "tr:nodes", c->node_id };
	const char *reap[5] = { "EVAL", LUA_REAP, "0", c->node_id, NULL };

	snprintf(key, sizeof(key), "tr:node:%s", c->node_id);
	snprintf(px, sizeof(px), "%u", c->timeout_ms);
	cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 5, set, NULL);
	cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 3, sadd, NULL);
	cluster_redis_cmd(c, CLUSTER_REPLY_REAP, on_reap, NULL, 4, reap, NULL);
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
	if (cfg->n_sentinels) {
		if (cluster_sentinel_init(c, cfg, err, errlen))
			goto fail;
	} else {
		c->ep = cfg->redis;
		if (!c->ep.host[0] || (!c->ep.is_unix && !c->ep.port)) {
			snprintf(err, errlen, "redis: no host:port or unix:PATH");
			goto fail;
		}
	}
	if (!id_ok(cfg->node_id, CLUSTER_NODE_ID_MAX)) {
		snprintf(err, errlen, "node-id: 1-64 of [A-Za-z0-9._-]");
		goto fail;
	}
	strcpy(c->node_id, cfg->node_id);
	if (!cfg->secret || !cfg->secret_len) {
		snprintf(err, errlen, "cluster-secret: required with redis");
		goto fail;
	}
	if (!(c->seal = cluster_seal_new(cfg->secret, cfg->secret_len, c->node_id))) {
		snprintf(err, errlen, "cluster-secret: cannot derive the frame keys");
		goto fail;
	}
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
	if (c->n_sentinels && cluster_sentinel_start(c))
		goto nomem;
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
	cluster_sentinel_free(c);
	if (c->reconnect)
		event_free(c->reconnect);
	if (c->beat)
		event_free(c->beat);
	cluster_pending_clear(c);
	cluster_mirror_free(c->mirror);
	cluster_seal_free(c->seal);
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

_Static_assert(sizeof(((struct cluster_stats *)0)->rejected) / sizeof(uint64_t) ==
		       CLUSTER_REJECT_COUNT - 1,
	       "one counter per reason");

const char *cluster_rejected_reason(size_t i)
{
	return cluster_reject_name((enum cluster_reject)(i + 1));
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
	    !(frame = cluster_frame_new(c, c->chan_all, &f, &flen)))
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
	if (strlen(room) > CLUSTER_ROOM_MAX ||
	    !(frame = cluster_frame_new(c, c->chan_all, &f, &flen)))
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

int cluster_rest_secret(const struct cluster *c, char *out, size_t len)
{
	static const char label[] = "turn rest secret";
	uint8_t key[32];
	int rc = TR_EIO;

	if (len >= 2 * sizeof(key) + 1 &&
	    !cluster_seal_key(c->seal, label, sizeof(label) - 1, key, sizeof(key))) {
		hex_encode(out, key, sizeof(key));
		out[2 * sizeof(key)] = '\0';
		rc = 0;
	}
	memset(key, 0, sizeof(key));
	return rc;
}

void cluster_each_member(const struct cluster *c,
			 void (*fn)(const char *user, const char *node, const char *room,
				    void *arg),
			 void *arg)
{
	cluster_mirror_each(c->mirror, fn, arg);
}
