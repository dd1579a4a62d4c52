/* Rooms across nodes (redis=): the glue between the room engine and
 * src/cluster.
 *
 * Each node keeps, for every room that has members here, a local room in
 * its engine holding its own members plus one "proxy" peer per member on
 * another node. A proxy's deliver callback forwards what the engine
 * gives it (messages) to that member's node over Redis; membership is not
 * forwarded by proxies but broadcast by the Lua scripts in src/cluster
 * (JOINED, GONE), and each node turns those into proxies joining and
 * leaving its local room, so its own members see otherjoined and bye.
 * Capacity is decided by Redis (one atomic script per join); the local
 * engine only mirrors it (room_config.external_capacity). */
#include "signaling/signaling_internal.h"

#include <errno.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cluster/cluster.h"
#include "conf/conf.h"
#include "turn/turn.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/prom.h"

/* EVENT payloads start with a byte saying what they carry. */
#define PAYLOAD_MESSAGE 'M'

struct signaling_proxy {
	struct signaling_server *s;
	struct room_peer *peer;
	char room[ROOM_ID_MAX + 1];
	char user[ROOM_USER_ID_LEN + 1];
	char node[CLUSTER_NODE_ID_MAX + 1];
	struct signaling_proxy *prev, *next;
};

struct signaling_ticket {
	struct signaling_server *s;
	struct room_peer *peer;         /* the joiner; NULL once cancelled */
	struct signaling_ticket **slot; /* the owner's pointer to this ticket */
	bool cancelled;
	signaling_join_done_fn join_done; /* a join; else a checkRoom */
	signaling_check_done_fn check_done;
	void *ctx;
	char room[ROOM_ID_MAX + 1];
	char user[ROOM_USER_ID_LEN + 1];
};

struct signaling_cluster {
	struct cluster *link;
	struct signaling_proxy *proxies; /* owned; the engine finds them (proxy_find) */
	size_t n_proxies;
	/* The proxy proxy_remove is taking out: gone from the engine, so
	 * on_gone must not take it for a local member. */
	struct signaling_proxy *leaving;
	char node_id[CLUSTER_NODE_ID_MAX + 1];
	char secret[SIG_SECRET_MAX]; /* the cluster's REST secret, once known */
};

/* ---- proxies: members of other nodes, as peers of the local engine ---- */

static void proxy_unlink_free(struct signaling_cluster *k, struct signaling_proxy *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		k->proxies = x->next;
	if (x->next)
		x->next->prev = x->prev;
	k->n_proxies--;
	free(x);
}

/* A relayed event (Socket.IO custom events) as an EVENT payload. NULL on
 * allocation failure or past CLUSTER_RELAY_MAX_BLOBS attachments. */
static char *relay_payload(const struct room_event *ev, size_t *len)
{
	struct cluster_relay r = { .event = ev->event,
				   .event_len = strlen(ev->event),
				   .args = ev->payload,
				   .args_len = ev->payload_len,
				   .n_blobs = ev->n_blobs };
	size_t n;
	char *out;

	if (ev->n_blobs > CLUSTER_RELAY_MAX_BLOBS)
		return NULL;
	for (size_t i = 0; i < ev->n_blobs; i++) {
		r.blob[i] = ev->blobs[i].p;
		r.blob_len[i] = ev->blobs[i].len;
	}
	n = cluster_relay_size(&r);
	out = malloc(n);
	if (out)
		*len = (size_t)cluster_relay_encode(&r, (uint8_t *)out, n);
	return out;
}

static char *message_payload(const struct room_event *ev, size_t *len)
{
	char *payload = malloc(ev->payload_len + 1);

	if (!payload)
		return NULL;
	payload[0] = PAYLOAD_MESSAGE;
	memcpy(payload + 1, ev->payload, ev->payload_len);
	*len = ev->payload_len + 1;
	return payload;
}

/* Only messages and relayed events travel through a proxy; membership is
 * broadcast. */
