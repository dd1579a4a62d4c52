/* Every Redis reply the cluster reads is checked here first: its type,
 * its arity, each element's type, each id's length and alphabet. A
 * handler sees a struct cluster_reply, never a redisReply, so none can
 * read an element it did not check (an integer where a member list has
 * strings has a NULL str). Redis is a peer we do not trust more than a
 * client: whatever it sends, the node decodes it or calls it malformed.
 *
 * The reader guard protects hiredis itself (0.14): its async layer
 * asserts that a push on a subscribed connection is an array whose first
 * two elements are strings, and that a reply on a command connection
 * answers a command. The guard refuses such replies while they are
 * parsed, before hiredis looks at them (a NULL from the reply functions
 * makes hiredis drop the connection). */
#include "cluster/cluster_internal.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/errors.h"

/* ---- typed accessors: NULL or false on the wrong type or index ---- */

static const redisReply *reply_at(const redisReply *r, size_t i)
{
	if (!r || r->type != REDIS_REPLY_ARRAY || i >= r->elements || !r->element)
		return NULL;
	return r->element[i];
}

static const char *reply_str_at(const redisReply *r, size_t i, size_t *len)
{
	const redisReply *e = reply_at(r, i);

	if (!e || e->type != REDIS_REPLY_STRING || !e->str)
		return NULL;
	*len = e->len;
	return e->str;
}

static bool reply_int_at(const redisReply *r, size_t i, long long min, long long max,
			 long long *out)
{
	const redisReply *e = reply_at(r, i);

	if (!e || e->type != REDIS_REPLY_INTEGER || e->integer < min || e->integer > max)
		return false;
	*out = e->integer;
	return true;
}

/* Node, room and user ids all are 1-max of [A-Za-z0-9._-] (node-id,
 * room ids, hex user ids, Engine.IO ids): no NUL, no space, no byte a log
 * line must escape. */
