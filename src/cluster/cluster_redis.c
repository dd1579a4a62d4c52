/* The two Redis connections of a node, on the server's loop through
 * hiredis's libevent adapter: one for commands and scripts, one
 * subscribed to this node's channel and the broadcast channel (a
 * subscribed connection can run nothing else). Either one failing takes
 * both down; they come back together with exponential backoff, so the
 * rest of the module sees one link that is up or down. */
#include "cluster/cluster_internal.h"

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

/* hiredis's adapter is a header of static functions. */
#include <hiredis/adapters/libevent.h>

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u

struct cmd_call {
	struct cluster *c;
	enum cluster_reply_kind kind;
	cluster_reply_fn fn;
	void *arg;
};

void cluster_redis_schedule(struct cluster *c)
{
	struct timeval tv;

	if (!c->backoff_ms)
		c->backoff_ms = BACKOFF_MIN_MS;
	tv.tv_sec = c->backoff_ms / 1000;
	tv.tv_usec = (c->backoff_ms % 1000) * 1000;
	evtimer_add(c->reconnect, &tv);
	c->backoff_ms =
		c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

static void link_lost(struct cluster *c, const char *what, const char *why)
{
	bool was_up = c->cmd_state != LINK_DOWN || c->sub_state != LINK_DOWN;

	if (was_up)
		log_warn("cluster: redis %s connection lost (%s); reconnecting", what,
			 why ? why : "closed");
	cluster_redis_drop(c, true);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct cluster *c = ac->data;
	bool is_cmd;
	struct cluster_guard *g;

	if (!c)
		return; /* a drop we asked for */
	is_cmd = ac == c->cmd;
	g = is_cmd ? &c->cmd_guard : &c->sub_guard;
	/* hiredis frees ac after this returns. */
	if (ac == c->cmd)
		c->cmd = NULL;
	else if (ac == c->sub)
		c->sub = NULL;
	if (g->refused) {
		/* The guard refused a reply: hiredis says "out of memory". */
		cluster_reply_malformed(c,
					is_cmd ? CLUSTER_REPLY_STRAY
					       : CLUSTER_REPLY_PUBSUB,
					g->refused);
		return;
	}
	link_lost(c, is_cmd ? "command" : "subscription",
		  status == REDIS_OK ? NULL : ac->errstr);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct cluster *c = ac->data;

	if (!c || status == REDIS_OK)
		return;
	if (ac == c->cmd)
		c->cmd = NULL;
	else if (ac == c->sub)
		c->sub = NULL;
	log_debug("cluster: redis connect failed: %s", ac->errstr);
	link_lost(c, "connect", ac->errstr);
}

static redisAsyncContext *open_ctx(struct cluster *c, struct cluster_guard *g, bool sub)
{
	redisAsyncContext *ac = c->ep.is_unix
					? redisAsyncConnectUnix(c->ep.host)
					: redisAsyncConnect(c->ep.host, (int)c->ep.port);

	if (!ac)
		return NULL;
	if (ac->err) {
		log_debug("cluster: redis connect %s: %s", c->ep.host, ac->errstr);
		redisAsyncFree(ac);
		return NULL;
	}
	ac->data = c;
	if (redisLibeventAttach(ac, c->base) != REDIS_OK) {
		ac->data = NULL;
		redisAsyncFree(ac);
		return NULL;
	}
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	g->sub = sub;
	g->replies = &ac->replies;
	cluster_reply_guard(ac->c.reader, g);
	return ac;
}

/* AUTH [user] password, first on each connection (Redis 6 ACL users). */
static void send_auth(struct cluster *c, redisAsyncContext *ac, redisCallbackFn *fn)
{
	const char *argv[3] = { "AUTH", c->user ? c->user : c->password, c->password };
	int argc = c->user ? 3 : 2;

	redisAsyncCommandArgv(ac, fn, NULL, argc, argv, NULL);
}

static void log_redis_error(struct cluster *c, const redisReply *r, const char *what)
{
	char e[ESC_LOG_LEN];

	log_warn_limited(&c->bad_log, "cluster: redis refused %s: %s", what,
			 esc_bytes(e, sizeof(e), r->str, r->len));
}

/* The reply of a command of the connection set-up (AUTH, SELECT, the
 * subscription): anything but what was asked for takes the link down. */
static bool setup_failed(struct cluster *c, redisReply *r, enum cluster_reply_kind kind,
			 const char *what, struct cluster_reply *d)
{
	if (!cluster_reply_decode(kind, r, d))
		return false;
	if (d->error) {
		log_redis_error(c, r, what);
		link_lost(c, what, "refused");
	} else {
		cluster_reply_malformed(c, kind, d->why);
	}
	return true;
}

static void on_auth(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;
	struct cluster_reply d;

	if (c && reply)
		setup_failed(c, reply, CLUSTER_REPLY_OK, "AUTH", &d);
}

static void on_select(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;
	struct cluster_reply d;

	if (!c || !reply || setup_failed(c, reply, CLUSTER_REPLY_OK, "SELECT", &d))
		return;
	c->cmd_state = LINK_READY;
	cluster_on_cmd_ready(c);
}

/* Subscription replies and every message: ["message", channel, data]. */
static void on_sub(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;
	struct cluster_reply d;

	if (!c || !reply || setup_failed(c, reply, CLUSTER_REPLY_PUBSUB, "SUBSCRIBE", &d))
		return;
	if (d.message) {
		cluster_on_message(c, d.chan, d.chan_len, (const uint8_t *)d.str, d.len);
	} else if (d.count == 2 && c->sub_state != LINK_READY) {
		c->sub_state = LINK_READY;
		cluster_on_subscribed(c);
	}
}

void cluster_redis_connect(struct cluster *c)
{
	if (c->n_sentinels && !c->master_known)
		cluster_sentinel_discover(c);
	else
		cluster_redis_open(c);
}

void cluster_redis_open(struct cluster *c)
{
	char db[16];
	const char *sel[2] = { "SELECT", db };
	const char *subv[3] = { "SUBSCRIBE", c->chan_all, c->chan_node };

	c->cmd = open_ctx(c, &c->cmd_guard, false);
	c->sub = c->cmd ? open_ctx(c, &c->sub_guard, true) : NULL;
	if (!c->cmd || !c->sub) {
		cluster_redis_drop(c, true);
		return;
	}
	c->cmd_state = c->sub_state = LINK_CONNECTING;
	if (c->password) {
		send_auth(c, c->cmd, on_auth);
		send_auth(c, c->sub, on_auth);
	}
	if (c->n_sentinels)
		cluster_sentinel_verify(c);
	snprintf(db, sizeof(db), "%u", c->db);
	redisAsyncCommandArgv(c->cmd, on_select, NULL, 2, sel, NULL);
	redisAsyncCommandArgv(c->sub, on_sub, NULL, 3, subv, NULL);
}

void cluster_redis_drop(struct cluster *c, bool reconnect)
{
	redisAsyncContext *cmd = c->cmd, *sub = c->sub;
	bool was_registered = c->registered;

	c->cmd = c->sub = NULL;
	c->cmd_state = c->sub_state = LINK_DOWN;
	c->registered = c->subscribed = c->loading = false;
	/* Where the master is, the sentinels say again at the next attempt. */
	c->master_known = false;
	if (was_registered)
		c->down_since_ms = clock_mono_ms();
	/* Detach first: freeing runs the pending callbacks (with no reply)
	 * and the disconnect callback, which must not see us. */
	if (cmd) {
		cmd->data = NULL;
		redisAsyncFree(cmd);
	}
	if (sub) {
		sub->data = NULL;
		redisAsyncFree(sub);
	}
	if (was_registered)
		cluster_on_down(c);
	if (reconnect && !evtimer_pending(c->reconnect, NULL)) {
		c->stats.reconnects++;
		cluster_redis_schedule(c);
	}
}

void cluster_reply_malformed(struct cluster *c, enum cluster_reply_kind kind,
			     const char *why)
{
	c->stats.replies_bad++;
	log_warn_limited(&c->bad_log,
			 "cluster: malformed reply from redis to %s (%s): handled as an "
			 "outage, reconnecting",
			 cluster_reply_kind_name(kind), why);
	/* Quietly: the line above says why the link goes down. */
	cluster_redis_drop(c, true);
}

static void on_cmd_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cmd_call *call = priv;
	struct cluster *c = call->c;
	struct cluster_reply d;

	/* reply is NULL when the connection went away first; the callback
	 * still runs once, so its owner learns the outcome. A malformed
	 * reply takes the link down before the owner hears "unavailable",
	 * so the node is degraded when its client is told. */
	if (!cluster_reply_decode(call->kind, reply, &d)) {
		call->fn(c, &d, call->arg);
	} else {
		if (d.error)
			log_redis_error(c, reply, cluster_reply_kind_name(call->kind));
		else if (reply && ac->data)
			cluster_reply_malformed(c, call->kind, d.why);
		call->fn(c, NULL, call->arg);
	}
	free(call);
}

int cluster_redis_cmd(struct cluster *c, enum cluster_reply_kind kind,
		      cluster_reply_fn fn, void *arg, int argc, const char **argv,
		      const size_t *lens)
{
	struct cmd_call *call;

	if (!c->cmd || c->cmd_state != LINK_READY)
		return TR_EIO;
	call = malloc(sizeof(*call));
	if (!call)
		return TR_ENOMEM;
	call->c = c;
	call->kind = kind;
	call->fn = fn;
	call->arg = arg;
	if (redisAsyncCommandArgv(c->cmd, fn ? on_cmd_reply : NULL, fn ? call : NULL,
				  argc, argv, lens) != REDIS_OK) {
		free(call);
		return TR_EIO;
	}
	if (!fn)
		free(call);
	return 0;
}