static void proxy_deliver(void *ctx, const struct room_event *ev)
{
	struct signaling_proxy *x = ctx;
	struct cluster_frame f = { .kind = CLUSTER_MSG_EVENT };
	size_t len = 0;
	char *payload;

	if (ev->kind == ROOM_EV_MESSAGE)
		payload = message_payload(ev, &len);
	else if (ev->kind == ROOM_EV_RELAY)
		payload = relay_payload(ev, &len);
	else
		return;
	if (!payload) {
		log_debug("cluster: event for %s not forwarded (memory or attachments)",
			  x->user);
		return;
	}
	f.node = x->s->cluster->node_id;
	f.node_len = strlen(f.node);
	f.room = ev->room_id;
	f.room_len = strlen(ev->room_id);
	f.from = ev->from;
	f.from_len = strlen(ev->from);
	f.to = x->user;
	f.to_len = strlen(x->user);
	f.payload = payload;
	f.payload_len = len;
	if (cluster_send(x->s->cluster->link, x->node, &f))
		log_debug("cluster: message for %s on node %s lost (redis down)", x->user,
			  x->node);
	free(payload);
}

/* Asked on every GONE frame and local departure: the engine's room hash
 * answers, not a scan of every proxy. */
static struct signaling_proxy *proxy_find(struct signaling_server *s, const char *room,
					  const char *user)
{
	struct signaling_proxy *x = s->cluster->leaving;

	if (x && !strcmp(x->user, user) && !strcmp(x->room, room))
		return x;
	return room_member_ctx(s->rooms, room, user, proxy_deliver);
}

/* Adds a member of another node to the local room (which must exist or
 * be about to be created by a local join). */
static void proxy_add(struct signaling_server *s, const char *room, const char *user,
		      size_t ulen, const char *node, size_t nlen, bool silent)
{
	struct signaling_cluster *k = s->cluster;
	struct room_join_opts o = { .silent = silent };
	struct signaling_proxy *x;

	if (ulen > ROOM_USER_ID_LEN || nlen > CLUSTER_NODE_ID_MAX)
		return;
	x = calloc(1, sizeof(*x));
	if (!x)
		return;
	x->s = s;
	snprintf(x->room, sizeof(x->room), "%s", room);
	memcpy(x->user, user, ulen);
	memcpy(x->node, node, nlen);
	if (room_has_member(s->rooms, room, x->user) ||
	    !(x->peer = room_peer_new(s->rooms, proxy_deliver, x))) {
		free(x);
		return;
	}
	x->next = k->proxies;
	if (k->proxies)
		k->proxies->prev = x;
	k->proxies = x;
	k->n_proxies++;
	o.user_id = x->user;
	if (room_join_as(s->rooms, x->peer, room, &o)) {
		room_peer_disconnect(s->rooms, x->peer, s->now_ms);
		proxy_unlink_free(k, x);
	}
}

/* The member left (anywhere): the local room shows bye to its members.
 * room_leave calls member_gone, which ends the user's TURN allocations
 * here too. */
static void proxy_remove(struct signaling_server *s, struct signaling_proxy *x)
{
	struct room_peer *p = x->peer;

	x->peer = NULL;
	s->cluster->leaving = x;
	room_leave(s->rooms, p);
	s->cluster->leaving = NULL;
	room_peer_disconnect(s->rooms, p, s->now_ms);
	proxy_unlink_free(s->cluster, x);
}

/* ---- frames from other nodes ---- */

static void on_joined(struct signaling_server *s, const struct cluster_frame *f)
{
	char room[ROOM_ID_MAX + 1];
	unsigned here = 0;

	if (f->room_len > ROOM_ID_MAX)
		return;
	memcpy(room, f->room, f->room_len);
	room[f->room_len] = '\0';
	/* Rooms without members here need no proxy. */

	if (room_check(s->rooms, room, &here, NULL) == ROOM_OK && here > 0)
		proxy_add(s, room, f->from, f->from_len, f->node, f->node_len, false);
}