static bool id_bytes_ok(const char *s, size_t len, size_t max)
{
	if (!s || len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

__attribute__((format(printf, 2, 3))) static int bad(struct cluster_reply *d,
						     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	return TR_EINVAL;
}

/* ---- one decoder per command ---- */

static int decode_ok(const redisReply *r, struct cluster_reply *d)
{
	if (r->type != REDIS_REPLY_STATUS || r->len != 2 || memcmp(r->str, "OK", 2))
		return bad(d, "not +OK");
	return 0;
}

/* {user, node, user, node, ...}: LUA_JOIN's others (HGETALL tr:room:R). */
static int decode_user_node_pairs(const redisReply *m, struct cluster_reply *d)
{
	if (!m || m->type != REDIS_REPLY_ARRAY || m->elements % 2)
		return bad(d, "member list is not an array of pairs");
	if (m->elements / 2 > CLUSTER_JOIN_OTHERS_MAX)
		return bad(d, "member list longer than %zu", CLUSTER_JOIN_OTHERS_MAX);
	for (size_t i = 0; i < m->elements; i++) {
		size_t len = 0;
		const char *s = reply_str_at(m, i, &len);

		if (!id_bytes_ok(s, len, i % 2 ? CLUSTER_NODE_ID_MAX : CLUSTER_USER_MAX))
			return bad(d, "member list element %zu is not an id string", i);
	}
	d->pairs = m;
	d->n_pairs = m->elements / 2;
	return 0;
}

/* LUA_JOIN: {2, n} already a member, {1, n} full, {0, n, others} joined,
 * where others are the n - 1 members before this one. */
static int decode_join(const redisReply *r, struct cluster_reply *d)
{
	long long st, n;

	if (r->type != REDIS_REPLY_ARRAY || !reply_int_at(r, 0, 0, 2, &st) ||
	    !reply_int_at(r, 1, 0, UINT_MAX, &n))
		return bad(d, "not {status 0-2, count}");
	d->status = (enum cluster_status)st;
	d->count = (unsigned)n;
	if (st != CLUSTER_OK)
		return r->elements == 2
			       ? 0
			       : bad(d, "%zu elements for a refusal", r->elements);
	if (r->elements != 3)
		return bad(d, "%zu elements for a join (3 expected)", r->elements);
	if (decode_user_node_pairs(reply_at(r, 2), d))
		return TR_EINVAL;
	if (d->n_pairs + 1 != d->count)
		return bad(d, "count disagrees with the %zu members listed", d->n_pairs);
	return 0;
}

/* "NODE ROOM", the value of tr:members. */
static bool split_node_room(const char *v, size_t len, struct cluster_reply_pair *p)
{
	const char *sp = v ? memchr(v, ' ', len) : NULL;

	if (!sp)
		return false;
	p->node = v;
	p->node_len = (size_t)(sp - v);
	p->room = sp + 1;
	p->room_len = len - p->node_len - 1;
	return id_bytes_ok(p->node, p->node_len, CLUSTER_NODE_ID_MAX) &&
	       id_bytes_ok(p->room, p->room_len, CLUSTER_ROOM_MAX);
}

/* HGETALL tr:members: {user, "NODE ROOM", ...}. */
static int decode_members(const redisReply *r, struct cluster_reply *d)
{
	struct cluster_reply_pair p;

	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2)
		return bad(d, "not an array of pairs");
	for (size_t i = 0; i < r->elements; i += 2) {
		size_t ulen = 0, vlen = 0;
		const char *u = reply_str_at(r, i, &ulen),
			   *v = reply_str_at(r, i + 1, &vlen);

		if (!id_bytes_ok(u, ulen, CLUSTER_USER_MAX))
			return bad(d, "element %zu is not a user id", i);
		if (!split_node_room(v, vlen, &p))
			return bad(d, "element %zu is not 'NODE ROOM'", i + 1);
	}
	d->pairs = r;
	d->n_pairs = r->elements / 2;
	return 0;
}

/* LUA_REAP and LUA_SYNC: {nodes registered, {node, room, user, ...}}, the
 * members the script removed (the node publishes their GONE frames). */
static int decode_reap(const redisReply *r, struct cluster_reply *d)
{
	static const size_t max[3] = { CLUSTER_NODE_ID_MAX, CLUSTER_ROOM_MAX,
				       CLUSTER_USER_MAX };
	const redisReply *m = reply_at(r, 1);
	long long nodes;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    !reply_int_at(r, 0, 0, UINT_MAX, &nodes) || !m ||
	    m->type != REDIS_REPLY_ARRAY || m->elements % 3)
		return bad(d, "not {nodes, {node, room, user, ...}}");
	for (size_t i = 0; i < m->elements; i++) {
		size_t len = 0;
		const char *s = reply_str_at(m, i, &len);

		if (!id_bytes_ok(s, len, max[i % 3]))
			return bad(d, "removed member element %zu is not an id string",
				   i);
	}
	d->count = (unsigned)nodes;
	d->pairs = m;
	d->n_pairs = m->elements / 3;
	return 0;
}

static int decode_count(const redisReply *r, struct cluster_reply *d)
{
	if (r->type != REDIS_REPLY_INTEGER || r->integer < 0 || r->integer > UINT_MAX)
		return bad(d, "not a count");
	d->count = (unsigned)r->integer;
	return 0;
}

/* A subscription's push: {"subscribe", channel, count} or {"message",
 * channel, data} (we never PSUBSCRIBE nor UNSUBSCRIBE). */
static int decode_pubsub(const redisReply *r, struct cluster_reply *d)
{
	size_t klen = 0, clen = 0;
	const char *kind = reply_str_at(r, 0, &klen);
	long long n;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || !kind ||
	    !reply_str_at(r, 1, &clen))
		return bad(d, "not {kind, channel, value}");
	if (klen == 7 && !memcmp(kind, "message", 7)) {
		d->chan = reply_str_at(r, 1, &d->chan_len);
		d->str = reply_str_at(r, 2, &d->len);
		d->message = true;
		return d->str ? 0 : bad(d, "message data is not a string");
	}
	if (klen == 9 && !memcmp(kind, "subscribe", 9)) {
		if (!reply_int_at(r, 2, 1, 2, &n))
			return bad(d, "subscription count is not 1 or 2");
		d->count = (unsigned)n;
		return 0;
	}
	return bad(d, "unknown push kind");
}

