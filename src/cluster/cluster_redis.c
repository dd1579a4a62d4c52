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

#include "util/errors.h"
#include "util/log.h"

/* hiredis's adapter is a header of static functions. */
#include <hiredis/adapters/libevent.h>

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u

struct cmd_call {
	struct cluster *c;
	cluster_reply_fn fn;
	void *arg;
};

static void schedule_reconnect(struct cluster *c)
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

	if (!c)
		return; /* a drop we asked for */
	/* hiredis frees ac after this returns. */
	if (ac == c->cmd)
		c->cmd = NULL;
	else if (ac == c->sub)
		c->sub = NULL;
	link_lost(c, ac == c->cmd ? "command" : "subscription",
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

static redisAsyncContext *open_ctx(struct cluster *c)
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
	return ac;
}

/* AUTH [user] password, first on each connection (Redis 6 ACL users). */
static void send_auth(struct cluster *c, redisAsyncContext *ac, redisCallbackFn *fn)
{
	const char *argv[3] = { "AUTH", c->user ? c->user : c->password, c->password };
	int argc = c->user ? 3 : 2;

	redisAsyncCommandArgv(ac, fn, NULL, argc, argv, NULL);
}

static bool reply_failed(struct cluster *c, redisReply *r, const char *what)
{
	if (r && r->type != REDIS_REPLY_ERROR)
		return false;
	if (r)
		log_err("cluster: redis %s refused: %s", what, r->str);
	link_lost(c, what, r ? r->str : "no reply");
	return true;
}

static void on_auth(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;

	if (c && reply)
		reply_failed(c, reply, "AUTH");
}

static void on_select(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;

	if (!c || !reply || reply_failed(c, reply, "SELECT"))
		return;
	c->cmd_state = LINK_READY;
	cluster_on_cmd_ready(c);
}

/* Subscription replies and every message: ["message", channel, data]. */
static void on_sub(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;
	redisReply *r = reply;

	if (!c || !r)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		reply_failed(c, r, "SUBSCRIBE");
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (!strcmp(r->element[0]->str, "message") &&
	    r->element[2]->type == REDIS_REPLY_STRING) {
		cluster_on_message(c, (const uint8_t *)r->element[2]->str,
				   r->element[2]->len);
	} else if (!strcmp(r->element[0]->str, "subscribe") &&
		   r->element[2]->type == REDIS_REPLY_INTEGER &&
		   r->element[2]->integer == 2) {
		c->sub_state = LINK_READY;
		cluster_on_subscribed(c);
	}
}

void cluster_redis_connect(struct cluster *c)
{
	char db[16];
	const char *sel[2] = { "SELECT", db };
	const char *subv[3] = { "SUBSCRIBE", c->chan_all, c->chan_node };

	c->cmd = open_ctx(c);
	c->sub = c->cmd ? open_ctx(c) : NULL;
	if (!c->cmd || !c->sub) {
		cluster_redis_drop(c, true);
		return;
	}
	c->cmd_state = c->sub_state = LINK_CONNECTING;
	if (c->password) {
		send_auth(c, c->cmd, on_auth);
		send_auth(c, c->sub, on_auth);
	}
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
		schedule_reconnect(c);
	}
}

static void on_cmd_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cmd_call *call = priv;

	/* reply is NULL when the connection went away first; the callback
	 * still runs once, so its owner learns the outcome. */
	call->fn(call->c, reply, call->arg);
	free(call);
}

int cluster_redis_cmd(struct cluster *c, cluster_reply_fn fn, void *arg, int argc,
		      const char **argv, const size_t *lens)
{
	struct cmd_call *call;

	if (!c->cmd || c->cmd_state != LINK_READY)
		return TR_EIO;
	call = malloc(sizeof(*call));
	if (!call)
		return TR_ENOMEM;
	call->c = c;
	call->fn = fn ? fn : NULL;
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