static void on_gone(struct signaling_server *s, const struct cluster_frame *f)
{
	char room[ROOM_ID_MAX + 1], user[ROOM_USER_ID_LEN + 1];
	struct signaling_proxy *x;

	if (f->room_len > ROOM_ID_MAX || f->from_len > ROOM_USER_ID_LEN)
		return;
	memcpy(room, f->room, f->room_len);
	room[f->room_len] = '\0';
	memcpy(user, f->from, f->from_len);
	user[f->from_len] = '\0';
	x = proxy_find(s, room, user);
	if (x) {
		proxy_remove(s, x);
		return;
	}
	/* Cluster-wide revocation: its allocations on this node end too. */
	if (s->turn && turn_server_drop_user(s->turn, user))
		log_info("cluster: member %s gone; its TURN allocations here deleted",
			 user);
}

static void deliver_relay(struct signaling_server *s, const char *room, const char *to,
			  const char *from, const struct cluster_frame *f)
{
	struct room_blob blobs[CLUSTER_RELAY_MAX_BLOBS];
	struct cluster_relay r;
	char event[256];

	if (cluster_relay_decode((const uint8_t *)f->payload, f->payload_len, &r) ||
	    r.event_len >= sizeof(event)) {
		log_debug("cluster: a relayed event for %s that does not decode: dropped",
			  to);
		return;
	}
	memcpy(event, r.event, r.event_len);
	event[r.event_len] = '\0';
	for (size_t i = 0; i < r.n_blobs; i++) {
		blobs[i].p = r.blob[i];
		blobs[i].len = r.blob_len[i];
	}
	if (room_deliver_relay(s->rooms, room, to, from, event, r.args, r.args_len, blobs,
			       r.n_blobs))
		log_debug("cluster: event %s for %s in %s: no such member here", event,
			  to, room);
}

static void on_event(struct signaling_server *s, const struct cluster_frame *f)
{
	char room[ROOM_ID_MAX + 1], from[ROOM_USER_ID_LEN + 1], to[ROOM_USER_ID_LEN + 1];

	if (f->room_len > ROOM_ID_MAX || f->from_len > ROOM_USER_ID_LEN ||
	    f->to_len > ROOM_USER_ID_LEN || f->payload_len < 1)
		return;
	memcpy(room, f->room, f->room_len);
	room[f->room_len] = '\0';
	memcpy(from, f->from, f->from_len);
	from[f->from_len] = '\0';
	memcpy(to, f->to, f->to_len);
	to[f->to_len] = '\0';
	if (f->payload[0] == PAYLOAD_MESSAGE) {
		if (room_deliver_message(s->rooms, room, to, from, f->payload + 1,
					 f->payload_len - 1))
			log_debug("cluster: message for %s in %s: no such member here",
				  to, room);
	} else if (f->payload[0] == CLUSTER_RELAY_TAG) {
		deliver_relay(s, room, to, from, f);
	}
}

/* turnroom-admin --disconnect on another node: its signaling session and
 * TURN allocations here end too. */
static void on_kick(struct signaling_server *s, const struct cluster_frame *f)
{
	char user[ROOM_USER_ID_LEN + 1];
	size_t allocs, ws;

	if (f->from_len > ROOM_USER_ID_LEN)
		return;
	memcpy(user, f->from, f->from_len);
	user[f->from_len] = '\0';
	allocs = s->turn ? turn_server_disconnect(s->turn, user) : 0;
	ws = signaling_server_disconnect(s, user);
	if (allocs || ws)
		log_info(
			"cluster: disconnected %s for node %.*s (%zu allocations, %zu sessions)",
			user, (int)f->node_len, f->node, allocs, ws);
}

static void on_frame(void *ctx, const struct cluster_frame *f)
{
	struct signaling_server *s = ctx;

	signaling_touch_clock(s);
	if (f->kind == CLUSTER_MSG_JOINED)
		on_joined(s, f);
	else if (f->kind == CLUSTER_MSG_GONE)
		on_gone(s, f);
	else if (f->kind == CLUSTER_MSG_EVENT)
		on_event(s, f);
	else if (f->kind == CLUSTER_MSG_KICK)
		on_kick(s, f);
}

/* Every node must check what any node minted: a node given no
 * static-auth-secret adopts the cluster's, derived from cluster-secret
 * (never stored in Redis). */