/* SENTINEL get-master-addr-by-name: {host, port}; nil when the sentinels
 * know no master of that name (an error of ours: not malformed, but the
 * master is not known, so it decodes as a failure). */
static int decode_master(const redisReply *r, struct cluster_reply *d)
{
	size_t hl = 0, pl = 0;
	const char *h = reply_str_at(r, 0, &hl), *p = reply_str_at(r, 1, &pl);
	unsigned port = 0;

	if (r->type == REDIS_REPLY_NIL) {
		d->error = true; /* the sentinel does not know it: not nonsense */
		return bad(d, "no master of that name");
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || !h || !p || hl == 0 ||
	    hl >= 256 || pl == 0 || pl > 5)
		return bad(d, "not {host, port}");
	for (size_t i = 0; i < hl; i++)
		if (h[i] <= ' ' || h[i] > '~')
			return bad(d, "the host is not printable");
	for (size_t i = 0; i < pl; i++) {
		if (p[i] < '0' || p[i] > '9')
			return bad(d, "the port is not a number");
		port = port * 10 + (unsigned)(p[i] - '0');
	}
	if (port == 0 || port > 65535)
		return bad(d, "the port is out of range");
	d->str = h;
	d->len = hl;
	d->count = port;
	return 0;
}

/* ROLE: {role, ...}; only the role is read. */
static int decode_role(const redisReply *r, struct cluster_reply *d)
{
	d->str = reply_str_at(r, 0, &d->len);
	if (r->type != REDIS_REPLY_ARRAY || !d->str)
		return bad(d, "not {role, ...}");
	return 0;
}

int cluster_reply_decode(enum cluster_reply_kind kind, const struct redisReply *r,
			 struct cluster_reply *d)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	if (!r)
		return bad(d, "no reply");
	if (r->type == REDIS_REPLY_ERROR) {
		d->error = true;
		return bad(d, "an error");
	}
	switch (kind) {
	case CLUSTER_REPLY_OK:
		return decode_ok(r, d);
	case CLUSTER_REPLY_JOIN:
		return decode_join(r, d);
	case CLUSTER_REPLY_MEMBERS:
		return decode_members(r, d);
	case CLUSTER_REPLY_REAP:
	case CLUSTER_REPLY_SYNC:
		return decode_reap(r, d);
	case CLUSTER_REPLY_COUNT:
		return decode_count(r, d);
	case CLUSTER_REPLY_PUBSUB:
		return decode_pubsub(r, d);
	case CLUSTER_REPLY_MASTER:
		return decode_master(r, d);
	case CLUSTER_REPLY_ROLE:
		return decode_role(r, d);
	case CLUSTER_REPLY_STRAY:
		break;
	}
	return bad(d, "unknown kind");
}

const char *cluster_reply_kind_name(enum cluster_reply_kind kind)
{
	static const char *const names[] = {
		[CLUSTER_REPLY_OK] = "AUTH/SELECT",
		[CLUSTER_REPLY_JOIN] = "the join script",
		[CLUSTER_REPLY_MEMBERS] = "HGETALL tr:members",
		[CLUSTER_REPLY_REAP] = "the reap script",
		[CLUSTER_REPLY_SYNC] = "the re-registration script",
		[CLUSTER_REPLY_COUNT] = "HLEN (checkRoom)",
		[CLUSTER_REPLY_PUBSUB] = "the subscription",
		[CLUSTER_REPLY_MASTER] = "SENTINEL get-master-addr-by-name",
		[CLUSTER_REPLY_ROLE] = "ROLE",
		[CLUSTER_REPLY_STRAY] = "the command connection",
	};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) && names[kind]
		       ? names[kind]
		       : "a command";
}

void cluster_reply_pair_at(const struct cluster_reply *d, size_t i,
			   struct cluster_reply_pair *p)
{
	const redisReply *m = d->pairs;
	const redisReply *a, *b;

	memset(p, 0, sizeof(*p));
	if (d->kind == CLUSTER_REPLY_REAP || d->kind == CLUSTER_REPLY_SYNC) {
		p->node = m->element[3 * i]->str;
		p->node_len = m->element[3 * i]->len;
		p->room = m->element[3 * i + 1]->str;
		p->room_len = m->element[3 * i + 1]->len;
		p->user = m->element[3 * i + 2]->str;
		p->user_len = m->element[3 * i + 2]->len;
		return;
	}
	a = m->element[2 * i];
	b = m->element[2 * i + 1];
	p->user = a->str;
	p->user_len = a->len;
	if (d->kind == CLUSTER_REPLY_MEMBERS) {
		split_node_room(b->str, b->len, p);
	} else {
		p->node = b->str;
		p->node_len = b->len;
	}
}

/* ---- the reader guard ---- */

static const redisReplyObjectFunctions *hiredis_fns;

/* Whether hiredis will hand the top-level reply being parsed to a
 * command's callback (true) or take it for a push (false). */
static bool awaited(const struct cluster_guard *g)
{
	return g->replies && g->replies->head;
}

static void *refuse(struct cluster_guard *g, const char *what)
{
	if (!g->refused)
		g->refused = what;
	return NULL; /* hiredis: "out of memory", the connection is dropped */
}

/* The rules for one object about to be created; NULL when it may be. */
static const char *rule(struct cluster_guard *g, const redisReadTask *t, int type,
			const char *str, size_t len)
{
	const redisReadTask *parent = t->parent;

	if (!parent) {
		g->push = false;
		if (awaited(g) || type == REDIS_REPLY_ERROR)
			return NULL; /* a callback decodes it; hiredis handles errors */
		if (!g->sub)
			return "a reply to no command";
		if (type != REDIS_REPLY_ARRAY)
			return "a pub/sub push that is not an array";
		g->push = true;
		return NULL;
	}
	/* hiredis reads elements 0 and 1 of a push as strings, and element
	 * 2 as an integer when element 0 says unsubscribe. */
	if (!g->push || parent->parent || t->idx > 1)
		return NULL;
	if (type != REDIS_REPLY_STRING)
		return "a pub/sub push whose kind or channel is not a string";
	if (t->idx == 0 && !(len == 7 && !memcmp(str, "message", 7)) &&
	    !(len == 9 && !memcmp(str, "subscribe", 9)))
		return "a pub/sub push that is neither message nor subscribe";
	return NULL;
}

static void *guard_string(const redisReadTask *t, char *str, size_t len)
{
	struct cluster_guard *g = t->privdata;
	const char *why = rule(g, t, t->type, str, len);

	return why ? refuse(g, why) : hiredis_fns->createString(t, str, len);
}

static void *guard_array(const redisReadTask *t, int elements)
{
	struct cluster_guard *g = t->privdata;
	const char *why = rule(g, t, REDIS_REPLY_ARRAY, NULL, 0);

	if (!why && elements > CLUSTER_REPLY_MAX_ELEMENTS)
		why = "an array of too many elements";
	if (!why && g->push && !t->parent && elements != 3)
		why = "a pub/sub push of other than 3 elements";
	return why ? refuse(g, why) : hiredis_fns->createArray(t, elements);
}

static void *guard_integer(const redisReadTask *t, long long v)
{
	struct cluster_guard *g = t->privdata;
	const char *why = rule(g, t, REDIS_REPLY_INTEGER, NULL, 0);

	return why ? refuse(g, why) : hiredis_fns->createInteger(t, v);
}

static void *guard_nil(const redisReadTask *t)
{
	struct cluster_guard *g = t->privdata;
	const char *why = rule(g, t, REDIS_REPLY_NIL, NULL, 0);

	return why ? refuse(g, why) : hiredis_fns->createNil(t);
}

static void guard_free(void *obj)
{
	hiredis_fns->freeObject(obj);
}

static redisReplyObjectFunctions guard_fns = {
	guard_string, guard_array, guard_integer, guard_nil, guard_free,
};

void cluster_reply_guard(struct redisReader *r, struct cluster_guard *g)
{
	if (!hiredis_fns && r->fn != &guard_fns)
		hiredis_fns = r->fn; /* hiredis's own, the same for every reader */
	g->refused = NULL;
	g->push = false;
	r->fn = &guard_fns;
	r->privdata = g;
}