static void adopt_secret(struct signaling_server *s, const char *secret)
{
	struct signaling_cluster *k = s->cluster;

	snprintf(k->secret, sizeof(k->secret), "%s", secret);
	if (strcmp(s->ice_secret, k->secret)) {
		if (auth_add_secret(s->auth, k->secret))
			return;
		snprintf(s->ice_secret, sizeof(s->ice_secret), "%s", k->secret);
		log_info(
			"cluster: minting TURN credentials with the cluster's shared secret");
	}
}

static void on_state(void *ctx, bool up)
{
	struct signaling_server *s = ctx;

	s->cluster_degraded = !up;
}

void signaling_cluster_reconfigured(struct signaling_server *s)
{
	if (s->cluster && s->cluster->secret[0] && !s->conf->static_auth_secrets.n)
		adopt_secret(s, s->cluster->secret);
}

/* Local members (not proxies), for re-registration after an outage. */
struct each_ctx {
	struct signaling_server *s;
	cluster_member_fn fn;
	void *arg;
};

static void each_member(const char *room, const char *user, bool connected, void *arg)
{
	struct each_ctx *e = arg;

	if (!proxy_find(e->s, room, user))
		e->fn(e->arg, room, user);
}

static void each_local(void *ctx, cluster_member_fn fn, void *arg)
{
	struct signaling_server *s = ctx;
	struct each_ctx e = { s, fn, arg };

	room_engine_each_member(s->rooms, each_member, &e);
}

/* ---- what the protocol layer calls ---- */

/* src/conf checks a configured node-id against the cluster's bound. */
_Static_assert(CONF_NODE_ID_MAX == CLUSTER_NODE_ID_MAX, "node-id bound");

/* cluster-secret, or the first line of cluster-secret-file (conf checked
 * that one of them is given). Owned; NULL with err filled. */
static char *secret_load(const struct conf *conf, char *err, size_t errlen)
{
	char line[1024];
	FILE *f;
	size_t n;

	if (conf->cluster_secret)
		return strdup(conf->cluster_secret);
	f = conf->cluster_secret_file ? fopen(conf->cluster_secret_file, "r") : NULL;
	if (!f) {
		snprintf(err, errlen, "cluster-secret-file: cannot read %s: %s",
			 conf->cluster_secret_file ? conf->cluster_secret_file : "(none)",
			 strerror(errno));
		return NULL;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n < 16) {
		snprintf(err, errlen,
			 "cluster-secret-file: %s: the first line must hold at least 16 "
			 "characters",
			 conf->cluster_secret_file);
		return NULL;
	}
	return strdup(line);
}

/* A configured node-id wins. Otherwise one is generated once and kept in
 * the store, so a node restarted (even by kill -9) comes back under the
 * same id and its old members leave at once (the peers see it register
 * again) instead of lingering until node-timeout. Without a store the id
 * is new at every start, as before. 0 or -1 with err filled. */
static int node_id_choose(const struct signaling_server *s, char *id, size_t len,
			  char *err, size_t errlen)
{
	const char *how = "generated, not kept: no userdb";

	if (s->conf->node_id) {
		snprintf(id, len, "%s", s->conf->node_id);
		how = "configured";
	} else if (!room_random_hex(id, 8)) {
		snprintf(err, errlen, "no randomness for a node id");
		return -1;
	} else if (s->store) {
		if (auth_store_keep_value(s->store, "node-id", id, len) < 0) {
			snprintf(err, errlen, "cannot keep the node id in the store");
			return -1;
		}
		how = "kept in the store";
	}
	log_info("cluster: node-id %s (%s)", id, how);
	return 0;
}

int signaling_cluster_start(struct signaling_server *s, char *err, size_t errlen)
{
	const struct conf *conf = s->conf;
	struct signaling_cluster *k;
	char where[ADDR_ENDPOINT_STR_MAX];
	struct cluster_config cc = {
		.redis = conf->redis,
		.user = conf->redis_user,
		.password = conf->redis_password,
		.db = conf->redis_db,
		.node_timeout_ms = conf->node_timeout * 1000u,
		.sentinels = conf->redis_sentinels.v,
		.n_sentinels = conf->redis_sentinels.n,
		.master_name = conf->redis_master_name,
	};
	struct cluster_handlers h = { .ctx = s,
				      .on_frame = on_frame,
				      .on_state = on_state };
	char *secret;

	if (!conf->redis.host[0] && !conf->redis_sentinels.n)
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return TR_ENOMEM;
	}
	if (node_id_choose(s, k->node_id, sizeof(k->node_id), err, errlen) < 0) {
		free(k);
		return TR_EIO;
	}
	cc.node_id = k->node_id;
	s->cluster = k;
	s->cluster_degraded = true; /* until registered */
	secret = secret_load(conf, err, errlen);
	if (!secret)
		return TR_EIO;
	cc.secret = (const uint8_t *)secret;
	cc.secret_len = strlen(secret);
	k->link = cluster_new(s->base, &cc, &h, err, errlen);
	memset(secret, 0, cc.secret_len);
	free(secret);
	if (!k->link)
		return TR_EIO;
	if (!conf->static_auth_secrets.n) {
		char rest[2 * 32 + 1];

		if (cluster_rest_secret(k->link, rest, sizeof(rest))) {
			snprintf(err, errlen,
				 "cluster-secret: cannot derive the REST secret");
			return TR_EIO;
		}
		adopt_secret(s, rest);
		memset(rest, 0, sizeof(rest));
	}
	cluster_set_local_members(k->link, each_local, s);
	if (conf->redis.host[0])
		log_info("cluster: node %s, redis %s", k->node_id,
			 addr_endpoint_to_str(&conf->redis, where, sizeof(where)));
	else
		log_info("cluster: node %s, redis master %s through %zu sentinels",
			 k->node_id, conf->redis_master_name, conf->redis_sentinels.n);
	return 0;
}

void signaling_cluster_free(struct signaling_server *s)
{
	struct signaling_cluster *k = s->cluster;

	if (!k)
		return;
	cluster_free(k->link);
	/* The engine frees the proxies' peers; only our records are left. */
	while (k->proxies)
		proxy_unlink_free(k, k->proxies);
	free(k);
	s->cluster = NULL;
}

bool signaling_cluster_member_live(const struct signaling_server *s, const char *user)
{
	return s->cluster && cluster_member_live(s->cluster->link, user);
}

void signaling_cluster_member_gone(struct signaling_server *s, const char *room,
				   const char *user)
{
	if (s->cluster && !proxy_find(s, room, user))
		cluster_leave(s->cluster->link, room, user);
}

void signaling_cluster_cancel(struct signaling_ticket **slot)
{
	struct signaling_ticket *t = *slot;

	if (!t)
		return;
	t->cancelled = true;
	t->peer = NULL;
	t->slot = NULL;
	*slot = NULL;
}

void signaling_cluster_conn_closed(struct signaling_conn *c)
{
	signaling_cluster_cancel(&c->ticket);
}

static struct signaling_ticket *ticket_new(struct signaling_server *s, const char *room,
					   struct signaling_ticket **slot, void *ctx)
{
	struct signaling_ticket *t;

	if (*slot || !(t = calloc(1, sizeof(*t))))
		return NULL;
	t->s = s;
	t->slot = slot;
	t->ctx = ctx;
	snprintf(t->room, sizeof(t->room), "%s", room);
	*slot = t;
	return t;
}

/* The ticket is answered: the owner forgets it (unless it went first). */
static void ticket_done(struct signaling_ticket *t)
{
	if (t->slot)
		*t->slot = NULL;
	free(t);
}

static void join_done(void *arg, enum cluster_status st, unsigned user_num,
		      const struct cluster_member *others, size_t n_others)
{
	struct signaling_ticket *t = arg;
	struct signaling_server *s = t->s;
	struct room_join_opts o = { .user_id = t->user };
	const char *self = s->cluster->node_id;
	int rc = SIG_E_UNAVAILABLE;

	signaling_touch_clock(s);
	if (st == CLUSTER_OK && t->cancelled) {
		cluster_leave(s->cluster->link, t->room, t->user); /* gone meanwhile */
	} else if (st == CLUSTER_OK) {
		/* src/cluster checked every id of others (never NULL, 1-64 of
		 * [A-Za-z0-9._-]) or answered UNAVAILABLE. */
		for (size_t i = 0; i < n_others; i++)
			if (strcmp(others[i].node, self))
				proxy_add(s, t->room, others[i].user,
					  strlen(others[i].user), others[i].node,
					  strlen(others[i].node), true);
		rc = room_join_as(s->rooms, t->peer, t->room, &o);
		if (rc)
			cluster_leave(s->cluster->link, t->room, t->user);
		else
			s->counters.joins++;
	} else if (st == CLUSTER_FULL) {
		rc = ROOM_E_FULL;
	}
	if (!t->cancelled)
		t->join_done(t->ctx, rc, t->room, user_num);
	ticket_done(t);
}

bool signaling_cluster_join_peer(struct signaling_server *s, struct room_peer *p,
				 const char *room_id, struct signaling_ticket **slot,
				 signaling_join_done_fn done, void *ctx)
{
	struct signaling_ticket *t = ticket_new(s, room_id, slot, ctx);
	const char *chosen = room_peer_chosen_id(p);

	if (!t)
		return false;
	t->peer = p;
	t->join_done = done;
	/* A Socket.IO member joins under its socket id; others get a
	 * random one, decided here so Redis holds it before the room does. */
	if (chosen) {
		snprintf(t->user, sizeof(t->user), "%s", chosen);
	} else if (!room_random_hex(t->user, ROOM_USER_ID_LEN / 2)) {
		ticket_done(t);
		done(ctx, ROOM_E_NOMEM, room_id, 0);
		return true;
	}
	cluster_join(s->cluster->link, room_id, t->user, s->conf->room_capacity,
		     join_done, t);
	return true;
}

static void check_done(void *arg, enum cluster_status st, unsigned n)
{
	struct signaling_ticket *t = arg;

	if (!t->cancelled)
		t->check_done(t->ctx, st == CLUSTER_OK, t->room, n);
	ticket_done(t);
}

bool signaling_cluster_check_peer(struct signaling_server *s, const char *room_id,
				  struct signaling_ticket **slot,
				  signaling_check_done_fn done, void *ctx)
{
	struct signaling_ticket *t = ticket_new(s, room_id, slot, ctx);

	if (!t)
		return false;
	t->check_done = done;
	cluster_check(s->cluster->link, room_id, check_done, t);
	return true;
}

/* ---- the native protocol's answers ---- */

static void send_full(struct signaling_conn *c, const char *room, unsigned n)
{
	signaling_proto_send(c, "full",
			     json_pack("{s:s, s:I}", "roomId", room, "userNum",
				       (json_int_t)n));
}

static void native_join_done(void *ctx, int rc, const char *room, unsigned user_num)
{
	struct signaling_conn *c = ctx;

	if (rc == ROOM_E_FULL)
		send_full(c, room, user_num);
	else if (rc == SIG_E_UNAVAILABLE)
		signaling_proto_error(
			c, "unavailable",
			"the cluster's store is unreachable; try again shortly");
	else if (rc)
		signaling_proto_error(c, "server-error", "join failed");
}

void signaling_cluster_join(struct signaling_conn *c, const char *room_id)
{
	if (!signaling_cluster_join_peer(c->server, c->room_peer, room_id, &c->ticket,
					 native_join_done, c))
		signaling_proto_error(c, "busy",
				      "the previous join or checkRoom is still running");
}

static void native_check_done(void *ctx, bool ok, const char *room, unsigned n)
{
	struct signaling_conn *c = ctx;
	unsigned cap = c->server->conf->room_capacity;

	if (!ok)
		signaling_proto_error(
			c, "unavailable",
			"the cluster's store is unreachable; try again shortly");
	else if (n >= cap)
		send_full(c, room, n);
	else
		signaling_proto_send(c, "checkRoomSuccess",
				     json_pack("{s:s, s:I, s:I}", "roomId", room,
					       "userNum", (json_int_t)n, "capacity",
					       (json_int_t)cap));
}

void signaling_cluster_check(struct signaling_conn *c, const char *room_id)
{
	if (!signaling_cluster_check_peer(c->server, room_id, &c->ticket,
					  native_check_done, c))
		signaling_proto_error(c, "busy",
				      "the previous join or checkRoom is still running");
}

const char *signaling_cluster_node_id(const struct signaling_server *s)
{
	return s->cluster ? s->cluster->node_id : NULL;
}

size_t signaling_cluster_proxy_count(const struct signaling_server *s)
{
	return s->cluster ? s->cluster->n_proxies : 0;
}

bool signaling_server_disconnect_cluster(struct signaling_server *s, const char *user_id)
{
	struct cluster_frame f = { .kind = CLUSTER_MSG_KICK };

	if (!s->cluster || strlen(user_id) > ROOM_USER_ID_LEN)
		return false;
	f.node = s->cluster->node_id;
	f.node_len = strlen(f.node);
	f.from = user_id;
	f.from_len = strlen(user_id);
	return cluster_broadcast(s->cluster->link, &f) == 0;
}

struct member_lines {
	struct evbuffer *out;
	const char *self;
};

static void member_line(const char *user, const char *node, const char *room, void *arg)
{
	struct member_lines *m = arg;

	if (strcmp(node, m->self))
		evbuffer_add_printf(m->out, "cluster-member node=%s room=%s user=%s\n",
				    node, room, user);
}

void signaling_cluster_write_sessions(struct signaling_server *s, struct evbuffer *out)
{
	struct member_lines m = { out, s->cluster ? s->cluster->node_id : "" };

	if (s->cluster)
		cluster_each_member(s->cluster->link, member_line, &m);
}

void signaling_cluster_write_metrics(struct signaling_server *s, struct evbuffer *out)
{
	static const char *const frames = "turnroom_cluster_frames_total";
	static const char *const rejected = "turnroom_cluster_frames_rejected_total";
	struct cluster_stats st;

	if (!s->cluster)
		return;
	cluster_get_stats(s->cluster->link, &st);
	prom_metric(out, "turnroom_cluster_up", "gauge",
		    "1 when this node is registered in Redis.",
		    cluster_up(s->cluster->link));
	prom_metric(out, "turnroom_cluster_nodes", "gauge",
		    "Nodes registered in the cluster.",
		    cluster_node_count(s->cluster->link));
	prom_metric(out, "turnroom_cluster_members", "gauge",
		    "Room members in the whole cluster.",
		    cluster_member_count(s->cluster->link));
	prom_metric(out, "turnroom_cluster_remote_members", "gauge",
		    "Members of other nodes in rooms with members here.",
		    s->cluster->n_proxies);
	prom_family(out, frames, "counter", "Frames exchanged with other nodes.");
	prom_sample(out, frames, "direction", "in", st.frames_in);
	prom_sample(out, frames, "direction", "out", st.frames_out);
	prom_sample(out, frames, "direction", "bad", st.frames_bad);
	prom_family(out, rejected, "counter",
		    "Frames from Redis dropped unopened: not sealed (malformed), not "
		    "sealed with cluster-secret or modified (auth), a genuine frame "
		    "again (replay), or too old (stale).");
	for (size_t i = 0; i < sizeof(st.rejected) / sizeof(st.rejected[0]); i++)
		prom_sample(out, rejected, "reason", cluster_rejected_reason(i),
			    st.rejected[i]);
	prom_metric(out, "turnroom_cluster_reconnects_total", "counter",
		    "Redis connections lost.", st.reconnects);
	prom_metric(out, "turnroom_cluster_reaped_total", "counter",
		    "Members of dead nodes this node removed.", st.reaped);
	prom_metric(out, "turnroom_cluster_replies_malformed_total", "counter",
		    "Redis replies of the wrong type or shape (each handled as an "
		    "outage).",
		    st.replies_bad);
}
